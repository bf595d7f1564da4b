import { describe, expect, it } from 'vitest'
import { compileExpression, ExpressionSyntaxError, MAX_DEPTH, MAX_SEQUENCE, MAX_STEPS, recursiveFunctions, selfApplications } from '../../src/engine/expression.ts'
import { AppError } from '../../src/errors.ts'

const where = { file: 'workflow.json', pointer: '/states/score/assign/total' }

function syntaxError(source: string): ExpressionSyntaxError {
  try {
    compileExpression(source, where)
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return e
    throw e
  }
  throw new Error(`'${source}' compiled`)
}

async function failure(source: string, context: Record<string, unknown> = {}): Promise<AppError> {
  try {
    await compileExpression(source, where).evaluate(context)
  } catch (e) {
    if (e instanceof AppError) return e
    throw e
  }
  throw new Error(`'${source}' succeeded`)
}

describe('compileExpression', () => {
  it('reports a syntax error as an Error naming file, pointer, code and column', () => {
    const e = syntaxError('vars.a ++ 2')
    expect(e).toBeInstanceOf(Error)
    expect(e.code).toBe('S0211')
    expect(e.file).toBe('workflow.json')
    expect(e.pointer).toBe('/states/score/assign/total')
    expect(e.message).toContain('workflow.json /states/score/assign/total')
    expect(e.message).toContain('column 9')
  })

  it('gives the 0-based offset where the offending token starts', () => {
    const e = syntaxError('  foo bar')
    expect(e.position).toBe(6)
    expect(e.token).toBe('bar')
    expect(syntaxError('(1 + ').position).toBe(5)
  })

  it('names the line of an error in a multi-line expression', () => {
    expect(syntaxError('(\n  $a := 1;\n  $a +\n)').message).toMatch(/line 4, column 1/)
  })

  it('evaluates against a context with bindings', async () => {
    const e = compileExpression('$double(vars.x) + 1', where)
    expect(await e.evaluate({ vars: { x: 20 } }, { double: (n: number) => n * 2 })).toBe(41)
  })

  it('returns plain data: arrays without sequence flags and objects without functions', async () => {
    const value = await compileExpression('{"list": [1,2,3].($ * 2), "f": function($x) { $x }}', where).evaluate({})
    expect(value).toStrictEqual({ list: [2, 4, 6] })
    expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value)
  })

  it('refuses a result that is a function', async () => {
    expect((await failure('function($x) { $x }')).detail).toMatch(/yields a function/)
  })

  it('turns a type error into expression-failed naming file, pointer and the JSONata message', async () => {
    const e = await failure('"a" + 1')
    expect(e.code).toBe('expression-failed')
    expect(e.detail).toContain('workflow.json /states/score/assign/total')
    expect(e.detail).toContain('must evaluate to a number')
    expect(e.detail).toContain('T2001')
  })

  it('stops endless recursion quickly with a clear message', async () => {
    const started = performance.now()
    const e = await failure('($f := function($n) { 1 + $f($n + 1) }; $f(0))')
    expect(e.detail).toMatch(/nests deeper than 200 levels/)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('stops an endless tail-recursive loop by its step budget', async () => {
    const started = performance.now()
    const e = await failure('($f := function($n) { $f($n + 1) }; $f(0))')
    expect(e.detail).toMatch(/an endless loop\?/)
    expect(performance.now() - started).toBeLessThan(2500)
  })

  it('refuses to build a huge sequence', async () => {
    expect((await failure('$count([1..5000000])')).detail).toMatch(/sequence would exceed/)
  })

  // A guard that trips is the answer: re-running the formula in jsonata took about 2 s more each time.
  it('stops a self-applying function at the depth guard at once, without running it again', async () => {
    const started = performance.now()
    const e = await failure('($y := function($f) { $f($f) }; $y($y))')
    expect(performance.now() - started).toBeLessThan(1000)
    expect(e.code).toBe('expression-failed')
    expect(e.detail).toBe(`workflow.json /states/score/assign/total: the expression nests deeper than ${MAX_DEPTH} levels (a function that calls itself without end?) (D1011)`)
  })

  it('stops a heavy formula at the sequence guard at once', async () => {
    const started = performance.now()
    const e = await failure('[1..90000].([1..50])')
    expect(performance.now() - started).toBeLessThan(1000)
    expect(e.detail).toBe(`workflow.json /states/score/assign/total: a sequence would exceed ${MAX_SEQUENCE} items (D2015)`)
  })

  it('stops a loop that builds no sequence, by its step budget, well within a second', async () => {
    const started = performance.now()
    const e = await failure('$sum([1..99999].($x := $; $x * 2 + 1 - $x))')
    expect(performance.now() - started).toBeLessThan(1000)
    expect(e.detail).toBe(`workflow.json /states/score/assign/total: the expression took more than ${MAX_STEPS} evaluation steps (an endless loop?) (K1001)`)
  })

  it('keeps separate step budgets for evaluations running at the same time', async () => {
    const e = compileExpression('$sum([1..1000].($ * 2))', where)
    const results = await Promise.all(Array.from({ length: 50 }, () => e.evaluate({})))
    expect(results.every((r) => r === 1001000)).toBe(true)
  })
})

describe('recursiveFunctions', () => {
  it('names functions that call themselves, directly or through each other', () => {
    const source = `(
      $fact := function($n) { $n <= 1 ? 1 : $n * $fact($n - 1) };
      $even := function($n) { $n = 0 ? true : $odd($n - 1) };
      $odd := function($n) { $n = 0 ? false : $even($n - 1) };
      $double := function($n) { $n * 2 };
      $fact(3)
    )`
    expect(recursiveFunctions(source).sort()).toEqual(['even', 'fact', 'odd'])
  })

  it('counts a function passed to itself by name as recursion', () => {
    expect(recursiveFunctions('($walk := function($n) { $map($n.children, $walk) }; $walk($))')).toEqual(['walk'])
  })

  it('finds none in an ordinary formula', () => {
    expect(recursiveFunctions('$sum(responses.self.integritas_1) / $count(responses.self)')).toEqual([])
  })

  it('checks an expression nested as deeply as jsonata parses without running out of stack', () => {
    // 1,500 nested objects: jsonata parses them; the recursive walk of the tree overflowed.
    const deep = `${'{"a":'.repeat(1500)}( $f := function($n) { $f($n) }; $f(1) )${'}'.repeat(1500)}`
    expect(recursiveFunctions(deep)).toEqual(['f'])
    expect(selfApplications(`${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`)).toEqual([])
  })
})

describe('selfApplications', () => {
  it('finds a function that applies its argument to itself, at the call', () => {
    const source = '($y := function($f) { $f($f) }; $y($y))'
    expect(selfApplications(source)).toEqual([{ name: 'f', offset: source.indexOf('$f($f)') }])
  })

  it('finds it however the argument is passed back: among others, partially, or through ~>', () => {
    expect(selfApplications('function($f, $n) { $f(1, $f) }').map((s) => s.name)).toEqual(['f'])
    expect(selfApplications('function($f) { $f($f, ?) }').map((s) => s.name)).toEqual(['f'])
    expect(selfApplications('function($f) { $f ~> $f() }').map((s) => s.name)).toEqual(['f'])
    expect(selfApplications('function($g) { function($x) { $g($g)($x) } }').map((s) => s.name)).toEqual(['g'])
  })

  it('finds none in ordinary higher-order functions', () => {
    expect(selfApplications('function($f, $x) { $f($x) }')).toEqual([])
    expect(selfApplications('function($f, $xs) { $f($map($xs, $f)) }')).toEqual([])
    expect(selfApplications('$map([1, 2], function($v) { $v * 2 })')).toEqual([])
  })
})
