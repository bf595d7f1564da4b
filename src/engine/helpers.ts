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

/** A form's scored questions, worked out once per form (a package's forms do not change). */
interface Scoring {
  /** The competencies the form scores, in the order of their first question. */
  competencies: string[]
  props: string[]
  /** Index into `competencies` of each question's competency. */
  competency: number[]
  weights: number[]
  /** Scratch space for one response at a time (competencyMeans is synchronous): weighted sums and weights. */
  totals: number[]
  weightTotals: number[]
}

const scoringCache = new WeakMap<Form, Scoring>()
const NOTHING_SCORED: Scoring = { competencies: [], props: [], competency: [], weights: [], totals: [], weightTotals: [] }

function scoringOf(form: Form | undefined): Scoring {
  if (!form) return NOTHING_SCORED
  let scoring = scoringCache.get(form)
  if (!scoring) {
    scoring = { competencies: [], props: [], competency: [], weights: [], totals: [], weightTotals: [] }
    for (const [prop, q] of Object.entries(form.properties)) {
      const c = q['x-competency']
      if (!c) continue
      let index = scoring.competencies.indexOf(c)
      if (index < 0) index = scoring.competencies.push(c) - 1
      scoring.props.push(prop)
      scoring.competency.push(index)
      scoring.weights.push(q['x-weight'] ?? 1)
    }
    scoring.totals = scoring.competencies.map(() => 0)
    scoring.weightTotals = scoring.competencies.map(() => 0)
    scoringCache.set(form, scoring)
  }
  return scoring
}

/**
 * competencyId -> mean of `role`'s answers. Each rater counts once (a rater with many questions
 * on a competency does not outweigh one with few): a response's value for a competency is the
 * x-weight-weighted mean of its numeric answers, and the role's mean the mean of those. For an
 * anonymous role, a competency fewer raters than its threshold answered is left out (all of them
 * under the threshold: {}), so a formula can never reveal what one or two peers said.
 */
export function competencyMeans(pkg: LoadedPackage, instance: Instance, role: string): Record<string, number> {
  const def = pkg.workflow.roles[role]
  const responses = instance.responses[role] ?? []
  const threshold = def?.anonymous ? (def.threshold ?? DEFAULT_THRESHOLD) : 1
  if (responses.length < threshold) return {}
  // Per competency, in the order first answered: the sum of the responses' values and their count.
  const sums = new Map<string, { sum: number; count: number }>()
  for (const r of responses) {
    // Each answer is read with the questions of the form it answered (a role may have several).
    const scoring = scoringOf(pkg.forms[r.form])
    const { totals, weightTotals: weights } = scoring
    // Competencies in the order of their first numeric answer in this response.
    const answered: number[] = []
    const answers = r.answers as Record<string, unknown>
    for (let q = 0; q < scoring.props.length; q++) {
      const v = answers[scoring.props[q]!]
      if (typeof v !== 'number' || !Number.isFinite(v)) continue
      const c = scoring.competency[q]!
      if (!answered.includes(c)) {
        answered.push(c)
        totals[c] = 0
        weights[c] = 0
      }
      totals[c]! += v * scoring.weights[q]!
      weights[c]! += scoring.weights[q]!
    }
    for (const c of answered) {
      const id = scoring.competencies[c]!
      const acc = sums.get(id)
      if (acc) {
        acc.sum += totals[c]! / weights[c]!
        acc.count++
      } else sums.set(id, { sum: 0 + totals[c]! / weights[c]!, count: 1 })
    }
  }
  const means: Record<string, number> = {}
  for (const [c, { sum, count }] of sums) {
    // Per competency too: with a full and a short form, a question only two peers saw must not
    // show those two peers' mean.
    if (count >= threshold) means[c] = sum / count
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
  // Made by the functions below, not written here: the build's keepNames would name each of them
  // for every transition (a property definition per function), a cost of its own in scoring.
  return { means: meansOf(pkg, instance), responseCount: countOf(pkg, instance), millis: millisOf(now), now: nowOf(now) }
}

function meansOf(pkg: LoadedPackage, instance: Instance) {
  return (role: unknown) => competencyMeans(pkg, instance, knownRole(pkg, role))
}

function countOf(pkg: LoadedPackage, instance: Instance) {
  return (role: unknown) => (instance.responses[knownRole(pkg, role)] ?? []).length
}

function millisOf(now: Date) {
  return () => now.getTime()
}

/** Same arguments as jsonata's $now(picture?, timezone?), formatted by its own $fromMillis. */
function nowOf(now: Date) {
  return (picture?: string, timezone?: string): string | Promise<string> =>
    picture === undefined && timezone === undefined ? now.toISOString() : formatMillis.evaluate({}, { ms: now.getTime(), picture, timezone })
}
