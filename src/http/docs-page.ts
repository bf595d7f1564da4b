/**
 * A self-contained HTML page describing the API from its own OpenAPI document. It loads nothing
 * from a CDN, so it works on an office network with no internet.
 */
type Doc = {
  info: { title: string; version: string; description?: string }
  paths: Record<string, Record<string, { summary?: string; description?: string; tags?: string[]; security?: unknown[]; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> }; responses: Record<string, { description: string }> }>>
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

export function docsPage(doc: Doc): string {
  const rows: string[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? []).map((p) => `<code>${esc(p.name)}</code> (${esc(p.in)})`).join(', ')
      const body = op.requestBody ? Object.keys(op.requestBody.content).map((t) => `<code>${esc(t)}</code>`).join(' or ') : ''
      const responses = Object.entries(op.responses).map(([s, r]) => `<li><b>${esc(s)}</b> ${esc(r.description)}</li>`).join('')
      rows.push(`<section id="${esc(method + path)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code>${op.security?.length ? ' <span class="k">API key</span>' : ''}</h3>
<p>${esc(op.summary ?? '')}</p>${op.description ? `<p class="d">${esc(op.description)}</p>` : ''}
${params ? `<p>Parameters: ${params}</p>` : ''}${body ? `<p>Body: ${body}</p>` : ''}<ul>${responses}</ul></section>`)
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}h3{margin:.3rem 0;font-size:1rem}.m{display:inline-block;min-width:4rem;font-size:.8rem;color:#fff;border-radius:3px;padding:0 .3rem;text-align:center}
.get{background:#2b7}.post{background:#27b}.put{background:#b72}.delete{background:#b22}.k{font-size:.75rem;color:#666;border:1px solid #999;border-radius:3px;padding:0 .3rem}.d{color:#555}ul{margin:.2rem 0}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>
${rows.join('\n')}</body></html>`
}
