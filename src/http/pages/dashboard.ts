/**
 * The cycle dashboard page: completion, deadlines, the predikat distribution as an inline SVG bar
 * chart next to the quotas of the organisation's predikat (SE MenPANRB 3/2023) with the cycle
 * rules' warnings, the 9-box grid, training needs and gaps, and a link to each employee's report.
 * Server-rendered, no script and nothing from a CDN.
 */
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import type { Text } from '../../generated/types.ts'
import '../../i18n/dashboard.ts'
import { label, t, type Lang } from '../../i18n/index.ts'
import type { CompletionGroup, Dashboard, Distribution, NineBoxSummary, Quota } from '../../services/dashboard.ts'
import { page } from './layout.ts'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

/** ISO time as `2026-01-19 08:00 UTC`: unambiguous on any office's machine. */
const when = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '–')

const number = (lang: Lang, v: number, digits = 1) => new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: digits }).format(v)

const withLang = (path: string, lang: Lang) => `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`

export function dashboardPage(d: Dashboard, lang: Lang): Html {
  const L = (x: Text | null | undefined) => label(x, lang)
  const self = `/cycles/${encodeURIComponent(d.cycle.id)}/report`
  const body = html`
<header class="page">
  <div>
    <h1>${t(lang, 'dashboard.title', { name: d.cycle.name })}</h1>
    <div class="muted">${t(lang, 'dashboard.office', { office: d.cycle.office })} · ${L(d.cycle.package.title)}</div>
    <div class="muted">${t(lang, 'common.package', { id: d.cycle.package.id, version: d.cycle.package.version })} · ${t(lang, 'dashboard.cycleStatus', { status: t(lang, `dashboard.status.${d.cycle.status}`) })}</div>
  </div>
  <div class="muted" style="text-align:right">
    <div>${t(lang, 'common.generatedAt', { at: when(d.at) })}</div>
    <div class="no-print">${exportsLine(d, lang)}</div>
  </div>
</header>
${summary(d, lang)}
${completion(d, lang)}
${deadlines(d, lang)}
${distribution(d, lang)}
${nineBox(d.nineBox, lang)}
${training(d, lang)}
${reports(d, lang)}
<p class="muted">${t(lang, 'dashboard.anonymity')}</p>`
  return page({ lang, title: t(lang, 'dashboard.title', { name: d.cycle.name }), self, body })
}

function exportsLine(d: Dashboard, lang: Lang): Html {
  const base = `/cycles/${encodeURIComponent(d.cycle.id)}/export`
  return html`${t(lang, 'dashboard.exports')}: <a href="${withLang(`${base}.csv`, lang)}" download>CSV</a> · <a href="${withLang(`${base}.xlsx`, lang)}" download>XLSX</a>`
}

function summary(d: Dashboard, lang: Lang): Html {
  const statuses = (['active', 'done', 'failed'] as const).filter((s) => d.byStatus[s] > 0 || s !== 'failed')
  return html`
<section id="summary">
<h2>${t(lang, 'dashboard.summary')}</h2>
<div class="grid">
  <table>
    <tr><th>${t(lang, 'dashboard.employees')}</th><td class="num">${d.employees}</td></tr>
    ${statuses.map((s) => html`<tr><th>${t(lang, `dashboard.instanceStatus.${s}`)}</th><td class="num">${d.byStatus[s]}</td></tr>`)}
  </table>
  <table>
    <tr><th>${t(lang, 'dashboard.state')}</th><th class="num">${t(lang, 'dashboard.count')}</th></tr>
    ${d.byState.map((s) => html`<tr><td>${label(s.title, lang)}</td><td class="num">${s.count}</td></tr>`)}
  </table>
</div>
</section>`
}

function completion(d: Dashboard, lang: Lang): Html {
  return html`
<section id="completion">
<h2>${t(lang, 'dashboard.completion')}</h2>
${d.completion.length === 0 ? html`<p class="muted">${t(lang, 'dashboard.completion.none')}</p>` : d.completion.map((g) => completionGroup(g, lang))}
</section>`
}

