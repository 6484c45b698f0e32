// One password-hashing worker thread (see password-pool.ts): Argon2id from crypto/, off the
// event loop that serves requests. Started through password-worker.mjs.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { hashPassword, ready, verifyPassword } from '../../crypto';
import { passwordJob, type PasswordResult } from './password-jobs';

const port = parentPort;
if (!port) throw new Error('password-worker.ts runs only as a worker thread');

// Hashing yields the CPU to the threads that answer requests: on Linux a thread's nice value is
// set through its own thread id (/proc/thread-self names it). Elsewhere this is skipped.
try {
  const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 10);
} catch {
  // Not Linux, or not allowed: the worker runs at the process's priority.
}
await ready();
port.on('message', (raw: unknown) => {
  const parsed = passwordJob.safeParse(raw);
  if (!parsed.success) return;
  const job = parsed.data;
  let result: PasswordResult;
  try {
    result =
      job.op === 'hash'
        ? { id: job.id, ok: true, hash: hashPassword(job.password) }
        : { id: job.id, ok: true, matches: verifyPassword(job.storedHash, job.password) };
  } catch {
    result = { id: job.id, ok: false };
  }
  port.postMessage(result);
});
