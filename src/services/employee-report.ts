/**
 * The employee's 360 report (GET /instances/{id}/report) as a model the page and the JSON share:
 * who and which period, every competency with each role's mean, weight, the score, the required
 * level and the gap, blind spots and hidden strengths, the predikat, training toward the yearly
 * JP, the 9-box and scholarship eligibility, earlier cycles and where the workflow stands.
 *
 * What it shows comes from the package's `report` section, so an office changes it without code.
 * Peers are anonymous (DESIGN §7): only their aggregates, only from their threshold, and never a
 * peer's NIP or answer: the model is built from computed variables and answer counts, never from
 * `responses` or the roster's peer list.
 */
import type { Report, State, Text } from '../generated/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle, Instance } from '../store/records.ts'
import type { Deps } from './deps.ts'
import { employeeHistory } from './instances.ts'
import { anonymousRoles } from './views.ts'

/** PP 11/2017 jo. PP 17/2020 Ps. 203(4): at least 20 lesson hours (JP) a year. */
export const ANNUAL_JP = 20
const DEFAULT_SCALE = { min: 1, max: 5 }

export interface ReportRole {
  role: string
  label: Text | null
  /** The role's nominal weight in the score, when the score table gives one. */
  weight: number | null
  anonymous: boolean
  /** How many answered (for an anonymous role, a count is all that is ever shown). */
  answered: number
  /** Anonymous roles: answers needed before their aggregates are shown. */
  threshold: number | null
  /** false: an anonymous role below its threshold; nothing of it is shown. */
  shown: boolean
  /** A series of the radar chart (shown and scored at least one competency). */
  series: boolean
}

export interface ReportCompetency {
  id: string
  code: string | null
  name: Text
  required: number | null
  score: number | null
  gap: number | null
  /** role -> its mean and effective share (percent) for this competency; only roles shown. */
  roles: Record<string, { mean: number; share: number | null }>
}

export interface Perception {
  competency: string
  name: Text
  self: number
  /** Mean of the other roles' means shown for this competency. */
  others: number
  /** self - others, rounded to 2 decimals. */
  difference: number
}

export interface ReportValue {
  name: string
  label: Text | null
  value: unknown
}

export interface EmployeeReport {
  instance: { id: string; state: string; status: string; outcome: string | null }
  employee: { nip: string; name: string | null; position: { id: string | null; title: Text | null }; unit: string | null }
  supervisor: { nip: string; name: string | null } | null
  superior: { nip: string; name: string | null } | null
  cycle: { id: string; name: string; status: string; periode: string | null; tahun: string | number | null }
  package: { id: string; version: string; title: Text | null }
  scale: { min: number; max: number }
  roles: ReportRole[]
  competencies: ReportCompetency[]
  /** false without a score table (the package names no `report.scores`): no chart, no table. */
  scored: boolean
  blindSpotMargin: number
  blindSpots: Perception[]
  hiddenStrengths: Perception[]
  predikat: { value: string | null; note: string | null } | null
  /** null when the package has no such section or the appraisal has not computed it yet. */
  training: { items: TrainingItem[]; totalJp: number; annualJp: number; shortBy: number } | null
  nineBox: { value: Record<string, unknown> | null; note: string | null } | null
  scholarship: { value: Record<string, unknown> | null; note: string | null } | null
  results: ReportValue[]
  history: { cycle: { id: string; name: string; periode: string | null; tahun: string | number | null; package: string }; outcome: string | null; values: ReportValue[] }[]
  workflow: {
    state: string
    stateTitle: Text | null
    status: string
    tasks: { state: string; stateTitle: Text | null; role: string; roleLabel: Text | null; remaining: number; due: string | null; actions: { name: string; title: Text | null }[] }[]
    /** The current state's deadline, if it has one. */
    deadline: string | null
    /** The deadline of a step that waits on the employee (e.g. the objection window). */
    employeeDeadline: string | null
  }
  generatedAt: string
}

