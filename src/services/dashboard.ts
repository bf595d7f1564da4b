/**
 * The cycle dashboard: one model of a whole cycle for HR and the office's viewers. Who is still
 * awaited (per state and role, with deadlines), the predikat distribution next to the quotas of
 * the organisation's predikat (SE MenPANRB 3/2023) and what the cycle rules say, the 9-box counts
 * (PermenPANRB 3/2020), the training needs and competency gaps across the office, and a link to
 * each employee's report.
 *
 * It reads results (vars), tasks and deadlines, never answers: no peer's answer or identity can
 * reach it. An anonymous role's raters are counted, never named (DESIGN.md section 7).
 */
import { evaluateCycleRules, type CycleRuleResult } from '../engine/cycle-rules.ts'
import type { Text } from '../generated/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle, Instance, InstanceStatus, RosterEntry } from '../store/records.ts'
import { distribution, type Distribution } from './dashboard-distribution.ts'
import { gaps, nineBox, training, type GapNeed, type NineBoxSummary, type TrainingNeed } from './dashboard-results.ts'
import type { Deps } from './deps.ts'
import { anonymousRoles } from './views.ts'

export type { Distribution, Quota } from './dashboard-distribution.ts'
export type { GapNeed, NineBoxCell, NineBoxSummary, TrainingNeed } from './dashboard-results.ts'

export interface Person {
  nip: string
  /** From the roster; null for someone not on it (e.g. a supervisor from another office). */
  name: string | null
}

export interface Waiting {
  instance: string
  /** The employee appraised. */
  nip: string
  name: string
  remaining: number
  due: string | null
  overdue: boolean
  /** Who must act; only for attributed roles (an anonymous role's raters are never named). */
  awaited?: Person[]
}

export interface CompletionGroup {
  state: string
  stateTitle: Text
  role: string
  roleLabel: Text
  anonymous: boolean
  /** collect: answers awaited; review: a decision awaited. */
  kind: 'answers' | 'decision'
  /** How many appraisals wait on this role in this state. */
  appraisals: number
  /** How many answers or decisions are still awaited in all. */
  remaining: number
  /** The earliest deadline among them. */
  due: string | null
  overdue: number
  waiting: Waiting[]
}

export interface DeadlineSummary {
  state: string
  stateTitle: Text
  appraisals: number
  earliest: string
  latest: string
  /** Past due and not yet moved on (the next tick moves them). */
  overdue: number
}

export interface EmployeeRow {
  instance: string
  nip: string
  name: string
  unit: string | null
  position: string | null
  state: string
  stateTitle: Text
  status: InstanceStatus
  predikat: string | null
  box: number | null
  /** The employee's printable report. */
  report: string
}

export interface Dashboard {
  cycle: {
    id: string
    name: string
    office: string
    status: Cycle['status']
    package: Cycle['package'] & { title: Text }
    startedAt: string | null
    closedAt: string | null
  }
  at: string
  employees: number
  byStatus: Record<InstanceStatus, number>
  byState: { state: string; title: Text; count: number }[]
  completion: CompletionGroup[]
  deadlines: DeadlineSummary[]
  distribution: Distribution
  rules: CycleRuleResult[]
  /** null when the package computes no talent box (no state assigns `nineBox`). */
  nineBox: NineBoxSummary | null
  /** null when the package makes no training plan (no state assigns `training`). */
  training: TrainingNeed[] | null
  /** null when the package computes no gaps (no state assigns `gaps`). */
  gaps: GapNeed[] | null
  reports: EmployeeRow[]
}

export const reportPath = (instance: string) => `/instances/${encodeURIComponent(instance)}/report`

/** The dashboard of a cycle as it is now. */
export async function cycleDashboard(deps: Deps, cycle: Cycle): Promise<Dashboard> {
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  const [instances, roster] = await Promise.all([deps.store.listInstances(cycle.id), deps.store.getRoster(cycle.id)])
  const now = deps.clock.now()
  const rules = await evaluateCycleRules(pkg, cycle, instances, roster, now)
  return buildDashboard(pkg, cycle, instances, roster, rules, now)
}

