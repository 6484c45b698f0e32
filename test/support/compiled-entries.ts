import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Haven's entry points, compiled once per test run (global setup) into one file each, for the
// tests whose subject is a process of its own (a crash, a start, a command an operator types).
// `node --import tsx` spends about a second resolving and transforming a few hundred modules on
// every start; the compiled file starts in half that, and dozens of such starts make up minutes
// of the suite. It is the same code: esbuild is what tsx transforms with.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the project, so the compiled files find node_modules as the sources do.
const outDir = path.join(root, 'node_modules/.cache/haven-test-entries');

export const ENTRIES = {
  server: 'server/main.ts',
  workers: 'workers/main.ts',
  cli: 'server/cli/main.ts',
  auditVerify: 'scripts/audit-verify.ts',
} as const;

export type EntryName = keyof typeof ENTRIES;

/** The compiled file for an entry point; `node <file> …` runs it as `tsx <entry> …` would. */
export function compiledEntry(name: EntryName): string {
  return path.join(outDir, `${name}.mjs`);
}

// Code that finds files beside itself (migrations, the web build, the password worker) reads
// `import.meta.url`: each module keeps its own source file's URL, as it has when run from source.
const keepModuleUrls: Plugin = {
  name: 'keep-module-urls',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

export async function compileEntries(): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, entry]) => [name, entry])),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    plugins: [keepModuleUrls],
    logLevel: 'warning',
  });
}

/** Arguments for `spawn(process.execPath, …)` that run an entry point as a process of its own. */
export function entryArgs(name: EntryName, ...args: string[]): string[] {
  return [compiledEntry(name), ...args];
}