export interface TrainingItem {
  title: Text | string
  jp: number
  competency: string | null
  name: string | null
  route: string | null
  levels: number | null
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const round2 = (v: number) => Math.round(v * 100) / 100
const isText = (v: unknown): v is Text => isObj(v) && typeof v.id === 'string'

/** A variable or `var.key` path of `vars`. */
export function pick(vars: Obj, path: string): unknown {
  if (Object.hasOwn(vars, path)) return vars[path]
  let v: unknown = vars
  for (const part of path.split('.')) {
    if (!isObj(v) || !Object.hasOwn(v, part)) return undefined
    v = v[part]
  }
  return v
}

/** The scale of the levels: the package's, else the span of its forms' scored questions. */
export function reportScale(pkg: LoadedPackage): { min: number; max: number } {
  const set = pkg.workflow.report?.scale
  if (set && set.max > set.min) return { min: set.min, max: set.max }
  let min = Infinity
  let max = -Infinity
  for (const form of Object.values(pkg.forms)) {
    for (const q of Object.values(form.properties)) {
      if (!q['x-competency']) continue
      const { minimum, maximum } = q as { minimum?: unknown; maximum?: unknown }
      if (typeof minimum === 'number') min = Math.min(min, minimum)
      if (typeof maximum === 'number') max = Math.max(max, maximum)
    }
  }
  return Number.isFinite(min) && Number.isFinite(max) && max > min ? { min, max } : DEFAULT_SCALE
}

/** The roles that answer forms, in the workflow's order, with how many answered. */
function reportRoles(pkg: LoadedPackage, instance: Instance): Omit<ReportRole, 'weight' | 'series'>[] {
  const anon = anonymousRoles(pkg)
  return Object.entries(pkg.workflow.roles)
    .filter(([name]) => Object.hasOwn(pkg.workflow.forms, name))
    .map(([name, role]) => {
      const answered = instance.responses[name]?.length ?? 0
      const threshold = anon.get(name) ?? null
      return { role: name, label: role.label ?? null, anonymous: anon.has(name), answered, threshold, shown: threshold === null || answered >= threshold }
    })
}

/** The score table's rows, keeping only what the roles shown may show. */
function competencies(pkg: LoadedPackage, rows: unknown, shown: Set<string>): ReportCompetency[] {
  if (!Array.isArray(rows)) return []
  const names = new Map(pkg.framework.competencies.map((c) => [c.id, c]))
  return rows.filter(isObj).flatMap((row) => {
    const id = str(row.competency)
    if (!id) return []
    const c = names.get(id)
    const roles: ReportCompetency['roles'] = {}
    if (isObj(row.roles)) {
      for (const [role, v] of Object.entries(row.roles)) {
        const mean = isObj(v) ? num(v.mean) : null
        if (shown.has(role) && mean !== null) roles[role] = { mean, share: isObj(v) ? num(v.share) : null }
      }
    }
    const name: Text = c?.name ?? { id: str(row.name) ?? id }
    return [{ id, code: str(row.code) ?? c?.code ?? null, name, required: num(row.required), score: num(row.score), gap: num(row.gap), roles }]
  })
}

/** The first weight the table gives each role. */
function weights(rows: unknown): Map<string, number> {
  const out = new Map<string, number>()
  if (!Array.isArray(rows)) return out
  for (const row of rows) {
    if (!isObj(row) || !isObj(row.roles)) continue
    for (const [role, v] of Object.entries(row.roles)) {
      const w = isObj(v) ? num(v.weight) : null
      if (w !== null && !out.has(role)) out.set(role, w)
    }
  }
  return out
}

/**
 * Blind spots (the employee rates themself above what the others see by more than `margin`) and
 * hidden strengths (below by more than `margin`), per competency where both sides have a mean.
 */
export function perceptions(rows: ReportCompetency[], selfRole: string | undefined, margin: number) {
  const blindSpots: Perception[] = []
  const hiddenStrengths: Perception[] = []
  if (!selfRole) return { blindSpots, hiddenStrengths }
  for (const c of rows) {
    const self = c.roles[selfRole]?.mean
    const others = Object.entries(c.roles).filter(([r]) => r !== selfRole).map(([, v]) => v.mean)
    if (self === undefined || others.length === 0) continue
    const mean = others.reduce((a, b) => a + b, 0) / others.length
    // Compared as shown (2 decimals), so 3.67 - 2.67 is 1, not 1.0000000000000004.
    const difference = round2(self - mean)
    const p = { competency: c.id, name: c.name, self, others: round2(mean), difference }
    if (difference > margin) blindSpots.push(p)
    else if (difference < -margin) hiddenStrengths.push(p)
  }
  blindSpots.sort((a, b) => b.difference - a.difference)
  hiddenStrengths.sort((a, b) => a.difference - b.difference)
  return { blindSpots, hiddenStrengths }
}

function training(report: Report, vars: Obj): EmployeeReport['training'] {
  const cfg = report.training
  // Not computed yet (the appraisal has not reached the step that plans training).
  if (!cfg || vars[cfg.var] === undefined) return null
  const list = vars[cfg.var]
  const items: TrainingItem[] = (Array.isArray(list) ? list : []).filter(isObj).map((x) => ({
    title: isText(x.title) ? x.title : String(x.title ?? x.name ?? x.competency ?? ''),
    jp: num(x.jp) ?? 0,
    competency: str(x.competency),
    name: str(x.name),
    route: str(x.route),
    levels: num(x.levels),
  }))
  const totalJp = (cfg.jp ? num(vars[cfg.jp]) : null) ?? items.reduce((t, i) => t + i.jp, 0)
  const annualJp = cfg.annualJp ?? ANNUAL_JP
  return { items, totalJp, annualJp, shortBy: Math.max(0, annualJp - totalJp) }
}

function section(s: { var: string; note?: string } | undefined, vars: Obj) {
  if (!s || (vars[s.var] === undefined && (s.note === undefined || vars[s.note] === undefined))) return null
  const v = vars[s.var]
  return { value: isObj(v) ? v : null, note: s.note ? str(vars[s.note]) : null }
}

/** Variables a section of its own shows; the rest of `report.vars` is listed as results. */
function sectionVars(r: Report): Set<string> {
  return new Set([r.scores, r.predikat?.var, r.predikat?.note, r.training?.var, r.training?.jp, r.nineBox?.var, r.nineBox?.note, r.scholarship?.var, r.scholarship?.note].filter((v): v is string => !!v))
}

function actionTitle(state: State | undefined, name: string): Text | null {
  return state?.type === 'review' ? (state.actions[name]?.title ?? null) : null
}

const labelOf = (r: Report, name: string): Text | null => r.labels?.[name] ?? null

function period(cycle: { params?: Obj }) {
  const p = cycle.params ?? {}
  const tahun = typeof p.tahun === 'number' || typeof p.tahun === 'string' ? p.tahun : null
  return { periode: str(p.periode), tahun }
}

export async function employeeReport(deps: Deps, o: { instance: Instance; cycle: Cycle; pkg: LoadedPackage }): Promise<EmployeeReport> {
  const { instance, cycle, pkg } = o
  const wf = pkg.workflow
  const report: Report = wf.report ?? {}
  const vars = instance.vars
  const entry = await deps.store.getRosterEntry(cycle.id, instance.nip)
  const person = async (nip: string | undefined) => (nip ? { nip, name: (await deps.store.getRosterEntry(cycle.id, nip))?.name ?? null } : null)
  const position = entry?.position ? pkg.framework.positions?.find((p) => p.id === entry.position) : undefined

  const scale = reportScale(pkg)
  const rows = report.scores ? vars[report.scores] : undefined
  const base = reportRoles(pkg, instance)
  const shown = new Set(base.filter((r) => r.shown).map((r) => r.role))
  const table = competencies(pkg, rows, shown)
  const w = weights(rows)
  const roles: ReportRole[] = base.map((r) => ({ ...r, weight: w.get(r.role) ?? null, series: r.shown && table.some((c) => c.roles[r.role]) }))
  const selfRole = roles.find((r) => r.series && wf.roles[r.role]?.rater === 'self')?.role
  const margin = report.blindSpotMargin ?? (scale.max - scale.min) / 3

  const own = sectionVars(report)
  const history = (await employeeHistory(deps, cycle.office, cycle.id, instance.nip)) as { cycle: { id: string; name: string; package: { id: string }; params?: Obj }; outcome?: string; vars: Obj }[]
  const historyPaths = report.history ?? [report.predikat?.var ?? 'predikat']

  const state = wf.states[instance.state]
  const deadline = instance.deadlines.find((d) => d.state === instance.state && d.kind === 'deadline')?.at ?? null
  const employeeActs = state?.type === 'review' && wf.roles[state.actor]?.rater === 'self'

  return {
    instance: { id: instance.id, state: instance.state, status: instance.status, outcome: instance.outcome ?? null },
    employee: { nip: instance.nip, name: entry?.name ?? null, position: { id: entry?.position ?? null, title: position?.title ?? null }, unit: entry?.unit ?? null },
    supervisor: await person(entry?.supervisor),
    superior: await person(entry?.superior),
    cycle: { id: cycle.id, name: cycle.name, status: cycle.status, ...period(cycle) },
    package: { id: pkg.id, version: pkg.version, title: wf.title ?? null },
    scale,
    roles,
    competencies: table,
    scored: report.scores !== undefined,
    blindSpotMargin: round2(margin),
    ...perceptions(table, selfRole, margin),
    predikat: report.predikat ? { value: str(vars[report.predikat.var]), note: report.predikat.note ? str(vars[report.predikat.note]) : null } : null,
    training: training(report, vars),
    nineBox: section(report.nineBox, vars),
    scholarship: section(report.scholarship, vars),
    results: (report.vars ?? []).filter((v) => !own.has(v)).map((name) => ({ name, label: labelOf(report, name), value: vars[name] ?? null })),
    history: history.map((h) => ({
      cycle: { id: h.cycle.id, name: h.cycle.name, ...period(h.cycle), package: h.cycle.package.id },
      outcome: h.outcome ?? null,
      values: historyPaths.map((name) => ({ name, label: labelOf(report, name), value: pick(h.vars, name) ?? null })),
    })),
    workflow: {
      state: instance.state,
      stateTitle: state?.title ?? null,
      status: instance.status,
      // Who must act is left out: a collect task of peers never names them anyway, and the page
      // needs only the role.
      tasks: instance.tasks.map((t) => ({
        state: t.state,
        stateTitle: wf.states[t.state]?.title ?? null,
        role: t.role,
        roleLabel: wf.roles[t.role]?.label ?? null,
        remaining: t.remaining,
        due: t.due ?? null,
        actions: (t.actions ?? []).map((name) => ({ name, title: actionTitle(wf.states[t.state], name) })),
      })),
      deadline,
      employeeDeadline: employeeActs && instance.status === 'active' ? deadline : null,
    },
    generatedAt: deps.clock.now().toISOString(),
  }
}
