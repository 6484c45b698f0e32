import { z } from 'zod';

/**
 * Every error answer, from server/http/error-handler.ts: a code for programs, a message for
 * people, and for validation failures the failing paths. Some codes add non-sensitive fields
 * (`retryAfterSeconds` when throttled, `duplicates` for a possible duplicate child).
 */
export const errorAnswer = z.strictObject({
  error: z.looseObject({
    code: z.string().meta({ description: 'Stable, machine-readable, e.g. `invalid_request`, `csrf_token_invalid`, `child_not_found`.' }),
    message: z.string().meta({ description: 'Plain English for the person using Haven; never personal data, secrets or stack traces.' }),
    issues: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'With `invalid_request`: each failing field, as a dotted path.' }),
    retryAfterSeconds: z.number().int().optional().meta({ description: 'With 429, 423 and 503 `server_busy` (also sent as `Retry-After`).' }),
  }),
});

/** The format documents in docs/ the API page links to, served as Markdown. */
export const formatDocName = z.enum(['realtime', 'envelope', 'share-record', 'sealed-note', 'key-log', 'key-backup', 'audit-chain'], {
  message: 'There is no such format document',
});
