/**
 * What each formula of the Plaju package costs when a cycle is scored: the same appraisals as
 * bench/scoring.ts (all answers in, the collect deadline fires), with every compiled expression
 * timed. Prints, per expression, the microseconds per appraisal, most expensive first: where to
 * look when scoring is slow, and what a change to a formula is worth.
 *
 *   npx tsx bench/formula-costs.ts [appraisals=3000]
 *
 * The fast evaluator runs synchronously, so timing the call of `evaluate` times the formula.
 */
import { score, setup } from './scoring.ts'
import type { CompiledExpression } from '../src/package/loaded-package.ts'

const n = Number(process.argv[2] ?? 3000)
const s = await setup(n)
// Warm-up on other appraisals: the first calls compile and optimise.
await score(await setup(Math.min(500, n), s.pkg))

const costs = new Map<string, { ns: bigint; source: string }>()
for (const expr of s.pkg.expressions.values()) time(expr)

function time(expr: CompiledExpression): void {
  const evaluate = expr.evaluate.bind(expr)
  const key = `${expr.file} ${expr.pointer}`
  const cost = { ns: 0n, source: expr.source }
  costs.set(key, cost)
  expr.evaluate = (...args) => {
    const t = process.hrtime.bigint()
    const result = evaluate(...args)
    cost.ns += process.hrtime.bigint() - t
    return result
  }
}

const run = await score(s)
const us = (ns: bigint) => Number(ns / 1000n) / n
const all = [...costs].filter(([, c]) => c.ns > 0n).sort((a, b) => Number(b[1].ns - a[1].ns))
const inFormulas = all.reduce((a, [, c]) => a + c.ns, 0n)
console.log(`${n} appraisals: ${Math.round((run.ms * 1000) / n)} µs each, of which ${Math.round(us(inFormulas))} µs in ${all.length} formulas`)
for (const [key, c] of all) {
  const first = c.source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ').trim().slice(0, 60)
  console.log(`${us(c.ns).toFixed(1).padStart(7)} µs  ${key}  ${first}`)
}
