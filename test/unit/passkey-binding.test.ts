import { beforeAll, describe, expect, it } from 'vitest';
import { MalformedInputError, passkeyBinding, passkeyBindingHolds, ready } from '../../crypto';

const key = new Uint8Array(32).fill(7);
const facts = { userId: '6f1c1f9e-3a52-4a0e-9a53-0b7c2a1d9e10', credentialId: 'Y3JlZGVudGlhbC1pZA', publicKey: 'cHVibGljLWtleQ' };

beforeAll(ready);

describe('passkey binding', () => {
  it('is the same for the same key and facts, and 32 bytes of base64url', () => {
    expect(passkeyBinding(key, facts)).toBe(passkeyBinding(key, { ...facts }));
    expect(passkeyBinding(key, facts)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(passkeyBindingHolds(key, facts, passkeyBinding(key, facts))).toBe(true);
  });

  it.each(['userId', 'credentialId', 'publicKey'] as const)('fails when %s changes (a row moved or planted)', (field) => {
    const binding = passkeyBinding(key, facts);
    expect(passkeyBindingHolds(key, { ...facts, [field]: `${facts[field]}x` }, binding)).toBe(false);
  });

  it('fails under another installation’s key, and for a made-up or empty binding', () => {
    const binding = passkeyBinding(key, facts);
    expect(passkeyBindingHolds(new Uint8Array(32).fill(8), facts, binding)).toBe(false);
    expect(passkeyBindingHolds(key, facts, 'bm9wZQ')).toBe(false);
    expect(passkeyBindingHolds(key, facts, '')).toBe(false);
  });

  it('cannot be made by moving text between fields (canonical JSON, not concatenation)', () => {
    const joined = passkeyBinding(key, { ...facts, userId: `${facts.userId}${facts.credentialId}`, credentialId: '' });
    expect(joined).not.toBe(passkeyBinding(key, facts));
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => passkeyBinding(new Uint8Array(16), facts)).toThrow(MalformedInputError);
  });
});
