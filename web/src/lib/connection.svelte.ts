// Whether Haven's server can be reached, as the socket sees it: an open page says so within a few
// seconds of losing it, rather than only when a send fails. Socket.IO keeps reconnecting by
// itself; this only reports.
import { useRealtime } from './realtime';

/** Brief drops (a proxy's idle timeout, a server restart) reconnect unseen; longer ones are shown. */
const GRACE_MS = 3_000;

class ConnectionState {
  lost = $state(false);

  constructor() {
    useRealtime((socket) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const settle = () => {
        if (timer) clearTimeout(timer);
        timer = null;
      };
      socket.on('disconnect', (reason) => {
        // Signing out closes the socket on purpose: nothing is lost.
        if (reason === 'io client disconnect') return;
        settle();
        timer = setTimeout(() => (this.lost = true), GRACE_MS);
      });
      socket.on('connect_error', () => {
        if (socket.active) timer ??= setTimeout(() => (this.lost = true), GRACE_MS);
      });
      socket.on('connect', () => {
        settle();
        this.lost = false;
      });
      return () => {
        settle();
        this.lost = false;
      };
    });
  }
}

export const connection = new ConnectionState();