/** The model from what the store holds (pure: the route and the tests share it). */
export function buildDashboard(pkg: LoadedPackage, cycle: Cycle, instances: Instance[], roster: RosterEntry[], rules: CycleRuleResult[], now: Date): Dashboard {
  const byNip = new Map(roster.map((e) => [e.nip, e]))
  const order = new Map(roster.map((e, i) => [e.nip, i]))
  const sorted = [...instances].sort((a, b) => (order.get(a.nip) ?? Infinity) - (order.get(b.nip) ?? Infinity) || a.nip.localeCompare(b.nip))
  const nameOf = (nip: string) => byNip.get(nip)?.name ?? nip
  const stateTitle = (state: string): Text => pkg.workflow.states[state]?.title ?? { id: state }
  const byStatus: Record<InstanceStatus, number> = { active: 0, done: 0, failed: 0 }
  for (const i of sorted) byStatus[i.status]++
  const stateOrder = Object.keys(pkg.workflow.states)
  const stateCounts = new Map<string, number>()
  for (const i of sorted) stateCounts.set(i.state, (stateCounts.get(i.state) ?? 0) + 1)
  const assigned = assignedVars(pkg)
  const byState = [...stateCounts.entries()]
    .sort(([a], [b]) => rank(stateOrder, a) - rank(stateOrder, b))
    .map(([state, count]) => ({ state, title: stateTitle(state), count }))

  return {
    cycle: {
      id: cycle.id,
      name: cycle.name,
      office: cycle.office,
      status: cycle.status,
      package: { ...cycle.package, title: pkg.workflow.title ?? { id: pkg.id } },
      startedAt: cycle.startedAt ?? null,
      closedAt: cycle.closedAt ?? null,
    },
    at: now.toISOString(),
    employees: sorted.length,
    byStatus,
    byState,
    completion: completion(pkg, sorted, nameOf, byNip, stateTitle, stateOrder, now),
    deadlines: deadlines(sorted, stateTitle, stateOrder, now),
    distribution: distribution(pkg, cycle, sorted),
    rules,
    nineBox: assigned.has('nineBox') ? nineBox(pkg, sorted, nameOf) : null,
    training: assigned.has('training') ? training(pkg, sorted) : null,
    gaps: assigned.has('gaps') ? gaps(pkg, sorted) : null,
    reports: sorted.map((i) => {
      const e = byNip.get(i.nip)
      const nb = i.vars.nineBox as { box?: unknown } | null | undefined
      const box = typeof nb?.box === 'number' ? nb.box : null
      return {
        instance: i.id,
        nip: i.nip,
        name: nameOf(i.nip),
        unit: e?.unit ?? null,
        position: e?.position ?? null,
        state: i.state,
        stateTitle: stateTitle(i.state),
        status: i.status,
        predikat: typeof i.vars.predikat === 'string' ? i.vars.predikat : null,
        box,
        report: reportPath(i.id),
      }
    }),
  }
}

/** Every variable a state or a review action of the package assigns. */
function assignedVars(pkg: LoadedPackage): Set<string> {
  const out = new Set<string>()
  for (const state of Object.values(pkg.workflow.states) as { assign?: object; actions?: Record<string, { assign?: object }> }[]) {
    for (const name of Object.keys(state.assign ?? {})) out.add(name)
    for (const action of Object.values(state.actions ?? {})) for (const name of Object.keys(action.assign ?? {})) out.add(name)
  }
  return out
}

const rank = (order: string[], key: string) => {
  const i = order.indexOf(key)
  return i === -1 ? order.length : i
}

function completion(
  pkg: LoadedPackage,
  instances: Instance[],
  nameOf: (nip: string) => string,
  byNip: Map<string, RosterEntry>,
  stateTitle: (s: string) => Text,
  stateOrder: string[],
  now: Date,
): CompletionGroup[] {
  const anonymous = anonymousRoles(pkg)
  const roleOrder = Object.keys(pkg.workflow.roles)
  const groups = new Map<string, CompletionGroup>()
  for (const i of instances) {
    if (i.status !== 'active') continue
    for (const task of i.tasks) {
      if (task.remaining <= 0) continue
      const key = `${task.state}\u0000${task.role}`
      const anon = anonymous.has(task.role)
      let group = groups.get(key)
      if (!group) {
        const kind = pkg.workflow.states[task.state]?.type === 'collect' ? 'answers' : 'decision'
        group = {
          state: task.state,
          stateTitle: stateTitle(task.state),
          role: task.role,
          roleLabel: pkg.workflow.roles[task.role]?.label ?? { id: task.role },
          anonymous: anon,
          kind,
          appraisals: 0,
          remaining: 0,
          due: null,
          overdue: 0,
          waiting: [],
        }
        groups.set(key, group)
      }
      const due = task.due ?? null
      const overdue = due !== null && Date.parse(due) <= now.getTime()
      group.appraisals++
      group.remaining += task.remaining
      if (overdue) group.overdue++
      if (due !== null && (group.due === null || due < group.due)) group.due = due
      // An anonymous role is counted, never named, even if a task carried its raters by mistake.
      const awaited = anon ? undefined : (task.who ?? []).map((nip) => ({ nip, name: byNip.get(nip)?.name ?? null }))
      group.waiting.push({ instance: i.id, nip: i.nip, name: nameOf(i.nip), remaining: task.remaining, due, overdue, ...(awaited ? { awaited } : {}) })
    }
  }
  return [...groups.values()].sort((a, b) => rank(stateOrder, a.state) - rank(stateOrder, b.state) || rank(roleOrder, a.role) - rank(roleOrder, b.role))
}

function deadlines(instances: Instance[], stateTitle: (s: string) => Text, stateOrder: string[], now: Date): DeadlineSummary[] {
  const out = new Map<string, DeadlineSummary>()
  for (const i of instances) {
    if (i.status !== 'active') continue
    for (const d of i.deadlines) {
      if (d.kind !== 'deadline') continue
      const s = out.get(d.state) ?? { state: d.state, stateTitle: stateTitle(d.state), appraisals: 0, earliest: d.at, latest: d.at, overdue: 0 }
      s.appraisals++
      if (d.at < s.earliest) s.earliest = d.at
      if (d.at > s.latest) s.latest = d.at
      if (Date.parse(d.at) <= now.getTime()) s.overdue++
      out.set(d.state, s)
    }
  }
  return [...out.values()].sort((a, b) => rank(stateOrder, a.state) - rank(stateOrder, b.state))
}
