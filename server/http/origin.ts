import type { IncomingMessage } from 'node:http';

/**
 * Whether a browser page at `origin` may open Haven's realtime connection. Only Haven's own
 * origin may: the configured public address, or (when none is configured) the host the request
 * was sent to. A sibling subdomain is "same-site", so SameSite=Strict cookies alone would let
 * its pages in (cross-site WebSocket hijacking); the Origin header is what tells them apart.
 *
 * No Origin at all is accepted: browsers always send one on WebSocket handshakes and on
 * cross-origin requests, and omit it only on same-origin GETs (the polling handshake), while
 * non-browser clients have no ambient cookies to abuse.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, publicUrl: string | undefined): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // includes the opaque origin "null" (sandboxed frames, file: pages)
  }
  if (parsed.origin !== origin.replace(/\/$/, '')) return false;
  if (publicUrl) return parsed.origin === new URL(publicUrl).origin;
  return host !== undefined && parsed.host === host.toLowerCase();
}

/** Socket.IO's `allowRequest`: refuses a handshake from another origin with a reason the client can show. */
export function allowSameOriginOnly(publicUrl: string | undefined) {
  return (req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): void => {
    if (originAllowed(req.headers.origin, req.headers.host, publicUrl)) callback(null, true);
    else callback('origin_not_allowed: Haven accepts live connections only from its own web address.', false);
  };
}
