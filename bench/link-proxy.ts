import { createConnection, createServer, type Socket } from 'node:net';

/** A network link as the bench imagines one: how fast it carries bytes each way, and how long a byte takes to cross it. */
export interface Link {
  megabitsPerSecond: number;
  roundTripMs: number;
}

/** One direction of the link, shared by every connection over it: when it is next free to send. */
interface Direction {
  freeAt: number;
}

/**
 * Carries bytes from one socket to the other as a link would: each piece leaves once the link has
 * sent what it was given before (on this connection or another going the same way) at the link's
 * rate, and arrives half a round trip later, in order. No flow control: the link queues whatever it
 * is given (the bench sends a few MiB at a time).
 */
function carry(from: Socket, to: Socket, link: Link, direction: Direction): void {
  const bytesPerMs = (link.megabitsPerSecond * 1_000_000) / 8 / 1000;
  const oneWayMs = link.roundTripMs / 2;
  const queue: { due: number; piece: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length && (queue[0]?.due ?? Infinity) <= now) {
      const next = queue.shift();
      if (next?.piece) to.write(next.piece);
      else to.end();
    }
    const head = queue[0];
    if (head) timer = setTimeout(pump, Math.max(0, head.due - now));
  };
  const enqueue = (piece: Buffer | null) => {
    const now = performance.now();
    direction.freeAt = Math.max(now, direction.freeAt) + (piece?.length ?? 0) / bytesPerMs;
    queue.push({ due: direction.freeAt + oneWayMs, piece });
    if (!timer) pump();
  };
  from.on('data', (piece: Buffer) => enqueue(piece));
  from.on('end', () => enqueue(null));
}

/** A TCP proxy in front of `target` (host:port) that behaves as `link`; `url` is where to send requests instead. */
export async function startLinkProxy(target: URL, link: Link): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const up: Direction = { freeAt: 0 };
  const down: Direction = { freeAt: 0 };
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    carry(client, upstream, link, up);
    carry(upstream, client, link, down);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the link proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
