/**
 * The JSONata context every expression sees, built the same way in every state type, so a formula
 * tested in one place reads the same names everywhere.
 */
import type { RosterEntry } from '../generated/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Instance } from '../store/records.ts'
import { DEFAULT_THRESHOLD } from './helpers.ts'
import { HistoryNeeded, type EngineEnv } from './types.ts'

export interface ActionContext {
  name: string
  actor: string
  input: unknown
}

const IDENTITY_MARKS = ['x-subject', 'x-rater', 'x-role']

/** What a package version's forms and framework give every context: worked out once per package. */
interface PackageFacts {
  /** Form id -> its identity fields. */
  identity: Map<string, Set<string>>
  positions: Map<string, unknown>
}

const facts = new WeakMap<LoadedPackage, PackageFacts>()

function factsOf(pkg: LoadedPackage): PackageFacts {
  let f = facts.get(pkg)
  if (!f) {
    const identity = new Map<string, Set<string>>()
    for (const [id, form] of Object.entries(pkg.forms)) {
      const props = (form.properties ?? {}) as Record<string, Record<string, unknown>>
      identity.set(id, new Set(Object.keys(props).filter((k) => IDENTITY_MARKS.some((m) => props[k]?.[m] === true))))
    }
    const positions = new Map<string, unknown>()
    // The first position with an id wins, as Array.find did.
    for (const p of pkg.framework.positions) if (!positions.has(p.id)) positions.set(p.id, p)
    f = { identity, positions }
    facts.set(pkg, f)
  }
  return f
}

/** Drops the form's identity fields (x-subject, x-rater, x-role): a rater's NIP is not an answer. */
function withoutIdentity(identity: Set<string> | undefined, answers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(answers)) if (!identity?.has(k)) out[k] = answers[k]
  return out
}

/**
 * `obj[key]` made by `make` when first read, then kept: most formulas read a role's answers through
 * $means, not here, and copying every answer without its identity fields for each transition was a
 * few per cent of scoring.
 */
function lazily(obj: Record<string, unknown>, key: string, make: () => unknown): void {
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = make()
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
      return value
    },
  })
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
  const { identity, positions } = factsOf(pkg)
  const responses: Record<string, unknown[]> = {}
  for (const role of Object.keys(pkg.workflow.roles)) responses[role] = []
  for (const [role, list] of Object.entries(instance.responses)) {
    // Below an anonymous role's threshold no formula sees its answers, as with $means.
    const def = pkg.workflow.roles[role]
    const hidden = def?.anonymous === true && list.length < (def.threshold ?? DEFAULT_THRESHOLD)
    if (hidden) responses[role] = []
    else lazily(responses, role, () => list.map((r) => withoutIdentity(identity.get(r.form), r.answers)))
  }
  const context: Record<string, unknown> = {
    employee,
    position: positions.get(employee.position),
    framework: pkg.framework,
    cycle: { id: env.cycle.id, name: env.cycle.name, office: env.cycle.office, package: env.cycle.package, params: env.cycle.params ?? {} },
    params: pkg.workflow.params ?? {},
    responses,
    vars: instance.vars,
    history: env.history,
    now: env.now.toISOString(),
  }
  if (env.history === undefined) {
    // Read only if a formula looks at it (see EngineEnv.history).
    Object.defineProperty(context, 'history', {
      enumerable: true,
      configurable: true,
      get() {
        throw new HistoryNeeded()
      },
    })
  }
  if (action) context.action = action
  return context
}
