import type { z } from 'zod';
import { childIdParam } from '../children/children.schema';
import { uuidParam } from '../shared/schemas';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/**
 * Who may call an operation. `signed_in` (the default) is a fully signed-in session (password
 * and two-factor code); the two partial stages exist only between the password and the code.
 * Policy (server/policy/) then decides by role and agency: the summary says who.
 */
export type Access = 'public' | 'mfa_required' | 'enrolment_required' | 'signed_in';

/** What a successful answer carries; `json` unless a route sends something else. */
export type Media = 'json' | 'json-or-csv' | 'json-or-html' | 'html' | 'css' | 'text' | 'bytes';

export interface SuccessAnswer {
  status: 200 | 201 | 202 | 204;
  description: string;
  media?: Media;
}

/**
 * One HTTP operation, with the very zod schemas its route parses (imported, never copied), so
 * the OpenAPI document is generated from what the server enforces. Each domain's operations are
 * in operations/<domain>.ts; a route missing there fails test/integration/openapi.test.ts.
 */
export interface ApiOperation {
  method: HttpMethod;
  /** The Express path under `/api`, as the routes file writes it (`/agencies/:id/protocol`). */
  path: string;
  tag: ApiTag;
  summary: string;
  access?: Access;
  /** One schema per `:name` in the path. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodType;
  body?: z.ZodType;
  ok: SuccessAnswer;
}

export const API_TAGS = {
  Service: 'Health, and this documentation.',
  'Sign-in': 'Sessions, two-factor sign-in and enrolment, registration and invitations.',
  Agencies: 'Agencies and their signing of the Information Sharing Protocol.',
  Users: 'Admin work on users: invitations, verification, suspension; finding people to share with.',
  Audit: 'The tamper-evident audit log and access reports.',
  Children: "The children's index: search, open with a reason, involvement, concerns, shielding, specialist contacts.",
  Shares: 'The share log: verbal shares, decisions not to share, corrections, and a child’s chronology (docs/share-record.md).',
  Attachments:
    'Encrypted files attached to messages (docs/attachments.md): resumable chunked upload of ciphertext the browser encrypted, streamed download for the message’s readers.',
  Conversations: 'Conversations about a child. The messages themselves travel over Socket.IO (docs/realtime.md, docs/envelope.md).',
  Keys: 'The key directory, encrypted key backups and the append-only key log (docs/key-log.md, docs/key-backup.md).',
  'Offending risk': 'The offending-risk tier: marking, the special file, case officers, written-record obligations.',
  Retention: 'The retention schedule, runs and legal holds.',
  'Subject access': 'Subject access requests about a child: record, export, mark answered.',
  Integrity:
    'Reports from readers’ clients of something altered on the server: a message listed where its signed header does not say, a summary its recorder did not sign.',
} as const;

export type ApiTag = keyof typeof API_TAGS;

export const json = (description: string, status: 200 | 201 | 202 = 200): SuccessAnswer => ({ status, description });
export const created = (description: string): SuccessAnswer => json(description, 201);
export const noContent = (description = 'Done; no body.'): SuccessAnswer => ({ status: 204, description });

/** The usual path parameters. */
export const byId = { id: uuidParam };
export const byChild = { id: childIdParam };
