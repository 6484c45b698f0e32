import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * SHA-256 of every file of the built web client, relative path first, in a stable order: what an
 * installation can publish (outside Haven) so that anyone can compare what their browser loaded
 * with what was built. Null when the client has not been built.
 */
export function webBuildHashes(webDist: string): { file: string; sha256: string }[] | null {
  if (!existsSync(path.join(webDist, 'index.html'))) return null;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(path.relative(webDist, full).split(path.sep).join('/'));
    }
  };
  walk(webDist);
  return files.sort().map((file) => ({
    file,
    sha256: createHash('sha256')
      .update(readFileSync(path.join(webDist, file)))
      .digest('hex'),
  }));
}

/** A public key's fingerprint for reading aloud: SHA-256 of its 32 bytes, hex in groups of four. */
export function keyFingerprintForHumans(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').match(/.{4}/g)?.join(' ') ?? '';
}
