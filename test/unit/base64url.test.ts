import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MalformedInputError, fromBase64Url, ready, toBase64Url } from '../../crypto';
import { sodium } from '../../crypto/sodium';

/**
 * `fromBase64Url` decodes in JavaScript what libsodium's `from_base64` (URLSAFE_NO_PADDING) used
 * to decode for it: it must accept exactly the same strings, with the same bytes, so that every
 * signed value keeps its one spelling. libsodium is the reference here.
 */
function libsodiumDecode(text: string): Uint8Array | 'refused' {
  const s = sodium();
  try {
    return s.from_base64(text, s.base64_variants.URLSAFE_NO_PADDING);
  } catch {
    return 'refused';
  }
}

function ours(text: string): Uint8Array | 'refused' {
  try {
    return fromBase64Url(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedInputError);
    return 'refused';
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Characters libsodium refuses in this variant: padding, standard base64's two, space, controls, beyond ASCII. */
const OTHERS = ['=', '+', '/', ' ', '\n', '\0', '.', 'é', '\u{1F600}', '\u007f'];
const CHARACTERS = [...ALPHABET, ...OTHERS];

beforeAll(ready);

describe('fromBase64Url against libsodium', () => {
  it('agrees on every string of up to three characters from the alphabet and the refused characters', () => {
    let compared = 0;
    const disagreements: string[] = [];
    const check = (text: string) => {
      const [a, b] = [ours(text), libsodiumDecode(text)];
      const same = a === 'refused' || b === 'refused' ? a === b : a.length === b.length && a.every((byte, i) => byte === b[i]);
      if (!same) disagreements.push(text);
      compared += 1;
    };
    check('');
    for (const a of CHARACTERS) {
      check(a);
      for (const b of CHARACTERS) {
        check(a + b);
        for (const c of CHARACTERS) check(a + b + c);
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBe(1 + CHARACTERS.length + CHARACTERS.length ** 2 + CHARACTERS.length ** 3);
  });

  it('agrees on every last character after longer valid prefixes (the unused low bits must be zero)', () => {
    for (const prefix of ['AAAA', 'AAAAA', 'AAAAAA', '_-_-_-_', 'ZmFjdA']) {
      for (const last of CHARACTERS) expect(ours(prefix + last), prefix + last).toEqual(libsodiumDecode(prefix + last));
    }
  });

  it('decodes what libsodium encodes, for random bytes of every length up to 600', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees on random strings, valid and mutated', () => {
    const character = fc.constantFrom(...CHARACTERS);
    const text = fc.oneof(
      fc.array(fc.constantFrom(...ALPHABET), { maxLength: 200 }).map((cs) => cs.join('')),
      fc.array(character, { maxLength: 200 }).map((cs) => cs.join('')),
      fc.tuple(fc.uint8Array({ maxLength: 150 }), fc.nat(), character).map(([bytes, at, c]) => {
        const encoded = toBase64Url(bytes);
        const i = encoded.length ? at % encoded.length : 0;
        return encoded.slice(0, i) + c + encoded.slice(i + 1);
      }),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(ours(t)).toEqual(libsodiumDecode(t));
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses what is not a string rather than reading it as no bytes', () => {
    for (const value of [undefined, null, 12, {}, [], { length: 4 }]) {
      expect(() => fromBase64Url(value as unknown as string)).toThrow(MalformedInputError);
    }
  });

  it('names the value in its error', () => {
    expect(() => fromBase64Url('a=', 'signature')).toThrow('signature is not base64url');
    expect(() => fromBase64Url('abcde')).toThrow('value is not base64url');
  });
});
