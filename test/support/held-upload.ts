import { rawClient } from './database';

/**
 * An upload's row locked from outside the server (FOR NO KEY UPDATE: the lock an append's offset
 * update takes, and only that, so a chunk row's key check still passes), as a slow disk or a busy
 * database would hold a write up. `appendBlocked` waits until an append's update is stuck on the
 * lock and gives its backend's pid; it throws if none gets there, so a test built on the hold
 * cannot pass without it. `release` commits (once); `end` closes the connection.
 */
export async function holdUploadRow(databaseUrl: string, uploadId: string) {
  const client = await rawClient(databaseUrl);
  await client.query('begin');
  await client.query('select id from attachments where id = $1 for no key update', [uploadId]);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await client.query('commit');
  };
  return {
    client,
    async appendBlocked(): Promise<number> {
      for (let tries = 0; tries < 200; tries++) {
        // pg_stat_activity's query text lags for such a wait; who waits on this connection does not.
        const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))');
        const pid = rows[0]?.pid;
        if (pid !== undefined) return pid;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('no append reached its offset update');
    },
    release,
    async end(): Promise<void> {
      await release().catch(() => undefined);
      await client.end();
    },
  };
}
