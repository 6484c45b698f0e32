// A bare Socket.IO relay: the delivery benchmark's baseline. No authentication, no policy, no
// storage — a socket names its user, joins that user's room, and whatever it sends is emitted
// to the named users' rooms and acknowledged. Run as its own process, like Haven.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT);
const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 1_000_000 });
io.on('connection', (socket) => {
  const userId: unknown = socket.handshake.auth.userId;
  if (typeof userId === 'string') void socket.join(`user:${userId}`);
  socket.on('relay:send', (payload: { to: string[]; message: unknown }, ack: (res: unknown) => void) => {
    io.to(payload.to.map((id) => `user:${id}`)).emit('relay:new', payload.message);
    ack({ ok: true });
  });
});
httpServer.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
