/**
 * What the API shows of an instance. Peer answers are anonymous: no view carries a peer's answers
 * or identity, only how many answered, and an anonymous role's aggregates only from its threshold.
 * Attributed roles (self, supervisor) are shown with their answers.
 */
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Instance, InstanceEvent } from '../store/records.ts'

const DEFAULT_THRESHOLD = 3

export function anonymousRoles(pkg: LoadedPackage): Map<string, number> {
  const out = new Map<string, number>()
  for (const [name, role] of Object.entries(pkg.workflow.roles)) {
    if (role.anonymous) out.set(name, role.threshold ?? DEFAULT_THRESHOLD)
  }
  return out
}

export function instanceSummary(i: Instance) {
  return { id: i.id, cycle: i.cycle, nip: i.nip, state: i.state, status: i.status, outcome: i.outcome, updatedAt: i.updatedAt }
}

export function instanceView(i: Instance, pkg: LoadedPackage) {
  const anon = anonymousRoles(pkg)
  const responses: Record<string, unknown> = {}
  for (const [role, list] of Object.entries(i.responses)) {
    responses[role] = anon.has(role)
      ? { count: list.length, anonymous: true, shown: list.length >= anon.get(role)! }
      : { count: list.length, answers: list.map((s) => ({ rater: s.rater, form: s.form, answers: s.answers, receivedAt: s.receivedAt })) }
  }
  return {
    ...instanceSummary(i),
    rev: i.rev,
    stateEnteredAt: i.stateEnteredAt,
    tasks: i.tasks,
    deadlines: i.deadlines,
    vars: i.vars,
    responses,
    explanation: explanation(i, pkg),
    error: i.error,
    createdAt: i.createdAt,
  }
}

/**
 * For every computed variable: the formula (file, pointer, source) and the package version that
 * produced it; the score table itself carries each role's mean, weight, required level and gap.
 */
function explanation(i: Instance, pkg: LoadedPackage) {
  const scoresVar = pkg.workflow.report?.scores
  return {
    package: { id: pkg.id, version: pkg.version, hash: pkg.hash },
    scores: scoresVar ? i.vars[scoresVar] : undefined,
    formulas: Object.values(i.explanations),
  }
}

/** An instance's trail with nothing that would identify an anonymous rater. */
export function eventsView(events: InstanceEvent[], pkg: LoadedPackage): InstanceEvent[] {
  const anon = anonymousRoles(pkg)
  return events.map((e) => {
    const role = e.data.role
    if (typeof role !== 'string' || !anon.has(role)) return e
    const { rater: _r, receipt: _p, ...rest } = e.data
    return { ...e, data: rest }
  })
}
