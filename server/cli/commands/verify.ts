import { z } from 'zod';
import { defineCommand } from '../command';
import { EXIT } from '../io';

export const verify = defineCommand({
  name: 'verify',
  summary: 'Verify the audit chain, its anchors and the key log',
  description: [
    'Walks the whole audit chain and stops at the first entry that was modified, inserted or deleted;',
    'compares it with the anchors kept in the database and, when HAVEN_AUDIT_ANCHOR_FILE is set, in that',
    'file (truncation); and checks every key log entry and signed head against the log key. Run it after',
    'restoring a backup. Exit status 3 when anything does not verify.',
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
