import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, passwordNeedsRehash, randomToken, ready, verifyPassword } from '../../crypto';

beforeAll(ready);

describe('password hashing (Argon2id)', () => {
  const hash = () => hashPassword('correct horse battery staple');

  it('produces an Argon2id PHC string with a fresh salt each time', () => {
    const a = hash();
    const b = hash();
    expect(a).toMatch(/^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(passwordNeedsRehash(a)).toBe(false);
  });

  it('accepts the right password and refuses wrong ones', () => {
    const stored = hash();
    expect(verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(verifyPassword(stored, 'correct horse battery stapl')).toBe(false);
    expect(verifyPassword(stored, '')).toBe(false);
  });

  it('returns false, never throws, for a malformed stored hash', () => {
    expect(verifyPassword('not a hash', 'x')).toBe(false);
    expect(verifyPassword('$argon2id$garbage', 'x')).toBe(false);
  });
});

describe('randomToken', () => {
  it('is 43 base64url characters and does not repeat', () => {
    const tokens = new Set(Array.from({ length: 200 }, randomToken));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
