/**
 * The synchronous JSONata evaluator (src/engine/fast-eval/) against jsonata itself: generated
 * expressions over generated data give the same values, and whatever it does not cover goes to
 * jsonata unchanged. (Every other test checks it too: test/support/verify-fast-eval.ts.)
 */
import fc from 'fast-check'
import jsonata from 'jsonata'
import { describe, expect, it } from 'vitest'
import { compileExpression, MAX_DEPTH, MAX_MILLIS, MAX_SEQUENCE, MAX_STEPS, toPlain } from '../../src/engine/expression.ts'
import { loadBuiltins } from '../../src/engine/fast-eval/builtins.ts'
import { compileFast } from '../../src/engine/fast-eval/compile.ts'
import { AppError } from '../../src/errors.ts'

const GUARDS = { depth: MAX_DEPTH, steps: MAX_STEPS, millis: MAX_MILLIS, sequence: MAX_SEQUENCE }
const where = { file: 'x.jsonata', pointer: '/states/s/assign/x' }

const word = fc.constantFrom('a', 'b', 'ab', 'x,y', '', 'Baik', 'di-atas')
const item = fc.record({ id: word, n: fc.oneof(fc.integer({ min: -3, max: 9 }), fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true })), tags: fc.array(word, { maxLength: 3 }), o: fc.record({ p: fc.integer({ min: 0, max: 4 }) }) }, { requiredKeys: ['id'] })
const data = fc.record({
  a: fc.integer({ min: -5, max: 5 }),
  b: word,
  c: fc.constantFrom(true, false, null),
  xs: fc.array(item, { maxLength: 5 }),
  m: fc.dictionary(fc.constantFrom('k1', 'k2', '3', 'id'), fc.integer({ min: 0, max: 5 }), { maxKeys: 3 }),
  ns: fc.array(fc.integer({ min: -4, max: 12 }), { maxLength: 6 }),
  ss: fc.array(word, { maxLength: 4 }),
})

const leaf = fc.constantFrom(
  '1', '2.5', '-3', '0', '"a"', '"x,y"', 'true', 'false', 'null', 'a', 'b', 'c', 'xs', 'xs.n', 'xs.id', 'xs[0].n', 'xs[-1].id', 'xs[n > 2].id',
  'xs.o.p', 'xs.tags', 'xs.tags[]', 'xs[].id', 'm', 'm.k1', 'm.*', 'ns', 'ns[0]', 'ns[[0, 1]]', 'ss', '$', '$$.a', '*', 'xs.$', '$v', '$w', 'nothing',
)

/** Expressions of the subset the evaluator compiles, plus some it does not (regex, sort, parent). */
const expression = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', 'and', 'or', '&', 'in'), tie('e')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(fc.integer({ min: -2, max: 3 }), fc.integer({ min: -2, max: 6 })).map(([l, r]) => `[${l}..${r}]`),
    tie('e').map((x) => `-${x}`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, t, f]) => `(${c} ? ${t} : ${f})`),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `($v := ${x}; $w := ${y}; [$v, $w])`),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `[${x}, ${y}]`),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `{"k": ${x}, "l": ${y}}`),
    tie('e').map((x) => `xs.(${x})`),
    tie('e').map((x) => `xs[${x}]`),
    tie('e').map((x) => `xs{id: ${x}}`),
    tie('e').map((x) => `xs.{ "id": id, "v": ${x} }`),
    fc.tuple(fc.constantFrom('$sum', '$count', '$max', '$min', '$average', '$string', '$length', '$uppercase', '$keys', '$exists', '$type', '$abs', '$floor', '$ceil', '$number', '$boolean', '$not', '$reverse', '$merge', '$distinct', '$sort', '$spread', '$round', '$trim'), tie('e')).map(([f, x]) => `${f}(${x})`),
    fc.tuple(fc.constantFrom('$lookup', '$round', '$join', '$contains', '$split', '$append', '$substring', '$formatNumber', '$zip'), tie('e'), fc.constantFrom('"n"', '1', '","', '"#0.0"', 'ns', '"a"')).map(([f, x, y]) => `${f}(${x}, ${y})`),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `$replace(${x}, "a", ${y})`),
    tie('e').map((x) => `$map(ns, function($v, $i) { ${x} })`),
    tie('e').map((x) => `$filter(xs, function($v) { ${x} })`),
    tie('e').map((x) => `$reduce(ns, function($v, $w) { $v + $w }, ${x})`),
    tie('e').map((x) => `$each(m, function($v, $w) { ${x} })`),
    tie('e').map((x) => `$sift(m, function($v) { ${x} })`),
    fc.constantFrom('$sort(xs, function($l, $r) { $l.n > $r.n }).id', '$single(xs, function($v) { $v.id = "a" })', '( $f := function($v) { $v * 2 }; ns.$f($) )', 'ns ~> $sum()', 'xs ~> $count'),
    // Not compiled: jsonata answers these.
    fc.constantFrom('$match(b, /a/)', 'xs^(n).id', 'xs.tags.%.id', 'xs#$i.$i', '$replace(b, /a/, "z")', 'xs@$x.$x.id', '$string(a, true)'),
  ),
})).e

