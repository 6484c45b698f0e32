import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** Where `npm run build:web` puts the client (its trust roots too: server/trust-roots/start-check.ts). */
export const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** Serves the built Svelte client and falls back to index.html for client-side routes. */
export function webClient(): Router {
  const router = express.Router();
  if (!existsSync(path.join(webDist, 'index.html'))) {
    router.get('/{*rest}', (_req, res) => {
      res.status(503).type('text/plain').send('The web client has not been built. Run `npm run build:web` (npm start does it for you).');
    });
    return router;
  }
  router.use(express.static(webDist, { index: 'index.html', maxAge: '1h' }));
  router.get('/{*rest}', (_req, res) => {
    res.sendFile(path.join(webDist, 'index.html'));
  });
  return router;
}
