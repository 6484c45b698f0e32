import { z } from 'zod';
import { uuidParam } from '../shared/schemas';
import { auditActions } from './actions';

export const auditQuery = z.strictObject({
  action: z.enum(auditActions, { message: 'Choose an action from the list' }).optional(),
  actorId: uuidParam.optional(),
  subjectId: z.string().trim().min(1).max(200).optional(),
  from: z.iso.datetime({ offset: true, message: 'from must be a date and time like 2026-01-31T09:00:00Z' }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true, message: 'to must be a date and time like 2026-01-31T17:00:00Z' }).or(z.iso.date()).optional(),
  beforeSeq: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
