import { integrityReportBody } from '../../integrity/integrity.schema';
import { type ApiOperation, created } from '../api-operation';

/** The routes in server/integrity/integrity.routes.ts. */
export const integrityOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/integrity-reports',
    tag: 'Integrity',
    summary:
      'Report that this client refused something altered on the server: an envelope listed where its signed header does not say (a reader of the conversation), a verbal-share summary not signed by its recorder (its sender or a Haven participant), or two key-log heads signed by the log key that cannot both be true (any user in good standing; refused unless both are signed and they disagree with each other or with the stored log). Every active system admin gets a notice; at most 30 reports an hour per user',
    body: integrityReportBody,
    ok: created('`{ reported: true, alerted }` — `alerted` is false when you had already reported the same thing.'),
  },
];
