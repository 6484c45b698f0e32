import { z } from 'zod';
import { defineConfigCommand } from '../command';
import { EXIT } from '../io';

export const keys = defineConfigCommand({
  name: 'keys',
  summary: 'Make or show the installation key (kept outside the database)',
  description: [
    'The installation key keys the audit chain and signs its anchors; it is never written to the database.',
    'It comes from HAVEN_INSTALLATION_SEED, or from installation-keys.json in HAVEN_DATA_DIR, which the server',
    'makes on its first start. `keys create` makes that file now (readable by its owner only; an existing',
    'file is never replaced). `keys show` says where the key comes from and prints its anchor key, the',
    'public key anyone checking the anchor file elsewhere needs. Neither opens the database.',
  ],
  positionals: [{ name: 'action', description: 'create or show' }],
  options: {},
  input: z.strictObject({ action: z.enum(['create', 'show'], { message: 'expected create or show' }) }),
  examples: ['keys create', 'keys show'],
  async runWithConfig(config, input, io) {
    const { auditKeysFrom } = await import('../../audit/audit-keys');
    const { createInstallationKeys, keySource, loadInstallationKeys } = await import('../../installation-keys');
    if (input.action === 'create') {
      const made = auditKeysFrom(createInstallationKeys(config, new Date()));
      io.out(`Made the installation key ${made.source} (readable by its owner only); anchor key ${made.keyId}.`);
      io.note('Keep a copy in your secret store, apart from database backups (docs/backup-restore.md).');
      return EXIT.ok;
    }
    const installation = loadInstallationKeys(config);
    if (!installation) {
      io.note(
        `haven: keys: there is no installation key yet (${keySource(config)}); the server makes it on first start, or run \`npm run haven -- keys create\``,
      );
      return EXIT.failed;
    }
    io.out(`Installation key from ${installation.source}; anchor key ${auditKeysFrom(installation).keyId}.`);
    return EXIT.ok;
  },
});
