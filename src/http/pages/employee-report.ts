/**
 * The employee's report as a printable page (A4): identity and period, the predikat, the radar
 * chart and score table, blind spots and hidden strengths, training toward the yearly JP, the
 * study-assignment condition and the 9-box, other results, earlier cycles and the workflow's state.
 * Everything comes from the model (services/employee-report.ts); words from the catalogue.
 */
import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import type { Text } from '../../generated/types.ts'
import '../../i18n/report.ts'
import { label, t, type Lang } from '../../i18n/index.ts'
import type { EmployeeReport, Perception, ReportValue } from '../../services/employee-report.ts'
import { page } from './layout.ts'
import { radarChart, type RadarSeries } from './radar-chart.ts'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

const PALETTE = ['#c2410c', '#1f5fa8', '#1e7a3c', '#7c3aed', '#be185d', '#0e7490']
const REQUIRED_COLOR = '#1c2430'

// What this page adds to the shell's style.
const STYLE = `
.headline { display: flex; gap: 16px; align-items: flex-start; text-align: right; }
.legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.legend svg, th svg { vertical-align: middle; }
ul.plain { margin: 0; padding-left: 18px; }
table.identity th { width: 18%; }
figure svg.radar { display: block; margin: 0 auto; }
@media print { section { break-inside: auto; } #profile figure { break-inside: avoid; } }
`

const when = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '–')
const fmt = (lang: Lang, v: number | null | undefined, digits = 2) =>
  typeof v === 'number' ? new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: digits }).format(v) : '–'
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isText = (v: unknown): v is Text => isObj(v) && typeof v.id === 'string' && Object.keys(v).every((k) => k === 'id' || k === 'en')

/** Any variable's value, readably: text, numbers, yes/no, package texts, lists and objects nested. */
function value(lang: Lang, v: unknown, depth = 0): Html | string {
  if (v === null || v === undefined || v === '') return '–'
  if (typeof v === 'number') return fmt(lang, v, 3)
  if (typeof v === 'boolean') return t(lang, v ? 'report.yes' : 'report.no')
  if (typeof v === 'string') return v
  if (isText(v)) return label(v, lang)
  if (depth > 3) return JSON.stringify(v)
  if (Array.isArray(v)) {
    if (v.length === 0) return t(lang, 'common.none')
    if (v.every((x) => !isObj(x) || isText(x))) return v.map((x) => String(value(lang, x, depth + 1))).join('; ')
    return html`<ul class="plain">${v.map((x) => html`<li>${value(lang, x, depth + 1)}</li>`)}</ul>`
  }
  if (isObj(v)) return html`<span class="kv">${Object.entries(v).map(([k, x], i) => html`${i > 0 ? '; ' : ''}<span class="muted">${k}:</span> ${value(lang, x, depth + 1)}`)}</span>`
  return String(v)
}

/** A role's effective share differs from its nominal weight: another role had no mean there. */
const renormalised = (share: number | null | undefined, weight: number | null) => typeof share === 'number' && weight !== null && Math.abs(share - weight) > 0.05

const nameOf = (lang: Lang, v: ReportValue) => (v.label ? label(v.label, lang) : v.name)

export function employeeReportPage(m: EmployeeReport, lang: Lang, self: string) {
  const L = (x: Text | null | undefined) => label(x, lang)
  const colors = new Map(m.roles.filter((r) => r.series).map((r, i) => [r.role, PALETTE[i % PALETTE.length]!]))
  const body = html`<style>${raw(STYLE)}</style>
<header class="page">
  <div>
    <h1>${t(lang, 'report.title')}</h1>
    <div><strong class="employee-name">${m.employee.name ?? m.employee.nip}</strong> · ${m.employee.nip}</div>
    <div class="muted">${L(m.package.title)} · ${m.cycle.name}</div>
  </div>
  <div class="headline">${predikatBadge(m, lang)}<button type="button" class="no-print" onclick="window.print()">${t(lang, 'report.print')}</button></div>
</header>
${identity(m, lang)}
${m.scored ? profile(m, lang, colors) : ''}
${m.scored && m.competencies.some((c) => Object.keys(c.roles).length > 0) ? perception(m, lang) : ''}
${training(m, lang)}
${talent(m, lang)}
${results(m, lang)}
${history(m, lang)}
${workflow(m, lang)}
<footer class="muted" style="margin-top:24px;font-size:12px">${t(lang, 'report.footer', { id: m.package.id, version: m.package.version })} ${t(lang, 'common.generatedAt', { at: when(m.generatedAt) })}</footer>`
  return page({ lang, title: `${t(lang, 'report.title')}: ${m.employee.name ?? m.employee.nip}`, self, body })
}