async function jsonataValue(source: string, input: unknown): Promise<{ value?: unknown; error?: string }> {
  try {
    return { value: toPlain(await compileExpression(source, where, { fast: false }).evaluate(input as Record<string, unknown>)) }
  } catch (e) {
    return { error: e instanceof AppError ? e.detail : String(e) }
  }
}

describe('the synchronous JSONata evaluator', () => {
  it('gives the value jsonata gives, for generated expressions over generated data', async () => {
    await loadBuiltins()
    let answered = 0
    let total = 0
    await fc.assert(
      fc.asyncProperty(expression, data, async (source, input) => {
        let ast: unknown
        try {
          ast = jsonata(source).ast()
        } catch {
          return
        }
        total++
        const fast = compileFast(ast, GUARDS)
        if (!fast) return
        let value: unknown
        try {
          value = toPlain(fast(input, undefined))
        } catch {
          return // handed to jsonata
        }
        answered++
        expect(await jsonataValue(source, input), source).toEqual({ value })
      }),
      { numRuns: 1500 },
    )
    // Most of what is generated is answered here, so the comparison above is not vacuous.
    expect(answered / total).toBeGreaterThan(0.5)
  })

  it("leaves what it does not cover, and every error, to jsonata: same values, same messages", async () => {
    for (const [source, input] of [
      ['$match(b, /a(b)?/).groups', { b: 'xab' }],
      ['$replace(b, /a+/, "-")', { b: 'caaat' }],
      ['xs^(>n).id', { xs: [{ id: 'p', n: 1 }, { id: 'q', n: 3 }] }],
      ['$sum(b)', { b: 'not a number' }],
      ['a + b', { a: 1, b: 'two' }],
      ['$undefinedFunction(1)', {}],
      ['{ "k": 1, "k": 2 }', {}],
      ['$error("stop here")', {}],
    ] as const) {
      const answered = await compileExpression(source, where)
        .evaluate(input as Record<string, unknown>)
        .then((value) => ({ value }), (e) => ({ error: e instanceof AppError ? e.detail : String(e) }))
      expect(answered, source).toEqual(await jsonataValue(source, input))
    }
  })

  it('takes the results of the built-ins that round and format from jsonata itself', async () => {
    await loadBuiltins()
    const src = '[$round(2.5), $round(3.5), $round(-0.5), $round(1.005, 2), $round(12345.675, 2), $string(0.1 + 0.2), $formatNumber(1234.5, "#,##0.00"), 1/3 & ""]'
    const fast = compileFast(jsonata(src).ast(), GUARDS)!
    expect(toPlain(fast({}, undefined))).toEqual([2, 4, 0, 1, 12345.68, '0.3', '1,234.50', '0.333333333333333'])
    expect(await jsonataValue(src, {})).toEqual({ value: toPlain(fast({}, undefined)) })
  })

  it('answers a long array literal that jsonata refuses as too deep (it counts items evaluated side by side)', async () => {
    await loadBuiltins()
    const src = `[${Array.from({ length: 100 }, () => '(1 + 1)').join(', ')}]`
    expect(toPlain(compileFast(jsonata(src).ast(), GUARDS)!({}, undefined))).toHaveLength(100)
    expect((await jsonataValue(src, {})).error).toContain('D1011')
  })

  it('stops a runaway expression at its guardrails, with the guard\'s error and no second run in jsonata', async () => {
    const e = await compileExpression('[1..5000].([1..50])', where)
      .evaluate({})
      .then(() => undefined, (err) => err)
    expect(e).toBeInstanceOf(AppError)
    expect((e as AppError).detail).toContain('D2015')
  })
})
