import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DemoAccount } from './seed';

const FILE_NAME = 'demo-accounts.json';

const demoFileSchema = z.array(
  z.object({
    name: z.string(),
    email: z.string(),
    role: z.string(),
    agency: z.string().nullable(),
    password: z.string(),
    totpSecret: z.string().nullable(),
    verified: z.boolean(),
  }),
);

export function demoFilePath(dataDir: string): string {
  return path.resolve(dataDir, FILE_NAME);
}

/** Kept beside the data (readable by the owner only) so `npm run demo:codes` can print current codes later. */
export function writeDemoFile(dataDir: string, accounts: DemoAccount[]): string {
  const file = demoFilePath(dataDir);
  writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export function readDemoFile(dataDir: string): z.infer<typeof demoFileSchema> {
  const file = demoFilePath(dataDir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`No demo accounts found at ${file}. Start Haven once with \`npm start\` to create them.`);
  }
  const parsed = demoFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is not a Haven demo accounts file.`);
  return parsed.data;
}
