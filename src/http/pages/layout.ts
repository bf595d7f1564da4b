/**
 * The page shell every report page uses: server-rendered HTML with its style inline (no CDN, no
 * front-end build; works on an office network without internet), a language switch, and a print
 * stylesheet for A4.
 */
import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import { LANGS, t, type Lang } from '../../i18n/index.ts'

const STYLE = `
:root { --ink: #1c2430; --muted: #5b6675; --line: #d8dee6; --accent: #1f5fa8; --warn: #a15c00; --bad: #a4262c; --good: #1e7a3c; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); margin: 0; background: #f5f7fa; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; background: #fff; }
header.page { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; border-bottom: 2px solid var(--accent); padding-bottom: 12px; margin-bottom: 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.muted { color: var(--muted); } .warn { color: var(--warn); } .bad { color: var(--bad); } .good { color: var(--good); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; } th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f7; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { border-left: 4px solid var(--warn); background: #fff8ec; padding: 6px 10px; margin: 8px 0; }
.lang a { margin-left: 8px; } .lang a[aria-current="true"] { font-weight: 700; text-decoration: none; color: var(--ink); }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 11pt; } main { max-width: none; padding: 0; }
  .lang, .no-print { display: none !important; }
  h2 { break-after: avoid; } table, figure, svg { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`

export interface PageOptions {
  lang: Lang
  title: string
  /** The page's own path and query (without lang), for the language links. */
  self: string
  body: HtmlEscapedString | Promise<HtmlEscapedString>
}

export function page(o: PageOptions) {
  const sep = o.self.includes('?') ? '&' : '?'
  const langLinks = LANGS.map((l) => html`<a href="${o.self}${sep}lang=${l}" hreflang="${l}" aria-current="${l === o.lang ? 'true' : 'false'}">${l.toUpperCase()}</a>`)
  return html`<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${o.title}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<main>
<nav class="lang no-print" aria-label="${t(o.lang, 'common.language')}">${t(o.lang, 'common.language')}:${langLinks}</nav>
${o.body}
</main>
</body>
</html>`
}
