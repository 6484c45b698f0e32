import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DecryptError,
  MalformedInputError,
  backupKeys,
  formatRecoveryKey,
  generateIdentity,
  newRecoveryKey,
  parseRecoveryKey,
  ready,
  restoreKeys,
  restoreKeysWithRecoveryKey,
  wrapKeysWithRecoveryKey,
  type IdentityKeys,
} from '../../crypto';

beforeAll(ready);

let keys: IdentityKeys;
beforeAll(() => {
  keys = generateIdentity();
});

describe('the printed recovery key', () => {
  it('is 14 groups of 4 unambiguous characters, and different every time', () => {
    const a = newRecoveryKey();
    expect(a).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){13}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(newRecoveryKey()).not.toBe(a);
  });

  it('reads back every key exactly, however it was typed (case, spaces, dashes, O for 0, I or L for 1)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (bytes, sloppy) => {
        const printed = formatRecoveryKey(bytes);
        const typed = sloppy ? printed.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l') : printed;
        expect(parseRecoveryKey(typed)).toEqual(bytes);
      }),
    );
  });

  it('catches any single mistyped character before decrypting anything', () => {
    const printed = newRecoveryKey();
    const chars = printed.replace(/-/g, '').split('');
    for (let i = 0; i < chars.length; i++) {
      const wrong = [...chars];
      wrong[i] = chars[i] === 'Z' ? 'Y' : 'Z';
      expect(() => parseRecoveryKey(wrong.join('')), `position ${i}`).toThrow(MalformedInputError);
    }
  });

  it('says what is wrong with the wrong length or a character that is never printed', () => {
    expect(() => parseRecoveryKey('ABCD-EFGH')).toThrow(/56 letters and digits; this has 8/);
    expect(() => parseRecoveryKey('U'.repeat(56))).toThrow(/"U" is not one of them/);
    expect(() => formatRecoveryKey(new Uint8Array(31))).toThrow(MalformedInputError);
  });
});

describe('keys wrapped under the recovery key', () => {
  it('restore exactly the same keys as the passphrase backup, with only the recovery key', () => {
    const recoveryKey = newRecoveryKey();
    const backup = { ...backupKeys(keys, 'user-1', 'correct horse battery staple'), recoveryKey: wrapKeysWithRecoveryKey(keys, 'user-1', recoveryKey) };
    expect(restoreKeysWithRecoveryKey(backup.recoveryKey, 'user-1', recoveryKey)).toEqual(keys);
    expect(restoreKeys(backup, 'user-1', 'correct horse battery staple')).toEqual(keys);
    expect(JSON.stringify(backup)).not.toContain(Buffer.from(keys.boxPrivateKey).toString('base64url'));
    expect(JSON.stringify(backup)).not.toContain(recoveryKey.replace(/-/g, ''));
  });

  it('refuse another recovery key, another user, and an altered wrapping', () => {
    const recoveryKey = newRecoveryKey();
    const wrap = wrapKeysWithRecoveryKey(keys, 'user-1', recoveryKey);
    expect(() => restoreKeysWithRecoveryKey(wrap, 'user-1', newRecoveryKey())).toThrow(DecryptError);
    expect(() => restoreKeysWithRecoveryKey(wrap, 'user-2', recoveryKey)).toThrow(DecryptError);
    const flipped = wrap.ciphertext[5] === 'A' ? 'B' : 'A';
    expect(() =>
      restoreKeysWithRecoveryKey({ ...wrap, ciphertext: wrap.ciphertext.slice(0, 5) + flipped + wrap.ciphertext.slice(6) }, 'user-1', recoveryKey),
    ).toThrow(DecryptError);
    expect(() => restoreKeysWithRecoveryKey({ ...wrap, v: 2 as 1 }, 'user-1', recoveryKey)).toThrow(MalformedInputError);
  });

  it('are the same size as the passphrase backup’s ciphertext (the server checks only the shape)', () => {
    const wrap = wrapKeysWithRecoveryKey(keys, 'user-1', newRecoveryKey());
    expect(wrap.nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(wrap.ciphertext).toMatch(/^[A-Za-z0-9_-]{235}$/);
  });
});