function predikatBadge(m: EmployeeReport, lang: Lang): Html | string {
  if (!m.predikat) return ''
  return html`<div class="predikat" data-predikat="${m.predikat.value ?? ''}"><span class="muted">${t(lang, 'report.predikat')}</span><br><strong style="font-size:20px">${m.predikat.value ?? '–'}</strong></div>`
}

function identity(m: EmployeeReport, lang: Lang): Html {
  const person = (p: { nip: string; name: string | null } | null) => (p ? html`${p.name ?? ''} <span class="muted">${p.nip}</span>` : '–')
  const period = [m.cycle.periode, m.cycle.tahun].filter((x) => x !== null && x !== '').join(' ')
  return html`<section id="identity"><h2>${t(lang, 'report.identity')}</h2>
<table class="identity">
<tr><th>${t(lang, 'report.name')}</th><td>${m.employee.name ?? '–'}</td><th>${t(lang, 'report.nip')}</th><td>${m.employee.nip}</td></tr>
<tr><th>${t(lang, 'report.position')}</th><td>${label(m.employee.position.title, lang) || m.employee.position.id || '–'}</td><th>${t(lang, 'report.unit')}</th><td>${m.employee.unit ?? '–'}</td></tr>
<tr><th>${t(lang, 'report.supervisor')}</th><td>${person(m.supervisor)}</td><th>${t(lang, 'report.superior')}</th><td>${person(m.superior)}</td></tr>
<tr><th>${t(lang, 'report.cycle')}</th><td>${m.cycle.name} <span class="muted">(${t(lang, `report.cycleStatus.${m.cycle.status}`)})</span></td><th>${t(lang, 'report.period')}</th><td>${period || '–'}</td></tr>
</table>
${m.predikat?.note ? html`<p class="note">${m.predikat.note}</p>` : m.predikat && !m.predikat.value ? html`<p class="note">${t(lang, 'report.predikat.none')}</p>` : ''}
</section>`
}

/** The notes on anonymous roles: hidden below their threshold (how many are missing), or a mean. */
function roleNotes(m: EmployeeReport, lang: Lang): Html[] {
  return m.roles
    .filter((r) => r.anonymous)
    .map((r) =>
      r.shown
        ? html`<p class="muted anonymous-note" data-role="${r.role}">${t(lang, 'report.anonymousShown', { role: label(r.label, lang) || r.role, answered: r.answered })}</p>`
        : html`<p class="note below-threshold" data-role="${r.role}" data-answered="${r.answered}" data-threshold="${r.threshold ?? ''}">${t(lang, 'report.peersHidden', { role: label(r.label, lang) || r.role, answered: r.answered, threshold: r.threshold ?? 0, missing: (r.threshold ?? 0) - r.answered })}</p>`,
    )
}