function completionGroup(g: CompletionGroup, lang: Lang): Html {
  const awaited = (w: CompletionGroup['waiting'][number]) =>
    g.anonymous
      ? t(lang, 'dashboard.completion.anonymous', { n: w.remaining })
      : html`${(w.awaited ?? []).map((p, i) => html`${i > 0 ? ', ' : ''}${p.name ? `${p.name} (${p.nip})` : p.nip}`)}${g.kind === 'answers' && w.remaining > 1 ? ` · ${t(lang, 'dashboard.completion.answers', { n: w.remaining })}` : ''}`
  return html`
<h3 data-state="${g.state}" data-role="${g.role}">${label(g.stateTitle, lang)}: ${label(g.roleLabel, lang)}
  <span class="muted">(${t(lang, 'dashboard.completion.appraisals')} ${g.appraisals}; ${t(lang, 'dashboard.completion.remaining')} ${g.remaining}${g.due ? `; ${t(lang, 'dashboard.completion.due')} ${when(g.due)}` : ''})</span></h3>
<table class="waiting">
  <tr><th>${t(lang, 'dashboard.completion.employee')}</th><th>${t(lang, 'dashboard.completion.awaited')}</th><th>${t(lang, 'dashboard.completion.due')}</th></tr>
  ${g.waiting.map(
    (w) => html`<tr><td><a href="${withLang(`/instances/${encodeURIComponent(w.instance)}/report`, lang)}">${w.name}</a> <span class="muted">${w.nip}</span></td><td>${awaited(w)}</td><td class="${w.overdue ? 'bad' : ''}">${when(w.due)}${w.overdue ? ` (${t(lang, 'dashboard.completion.overdue')})` : ''}</td></tr>`,
  )}
</table>`
}

function deadlines(d: Dashboard, lang: Lang): Html {
  if (d.deadlines.length === 0) return html``
  return html`
<section id="deadlines">
<h2>${t(lang, 'dashboard.deadlines')}</h2>
<table>
  <tr><th>${t(lang, 'dashboard.state')}</th><th class="num">${t(lang, 'dashboard.completion.appraisals')}</th><th>${t(lang, 'dashboard.deadlines.earliest')}</th><th>${t(lang, 'dashboard.deadlines.latest')}</th><th class="num">${t(lang, 'dashboard.deadlines.overdue')}</th></tr>
  ${d.deadlines.map((s) => html`<tr><td>${label(s.stateTitle, lang)}</td><td class="num">${s.appraisals}</td><td>${when(s.earliest)}</td><td>${when(s.latest)}</td><td class="num ${s.overdue > 0 ? 'bad' : ''}">${s.overdue}</td></tr>`)}
</table>
</section>`
}

function quotaText(q: Quota, lang: Lang): string {
  const parts: string[] = []
  if (q.terbanyak) parts.push(t(lang, 'dashboard.quota.terbanyak'))
  if (q.minPersen !== undefined) parts.push(t(lang, 'dashboard.quota.minPersen', { v: number(lang, q.minPersen) }))
  if (q.maksPersen !== undefined) parts.push(t(lang, 'dashboard.quota.maksPersen', { v: number(lang, q.maksPersen) }))
  if (q.minPegawai !== undefined) parts.push(t(lang, 'dashboard.quota.minPegawai', { v: q.minPegawai }))
  if (q.maksPegawai !== undefined) parts.push(q.maksPegawai === 0 ? t(lang, 'dashboard.quota.none') : t(lang, 'dashboard.quota.maksPegawai', { v: q.maksPegawai }))
  return parts.join('; ')
}

/** Percent bounds of each predikat that has a quota of its own, for the chart's limit lines. */
function limitsOf(dist: Distribution): Map<string, { min?: number; max?: number }> {
  const out = new Map<string, { min?: number; max?: number }>()
  const n = dist.counted
  for (const q of dist.quotas ?? []) {
    if (q.predikat.length !== 1) continue
    const p = q.predikat[0]!
    const l = out.get(p) ?? {}
    const mins = [q.minPersen, q.minPegawai !== undefined && n > 0 ? (q.minPegawai * 100) / n : undefined].filter((v): v is number => v !== undefined)
    const maxs = [q.maksPersen, q.maksPegawai !== undefined && n > 0 ? (q.maksPegawai * 100) / n : undefined].filter((v): v is number => v !== undefined)
    if (mins.length) l.min = Math.min(100, Math.max(...mins, l.min ?? 0))
    if (maxs.length) l.max = Math.max(0, Math.min(...maxs, l.max ?? 100))
    out.set(p, l)
  }
  return out
}

