import { alternativesOf, asSchema, type JsonSchema } from './json-schema';

/** One row of a field table: a dotted path (`parents[].name`), whether it must be sent, and its rules in words. */
export interface FieldRow {
  name: string;
  required: boolean;
  rules: string;
}

const FORMATS: Record<string, string> = {
  uuid: 'UUID',
  'date-time': 'date and time, ISO 8601 with offset',
  date: 'date, YYYY-MM-DD',
  email: 'email address',
};

/** Patterns that have a plain name (the refinements behind them, such as "a real calendar date", are the server's). */
const PATTERNS: Record<string, string> = {
  '^\\d{4}-\\d{2}-\\d{2}$': 'date, YYYY-MM-DD',
};

/** zod gives every `.int()` JavaScript's safe-integer bounds; they say nothing to a reader. */
const SAFE_LIMIT = Number.MAX_SAFE_INTEGER;

const literal = (value: unknown) => JSON.stringify(value);

function range(min: number | undefined, max: number | undefined, unit = ''): string | null {
  const of = (n: number) => (unit ? ` ${unit}${n === 1 ? '' : 's'}` : '');
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}${of(min)}` : `${min}–${max}${of(max)}`;
  if (min !== undefined) return `at least ${min}${of(min)}`;
  if (max !== undefined) return `at most ${max}${of(max)}`;
  return null;
}

function isNull(schema: JsonSchema): boolean {
  return schema.type === 'null';
}

/** A schema's type and constraints in a few words, e.g. `text, 3–1000 characters` or `UUID, or null`. */
export function describeSchema(schema: JsonSchema): string {
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    const nonNull = union.filter((s) => !isNull(s));
    const shapes = objectShapes(nonNull);
    const text = shapes ? `one of ${shapes.length} shapes (fields below)` : nonNull.map(describeSchema).join('; or ');
    return nonNull.length < union.length ? `${text}, or null` : nonNull.length > 1 && !shapes ? `one of: ${text}` : text;
  }
  const parts: (string | null)[] = [];
  if (schema.enum) parts.push(`one of ${schema.enum.map(literal).join(', ')}`);
  else if (schema.const !== undefined) parts.push(`exactly ${literal(schema.const)}`);
  else {
    switch (schema.type) {
      case 'string':
        parts.push(schema.format ? (FORMATS[schema.format] ?? schema.format) : ((schema.pattern && PATTERNS[schema.pattern]) ?? 'text'));
        parts.push(range(schema.minLength, schema.maxLength, 'character'));
        if (schema.pattern && !schema.format && !PATTERNS[schema.pattern]) parts.push(`matching ${schema.pattern}`);
        break;
      case 'integer':
      case 'number': {
        parts.push(schema.type === 'integer' ? 'whole number' : 'number');
        const max = schema.maximum === SAFE_LIMIT ? undefined : schema.maximum;
        const min = schema.minimum === -SAFE_LIMIT ? undefined : schema.minimum;
        parts.push(range(min, max));
        break;
      }
      case 'boolean':
        parts.push('true or false');
        break;
      case 'array': {
        const items = asSchema(schema.items);
        parts.push(`list${items ? `, each ${describeSchema(items)}` : ''}`);
        parts.push(range(schema.minItems, schema.maxItems, 'item'));
        break;
      }
      case 'object':
        parts.push(schema.properties ? 'object (fields below)' : 'object');
        break;
      case 'null':
        parts.push('null');
        break;
      case undefined:
        parts.push('any JSON value');
        break;
      default:
        parts.push(Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type));
    }
  }
  if (schema.default !== undefined) parts.push(`default ${literal(schema.default)}`);
  return parts.filter(Boolean).join(', ');
}

/** The alternatives of a union when every one is an object with fields (a discriminated union, usually). */
function objectShapes(alternatives: JsonSchema[]): JsonSchema[] | null {
  return alternatives.length > 1 && alternatives.every((s) => s.properties) ? alternatives : null;
}

/** What tells a shape apart: its fields with a fixed value, e.g. `status = "given"`. */
function shapeLabel(shape: JsonSchema, index: number): string {
  const fixed = Object.entries(shape.properties ?? {}).flatMap(([name, value]) => {
    const constant = asSchema(value)?.const;
    return constant === undefined ? [] : [`${name} = ${literal(constant)}`];
  });
  return fixed.length ? `when ${fixed.join(' and ')}` : `shape ${index + 1}`;
}

/** The objects inside a schema worth listing fields for: the object itself, an array's items, the non-null side of `X | null`, or each shape of a union. */
function nestedObjects(schema: JsonSchema): { schema: JsonSchema; suffix: string; label?: string }[] {
  if (schema.properties) return [{ schema, suffix: '.' }];
  const items = asSchema(schema.items);
  if (schema.type === 'array' && items) return nestedObjects(items).map((nested) => ({ ...nested, suffix: `[]${nested.suffix}` }));
  const nonNull = (schema.anyOf ?? schema.oneOf ?? []).filter((s) => !isNull(s));
  const shapes = objectShapes(nonNull);
  if (shapes) return shapes.map((shape, i) => ({ schema: shape, suffix: '.', label: shapeLabel(shape, i) }));
  const only = nonNull.length === 1 ? nonNull[0] : undefined;
  return only ? nestedObjects(only) : [];
}

/** Every field of an object schema, nested fields included, in declaration order. */
export function fieldRows(schema: JsonSchema, prefix = '', label?: string): FieldRow[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, value]) => {
    const field = asSchema(value) ?? {};
    const rules = describeSchema(field);
    const row: FieldRow = { name: prefix + name, required: required.has(name), rules: label ? `(${label}) ${rules}` : rules };
    const nested = nestedObjects(field).flatMap((inner) => fieldRows(inner.schema, prefix + name + inner.suffix, inner.label ?? label));
    return [row, ...nested];
  });
}

/** A body's shapes: one for an object, several for a union of objects (each listed on its own). */
export function bodyShapes(schema: JsonSchema): FieldRow[][] {
  return alternativesOf(schema).map((alternative) => fieldRows(alternative));
}
