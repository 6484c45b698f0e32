import { z } from 'zod';
import { defineCommand } from '../command';
import { EXIT } from '../io';

export const verify = defineCommand({
  name: 'verify',
  summary: 'Verify the audit chain, its signed anchors and the key log',
  description: [
    'Walks the whole audit chain and stops at the first entry that was modified, inserted, deleted, or',
    'written without the installation key (forged); checks every signed anchor, in the database and in the',
    'anchor file (HAVEN_AUDIT_ANCHOR_FILE, default HAVEN_DATA_DIR/audit-anchors.jsonl), against its entry and',
    'the chain against the latest (truncation); and checks every key log entry and signed head against the',
    'log key. Run it after restoring a backup. Exit status 3 when anything does not verify.',
  ],
  positionals: [],
  options: {},
  input: z.strictObject({}),
  examples: ['verify'],
  async run(ctx, _input, io) {
    const { verifyInstallation } = await import('../verify-installation');
    return (await verifyInstallation(ctx, io)) ? EXIT.ok : EXIT.integrity;
  },
});
