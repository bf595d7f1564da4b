/**
 * Cycle rules on demand, and closing a cycle. Closing freezes the results: a closed cycle takes
 * no more submissions, actions or deadlines (applyEvent and tick refuse it), and it keeps the
 * record of what its rules said and what was left unfinished when it closed. A broken `block`
 * rule keeps it open; unfinished appraisals keep it open unless HR closes it with `force`.
 */
import { AppError } from '../errors.ts'
import { evaluateCycleRules, type CycleRuleResult } from '../engine/cycle-rules.ts'
import type { Cycle, Instance } from '../store/records.ts'
import type { Deps } from './deps.ts'

export interface CycleRulesReport {
  cycle: string
  /** When the rules were evaluated. */
  at: string
  /** Every rule of the package, holding (`ok`) or not, in the order workflow.json lists them. */
  rules: CycleRuleResult[]
  /** How many rules are broken, per level. */
  broken: { warn: number; block: number }
}

export interface CloseResult {
  cycle: Cycle
  /** The rules as evaluated at closing (also kept in `cycle.closing`). */
  rules: CycleRuleResult[]
}

const countBroken = (rules: CycleRuleResult[]) => ({
  warn: rules.filter((r) => !r.ok && r.level === 'warn').length,
  block: rules.filter((r) => !r.ok && r.level === 'block').length,
})

/** The rules of the cycle's package version over its instances and roster as they are now. */
async function evaluate(deps: Deps, cycle: Cycle, now: Date): Promise<{ rules: CycleRuleResult[]; instances: Instance[] }> {
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  const [instances, roster] = await Promise.all([deps.store.listInstances(cycle.id), deps.store.getRoster(cycle.id)])
  return { rules: await evaluateCycleRules(pkg, cycle, instances, roster, now), instances }
}

/** Evaluates the cycle's rules now (any status: a draft shows what its params already break). */
export async function checkCycleRules(deps: Deps, cycle: Cycle): Promise<CycleRulesReport> {
  const now = deps.clock.now()
  const { rules } = await evaluate(deps, cycle, now)
  return { cycle: cycle.id, at: now.toISOString(), rules, broken: countBroken(rules) }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/**
 * Closes a running cycle. `by` is the id of the key that closes it. Refused (409) for a draft or
 * a closed cycle, while a `block` rule is broken (`cycle-rules-broken`, the rules in `rules`), and
 * while appraisals are unfinished (active or failed) unless `force` is set.
 */
export async function closeCycle(deps: Deps, cycle: Cycle, opts: { by: string; force?: boolean }): Promise<CloseResult> {
  if (cycle.status === 'draft') {
    throw new AppError('conflict', `cycle '${cycle.id}' is a draft: it has no results to close; start it, or leave it unused`)
  }
  if (cycle.status === 'closed') {
    throw new AppError('conflict', `cycle '${cycle.id}' is already closed (${cycle.closedAt ?? 'earlier'}); its results are frozen`)
  }
  const now = deps.clock.now()
  const { rules, instances } = await evaluate(deps, cycle, now)
  const blocking = rules.filter((r) => r.level === 'block' && !r.ok)
  if (blocking.length > 0) {
    const titles = blocking.map((r) => `'${r.title.id}'`).join(', ')
    throw new AppError('cycle-rules-broken', `the cycle cannot close: ${plural(blocking.length, 'blocking rule')} ${blocking.length === 1 ? 'is' : 'are'} broken (${titles}); see rules[].findings`, {
      extra: { rules: blocking },
    })
  }
  const unfinished = {
    active: instances.filter((i) => i.status === 'active').length,
    failed: instances.filter((i) => i.status === 'failed').length,
  }
  const open = unfinished.active + unfinished.failed
  if (open > 0 && opts.force !== true) {
    throw new AppError(
      'conflict',
      `${plural(open, 'appraisal is', 'appraisals are')} not finished (${unfinished.active} active, ${unfinished.failed} failed): finish them, or close with {"force": true} to freeze them as they are`,
      { extra: { unfinished } },
    )
  }
  const closed = await deps.store.saveCycle(
    { ...cycle, status: 'closed', closedAt: now.toISOString(), closedBy: opts.by, closing: { rules, unfinished, forced: open > 0 } },
    cycle.rev,
  )
  return { cycle: closed, rules }
}
