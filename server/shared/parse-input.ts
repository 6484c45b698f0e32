import type { z } from 'zod';
import { ValidationError } from '../errors';

/** Parses untrusted input with a schema; failures become a ValidationError naming each failing path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path: path || issue.keys.join(', '), message: `Not allowed here: ${issue.keys.join(', ')}` };
    }
    return { path, message: issue.message };
  });
  const first = issues[0];
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'is not valid';
  throw new ValidationError(`The ${what} is not valid — ${summary}`, issues);
}
