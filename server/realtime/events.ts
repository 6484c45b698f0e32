/**
 * The Socket.IO contract, shared by the server (`Server<ClientToServerEvents, ServerToClientEvents>`)
 * and the web client (`Socket<ServerToClientEvents, ClientToServerEvents>`). Event names are
 * `domain:verb`; every client event is validated with its schema below and answered with an ack.
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

export interface ClientToServerEvents {
  /** Asks whether this user may share right now, and why not. */
  'session:status': (payload: Record<string, never>, ack: (res: Ack<{ sharing: SharingStatus }>) => void) => void;
}

export interface ServerToClientEvents {
  /** The session ended elsewhere (sign-out, sign-out everywhere): the client returns to sign-in. */
  'session:ended': (payload: { reason: 'signed_out' | 'signed_out_everywhere' | 'expired' }) => void;
}

/** Payload schemas for client events, keyed by event name. */
export const clientEventSchemas = {
  'session:status': z.strictObject({}),
} satisfies Record<keyof ClientToServerEvents, z.ZodType>;
