/**
 * The JSONata context every expression sees, built the same way in every state type, so a formula
 * tested in one place reads the same names everywhere.
 */
import type { RosterEntry } from '../generated/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Instance } from '../store/records.ts'
import { DEFAULT_THRESHOLD } from './helpers.ts'
import type { EngineEnv } from './types.ts'

export interface ActionContext {
  name: string
  actor: string
  input: unknown
}

const IDENTITY_MARKS = ['x-subject', 'x-rater', 'x-role']

/** Drops the form's identity fields (x-subject, x-rater, x-role): a rater's NIP is not an answer. */
function withoutIdentity(pkg: LoadedPackage, form: string, answers: Record<string, unknown>): Record<string, unknown> {
  const props = (pkg.forms[form]?.properties ?? {}) as Record<string, Record<string, unknown>>
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(answers)) if (!IDENTITY_MARKS.some((m) => props[k]?.[m] === true)) out[k] = v
  return out
}

/**
 * `responses` holds answers only: the rater's NIP never reaches a formula, so no formula (and no
 * report built from one) can attribute an anonymous answer.
 */
export function buildContext(
  pkg: LoadedPackage,
  instance: Instance,
  env: EngineEnv,
  action?: ActionContext,
): Record<string, unknown> {
  const employee: RosterEntry = env.employee
  const responses: Record<string, unknown[]> = {}
  for (const role of Object.keys(pkg.workflow.roles)) responses[role] = []
  for (const [role, list] of Object.entries(instance.responses)) {
    // Below an anonymous role's threshold no formula sees its answers, as with $means.
    const def = pkg.workflow.roles[role]
    const hidden = def?.anonymous === true && list.length < (def.threshold ?? DEFAULT_THRESHOLD)
    responses[role] = hidden ? [] : list.map((r) => withoutIdentity(pkg, r.form, r.answers))
  }
  const context: Record<string, unknown> = {
    employee,
    position: pkg.framework.positions.find((p) => p.id === employee.position),
    framework: pkg.framework,
    cycle: { id: env.cycle.id, name: env.cycle.name, office: env.cycle.office, package: env.cycle.package, params: env.cycle.params ?? {} },
    params: pkg.workflow.params ?? {},
    responses,
    vars: instance.vars,
    history: env.history,
    now: env.now.toISOString(),
  }
  if (action) context.action = action
  return context
}