function chart(dist: Distribution, lang: Lang): Html {
  const W = 680
  const H = 280
  const left = 44
  const top = 24
  const plotH = 190
  const band = (W - left - 8) / Math.max(1, dist.predikat.length)
  const barW = Math.min(64, band * 0.55)
  const y = (pct: number) => top + plotH - (Math.max(0, Math.min(100, pct)) / 100) * plotH
  const limits = limitsOf(dist)
  const ticks = [0, 25, 50, 75, 100]
  return html`<figure style="margin:0">
<svg id="distribution-chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="distribution-chart-title" xmlns="http://www.w3.org/2000/svg">
<title id="distribution-chart-title">${t(lang, 'dashboard.distribution.chart')}</title>
${ticks.map((p) => html`<line x1="${left}" x2="${W - 8}" y1="${y(p)}" y2="${y(p)}" stroke="#d8dee6" stroke-width="1"/><text x="${left - 6}" y="${y(p) + 4}" text-anchor="end">${p}%</text>`)}
${dist.predikat.map((p, i) => {
  const cx = left + band * i + band / 2
  const pct = p.percent ?? 0
  const lim = limits.get(p.name)
  return html`<g class="series" data-predikat="${p.name}">
<rect class="bar" data-predikat="${p.name}" data-count="${p.count}" data-percent="${pct}" x="${cx - barW / 2}" y="${y(pct)}" width="${barW}" height="${y(0) - y(pct)}" fill="#1f5fa8"><title>${p.name}: ${p.count} (${number(lang, pct)}%)</title></rect>
<text x="${cx}" y="${y(pct) - 6}" text-anchor="middle">${p.count} (${number(lang, pct)}%)</text>
${lim?.max !== undefined ? html`<line class="quota-max" data-predikat="${p.name}" data-percent="${lim.max}" x1="${cx - band / 2 + 6}" x2="${cx + band / 2 - 6}" y1="${y(lim.max)}" y2="${y(lim.max)}" stroke="#a4262c" stroke-width="2" stroke-dasharray="6 3"/>` : ''}
${lim?.min !== undefined ? html`<line class="quota-min" data-predikat="${p.name}" data-percent="${lim.min}" x1="${cx - band / 2 + 6}" x2="${cx + band / 2 - 6}" y1="${y(lim.min)}" y2="${y(lim.min)}" stroke="#1e7a3c" stroke-width="2" stroke-dasharray="2 2"/>` : ''}
<text x="${cx}" y="${top + plotH + 18}" text-anchor="middle">${p.name}</text>
</g>`
})}
<g transform="translate(${left}, ${H - 22})">
  <rect width="12" height="12" fill="#1f5fa8"/><text x="16" y="10">${t(lang, 'dashboard.legend.actual')}</text>
  <line x1="170" x2="196" y1="6" y2="6" stroke="#a4262c" stroke-width="2" stroke-dasharray="6 3"/><text x="200" y="10">${t(lang, 'dashboard.legend.max')}</text>
  <line x1="330" x2="356" y1="6" y2="6" stroke="#1e7a3c" stroke-width="2" stroke-dasharray="2 2"/><text x="360" y="10">${t(lang, 'dashboard.legend.min')}</text>
</g>
</svg>
</figure>`
}

