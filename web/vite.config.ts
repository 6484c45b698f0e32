import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// HAVEN_DEV_SERVER points the dev proxy at a Haven server on another address.
const server = process.env['HAVEN_DEV_SERVER'] ?? 'http://127.0.0.1:3000';

interface TrustRoots {
  v: 1;
  keyLogPublicKey: string;
  orgRootPublicKey: string;
}

/**
 * The installation's trust roots (HAVEN_TRUST_ROOTS_FILE, or trust-roots.json in HAVEN_DATA_DIR,
 * default ./data): the client is built to trust exactly these keys and never takes one from an
 * API answer (docs/key-log.md, "Trust roots"). Checked here for shape (32-byte keys); the server
 * checks them fully, and against its own keys, when it starts. A build without them stops with
 * one line saying how to make them.
 */
function trustRootsFile(): string {
  return process.env['HAVEN_TRUST_ROOTS_FILE'] || path.join(process.env['HAVEN_DATA_DIR'] || './data', 'trust-roots.json');
}

function readTrustRoots(file: string): TrustRoots {
  const stop = (why: string): never => {
    process.stderr.write(`Haven's web client cannot be built: ${why}\n`);
    process.exit(1);
  };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return stop(`there are no trust roots at ${file}: run \`npm run haven -- trust init\` (or set HAVEN_TRUST_ROOTS_FILE)`);
    }
    return stop(`${file} is not a Haven trust roots file (${error instanceof SyntaxError ? 'not JSON' : (error as Error).message})`);
  }
  const roots = (value ?? {}) as Record<string, unknown>;
  const isKey = (key: unknown) => typeof key === 'string' && /^[A-Za-z0-9_-]{43}$/.test(key);
  if (roots['v'] !== 1 || !isKey(roots['keyLogPublicKey']) || !isKey(roots['orgRootPublicKey'])) {
    return stop(`${file} is not a Haven trust roots file (expected { v: 1, keyLogPublicKey, orgRootPublicKey } with 32-byte base64url keys)`);
  }
  return { v: 1, keyLogPublicKey: roots['keyLogPublicKey'] as string, orgRootPublicKey: roots['orgRootPublicKey'] as string };
}

/**
 * Makes the trust roots a constant of the client's code (web/src/lib/trust-roots.ts) and emits them
 * as dist/trust-roots.json, which the server compares with its own at start. A build without them
 * stops. Anything else that loads this configuration (the dev server, svelte-check) goes on
 * without them; the dev client then stops at load, saying it has no trust roots.
 */
function trustRoots(): Plugin {
  let roots: TrustRoots | null = null;
  return {
    name: 'haven-trust-roots',
    config(_config, { command }) {
      const file = trustRootsFile();
      roots = command === 'build' || existsSync(file) ? readTrustRoots(file) : null;
      return { define: { __HAVEN_TRUST_ROOTS__: JSON.stringify(roots) } };
    },
    generateBundle() {
      if (roots) this.emitFile({ type: 'asset', fileName: 'trust-roots.json', source: `${JSON.stringify(roots, null, 2)}\n` });
    },
  };
}

/**
 * Subresource integrity on the scripts and stylesheets index.html names, computed from the files
 * as written: a copy altered after the build (a CDN, a proxy, a shared disk) is refused by the
 * browser. It cannot protect against whoever serves index.html itself (docs/key-log.md, "What remains").
 */
function subresourceIntegrity(): Plugin {
  return {
    name: 'haven-subresource-integrity',
    apply: 'build',
    enforce: 'post',
    writeBundle(options) {
      const outDir = options.dir ?? path.join(root, 'dist');
      const indexFile = path.join(outDir, 'index.html');
      const html = readFileSync(indexFile, 'utf8').replace(/<(?:script|link)\b[^>]*\s(?:src|href)="\/(assets\/[^"]+)"[^>]*>/g, (tag, file: string) => {
        if (/\bintegrity=/.test(tag)) return tag;
        const digest = createHash('sha384')
          .update(readFileSync(path.join(outDir, file)))
          .digest('base64');
        return tag.replace(/\s*\/?>$/, ` integrity="sha384-${digest}">`);
      });
      writeFileSync(indexFile, html);
    },
  };
}

export default defineConfig({
  root,
  plugins: [svelte(), trustRoots(), subresourceIntegrity()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's CSP allows no inline code: keep every asset a separate file.
    assetsInlineLimit: 0,
    // libsodium (sumo) carries its WebAssembly inline, about 550 kB; it loads after sign-in, in its own chunk.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // The client shares contract files with the server (server/realtime/events.ts, server/audit/actions.ts).
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: {
      '/api': { target: server, changeOrigin: false },
      '/socket.io': { target: server, ws: true, changeOrigin: false },
    },
  },
});
