import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { BusyError } from '../errors';
import { passwordResult, type PasswordJob, type PasswordResult } from './password-jobs';

/**
 * Argon2id of a password nobody has. An unknown e-mail address is checked against it, at the
 * cost of a real account's check, so the time of an answer does not tell whether an account
 * exists. Made with the limits every new hash gets (test/unit/password.test.ts fails if they are
 * raised without replacing it).
 */
export const NO_ACCOUNT_HASH = '$argon2id$v=19$m=65536,t=2,p=1$949iXxMjVoTXDZG59/oxOA$5o1NyQRp77eqjosbnweNLQvdHaypKorJfZjD9nLF5Pk';

/** Password hashing and checking, off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password or a malformed stored hash. */
  verify(storedHash: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}

type Done = Extract<PasswordResult, { ok: true }>;
interface Pending {
  job: PasswordJob;
  resolve(result: Done): void;
  reject(error: Error): void;
}
interface Slot {
  worker: Worker;
  current: (Pending & { started: number }) | null;
}

const WORKER_ENTRY = new URL('./password-worker.mjs', import.meta.url);

/**
 * A pool of worker threads running Argon2id (0.4–0.7 s a hash here, all of it CPU), so that a
 * crowd of sign-ins cannot stall every other request. Work waits in a bounded queue; when it is
 * full the caller is told at once to come back later (`BusyError`: 503 with Retry-After) rather
 * than waiting behind minutes of hashing. Workers start when first needed.
 */
export class PasswordPool implements PasswordHasher {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closing = false;
  /** Recent time per job, for the Retry-After estimate. */
  private averageMs = 600;

  constructor(
    private readonly options: { workers: number; queue: number },
    private readonly logger: Logger,
  ) {}

  async hash(password: string): Promise<string> {
    const { hash } = await this.submit({ op: 'hash', password });
    if (hash === undefined) throw new Error('password worker returned no hash');
    return hash;
  }

  async verify(storedHash: string, password: string): Promise<boolean> {
    const { matches } = await this.submit({ op: 'verify', storedHash, password });
    return matches === true;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const pending of this.queue.splice(0)) pending.reject(this.busy());
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private submit(input: { op: 'hash'; password: string } | { op: 'verify'; storedHash: string; password: string }): Promise<Done> {
    if (this.closing) return Promise.reject(this.busy());
    return new Promise<Done>((resolve, reject) => {
      const pending: Pending = { job: { ...input, id: this.nextId++ }, resolve, reject };
      const slot = this.idleSlot();
      if (slot) this.run(slot, pending);
      else if (this.queue.length < this.options.queue) this.queue.push(pending);
      else reject(this.busy());
    });
  }

  private busy(): BusyError {
    const seconds = Math.max(1, Math.ceil((((this.queue.length + 1) / this.options.workers) * this.averageMs) / 1000));
    return new BusyError('server_busy', 'Haven is busy checking other passwords just now. Nothing was changed; try again in a few seconds.', seconds);
  }

  private idleSlot(): Slot | undefined {
    return this.slots.find((slot) => slot.current === null) ?? (this.slots.length < this.options.workers ? this.spawn() : undefined);
  }

  private spawn(): Slot {
    // No execArgv: the entry registers tsx itself (see password-worker.mjs), whatever the parent runs under.
    const slot: Slot = { worker: new Worker(WORKER_ENTRY, { execArgv: [] }), current: null };
    slot.worker.on('message', (raw: unknown) => this.finished(slot, raw));
    slot.worker.on('error', (error) => this.logger.error({ err: error.message }, 'password worker failed'));
    slot.worker.on('exit', () => this.lost(slot));
    this.slots.push(slot);
    return slot;
  }

  private run(slot: Slot, pending: Pending): void {
    slot.current = { ...pending, started: performance.now() };
    slot.worker.postMessage(pending.job);
  }

  private finished(slot: Slot, raw: unknown): void {
    const current = slot.current;
    const parsed = passwordResult.safeParse(raw);
    if (!current || !parsed.success || parsed.data.id !== current.job.id) return;
    slot.current = null;
    this.averageMs = this.averageMs * 0.8 + (performance.now() - current.started) * 0.2;
    if (parsed.data.ok) current.resolve(parsed.data);
    else current.reject(new Error('password worker could not complete a job'));
    this.next(slot);
  }

  /** A worker that stopped (a crash, or terminate() on close): its job fails, and another takes its place. */
  private lost(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    slot.current?.reject(this.closing ? this.busy() : new Error('password worker stopped'));
    slot.current = null;
    if (this.closing) return;
    const replacement = this.queue.length > 0 ? this.idleSlot() : undefined;
    if (replacement) this.next(replacement);
  }

  private next(slot: Slot): void {
    const pending = this.queue.shift();
    if (pending) this.run(slot, pending);
  }
}