function distribution(d: Dashboard, lang: Lang): Html {
  const dist = d.distribution
  const org = dist.organisation
  return html`
<section id="distribution">
<h2>${t(lang, 'dashboard.distribution')}</h2>
<p>${org ? t(lang, 'dashboard.distribution.organisation', { predikat: org }) : html`<span class="warn">${t(lang, 'dashboard.distribution.organisationMissing')}</span>`}</p>
<p class="muted">${t(lang, 'dashboard.distribution.basis', { n: dist.counted, pending: dist.pending })}</p>
${chart(dist, lang)}
<table id="distribution-table">
  <tr><th>${t(lang, 'dashboard.distribution.predikat')}</th><th class="num">${t(lang, 'dashboard.count')}</th><th class="num">${t(lang, 'dashboard.distribution.percent')}</th></tr>
  ${dist.predikat.map((p) => html`<tr><td>${p.name}</td><td class="num">${p.count}</td><td class="num">${p.percent === null ? '–' : `${number(lang, p.percent)}%`}</td></tr>`)}
</table>
${
  !dist.hasQuotas
    ? html`<p class="muted">${t(lang, 'dashboard.distribution.noQuotas')}</p>`
    : dist.quotas
      ? html`<h3>${t(lang, 'dashboard.distribution.quotas', { predikat: dist.pattern ?? '' })}</h3>
<table id="quota-table">
  <tr><th>${t(lang, 'dashboard.distribution.predikat')}</th><th>${t(lang, 'dashboard.distribution.quota')}</th><th class="num">${t(lang, 'dashboard.distribution.actual')}</th><th></th></tr>
  ${dist.quotas.map(
    (q) => html`<tr><td>${q.predikat.join(' + ')}</td><td>${quotaText(q, lang)}</td><td class="num">${q.count}${q.percent === null ? '' : ` (${number(lang, q.percent)}%)`}</td><td class="${q.met === false ? 'bad' : q.met ? 'good' : 'muted'}">${q.met === null ? '–' : t(lang, q.met ? 'dashboard.distribution.met' : 'dashboard.distribution.notMet')}</td></tr>`,
  )}
</table>`
      : ''
}
${rules(d, lang)}
</section>`
}

function rules(d: Dashboard, lang: Lang): Html {
  return html`<h3>${t(lang, 'dashboard.rules')}</h3>
${
  d.rules.length === 0
    ? html`<p class="muted">${t(lang, 'dashboard.rules.none')}</p>`
    : d.rules.map(
        (r) => html`<div class="rule" data-rule="${r.rule}" data-ok="${r.ok ? 'true' : 'false'}">
<p><b>${label(r.title, lang)}</b>: <span class="${r.ok ? 'good' : r.level === 'block' ? 'bad' : 'warn'}">${r.ok ? t(lang, 'dashboard.rules.ok') : t(lang, r.level === 'block' ? 'dashboard.rules.block' : 'dashboard.rules.warn')}</span></p>
${r.findings.map((f) => html`<div class="note">${f}</div>`)}
</div>`,
      )
}`
}

function nineBox(nb: NineBoxSummary | null, lang: Lang): Html {
  if (!nb) {
    return html`<section id="nine-box"><h2>${t(lang, 'dashboard.nineBox')}</h2><p class="muted">${t(lang, 'dashboard.nineBox.none')}</p></section>`
  }
  const cell = (potential: string, performance: string) => nb.cells.find((c) => c.potential === potential && c.performance === performance)!
  const shade = (n: number) => (n === 0 ? '#fff' : `rgba(31, 95, 168, ${Math.min(0.45, 0.12 + (0.33 * n) / Math.max(1, nb.counted))})`)
  return html`
<section id="nine-box">
<h2>${t(lang, 'dashboard.nineBox')}</h2>
<p class="muted">${t(lang, 'dashboard.nineBox.basis', { n: nb.counted, without: nb.without })}</p>
<table class="nine-box" style="table-layout:fixed">
  <tr><th rowspan="4" style="width:28px;writing-mode:vertical-rl;transform:rotate(180deg);text-align:center">${t(lang, 'dashboard.nineBox.potential')}</th><th style="width:90px"></th>
    ${(['below', 'meets', 'above'] as const).map((p) => html`<th style="text-align:center">${t(lang, `dashboard.nineBox.${p}`)}</th>`)}</tr>
  ${(['high', 'medium', 'low'] as const).map(
    (potential) => html`<tr><th>${t(lang, `dashboard.nineBox.${potential}`)}</th>
    ${(['below', 'meets', 'above'] as const).map((performance) => {
      const c = cell(potential, performance)
      return html`<td class="box" data-box="${c.box}" data-count="${c.count}" style="background:${shade(c.count)};height:84px">
<div><b>${t(lang, 'dashboard.nineBox.box', { box: c.box })}</b>${c.talentPool ? html` <span class="muted">· ${t(lang, 'dashboard.nineBox.talentPool')}</span>` : ''}</div>
<div style="font-size:20px;font-weight:700">${c.count}</div>
<div class="muted" style="font-size:12px">${c.employees.map((e, i) => html`${i > 0 ? ', ' : ''}<a href="${withLang(`/instances/${encodeURIComponent(e.instance)}/report`, lang)}">${e.name}</a>`)}</div>
</td>`
    })}</tr>`,
  )}
  <tr><td colspan="2" style="border:0"></td><th colspan="3" style="text-align:center">${t(lang, 'dashboard.nineBox.performance')}</th></tr>
</table>
<h3>${t(lang, 'dashboard.nineBox.followUps')}</h3>
<table>
  ${[...nb.cells]
    .sort((a, b) => b.box - a.box)
    .map((c) => html`<tr><td class="num" style="width:60px">${c.box}</td><td class="num" style="width:60px">${c.count}</td><td>${label(c.followUp, lang)}</td></tr>`)}
</table>
</section>`
}

