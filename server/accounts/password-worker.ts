// One password-hashing worker thread (see password-pool.ts): Argon2id from crypto/, off the
// event loop that serves requests. Started through password-worker.mjs.
import { parentPort } from 'node:worker_threads';
import { hashPassword, ready, verifyPassword } from '../../crypto';
import { passwordJob, type PasswordResult } from './password-jobs';

const port = parentPort;
if (!port) throw new Error('password-worker.ts runs only as a worker thread');
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
