import { CanonicalisationError } from './errors';

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Object members are sorted by their UTF-16 code units, numbers use ECMAScript's shortest
 * round-trip form (which RFC 8785 adopts), strings use JSON's minimal escaping. Everything
 * Haven signs or hashes goes through this, never through plain `JSON.stringify` of an object
 * whose key order depends on how it was built.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$');
}

function serialise(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalisationError(`${path}: numbers must be finite`);
      // JSON.stringify on a finite number is ECMAScript Number::toString, as RFC 8785 §3.2.2.3 requires (and -0 → "0").
      return JSON.stringify(value);
    case 'string':
      return serialiseString(value, path);
    case 'object':
      if (Array.isArray(value)) {
        return `[${value.map((item, index) => serialise(item, `${path}[${index}]`)).join(',')}]`;
      }
      if (value instanceof Date || value instanceof Uint8Array) {
        throw new CanonicalisationError(`${path}: convert dates and bytes to strings before canonicalising`);
      }
      return serialiseObject(value as Record<string, unknown>, path);
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      throw new CanonicalisationError(`${path}: ${typeof value} cannot be canonicalised`);
  }
  // Unreachable while `typeof` has the eight results above; kept so a new one fails loudly.
  throw new CanonicalisationError(`${path}: unsupported value`);
}

function serialiseObject(object: Record<string, unknown>, path: string): string {
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
    .sort();
  const members = keys.map((key) => `${serialiseString(key, path)}:${serialise(object[key], `${path}.${key}`)}`);
  return `{${members.join(',')}}`;
}

function serialiseString(text: string, path: string): string {
  if (!text.isWellFormed()) throw new CanonicalisationError(`${path}: string contains a lone surrogate`);
  return JSON.stringify(text);
}
