import { beforeAll, describe, expect, it } from 'vitest';
import { DecryptError, MalformedInputError, backupKeys, generateIdentity, ready, restoreKeys, type IdentityKeys, type KeyBackup } from '../../crypto';

beforeAll(ready);

const passphrase = 'correct horse battery staple';
let keys: IdentityKeys;
let backup: KeyBackup;
beforeAll(() => {
  keys = generateIdentity();
  backup = backupKeys(keys, 'user-1', passphrase);
});

describe('key backup v1 (Argon2id + XChaCha20-Poly1305)', () => {
  it('restores exactly the keys with the right passphrase', () => {
    expect(restoreKeys(backup, 'user-1', passphrase)).toEqual(keys);
    expect(JSON.stringify(backup)).not.toContain(Buffer.from(keys.boxPrivateKey).toString('base64url'));
  });

  it('refuses a wrong passphrase, another user, or an altered backup', () => {
    expect(() => restoreKeys(backup, 'user-1', 'correct horse battery stapler')).toThrow(DecryptError);
    expect(() => restoreKeys(backup, 'user-2', passphrase)).toThrow(DecryptError);
    const flipped = backup.ciphertext[0] === 'A' ? 'B' : 'A';
    expect(() => restoreKeys({ ...backup, ciphertext: flipped + backup.ciphertext.slice(1) }, 'user-1', passphrase)).toThrow(DecryptError);
    expect(() => restoreKeys({ ...backup, kdf: { ...backup.kdf, opslimit: 4 } }, 'user-1', passphrase)).toThrow(DecryptError);
  });

  it('refuses weak passphrases and out-of-range parameters', () => {
    expect(() => backupKeys(keys, 'user-1', 'short')).toThrow(MalformedInputError);
    expect(() => restoreKeys({ ...backup, kdf: { ...backup.kdf, memlimit: 1024 } }, 'user-1', passphrase)).toThrow(MalformedInputError);
    expect(() => restoreKeys({ ...backup, kdf: { ...backup.kdf, opslimit: 1_000 } }, 'user-1', passphrase)).toThrow(MalformedInputError);
  });
});