function profile(m: EmployeeReport, lang: Lang, colors: Map<string, string>): Html {
  const seriesRoles = m.roles.filter((r) => r.series)
  const roleName = (r: (typeof m.roles)[number]) => label(r.label, lang) || r.role
  const series: RadarSeries[] = [
    ...seriesRoles.map((r) => ({ key: r.role, label: roleName(r), color: colors.get(r.role)!, values: m.competencies.map((c) => c.roles[r.role]?.mean ?? null) })),
    { key: 'required', label: t(lang, 'report.required'), color: REQUIRED_COLOR, values: m.competencies.map((c) => c.required), dashed: true },
  ]
  const swatch = (color: string, dashed = false) => html`<svg width="22" height="10" aria-hidden="true"><line x1="1" y1="5" x2="21" y2="5" stroke="${color}" stroke-width="3" stroke-dasharray="${dashed ? '5 3' : ''}"/></svg>`
  if (m.competencies.length === 0) return html`<section id="profile"><h2>${t(lang, 'report.chart')}</h2>${roleNotes(m, lang)}<p class="note">${t(lang, 'report.noScores')}</p></section>`
  const chart = html`<figure style="margin:0">
${radarChart({ id: 'radar', axes: m.competencies.map((c) => ({ id: c.id, label: c.code ?? label(c.name, lang), title: label(c.name, lang) })), series, scale: m.scale, aria: t(lang, 'report.chart.aria', { count: m.competencies.length }) })}
<figcaption><ul class="legend">${series.map((s) => html`<li data-series="${s.key}">${swatch(s.color, s.dashed)} ${s.label}</li>`)}</ul>
<span class="muted">${t(lang, 'report.chart.caption', { min: fmt(lang, m.scale.min), max: fmt(lang, m.scale.max) })}</span></figcaption>
</figure>`
  const weight = (w: number | null) => (w === null ? '' : html`<br><span class="muted">${t(lang, 'report.weight', { weight: fmt(lang, w, 1) })}</span>`)
  const cell = (c: (typeof m.competencies)[number], r: (typeof m.roles)[number]) => {
    const v = c.roles[r.role]
    if (!v) return html`<td class="num">–</td>`
    const moved = renormalised(v.share, r.weight)
    return html`<td class="num"${moved ? html` title="${t(lang, 'report.share', { share: fmt(lang, v.share, 1) })}"` : ''}>${fmt(lang, v.mean)}${moved ? html`<sup>*</sup>` : ''}</td>`
  }
  const gapClass = (g: number | null) => (g === null ? '' : g < 0 ? 'bad' : 'good')
  return html`<section id="profile"><h2>${t(lang, 'report.chart')}</h2>
${roleNotes(m, lang)}
${chart}
<h3>${t(lang, 'report.table')}</h3>
<table class="scores">
<thead><tr><th>${t(lang, 'report.competency')}</th>${seriesRoles.map((r) => html`<th class="num" data-role="${r.role}">${swatch(colors.get(r.role)!)} ${roleName(r)}${weight(r.weight)}</th>`)}<th class="num">${t(lang, 'report.score')}</th><th class="num">${t(lang, 'report.required')}</th><th class="num">${t(lang, 'report.gap')}</th></tr></thead>
<tbody>${m.competencies.map(
    (c) => html`<tr data-competency="${c.id}"><td>${c.code ? html`<span class="muted">${c.code}</span> ` : ''}${label(c.name, lang)}</td>${seriesRoles.map((r) => cell(c, r))}<td class="num"><strong>${fmt(lang, c.score)}</strong></td><td class="num">${fmt(lang, c.required)}</td><td class="num ${gapClass(c.gap)}">${c.gap !== null && c.gap > 0 ? '+' : ''}${fmt(lang, c.gap)}</td></tr>`,
  )}</tbody>
</table>
${m.competencies.some((c) => seriesRoles.some((r) => renormalised(c.roles[r.role]?.share, r.weight))) ? html`<p class="muted" style="font-size:12px"><sup>*</sup> ${t(lang, 'report.shareNote')}</p>` : ''}
</section>`
}

