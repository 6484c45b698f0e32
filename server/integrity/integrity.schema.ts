import { z } from 'zod';
import { PLACEMENT_PROBLEMS } from '../../crypto/envelope-placement';
import { uuidParam } from '../shared/schemas';

/**
 * What a reader's client found altered (docs/envelope.md, "Where an envelope is shown";
 * docs/sealed-note.md): an envelope listed where its signed header does not say, or a verbal
 * share's summary its recorder did not sign. Ids and a reason from a fixed list, never content.
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
      kind: z.literal('summary_not_signed'),
      shareId: uuidParam,
      reason: z.enum(['signature_invalid'], { message: 'Give the reason as signature_invalid' }),
    }),
  ],
  { message: 'Say what kind of problem was found: envelope_misplaced or summary_not_signed' },
);

export type IntegrityReportBody = z.infer<typeof integrityReportBody>;