function training(d: Dashboard, lang: Lang): Html {
  if (d.training === null && d.gaps === null) return html``
  return html`
<section id="training">
${
  d.training === null
    ? ''
    : html`<h2>${t(lang, 'dashboard.training')}</h2>
${
  d.training.length === 0
    ? html`<p class="muted">${t(lang, 'dashboard.training.none')}</p>`
    : html`<table>
  <tr><th>${t(lang, 'dashboard.training.title')}</th><th>${t(lang, 'dashboard.training.competency')}</th><th>${t(lang, 'dashboard.training.route')}</th><th class="num">${t(lang, 'dashboard.training.employees')}</th><th class="num">${t(lang, 'dashboard.training.jp')}</th></tr>
  ${d.training.map(
    (n) => html`<tr data-competency="${n.competency ?? ''}"><td>${n.title}</td><td>${n.name ? label(n.name, lang) : html`<span class="muted">${t(lang, 'dashboard.training.general')}</span>`}</td><td>${n.route ?? ''}</td><td class="num">${n.employees}</td><td class="num">${n.jp}</td></tr>`,
  )}
</table>`
}`
}
${
  d.gaps === null
    ? ''
    : html`<h3>${t(lang, 'dashboard.gaps')}</h3>
${
  d.gaps.length === 0
    ? html`<p class="muted">${t(lang, 'dashboard.gaps.none')}</p>`
    : html`<table>
  <tr><th>${t(lang, 'dashboard.training.competency')}</th><th class="num">${t(lang, 'dashboard.training.employees')}</th><th class="num">${t(lang, 'dashboard.gaps.meanGap')}</th><th class="num">${t(lang, 'dashboard.gaps.largest')}</th></tr>
  ${d.gaps.map((g) => html`<tr data-competency="${g.competency}"><td>${label(g.name, lang)}</td><td class="num">${g.employees}</td><td class="num">${number(lang, g.meanGap, 2)}</td><td class="num">${number(lang, g.largestGap, 2)}</td></tr>`)}
</table>`
}`
}
</section>`
}

function reports(d: Dashboard, lang: Lang): Html {
  return html`
<section id="reports">
<h2>${t(lang, 'dashboard.reports')}</h2>
<table>
  <tr><th>NIP</th><th>${t(lang, 'dashboard.reports.name')}</th><th>${t(lang, 'dashboard.reports.unit')}</th><th>${t(lang, 'dashboard.state')}</th><th>${t(lang, 'dashboard.reports.predikat')}</th><th class="num">${t(lang, 'dashboard.reports.box')}</th><th class="no-print"></th></tr>
  ${d.reports.map(
    (r) => html`<tr data-nip="${r.nip}"><td>${r.nip}</td><td>${r.name}</td><td>${r.unit ?? ''}</td><td>${label(r.stateTitle, lang)}</td><td>${r.predikat ?? '–'}</td><td class="num">${r.box ?? '–'}</td><td class="no-print"><a class="report-link" href="${withLang(r.report, lang)}">${t(lang, 'dashboard.reports.open')}</a></td></tr>`,
  )}
</table>
</section>`
}
