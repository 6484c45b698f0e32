import { API_PREFIX, FORMAT_DOCS_PATH, type OpenApiDocument, type OpenApiOperation, type OpenApiResponse } from './document';
import { formatDocName } from './openapi.schema';
import { bodyShapes, describeSchema, fieldRows, type FieldRow } from './schema-fields';

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const FORMAT_NAMES: readonly string[] = formatDocName.options;

/**
 * The little Markdown the document's texts use, made safe: everything is escaped first, then
 * `code` spans become <code>, and mentions of a format document (docs/realtime.md or
 * /api/docs/formats/realtime) become links to where this server serves it.
 */
function inline(text: string): string {
  return escape(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/(?:docs\/([a-z-]+)\.md|\/api\/docs\/formats\/([a-z-]+))/g, (match: string, file?: string, served?: string) => {
      const name = file ?? served ?? '';
      return FORMAT_NAMES.includes(name) ? `<a href="${FORMAT_DOCS_PATH}/${name}">${match}</a>` : match;
    });
}

/** A dotted field path that may wrap after each dot, not in the middle of a name. */
const breakable = (name: string) => escape(name).replace(/\./g, '.<wbr>');

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function fieldTable(caption: string, rows: FieldRow[]): string {
  if (!rows.length) return `<p>${escape(caption)}: no fields.</p>`;
  const body = rows
    .map((r) => `<tr><th scope="row"><code>${breakable(r.name)}</code></th><td>${r.required ? 'Required' : 'Optional'}</td><td>${escape(r.rules)}</td></tr>`)
    .join('\n');
  return `<table>
<caption>${escape(caption)}</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Required</th><th scope="col">Type and rules</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

function parametersHtml(operation: OpenApiOperation): string {
  if (!operation.parameters.length) return '';
  const rows = operation.parameters
    .map(
      (p) =>
        `<tr><th scope="row"><code>${escape(p.name)}</code></th><td>${p.in === 'path' ? 'Path' : 'Query'}</td><td>${p.required ? 'Required' : 'Optional'}</td><td>${escape(describeSchema(p.schema))}</td></tr>`,
    )
    .join('\n');
  return `<table>
<caption>Parameters</caption>
<thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Required</th><th scope="col">Type and rules</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function requestBodyHtml(operation: OpenApiOperation): string {
  const schema = operation.requestBody?.content['application/json'].schema;
  if (!schema) return '';
  const shapes = bodyShapes(schema);
  if (shapes.length === 1) return fieldTable('Request body (JSON)', shapes[0] ?? []);
  return `<p>The request body (JSON) takes one of ${shapes.length} shapes.</p>\n${shapes.map((rows, i) => fieldTable(`Request body, shape ${i + 1}`, rows)).join('\n')}`;
}

function responsesHtml(document: OpenApiDocument, operation: OpenApiOperation): string {
  const items = Object.entries(operation.responses).map(([status, response]) => {
    const resolved: OpenApiResponse | undefined = '$ref' in response ? document.components.responses[response.$ref.split('/').at(-1) ?? ''] : response;
    const types = Object.keys(resolved?.content ?? {}).join(', ');
    return `<li><strong>${escape(status === 'default' ? 'Other errors' : status)}</strong>: ${inline(resolved?.description ?? '')}${types ? ` <span class="hint">(${escape(types)})</span>` : ''}</li>`;
  });
  return `<h4>Answers</h4>\n<ul class="list">\n${items.join('\n')}\n</ul>`;
}

function operationHtml(document: OpenApiDocument, path: string, method: string, operation: OpenApiOperation): string {
  const id = operation.operationId;
  return `<section class="operation" id="${escape(id)}" aria-labelledby="${escape(id)}-title">
<h3 id="${escape(id)}-title"><span class="method method-${escape(method)}">${escape(method.toUpperCase())}</span> <code class="path">${escape(path)}</code></h3>
<p>${inline(operation.summary)}</p>
<p class="hint">${inline(operation.description)}</p>
${parametersHtml(operation)}
${requestBodyHtml(operation)}
${responsesHtml(document, operation)}
</section>`;
}

/**
 * The API reference as one plain page, rendered on the server from the OpenAPI document: no
 * script at all (the CSP allows none inline, and a reference page needs none), one
 * self-hosted stylesheet, every value escaped.
 */
export function renderApiPage(document: OpenApiDocument): string {
  const byTag = new Map(document.tags.map((tag) => [tag.name, [] as string[]]));
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const tag of operation.tags) byTag.get(tag)?.push(operationHtml(document, path, method, operation));
    }
  }
  const contents = document.tags
    .map((tag) => `<li><a href="#tag-${slug(tag.name)}">${escape(tag.name)}</a> (${byTag.get(tag.name)?.length ?? 0})</li>`)
    .join('\n');
  const sections = document.tags
    .map(
      (tag) => `<section aria-labelledby="tag-${slug(tag.name)}">
<h2 id="tag-${slug(tag.name)}">${escape(tag.name)}</h2>
<p>${inline(tag.description)}</p>
${(byTag.get(tag.name) ?? []).join('\n')}
</section>`,
    )
    .join('\n');
  const schemes = Object.values(document.components.securitySchemes)
    .map((s) => `<li><code>${escape(s.name)}</code> (${escape(s.in)}): ${inline(s.description)}</li>`)
    .join('\n');
  const errorSchema = document.components.schemas.Error;
  const errorFields = errorSchema ? fieldTable('Error body (JSON)', fieldRows(errorSchema)) : '';
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)} reference</title>
<link rel="stylesheet" href="${API_PREFIX}/docs/style.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="header"><div class="width"><strong>Haven</strong> API reference</div></header>
<div class="width">
<main id="main">
<h1>${escape(document.info.title)} <span class="caption">version ${escape(document.info.version)}, OpenAPI ${escape(document.openapi)}</span></h1>
${document.info.description
  .split('\n\n')
  .map((paragraph) => `<p>${inline(paragraph)}</p>`)
  .join('\n')}
<ul class="list">
<li>Machine-readable: <a href="${API_PREFIX}/openapi.json">${API_PREFIX}/openapi.json</a> (OpenAPI ${escape(document.openapi)}; schemas are JSON Schema 2020-12 generated from the server's own validation).</li>
<li>Realtime (Socket.IO) events, acks and delivery guarantees: <a href="${FORMAT_DOCS_PATH}/realtime">docs/realtime.md</a>.</li>
<li>The end-to-end encrypted envelope that messages and written records travel in: <a href="${FORMAT_DOCS_PATH}/envelope">docs/envelope.md</a>.</li>
<li>Other formats: ${FORMAT_NAMES.filter((n) => n !== 'realtime' && n !== 'envelope')
    .map((n) => `<a href="${FORMAT_DOCS_PATH}/${n}">docs/${n}.md</a>`)
    .join(', ')}.</li>
</ul>
<h2>Sign-in and security tokens</h2>
<ul class="list">
${schemes}
</ul>
<h2>Errors</h2>
<p>Every error has the same shape; the status and <code>code</code> say what went wrong.</p>
${errorFields}
<nav aria-labelledby="contents">
<h2 id="contents">Contents</h2>
<ul class="list">
${contents}
</ul>
</nav>
${sections}
</main>
</div>
</body>
</html>
`;
}
