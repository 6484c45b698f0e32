// A naive durable relay: the peer a user choosing Haven compares it with (issue 22). Like the bare
// relay, no authentication, policy or checks: a socket names its user and joins that user's room.
// Unlike it, every message is stored first — one INSERT, committed (autocommit) before the
// sender's ack and before any recipient is sent it — so an acknowledged message survives a crash.
// The body is kept as the JSON text it arrived as (no jsonb parsing): the cheapest durable form,
// so the strictest baseline. The message id is the primary key, so a resend is a no-op, as in Haven.
import { createServer } from 'node:http';
import pg from 'pg';
import { Server } from 'socket.io';

interface Send {
  to: string[];
  message: { header?: { id?: unknown } };
}

const port = Number(process.env.PORT);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bench_relay_messages (
  id uuid PRIMARY KEY,
  sender text NOT NULL,
  recipients text[] NOT NULL,
  body text NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
)`);

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 1_000_000 });
io.on('connection', (socket) => {
  const userId: unknown = socket.handshake.auth.userId;
  if (typeof userId !== 'string') return void socket.disconnect(true);
  void socket.join(`user:${userId}`);
  socket.on('relay:send', async (payload: Send, ack: (res: unknown) => void) => {
    try {
      await pool.query('INSERT INTO bench_relay_messages (id, sender, recipients, body) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
        String(payload.message.header?.id),
        userId,
        payload.to,
        JSON.stringify(payload.message),
      ]);
    } catch {
      ack({ ok: false, error: { code: 'not_stored' } });
      return;
    }
    io.to(payload.to.map((id) => `user:${id}`)).emit('relay:new', payload.message);
    ack({ ok: true });
  });
});
httpServer.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
