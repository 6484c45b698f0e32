import { z } from 'zod';
import { defineConfigCommand } from '../command';
import { EXIT } from '../io';

export const trust = defineConfigCommand({
  name: 'trust',
  summary: 'Set up or show the trust roots (the keys clients trust, kept outside the database)',
  description: [
    "The trust roots are the key log's public key and the organisation root's public key. The web client is",
    'built with them (web/vite.config.ts reads HAVEN_TRUST_ROOTS_FILE, default HAVEN_DATA_DIR/trust-roots.json)',
    'and never takes a key from the server, so whoever holds only the database cannot make clients accept a key.',
    '`trust init` makes what is missing and replaces nothing: the installation key (for a new installation),',
    'the organisation root key file HAVEN_DATA_DIR/org-root.key (owner-only; move it offline once admins are',
    'certified), and the trust roots file. When the trust roots file exists it only checks it. `--if-missing`',
    'prints nothing when nothing was missing. `trust show` prints the trust roots with their fingerprints and',
    'the SHA-256 of every file of the web build, for publishing. Neither opens the database (docs/key-log.md).',
  ],
  positionals: [{ name: 'action', description: 'init or show' }],
  options: {
    'if-missing': { type: 'boolean', description: 'init: say nothing when everything was already there' },
  },
  input: z.strictObject({
    action: z.enum(['init', 'show'], { message: 'expected init or show' }),
    'if-missing': z.boolean().optional(),
  }),
  examples: ['trust init', 'trust show'],
  async runWithConfig(config, input, io) {
    const { initTrustRoots, orgRootKeyPath, readOrgRootKey, readTrustRootsFile, sameTrustRoots, trustRootsPath, TRUST_ROOTS_FILE_NAME } =
      await import('../../trust-roots');
    const { fromBase64Url } = await import('../../../crypto');
    const { keyFingerprintForHumans, webBuildHashes } = await import('../../trust-roots/build-hashes');
    const { webDist } = await import('../../http/static');
    if (input.action === 'init') {
      const { file, made } = initTrustRoots(config, new Date());
      if (made.length === 0) {
        if (!input['if-missing']) io.out(`The trust roots are set up already (${file}); nothing was changed.`);
        return EXIT.ok;
      }
      io.out(...made.map((f) => `Made ${f}`));
      if (made.some((f) => f === orgRootKeyPath(config.HAVEN_DATA_DIR))) {
        io.note(
          'The organisation root key certifies admins (`npm run haven -- certify-admin`). Keep a copy offline, and on a real installation move it off this machine once admins are certified.',
        );
      }
      io.note('Build the web client with these trust roots: npm run build:web');
      return EXIT.ok;
    }
    const file = trustRootsPath(config);
    const roots = readTrustRootsFile(file);
    if (!roots) {
      io.note(`haven: trust: there are no trust roots yet (${file}); run \`npm run haven -- trust init\``);
      return EXIT.failed;
    }
    const rootFile = orgRootKeyPath(config.HAVEN_DATA_DIR);
    const rootHere = readOrgRootKey(rootFile) !== null;
    const built = readTrustRootsFile(`${webDist}/${TRUST_ROOTS_FILE_NAME}`);
    const hashes = webBuildHashes(webDist);
    io.out(
      `Trust roots from ${file}:`,
      `  key log public key       ${roots.keyLogPublicKey}`,
      `    fingerprint (SHA-256)  ${keyFingerprintForHumans(fromBase64Url(roots.keyLogPublicKey, 'keyLogPublicKey'))}`,
      `  organisation root key    ${roots.orgRootPublicKey}`,
      `    fingerprint (SHA-256)  ${keyFingerprintForHumans(fromBase64Url(roots.orgRootPublicKey, 'orgRootPublicKey'))}`,
      `The organisation root's private key is ${rootHere ? `on this machine (${rootFile}): keep a copy offline` : 'not on this machine'}.`,
      hashes === null
        ? 'The web client has not been built.'
        : built && sameTrustRoots(built, roots)
          ? `The web client in ${webDist} is built with these trust roots. SHA-256 of its files (publish them, so browsers' copies can be compared):`
          : `The web client in ${webDist} is built with OTHER trust roots: rebuild it (npm run build:web). SHA-256 of its files:`,
      ...(hashes ?? []).map((h) => `  ${h.sha256}  ${h.file}`),
    );
    return EXIT.ok;
  },
});
