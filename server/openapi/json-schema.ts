import { z } from 'zod';

/** A JSON Schema object (draft 2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = z.core.JSONSchema.JSONSchema;

/**
 * The JSON Schema of what a client may send, generated from the zod schema the route parses
 * with, so the documentation cannot drift from the validation. It describes the input side
 * (`io: 'input'`): a field with a default is optional, and a transform shows what it accepts.
 * Checks zod can express only in code (refinements such as "a real calendar date", or "a Haven
 * user or a named person, not both") have no JSON Schema form: they are left out rather than
 * failing the whole document, and the server still enforces them, answering 400 with the paths.
 */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return json;
}

/** The schema's alternatives when it is a union (`oneOf` / `anyOf`), else the schema itself. */
export function alternativesOf(schema: JsonSchema): JsonSchema[] {
  return schema.oneOf ?? schema.anyOf ?? [schema];
}

/** A schema nested inside another (boolean schemas — `true`, `false` — carry nothing to show). */
export function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}
