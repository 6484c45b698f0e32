import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/realtime/events';
import { totpCode } from './totp';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A browser-like HTTP client: keeps cookies, sends the CSRF header on state-changing
 * requests, and speaks to Haven only through its public API.
 */
export class ApiClient {
  private readonly cookies = new Map<string, string>();
  csrfToken: string | null = null;

  /** `forwardedFor` sends every request as if from that client address (the server must trust one proxy: `HAVEN_TRUST_PROXY=1`). */
  constructor(
    readonly baseUrl: string,
    readonly forwardedFor?: string,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Carries a session made elsewhere (the benchmarks seed sessions straight into the database). */
  adoptSession(token: string): void {
    this.cookies.set('haven_session', token);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: boolean; rawBody?: string; bytes?: Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.forwardedFor) headers['x-forwarded-for'] = this.forwardedFor;
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    if (method !== 'GET' && options.csrf !== false) {
      if (!this.csrfToken) await this.refreshCsrf();
      headers['x-csrf-token'] = this.csrfToken ?? '';
      if (this.cookies.size) headers.cookie = this.cookieHeader();
    }
    if (body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
    if (options.bytes) headers['content-type'] = 'application/octet-stream';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.bytes ?? options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      redirect: 'manual',
    });
    const sessionBefore = this.cookies.get('haven_session');
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    // The CSRF token is bound to the session: a new or ended session needs the token that goes with it.
    if (this.cookies.get('haven_session') !== sessionBefore) this.csrfToken = null;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: tests assert on the text.
    }
    // As the browser does: a sign-in answer carries the new session's token.
    if (typeof parsed === 'object' && parsed !== null && 'csrfToken' in parsed && typeof parsed.csrfToken === 'string') this.csrfToken = parsed.csrfToken;
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** PUTs raw bytes (`application/octet-stream`), as the web client uploads encrypted chunks. */
  putBytes<T = Record<string, unknown>>(path: string, bytes: Uint8Array) {
    return this.request<T>('PUT', path, undefined, { bytes });
  }

  /** GETs a binary answer: its status and bytes (a JSON error's text decodes from them). */
  async download(path: string): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    const res = await fetch(`${this.baseUrl}${path}`, { headers, redirect: 'manual' });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
  }

  async refreshCsrf(): Promise<void> {
    const res = await this.request<{ csrfToken: string }>('GET', '/api/session');
    this.csrfToken = res.body.csrfToken;
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }

  /** Password, then the current TOTP code: a fully signed-in session. */
  async signIn(account: { email: string; password: string; totpSecret: string | null }, at?: Date): Promise<ApiResponse> {
    const first = await this.post('/api/auth/sign-in', { email: account.email, password: account.password });
    if (first.status !== 200 || !account.totpSecret) return first;
    return this.post('/api/auth/mfa', { code: totpCode(account.totpSecret, at) });
  }

  /** A Socket.IO connection authenticated by this client's cookies. */
  socket(): Socket<ServerToClientEvents, ClientToServerEvents> {
    return io(this.baseUrl, { transports: ['websocket'], extraHeaders: { cookie: this.cookieHeader() }, reconnection: false, forceNew: true });
  }
}
