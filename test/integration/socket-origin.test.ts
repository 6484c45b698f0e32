import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

// Cross-site WebSocket hijacking: a page on another origin opens Haven's socket with the
// practitioner's own cookie (a sibling subdomain is same-site, so SameSite=Strict does not stop it).
let behindPublicUrl: TestHaven;
let onItsOwnHost: TestHaven;
const atPublicUrl = new People(() => behindPublicUrl);
const atOwnHost = new People(() => onItsOwnHost);
const PUBLIC_ORIGIN = 'https://haven.northmoor.example';

beforeAll(async () => {
  [behindPublicUrl, onItsOwnHost] = await Promise.all([
    startTestHaven({ seedDemo: true, env: { PUBLIC_URL: `${PUBLIC_ORIGIN}/` } }),
    startTestHaven({ seedDemo: true }),
  ]);
});
afterAll(() => Promise.all([behindPublicUrl?.close(), onItsOwnHost?.close()]));

/** Connects with this client's session cookie, as a browser page on `origin` would; resolves 'connected' or the refusal. */
function connectFrom(url: string, client: ApiClient, transport: 'websocket' | 'polling', origin?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = io(url, {
      transports: [transport],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie: client.cookieHeader(), ...(origin === undefined ? {} : { origin }) },
    });
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (error) => {
      socket.close();
      resolve(`refused: ${error.message}`);
    });
  });
}

/** The Engine.IO handshake as a plain HTTP request, to read the refusal's status and reason. */
async function handshake(url: string, client: ApiClient, origin: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { cookie: client.cookieHeader(), origin } });
  return { status: res.status, body: await res.text() };
}

describe('Socket.IO origin check', () => {
  it('with PUBLIC_URL set, accepts that origin (and clients that send none) and refuses every other, on both transports', async () => {
    const jordan = await atPublicUrl.as('Jordan');
    for (const transport of ['websocket', 'polling'] as const) {
      expect(await connectFrom(behindPublicUrl.url, jordan, transport, PUBLIC_ORIGIN), transport).toBe('connected');
      // Browsers always send Origin cross-origin; a same-origin polling GET and non-browser clients may not.
      expect(await connectFrom(behindPublicUrl.url, jordan, transport), transport).toBe('connected');
      for (const origin of ['https://evil.example', 'https://attacker.northmoor.example', 'http://haven.northmoor.example', 'null', behindPublicUrl.url]) {
        expect(await connectFrom(behindPublicUrl.url, jordan, transport, origin), `${transport} from ${origin}`).toMatch(/^refused/);
      }
    }
    const refused = await handshake(behindPublicUrl.url, jordan, 'https://evil.example');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ message: expect.stringMatching(/origin_not_allowed/) });
  });

  it('without PUBLIC_URL, accepts only the request’s own host as origin', async () => {
    const jordan = await atOwnHost.as('Jordan');
    const ownOrigin = new URL(onItsOwnHost.url).origin;
    for (const transport of ['websocket', 'polling'] as const) {
      expect(await connectFrom(onItsOwnHost.url, jordan, transport, ownOrigin), transport).toBe('connected');
      for (const origin of ['https://evil.example', 'http://127.0.0.1:1', 'http://localhost', 'null', 'not a url']) {
        expect(await connectFrom(onItsOwnHost.url, jordan, transport, origin), `${transport} from ${origin}`).toMatch(/^refused/);
      }
    }
    const refused = await handshake(onItsOwnHost.url, jordan, 'https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.body).not.toMatch(/stack|node_modules/);
  });
});
