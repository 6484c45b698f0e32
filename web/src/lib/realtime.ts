// The one typed Socket.IO client. Event names and payloads come from the server's
// protocol file, so both ends compile against the same map.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../server/realtime/events';
import type { Sharing } from './types';

export type HavenSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RealtimeHandlers {
  /** The server ended this session (sign-out everywhere, suspension, expiry). */
  onSessionEnded(reason: string): void;
  /** Fresh sharing status, asked for on every (re)connection. */
  onSharing(sharing: Sharing): void;
  /** The server refused the connection: the session is no longer active. */
  onRefused(): void;
}

/** Something that uses the socket (messaging): called with each new socket, answers how to let go of it. */
export type SocketUser = (socket: HavenSocket) => () => void;
const socketUsers = new Set<SocketUser>();
let live: { socket: HavenSocket; releases: (() => void)[] } | null = null;

/** Registers a user of every socket this client opens (the one typed socket, shared), the open one included. */
export function useRealtime(user: SocketUser): void {
  socketUsers.add(user);
  live?.releases.push(user(live.socket));
}

/** Connects to the same origin; the session cookie authenticates. Returns a disconnect function. */
export function connectRealtime(handlers: RealtimeHandlers): () => void {
  const socket: HavenSocket = io({ path: '/socket.io', withCredentials: true });
  const releases = [...socketUsers].map((user) => user(socket));
  live = { socket, releases };

  socket.on('connect', () => {
    socket.emit('session:status', {}, (res) => {
      if (res.ok) handlers.onSharing(res.sharing);
    });
  });
  socket.on('session:ended', ({ reason }) => {
    socket.disconnect();
    handlers.onSessionEnded(reason);
  });
  socket.on('connect_error', () => {
    // Refused by the server (e.g. `unauthorised`): socket.io does not retry these,
    // while network failures leave the socket active and it reconnects by itself.
    if (!socket.active) handlers.onRefused();
  });

  return () => {
    for (const release of releases) release();
    if (live?.socket === socket) live = null;
    socket.removeAllListeners();
    socket.disconnect();
  };
}
