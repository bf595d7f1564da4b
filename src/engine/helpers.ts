/**
 * The generic JSONata helpers bound into every evaluation: per-competency means of a role's
 * answers and response counts, plus a `$now()`/`$millis()` that read the engine's clock so an
 * evaluation replays the same way (jsonata's own read the machine's clock).
 */
import jsonata from 'jsonata'
import type { Form } from '../generated/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Instance } from '../store/records.ts'

/** Anonymous roles show aggregates only from this many answers unless the role says otherwise. */
export const DEFAULT_THRESHOLD = 3

interface Scored {
  prop: string
  competency: string
  weight: number
}

/** A package's forms do not change: their scored questions are listed once per form. */
const scoredCache = new WeakMap<Form, Scored[]>()

function scoredQuestions(form: Form | undefined): Scored[] {
  if (!form) return []
  const cached = scoredCache.get(form)
  if (cached) return cached
  const out: Scored[] = []
  for (const [prop, q] of Object.entries(form.properties)) {
    const competency = q['x-competency']
    if (competency) out.push({ prop, competency, weight: q['x-weight'] ?? 1 })
  }
  scoredCache.set(form, out)
  return out
}

/** One response's per-competency values: the x-weight-weighted mean of its numeric answers. */
function responseValues(answers: Record<string, unknown>, scored: Scored[]): Map<string, number> {
  const sums = new Map<string, { total: number; weight: number }>()
  for (const s of scored) {
    const v = answers[s.prop]
    if (typeof v !== 'number' || !Number.isFinite(v)) continue
    let acc = sums.get(s.competency)
    if (!acc) sums.set(s.competency, (acc = { total: 0, weight: 0 }))
    acc.total += v * s.weight
    acc.weight += s.weight
  }
  const values = new Map<string, number>()
  for (const [c, { total, weight }] of sums) values.set(c, total / weight)
  return values
}

/**
 * competencyId -> mean of `role`'s answers. Each rater counts once (a rater with many questions
 * on a competency does not outweigh one with few). For an anonymous role, a competency fewer raters
 * than its threshold answered is left out (all of them under the threshold: {}), so a formula can
 * never reveal what one or two peers said.
 */
export function competencyMeans(pkg: LoadedPackage, instance: Instance, role: string): Record<string, number> {
  const def = pkg.workflow.roles[role]
  const responses = instance.responses[role] ?? []
  const threshold = def?.anonymous ? (def.threshold ?? DEFAULT_THRESHOLD) : 1
  if (responses.length < threshold) return {}
  // Each answer is read with the questions of the form it answered (a role may have several).
  const scoredByForm = new Map<string, ReturnType<typeof scoredQuestions>>()
  const scoredFor = (form: string) => {
    if (!scoredByForm.has(form)) scoredByForm.set(form, scoredQuestions(pkg.forms[form]))
    return scoredByForm.get(form)!
  }
  const perCompetency = new Map<string, number[]>()
  for (const r of responses) {
    for (const [c, v] of responseValues(r.answers as Record<string, unknown>, scoredFor(r.form))) {
      const list = perCompetency.get(c)
      if (list) list.push(v)
      else perCompetency.set(c, [v])
    }
  }
  const means: Record<string, number> = {}
  for (const [c, values] of perCompetency) {
    // Per competency too: with a full and a short form, a question only two peers saw must not
    // show those two peers' mean.
    if (values.length >= threshold) means[c] = values.reduce((a, b) => a + b, 0) / values.length
  }
  return means
}

/** jsonata reports an error thrown by a bound function as the expression's failure. */
function knownRole(pkg: LoadedPackage, role: unknown): string {
  if (typeof role !== 'string' || !(role in pkg.workflow.roles)) {
    throw new Error(`unknown role ${JSON.stringify(role)} (the workflow's roles: ${Object.keys(pkg.workflow.roles).join(', ')})`)
  }
  return role
}

// jsonata gives bound functions no handle on its built-ins, so $now(picture) formats through one.
const formatMillis = jsonata('$fromMillis($ms, $picture, $timezone)')

/** Bindings for `CompiledExpression.evaluate`: `$means`, `$responseCount`, `$now`, `$millis`. */
export function helperBindings(pkg: LoadedPackage, instance: Instance, now: Date): Record<string, unknown> {
  return {
    means: (role: unknown) => competencyMeans(pkg, instance, knownRole(pkg, role)),
    responseCount: (role: unknown) => (instance.responses[knownRole(pkg, role)] ?? []).length,
    millis: () => now.getTime(),
    // Same arguments as jsonata's $now(picture?, timezone?), formatted by its own $fromMillis.
    now: (picture?: string, timezone?: string): string | Promise<string> =>
      picture === undefined && timezone === undefined
        ? now.toISOString()
        : formatMillis.evaluate({}, { ms: now.getTime(), picture, timezone }),
  }
}
