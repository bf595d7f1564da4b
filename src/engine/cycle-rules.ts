/**
 * Cycle rules: checks over a whole cycle (every appraisal together), such as the distribution
 * curve of SE MenPANRB 3/2023, that no single appraisal can make. Pure: the service supplies the
 * cycle, its instances, its roster and `now`, and decides what a broken rule means (a warning,
 * or a cycle that cannot close).
 *
 * Every rule of the package is reported, holding or not (`ok`), so HR sees what was checked. A
 * rule whose expression fails, or yields something that is not findings, is reported as broken
 * with the error as its finding: it could not be checked, and a `block` rule that cannot be
 * checked must not let the cycle close.
 */
import type { CycleRule, RosterEntry, Text } from '../generated/types.ts'
import { cycleRulePointer } from '../package/compile-expressions.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle, Instance } from '../store/records.ts'
import { helperBindings } from './helpers.ts'

export interface CycleRuleResult {
  /** The rule's id (its key in workflow.json `cycleRules`). */
  rule: string
  level: CycleRule['level']
  title: Text
  /** true when the rule holds. */
  ok: boolean
  /** What is wrong, in the package's language; [] when the rule holds. */
  findings: string[]
  /** Set when the check could not be evaluated (the expression failed or yielded no findings). */
  error?: string
}

/** A rule may not bury the report: findings beyond these are summarised in one line. */
export const MAX_FINDINGS = 50
export const MAX_FINDING_LENGTH = 1000

/** One appraisal as a cycle rule sees it: its result, not its individual answers. */
export interface RuleInstance {
  nip: string
  status: Instance['status']
  state: string
  outcome?: string
  vars: Record<string, unknown>
  /** The roster entry; null when the employee has left the roster since. */
  employee: RosterEntry | null
}

/**
 * The JSONata context of a cycle rule. Answers (`responses`) are left out: a rule reads results,
 * and peers' individual answers must never reach a report.
 */
export function cycleRuleContext(pkg: LoadedPackage, cycle: Cycle, instances: readonly Instance[], roster: readonly RosterEntry[], now: Date): Record<string, unknown> {
  const byNip = new Map(roster.map((e) => [e.nip, e]))
  const list: RuleInstance[] = [...instances]
    .sort((a, b) => a.nip.localeCompare(b.nip))
    .map((i) => ({
      nip: i.nip,
      status: i.status,
      state: i.state,
      ...(i.outcome === undefined ? {} : { outcome: i.outcome }),
      vars: i.vars,
      employee: byNip.get(i.nip) ?? null,
    }))
  return {
    cycle: {
      id: cycle.id,
      name: cycle.name,
      office: cycle.office,
      package: cycle.package,
      status: cycle.status,
      createdAt: cycle.createdAt,
      ...(cycle.startedAt ? { startedAt: cycle.startedAt } : {}),
      params: cycle.params ?? {},
    },
    params: pkg.workflow.params ?? {},
    instances: list,
    now: now.toISOString(),
  }
}

type Findings = { findings: string[] } | { error: string }

const describeValue = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`)

/** Nothing, false, '' or [] means the rule holds; text or a list of texts are its findings. */
function asFindings(value: unknown): Findings {
  const items = Array.isArray(value) ? value.flat(Infinity) : [value]
  const findings: string[] = []
  for (const item of items) {
    if (item === undefined || item === null || item === false || item === '') continue
    if (typeof item !== 'string') {
      return { error: `the check yields ${describeValue(item)}; it must yield nothing when the rule holds, or text (a finding, or a list of them) when it is broken` }
    }
    findings.push(item.length > MAX_FINDING_LENGTH ? `${item.slice(0, MAX_FINDING_LENGTH - 1)}…` : item)
  }
  if (findings.length > MAX_FINDINGS) {
    const rest = findings.length - (MAX_FINDINGS - 1)
    return { findings: [...findings.slice(0, MAX_FINDINGS - 1), `… dan ${rest} temuan lain`] }
  }
  return { findings }
}

const failed = (rule: string, def: CycleRule, error: string): CycleRuleResult => ({
  rule,
  level: def.level,
  title: def.title,
  ok: false,
  findings: [`Aturan ini tidak dapat diperiksa: ${error}`],
  error,
})

/** Evaluates every cycle rule of the package, in the order workflow.json lists them. */
export async function evaluateCycleRules(
  pkg: LoadedPackage,
  cycle: Cycle,
  instances: readonly Instance[],
  roster: readonly RosterEntry[],
  now: Date,
): Promise<CycleRuleResult[]> {
  const rules = Object.entries(pkg.workflow.cycleRules ?? {})
  if (rules.length === 0) return []
  const context = cycleRuleContext(pkg, cycle, instances, roster, now)
  // Only the clock helpers: $means and $responseCount read one appraisal's answers, which a
  // cycle rule has none of. The stub instance gives them nothing to read.
  const { now: nowFn, millis } = helperBindings(pkg, { responses: {} } as unknown as Instance, now)
  const bindings = { now: nowFn, millis }
  const results: CycleRuleResult[] = []
  for (const [rule, def] of rules) {
    const expression = pkg.expressions.get(cycleRulePointer(rule))
    if (!expression) {
      results.push(failed(rule, def, 'its check was not compiled when the package loaded'))
      continue
    }
    let value: unknown
    try {
      value = await expression.evaluate(context, bindings)
    } catch (e) {
      results.push(failed(rule, def, e instanceof Error ? e.message : String(e)))
      continue
    }
    const outcome = asFindings(value)
    if ('error' in outcome) results.push(failed(rule, def, `${expression.file} ${expression.pointer}: ${outcome.error}`))
    else results.push({ rule, level: def.level, title: def.title, ok: outcome.findings.length === 0, findings: outcome.findings })
  }
  return results
}
