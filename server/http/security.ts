import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Strict Content-Security-Policy: scripts only from Haven itself, plus 'wasm-unsafe-eval'
 * because libsodium runs as WebAssembly in the browser. No inline script or style.
 * `upgrade-insecure-requests` and HSTS only when served over https (on plain http they would
 * break a local install).
 */
export function securityHeaders(https: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        // blob: only for previews of files decrypted on the device (an image, a PDF in a frame); nothing runs from them.
        imgSrc: ["'self'", 'data:', 'blob:'],
        frameSrc: ['blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}