function perception(m: EmployeeReport, lang: Lang): Html {
  const rows = (list: Perception[], kind: string) =>
    list.length === 0
      ? html`<p class="muted">${t(lang, 'common.none')}</p>`
      : html`<table class="${kind}"><thead><tr><th>${t(lang, 'report.competency')}</th><th class="num">${t(lang, 'report.self')}</th><th class="num">${t(lang, 'report.others')}</th><th class="num">${t(lang, 'report.difference')}</th></tr></thead>
<tbody>${list.map((p) => html`<tr data-competency="${p.competency}"><td>${label(p.name, lang)}</td><td class="num">${fmt(lang, p.self)}</td><td class="num">${fmt(lang, p.others)}</td><td class="num">${p.difference > 0 ? '+' : ''}${fmt(lang, p.difference)}</td></tr>`)}</tbody></table>`
  return html`<section id="perception"><h2>${t(lang, 'report.perception')}</h2>
<p class="muted">${t(lang, 'report.perception.rule', { margin: fmt(lang, m.blindSpotMargin) })}</p>
<div class="grid"><div><h3>${t(lang, 'report.blindSpots')}</h3>${rows(m.blindSpots, 'blind-spots')}</div><div><h3>${t(lang, 'report.hiddenStrengths')}</h3>${rows(m.hiddenStrengths, 'hidden-strengths')}</div></div>
</section>`
}

function training(m: EmployeeReport, lang: Lang): Html | string {
  const tr = m.training
  if (!tr) return ''
  const summary = tr.shortBy > 0
    ? html`<p class="note training-total" data-jp="${tr.totalJp}">${t(lang, 'report.training.short', { total: fmt(lang, tr.totalJp, 1), annual: fmt(lang, tr.annualJp, 1), short: fmt(lang, tr.shortBy, 1) })}</p>`
    : html`<p class="training-total good" data-jp="${tr.totalJp}">${t(lang, 'report.training.meets', { total: fmt(lang, tr.totalJp, 1), annual: fmt(lang, tr.annualJp, 1) })}</p>`
  return html`<section id="training"><h2>${t(lang, 'report.training')}</h2>
<table class="training"><thead><tr><th>${t(lang, 'report.training.course')}</th><th>${t(lang, 'report.competency')}</th><th>${t(lang, 'report.training.route')}</th><th class="num">${t(lang, 'report.training.levels')}</th><th class="num">${t(lang, 'report.training.jp')}</th></tr></thead>
<tbody>${tr.items.map((i) => html`<tr><td>${typeof i.title === 'string' ? i.title : label(i.title, lang)}</td><td>${i.name ?? '–'}</td><td>${i.route ?? '–'}</td><td class="num">${fmt(lang, i.levels, 0)}</td><td class="num">${fmt(lang, i.jp, 1)}</td></tr>`)}</tbody>
<tfoot><tr><th colspan="4">${t(lang, 'report.training.total')}</th><th class="num">${fmt(lang, tr.totalJp, 1)}</th></tr></tfoot></table>
${summary}
</section>`
}

function talent(m: EmployeeReport, lang: Lang): Html | string {
  if (!m.scholarship && !m.nineBox) return ''
  const level = (v: unknown) => (typeof v === 'string' ? t(lang, `report.level.${v}`) : '–')
  const s = m.scholarship
  const scholarship = s
    ? html`<div id="scholarship"><h3>${t(lang, 'report.scholarship')}</h3>
${s.value
  ? html`<p class="${s.value.eligible === true ? 'good' : 'warn'}" data-eligible="${String(s.value.eligible === true)}"><strong>${t(lang, s.value.eligible === true ? 'report.scholarship.eligible' : 'report.scholarship.notEligible')}</strong></p>
${Array.isArray(s.value.reasons) && s.value.reasons.length > 0 ? html`<ul>${s.value.reasons.map((r) => html`<li>${value(lang, r)}</li>`)}</ul>` : ''}
${Array.isArray(s.value.basis) && s.value.basis.length > 0 ? html`<p class="muted">${t(lang, 'report.scholarship.basis')}: ${s.value.basis.filter(isObj).map((b, i) => html`${i > 0 ? '; ' : ''}${value(lang, b.name)} (${value(lang, b.predikat)})`)}</p>` : ''}`
  : html`<p class="muted">${s.note ?? '–'}</p>`}</div>`
    : ''
  const b = m.nineBox
  const nineBox = b
    ? html`<div id="nine-box"><h3>${t(lang, 'report.nineBox')}</h3>
${b.value
  ? html`<p class="box" data-box="${String(b.value.box ?? '')}"><strong style="font-size:18px">${t(lang, 'report.nineBox.box', { box: String(b.value.box ?? '–') })}</strong><br>${t(lang, 'report.nineBox.axes', { performance: level(b.value.performance), potential: level(b.value.potential) })}</p>
${b.value.followUp ? html`<p>${value(lang, b.value.followUp)}</p>` : ''}${b.value.talentPool === true ? html`<p class="good">${t(lang, 'report.nineBox.pool')}</p>` : ''}`
  : html`<p class="note">${b.note ?? '–'}</p>`}</div>`
    : ''
  return html`<section id="talent"><h2>${t(lang, 'report.talent')}</h2><div class="grid">${scholarship}${nineBox}</div></section>`
}

