import { z } from 'zod';

/** What the pool asks a password worker to do (server/accounts/password-worker.ts). */
export const passwordJob = z.discriminatedUnion('op', [
  z.object({ id: z.number().int(), op: z.literal('hash'), password: z.string() }),
  z.object({ id: z.number().int(), op: z.literal('verify'), storedHash: z.string(), password: z.string() }),
]);
export type PasswordJob = z.infer<typeof passwordJob>;

/** A worker's answer: the hash, whether the password matched, or that the job failed (no details: they could hold a password). */
export const passwordResult = z.discriminatedUnion('ok', [
  z.object({ id: z.number().int(), ok: z.literal(true), hash: z.string().optional(), matches: z.boolean().optional() }),
  z.object({ id: z.number().int(), ok: z.literal(false) }),
]);
export type PasswordResult = z.infer<typeof passwordResult>;
