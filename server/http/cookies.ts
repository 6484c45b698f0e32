import { parse, serialize, type SerializeOptions } from 'cookie';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'haven_session';
export const CSRF_COOKIE = 'haven_csrf';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  try {
    return parse(header)[name];
  } catch {
    return undefined;
  }
}

export function requestCookie(req: Request, name: string): string | undefined {
  return readCookie(req.headers.cookie, name);
}

/** httpOnly + SameSite=Strict always; Secure whenever Haven is served over https. */
export function setCookie(res: Response, name: string, value: string, options: { secure: boolean; maxAgeSeconds?: number }): void {
  const attributes: SerializeOptions = { httpOnly: true, sameSite: 'strict', secure: options.secure, path: '/' };
  if (options.maxAgeSeconds !== undefined) attributes.maxAge = options.maxAgeSeconds;
  res.append('Set-Cookie', serialize(name, value, attributes));
}

export function clearCookie(res: Response, name: string, secure: boolean): void {
  setCookie(res, name, '', { secure, maxAgeSeconds: 0 });
}
