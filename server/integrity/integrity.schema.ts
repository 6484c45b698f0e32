import { z } from 'zod';
import { PLACEMENT_PROBLEMS } from '../../crypto/envelope-placement';
import { uuidParam } from '../shared/schemas';

/** A key-log head as a client kept it (docs/key-log.md); its signature is checked by the service. */
export const signedTreeHead = z.strictObject({
  v: z.literal(1),
  treeSize: z.number().int().min(0),
  rootHash: z.string().regex(/^[0-9a-f]{64}$/, 'rootHash is 64 lower-case hex digits'),
  timestamp: z.iso.datetime({ precision: 3, message: 'timestamp is ISO 8601 UTC with milliseconds' }),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'signature is 64 bytes in base64url'),
});

/**
 * What a reader's client found altered (docs/envelope.md, "Where an envelope is shown";
 * docs/sealed-note.md): an envelope listed where its signed header does not say, or a verbal
 * share's summary its recorder did not sign; or two key-log heads, both signed by the log key,
 * that cannot both be true (docs/key-log.md, "Forks"). Ids, heads and a reason from a fixed list,
 * never content.
 */
export const integrityReportBody = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('envelope_misplaced'),
      messageId: uuidParam,
      threadId: uuidParam,
      reason: z.enum(PLACEMENT_PROBLEMS as [string, ...string[]], { message: `Give the reason as one of ${PLACEMENT_PROBLEMS.join(', ')}` }),
    }),
    z.strictObject({
      kind: z.literal('key_log_fork'),
      heads: z.tuple([signedTreeHead, signedTreeHead], { message: 'Give the two signed heads that disagree' }),
    }),
    z.strictObject({
      kind: z.literal('summary_not_signed'),
      shareId: uuidParam,
      reason: z.enum(['signature_invalid'], { message: 'Give the reason as signature_invalid' }),
    }),
  ],
  { message: 'Say what kind of problem was found: envelope_misplaced, key_log_fork or summary_not_signed' },
);

export type IntegrityReportBody = z.infer<typeof integrityReportBody>;
