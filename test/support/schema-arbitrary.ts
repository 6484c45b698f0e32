import fc from 'fast-check';
import type { JsonSchema } from '../../server/openapi/json-schema';

/**
 * Values for a JSON Schema (the OpenAPI document's request bodies and parameters), for fuzzing
 * the server through its real interface. Mostly values the schema allows, so requests get past
 * validation into the services, with known ids mixed into every uuid so they reach real records;
 * sometimes a field is dropped, mistyped or replaced with something hostile, so the edges of
 * validation are tried too.
 */
export function arbitraryFor(schema: JsonSchema | boolean | undefined, knownIds: readonly string[], depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema !== 'object' || depth > 6) return hostileValue;
  return fc.oneof({ weight: 9, arbitrary: conforming(schema, knownIds, depth) }, { weight: 1, arbitrary: hostileValue });
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, '', ' ', '%00', '\u0000', "'; drop table users; --", '__proto__', '../../etc/passwd', 'x'.repeat(10_000), -1, 1e308, true),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'a'), fc.string(), { maxKeys: 2 }),
);

function conforming(schema: JsonSchema, knownIds: readonly string[], depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => arbitraryFor(alternative, knownIds, depth + 1)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return objectOf(schema, knownIds, depth);
    case 'array': {
      const items = typeof schema.items === 'object' && !Array.isArray(schema.items) ? schema.items : undefined;
      return fc.array(arbitraryFor(items, knownIds, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    }
    case 'string':
      return stringFor(schema, knownIds);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 100_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case undefined:
    default:
      return hostileValue;
  }
}

function objectOf(schema: JsonSchema, knownIds: readonly string[], depth: number): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of properties) {
    // An address field whose schema cannot say "email" (a transform hides the format) still gets addresses.
    const isAddress = /email/i.test(name) && typeof property === 'object' && property.type === 'string' && !property.format;
    fields[name] = isAddress ? fc.oneof(fc.emailAddress(), arbitraryFor(property, knownIds, depth + 1)) : arbitraryFor(property, knownIds, depth + 1);
  }
  const requiredKeys = properties.map(([name]) => name).filter((name) => required.has(name));
  // Occasionally a required field goes missing: validation must say which.
  return fc.oneof({ weight: 8, arbitrary: fc.record(fields, { requiredKeys }) }, { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) });
}

function stringFor(schema: JsonSchema, knownIds: readonly string[]): fc.Arbitrary<unknown> {
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 60, 300));
  switch (schema.format) {
    case 'uuid':
      return knownIds.length ? fc.oneof(fc.constantFrom(...knownIds), fc.uuid()) : fc.uuid();
    case 'email':
      return fc.emailAddress();
    case 'date':
      return fc.date({ min: new Date('1990-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
    case undefined:
    default:
      break;
  }
  if (schema.pattern) {
    // The pattern carries its own lengths; explicit bounds are checked too, but only when the schema states them.
    const fits = (s: string) =>
      (schema.minLength === undefined || s.length >= schema.minLength) && (schema.maxLength === undefined || s.length <= schema.maxLength);
    return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  }
  return fc.string({ minLength: min, maxLength: max });
}
