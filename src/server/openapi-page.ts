/**
 * The OpenAPI document as one HTML page (GET /docs): every operation grouped by tag, with its
 * parameters, request body and responses. Rendered on the server from the document itself, with
 * no script and nothing fetched from elsewhere, so it works offline.
 */

/** The parts of an OpenAPI 3 document the page reads (written here so no OpenAPI types package is needed). */
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: unknown;
}
type Content = Record<string, { schema?: unknown }>;
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: ReadonlyArray<Parameter | { $ref: string }>;
  requestBody?: { content?: Content } | { $ref: string };
  responses?: Record<string, { description?: string; content?: Content } | { $ref: string }>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Partial<Record<(typeof METHODS)[number], Operation>> | undefined>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** The page's only styling, inline so the page needs nothing else; the CSP allows exactly this block by its hash. */
export const PAGE_STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1d2430}
nav a{margin-right:.8rem}h2{border-bottom:1px solid #d0d6de;padding-bottom:.2rem;margin-top:2rem}
.op{border:1px solid #d0d6de;border-radius:6px;padding:.2rem 1rem;margin:.8rem 0}.op h3{font-size:1rem}
.method{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;background:#5a6472;font-size:.8rem;padding:.1rem .3rem}
.get{background:#2f6fb5}.post{background:#2d8a4e}.put,.patch{background:#b07a12}.delete{background:#b23b3b}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #d0d6de;padding:.2rem .5rem;text-align:left;vertical-align:top}
pre{background:#f4f6f8;padding:.6rem;overflow:auto;max-height:24rem}ul.responses{padding-left:1.2rem}
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function schemaText(schema: unknown): string {
  return escapeHtml(JSON.stringify(schema, null, 2) ?? '');
}

function typeOf(schema: unknown): string {
  const s = schema as { type?: unknown; enum?: unknown[]; $ref?: string } | undefined;
  if (!s) return '';
  if (Array.isArray(s.enum)) return s.enum.map(String).join(' | ');
  if (typeof s.$ref === 'string') return s.$ref.split('/').at(-1) ?? '';
  return Array.isArray(s.type) ? s.type.join(' | ') : String(s.type ?? '');
}

function parametersHtml(parameters: Operation['parameters']): string {
  const list = (parameters ?? []).filter((p): p is Parameter => !('$ref' in p));
  if (list.length === 0) return '';
  const rows = list
    .map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${escapeHtml(typeOf(p.schema))}</td><td>${escapeHtml(p.description ?? '')}</td></tr>`)
    .join('');
  return `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>description</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function contentHtml(title: string, content: Content | undefined): string {
  return Object.entries(content ?? {})
    .map(([type, media]) => `<details><summary>${escapeHtml(title)} <code>${escapeHtml(type)}</code></summary><pre>${schemaText(media.schema)}</pre></details>`)
    .join('');
}

function operationHtml(method: string, path: string, op: Operation): string {
  const body = op.requestBody && !('$ref' in op.requestBody) ? contentHtml('request body', op.requestBody.content) : '';
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => ('$ref' in r ? '' : `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(r.description ?? '')}${contentHtml('schema', r.content)}</li>`))
    .join('');
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
  return (
    `<section class="op" id="${escapeHtml(id)}"><h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>` +
    (op.summary ? `<p>${escapeHtml(op.summary)}</p>` : '') +
    (op.description ? `<p>${escapeHtml(op.description)}</p>` : '') +
    parametersHtml(op.parameters) +
    body +
    (responses ? `<ul class="responses">${responses}</ul>` : '') +
    '</section>'
  );
}

/** The page for `doc`; `specUrl` is where the JSON document itself is served. */
export function openApiPage(doc: OpenApiDocument, specUrl: string): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      const list = byTag.get(tag) ?? [];
      list.push(operationHtml(method, path, op));
      byTag.set(tag, list);
    }
  }
  const tags = [...byTag.keys()].sort();
  const title = `${doc.info.title} ${doc.info.version}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style></head><body>
<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description ?? '')}</p>
<p>OpenAPI ${escapeHtml(doc.openapi)} document: <a href="${escapeHtml(specUrl)}">${escapeHtml(specUrl)}</a>. Errors are <code>application/problem+json</code> (RFC 9457).</p>
<nav>${tags.map((t) => `<a href="#tag-${escapeHtml(t)}">${escapeHtml(t)}</a>`).join('')}</nav>
${tags.map((t) => `<h2 id="tag-${escapeHtml(t)}">${escapeHtml(t)}</h2>${byTag.get(t)!.join('\n')}`).join('\n')}
</body></html>
`;
}
