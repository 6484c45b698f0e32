import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../errors';
import { buildOpenApiDocument } from './document';
import { formatDocName } from './openapi.schema';
import { renderApiPage } from './render-html';

const here = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(here, '../..');

const packageJson = z.object({ version: z.string() });

interface ApiDocs {
  json: string;
  html: string;
  css: string;
}

/** Built on first request, not at start: converting every schema would slow each server start (and each test server) for a page few people open. */
function loadApiDocs(): ApiDocs {
  const { version } = packageJson.parse(JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')));
  const document = buildOpenApiDocument(version);
  return { json: JSON.stringify(document, null, 2), html: renderApiPage(document), css: readFileSync(path.join(here, 'docs.css'), 'utf8') };
}

/**
 * The API reference: `/openapi.json`, the page `/docs` and the format documents it links to.
 * Public on purpose: the API's shape is no secret (every visitor downloads a web client that
 * calls all of it), integrators and auditors should be able to read it before they have an
 * account, and it holds no data, configuration or anything about who uses Haven.
 */
export function apiDocsRoutes(): Router {
  const router = Router();
  let docs: ApiDocs | undefined;
  const apiDocs = () => (docs ??= loadApiDocs());

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(apiDocs().json);
  });

  router.get('/docs', (_req, res) => {
    res.type('html').send(apiDocs().html);
  });

  router.get('/docs/style.css', (_req, res) => {
    res.type('css').send(apiDocs().css);
  });

  router.get('/docs/formats/:name', async (req, res) => {
    const name = formatDocName.safeParse(req.params.name);
    if (!name.success) throw new NotFoundError('document_not_found', 'There is no such format document.');
    const markdown = await readFile(path.join(repositoryRoot, 'docs', `${name.data}.md`), 'utf8').catch((error: unknown) => {
      // An install without the docs/ folder still serves the rest of the reference.
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
      throw error;
    });
    if (markdown === null) throw new NotFoundError('document_not_found', 'This format document is not installed on this server.');
    // Markdown is readable as it stands; text/plain makes every browser show it rather than download it.
    res.type('text/plain; charset=utf-8').send(markdown);
  });

  return router;
}