function results(m: EmployeeReport, lang: Lang): Html | string {
  // Variables not (yet) set say nothing on paper; the JSON keeps them as null.
  const set = m.results.filter((r) => r.value !== null && r.value !== undefined)
  if (set.length === 0) return ''
  return html`<section id="results"><h2>${t(lang, 'report.results')}</h2>
<table class="results">${set.map((r) => html`<tr data-var="${r.name}"><th style="width:32%">${nameOf(lang, r)}</th><td>${value(lang, r.value)}</td></tr>`)}</table>
</section>`
}

function history(m: EmployeeReport, lang: Lang): Html {
  const cols = m.history[0]?.values ?? []
  return html`<section id="history"><h2>${t(lang, 'report.history')}</h2>
${m.history.length === 0
  ? html`<p class="muted">${t(lang, 'report.history.none')}</p>`
  : html`<table class="history"><thead><tr><th>${t(lang, 'report.cycle')}</th><th>${t(lang, 'report.period')}</th>${cols.map((c) => html`<th>${nameOf(lang, c)}</th>`)}</tr></thead>
<tbody>${m.history.map((h) => html`<tr data-cycle="${h.cycle.id}"><td>${h.cycle.name} <span class="muted">${h.cycle.package}</span></td><td>${[h.cycle.periode, h.cycle.tahun].filter((x) => x !== null).join(' ') || '–'}</td>${h.values.map((v) => html`<td>${value(lang, v.value)}</td>`)}</tr>`)}</tbody></table>`}
</section>`
}

function workflow(m: EmployeeReport, lang: Lang): Html {
  const w = m.workflow
  const step = label(w.stateTitle, lang) || w.state
  const status = t(lang, `report.status.${w.status}`)
  return html`<section id="workflow"><h2>${t(lang, 'report.workflow')}</h2>
<table class="workflow">
<tr><th style="width:32%">${t(lang, 'report.step')}</th><td data-state="${w.state}">${step}${step === status ? '' : html` <span class="muted">(${status})</span>`}</td></tr>
${w.employeeDeadline ? html`<tr class="employee-deadline"><th>${t(lang, 'report.employeeDeadline')}</th><td><strong>${when(w.employeeDeadline)}</strong></td></tr>` : w.deadline ? html`<tr><th>${t(lang, 'report.deadline')}</th><td>${when(w.deadline)}</td></tr>` : ''}
<tr><th>${t(lang, 'report.tasks')}</th><td>${w.tasks.length === 0
    ? t(lang, 'report.tasks.none')
    : html`<ul class="plain tasks">${w.tasks.map((task) => html`<li data-role="${task.role}">${label(task.roleLabel, lang) || task.role}: ${t(lang, 'report.tasks.remaining', { remaining: task.remaining })}${task.due ? ` (${t(lang, 'report.due', { at: when(task.due) })})` : ''}${task.actions.length > 0 ? html` <span class="muted">${t(lang, 'report.tasks.actions', { actions: task.actions.map((a) => label(a.title, lang) || a.name).join(', ') })}</span>` : ''}</li>`)}</ul>`}</td></tr>
</table>
</section>`
}
