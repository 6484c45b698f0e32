/**
 * The Socket.IO contract, shared by the server (`Server<ClientToServerEvents, ServerToClientEvents>`)
 * and the web client (`Socket<ServerToClientEvents, ClientToServerEvents>`). Event names are
 * `domain:verb`; every client event is validated with its schema below and answered with an ack.
 * Documented in docs/realtime.md.
 */
import { z } from 'zod';

export interface AckError {
  code: string;
  message: string;
}

export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: AckError };

export interface SharingStatus {
  allowed: boolean;
  reasons: { code: string; message: string }[];
}

/** A message as a reader receives it: the envelope (docs/envelope.md) and where it sits in their sequence. */
export interface SyncedMessage {
  seq: number;
  id: string;
  threadId: string;
  childId: string;
  senderId: string;
  storedAt: string;
  /** Null once the sender revoked it: readers see that it was revoked, not what it said. */
  envelope: Record<string, unknown> | null;
  revoked: boolean;
  /**
   * Key grants for the readers an envelope v3 left waiting (crypto/key-grant.ts), as stored: each
   * reader checks one before using it, against the envelope's signed header and the granter's keys.
   */
  keyGrants: Record<string, unknown>[];
}

/**
 * Every reader's copy of a newly stored message, as one server process hands it to the others
 * (never to a client): the message once, each reader's number beside it, and the connection it
 * was sent on, which its ack already answered.
 */
export interface MessageCopies {
  message: Omit<SyncedMessage, 'seq'>;
  readers: [userId: string, seq: number][];
  exceptConnection: string | null;
}

/** Between Haven's server processes, through the Socket.IO Redis adapter. */
export interface InterServerEvents {
  'share:copies': (copies: MessageCopies) => void;
}

/** What a process accepts as copies from another: the shape it emits from (the message itself was built by a Haven process). */
export const messageCopiesSchema = z.object({
  message: z.looseObject({ id: z.string(), threadId: z.string(), senderId: z.string() }),
  readers: z.array(z.tuple([z.string(), z.number().int().positive()])).min(1),
  exceptConnection: z.string().nullable(),
});

export interface Receipt {
  messageId: string;
  userId: string;
  kind: 'delivered' | 'read';
  at: string;
}

/**
 * How far a retention run has got: after counting (`done` 0), after each batch, and at the end
 * (`finished`, `done` = `total`). `total` is the children due when the run started.
 */
export interface RetentionProgress {
  runId: string;
  phase: 'listing' | 'destroying' | 'finished';
  done: number;
  total: number;
}

export interface ClientToServerEvents {
  /** Asks whether this user may share right now, and why not. */
  'session:status': (payload: Record<string, never>, ack: (res: Ack<{ sharing: SharingStatus }>) => void) => void;
  /** Sends a sealed, signed envelope. A resend of the same envelope id is answered with the original result. */
  'share:send': (
    /** `attachments`: the ids of the sender's finished uploads the envelope's signed body describes (docs/attachments.md). */
    payload: { envelope: unknown; dischargesObligationId?: string; attachments?: string[] },
    ack: (res: Ack<{ id: string; seq: number; storedAt: string; duplicate: boolean }>) => void,
  ) => void;
  /** Everything for this user after `cursor`, in order; repeat with the returned cursor while `more`. */
  'sync:since': (payload: { cursor: number; limit?: number }, ack: (res: Ack<{ messages: SyncedMessage[]; cursor: number; more: boolean }>) => void) => void;
  /** Delivery receipts for messages this client has stored. */
  'share:delivered': (payload: { ids: string[] }, ack: (res: Ack<{ acknowledged: string[] }>) => void) => void;
  /** Receipts of the user's own messages among `ids` (those missed live: offline, a lost server process). */
  'share:receipts': (payload: { ids: string[] }, ack: (res: Ack<{ receipts: Record<string, { delivered: string[]; read: string[] }> }>) => void) => void;
  /** A read receipt: the reader opened the message. */
  'share:read': (payload: { id: string }, ack: (res: Ack<Record<string, never>>) => void) => void;
  /**
   * Wraps a written record's key for an officer it named as pending, now that they have keys: a
   * signed key grant (crypto/key-grant.ts) from the record's author or one of its recipients.
   */
  'share:grant': (payload: { grant: unknown }, ack: (res: Ack<{ messageId: string; userId: string }>) => void) => void;
  /**
   * An officer a written record waits for (named pending), now with keys, asks the officers who can
   * read it to share it: they are told with `share:grant-wanted` (ids only).
   */
  'share:grant-wanted': (payload: { messageId: string }, ack: (res: Ack<{ asked: string[] }>) => void) => void;
  /** The sender withdraws a message nobody has opened yet. */
  'share:revoke': (payload: { id: string }, ack: (res: Ack<Record<string, never>>) => void) => void;
}

export interface ServerToClientEvents {
  /** The session ended elsewhere (sign-out, sign-out everywhere): the client returns to sign-in. */
  'session:ended': (payload: { reason: 'signed_out' | 'signed_out_everywhere' | 'suspended' | 'expired' }) => void;
  /** A new message for this user (no personal data outside the envelope). */
  'share:new': (payload: SyncedMessage) => void;
  'share:receipt': (payload: Receipt) => void;
  'share:revoked': (payload: { messageId: string }) => void;
  /** A reader wrapped a record's key for an officer it was waiting for: to everyone with a copy (the grant as stored). */
  'share:granted': (payload: { messageId: string; grant: Record<string, unknown> }) => void;
  /** An officer a written record waits for has keys and asks for it: a reader's open special file makes the grant. */
  'share:grant-wanted': (payload: { messageId: string; threadId: string }) => void;
  /**
   * Live copies may have been lost (a server process sharing the rooms died, or this one's
   * connection to Redis broke): fetch everything after this device's cursor with `sync:since`.
   */
  'sync:check': (payload: { reason: 'peer_lost' | 'redis_reconnected' }) => void;
  /** A child's records were destroyed under the retention schedule: forget these conversations (ids only). */
  'retention:purged': (payload: { childId: string; threadIds: string[] }) => void;
  /** Progress of a retention run, to the admin who started it (counts only). */
  'retention:progress': (payload: RetentionProgress) => void;
}

const uuid = z.uuid({ message: 'Expected a message id' });

/** Payload schemas for client events, keyed by event name. */
export const clientEventSchemas = {
  'session:status': z.strictObject({}),
  'share:send': z.strictObject({ envelope: z.unknown(), dischargesObligationId: uuid.optional(), attachments: z.array(uuid).min(1).max(20).optional() }),
  'sync:since': z.strictObject({ cursor: z.number().int().min(0), limit: z.number().int().min(1).max(500).optional() }),
  'share:delivered': z.strictObject({ ids: z.array(uuid).min(1).max(500) }),
  'share:receipts': z.strictObject({ ids: z.array(uuid).min(1).max(500) }),
  'share:read': z.strictObject({ id: uuid }),
  'share:revoke': z.strictObject({ id: uuid }),
  // The grant's own structure is crypto's (parseKeyGrant), checked in the service with a field path.
  'share:grant': z.strictObject({ grant: z.unknown() }),
  'share:grant-wanted': z.strictObject({ messageId: uuid }),
} satisfies Record<keyof ClientToServerEvents, z.ZodType>;
