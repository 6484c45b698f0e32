import { correctionBody, decisionBody, reopenBody, verbalShareBody } from '../../shares/shares.schema';
import { addParticipantBody, startThreadBody } from '../../shares/threads.schema';
import { type ApiOperation, byChild, byId, created, json } from '../api-operation';

/** The routes in server/shares/shares.routes.ts and threads.routes.ts. */
export const sharesOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/children/:id/verbal-shares',
    tag: 'Shares',
    summary: 'Record a verbal share, with files (`attachments`: my finished uploads for a verbal share about this child, described inside the sealed summary)',
    params: byChild,
    body: verbalShareBody,
    ok: created('`{ entry }`; 200 with the existing entry for a resend of the same `id`.'),
  },
  {
    method: 'post',
    path: '/children/:id/decisions',
    tag: 'Shares',
    summary: 'Record a decision not to share',
    params: byChild,
    body: decisionBody,
    ok: created('`{ entry }`.'),
  },
  {
    method: 'get',
    path: '/children/:id/chronology',
    tag: 'Shares',
    summary: 'The share entries I sent or took part in, in order (audited)',
    params: byChild,
    ok: json('`{ entries: ShareEntry[] }`.'),
  },
  {
    method: 'get',
    path: '/children/:id/chronology/all-agencies',
    tag: 'Shares',
    summary:
      'Every agency’s share entries about the child, for their current lead practitioner only, within need-to-know (offending-risk entries only for officers on the case); audited',
    params: byChild,
    ok: json(
      '`{ entries: (ShareEntry & { readerIsParty, hasSummary })[] }`; `summary` only on entries the reader took part in. 403 `not_lead_practitioner`, `lead_ended`, `lead_agency_not_involved`.',
    ),
  },
  {
    method: 'post',
    path: '/shares/:id/reopen',
    tag: 'Shares',
    summary: 'Reopen a decision not to share (the deciding agency)',
    params: byId,
    body: reopenBody,
    ok: created('`{ entry }`.'),
  },
  {
    method: 'post',
    path: '/shares/:id/corrections',
    tag: 'Shares',
    summary: 'Correct an entry (its sender); `replacement` is a body of the same kind',
    params: byId,
    body: correctionBody,
    ok: created('`{ entry }`.'),
  },
  {
    method: 'post',
    path: '/children/:id/threads',
    tag: 'Conversations',
    summary: 'Start a conversation about a child (a share, with its record)',
    params: byChild,
    body: startThreadBody,
    ok: created('`{ thread }`.'),
  },
  {
    method: 'get',
    path: '/threads',
    tag: 'Conversations',
    summary: 'The conversations I take part in',
    ok: json(
      "`{ threads: Thread[] }`, each with `lastActivityAt` and `childName`: the child's name only when my agency serves the child or holds their entry (practitioners and designated officers), else null; names shown are audited.",
    ),
  },
  {
    method: 'get',
    path: '/threads/:id',
    tag: 'Conversations',
    summary: 'A conversation and its messages (participants; audited)',
    params: byId,
    ok: json('`{ thread, messages }`; each message the viewer sent carries `receipts: { delivered, read }` (user ids), others `null`.'),
  },
  {
    method: 'post',
    path: '/threads/:id/participants',
    tag: 'Conversations',
    summary: 'Add someone to a conversation (a share, with its record)',
    params: byId,
    body: addParticipantBody,
    ok: json('`{ thread }`.'),
  },
];
