import { z } from 'zod';
import { uuidParam } from '../shared/schemas';
import { shareRecord } from './share-record';

const needToKnowReason = z.string().trim().min(10, 'Say in at least 10 characters why they need to know').max(1000).nullish();
const member = z.strictObject({ userId: uuidParam, needToKnowReason });

/** Starting a conversation tells the participants who the child is: it is a share, with its record. */
export const startThreadBody = z.strictObject({
  participants: z.array(member).min(1, 'Add at least one person').max(20, 'A conversation can have at most 20 other people'),
  record: shareRecord,
});

export const addParticipantBody = member.extend({ record: shareRecord });
