/**
 * JSONata expressions of a package: parsed once when the package loads, evaluated many times
 * with guardrails so that a runaway formula written by HR fails fast and is recorded instead of
 * hanging or crashing the service.
 */
import jsonata from 'jsonata'
import { AppError } from '../errors.ts'
import type { CompiledExpression } from '../package/loaded-package.ts'
import { builtins, loadBuiltins } from './fast-eval/builtins.ts'
import { compileFast } from './fast-eval/compile.ts'
import { GuardTrip } from './fast-eval/values.ts'
import { HistoryNeeded } from './types.ts'

/** Deepest nesting of evaluation frames (non-tail recursion overflows here first). */
export const MAX_DEPTH = 200
/** Wall-clock budget of one evaluation, where the clock moves (Node; not deployed Workers). */
export const MAX_MILLIS = 1000
/**
 * Evaluation steps of one evaluation. Unlike the timeout it does not need a moving clock, so a
 * tail-recursive loop (which JSONata runs without growing the stack) also stops on Workers; and
 * it is deterministic, so the same package fails the same way on every machine.
 */
export const MAX_STEPS = 500_000
/** Longest sequence or range an expression may build. */
export const MAX_SEQUENCE = 100_000

const GUARDS = { stack: MAX_DEPTH, timeout: MAX_MILLIS, sequence: MAX_SEQUENCE }
const FAST_GUARDS = { depth: MAX_DEPTH, steps: MAX_STEPS, millis: MAX_MILLIS, sequence: MAX_SEQUENCE }

/** Our own words for the guardrail codes: jsonata's are about its internals, not the formula. */
const GUARD_MESSAGES: Record<string, string> = {
  D1011: `the expression nests deeper than ${MAX_DEPTH} levels (a function that calls itself without end?)`,
  D1012: `the expression ran longer than ${MAX_MILLIS} ms (an endless loop?)`,
  D2014: 'a range (..) is too large',
  D2015: `a sequence would exceed ${MAX_SEQUENCE} items`,
  // Not a jsonata code: the step budget below.
  K1001: `the expression took more than ${MAX_STEPS} evaluation steps (an endless loop?)`,
}

/** The shape of what jsonata throws: a plain object, not an Error (toolchain.md gotcha 11). */
interface JsonataFault {
  code?: string
  position?: number
  token?: string
  message?: string
}

const asFault = (e: unknown): JsonataFault =>
  typeof e === 'object' && e !== null ? (e as JsonataFault) : { message: String(e) }

/**
 * jsonata reports the offset just past the offending token; normalise to the 0-based offset where
 * the token starts, so an editor can put the cursor on it.
 */
function startOffset(source: string, fault: JsonataFault): number {
  const end = Math.min(Math.max(fault.position ?? 0, 0), source.length)
  const token = fault.token
  if (typeof token === 'string' && token !== '(end)' && token.length <= end && source.slice(end - token.length, end) === token) {
    return end - token.length
  }
  return end
}

/** 1-based line and column of a 0-based offset, for messages people read. */
function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}

export class ExpressionSyntaxError extends Error {
  readonly code: string
  /** 0-based character offset in the expression's source. */
  readonly position: number
  readonly token: string | undefined
  readonly file: string
  readonly pointer: string

  constructor(fault: JsonataFault, source: string, where: { file: string; pointer: string }, options?: ErrorOptions) {
    const position = startOffset(source, fault)
    const { line, column } = lineColumn(source, position)
    const at = source.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`
    super(`${where.file} ${where.pointer}: ${fault.message ?? 'syntax error'} (${fault.code ?? 'S0000'} at ${at})`, options)
    this.name = 'ExpressionSyntaxError'
    this.code = fault.code ?? 'S0000'
    this.position = position
    this.token = fault.token
    this.file = where.file
    this.pointer = where.pointer
  }
}

const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry')

/** A function value of jsonata: a native JS function or one of its lambda objects. */
const isFunctionValue = (v: unknown): boolean =>
  typeof v === 'function' ||
  (typeof v === 'object' && v !== null && ('_jsonata_lambda' in v || '_jsonata_function' in v))

/**
 * Converts a JSONata result into plain JSON data: no sequence flags, no functions (lambdas hold
 * their closure, which is cyclic and must not reach the store), no NaN/Infinity.
 */
export function toPlain(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value
    case 'number':
      return Number.isFinite(value) ? value : undefined
    case 'function':
      return undefined
    case 'object':
      break
    default:
      return value
  }
  if (value === null) return null
  if (Array.isArray(value)) {
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = toPlain(value[i]) ?? null
    return out
  }
  if (isFunctionValue(value)) return undefined
  const source = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  // for-in with an own-property check reads the keys Object.keys would, without a list of them
  // for every object of every result.
  for (const k in source) {
    if (!Object.prototype.hasOwnProperty.call(source, k)) continue
    const plain = toPlain(source[k])
    if (plain !== undefined) out[k] = plain
  }
  return out
}

/**
 * Tests turn this on (test/support/verify-fast-eval.ts, a vitest setup file): every value the
 * synchronous evaluator gives is then checked against jsonata's, and a difference throws.
 */
const verification = { on: false }

export function verifyFastEvaluation(on: boolean): void {
  verification.on = on
}

/** Equality of two toPlain results (JSON data: key order aside, as JSON reads them). */
function samePlain(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.hasOwn(b, k) && samePlain((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

export interface CompileOptions {
  /**
   * Evaluate synchronously where the evaluator in fast-eval/ covers the expression (default true).
   * Off, every evaluation goes through jsonata: tests compare the two.
   */
  fast?: boolean
}

export function compileExpression(source: string, where: { file: string; pointer: string }, options: CompileOptions = {}): CompiledExpression {
  let expr: ReturnType<typeof jsonata>
  try {
    expr = jsonata(source, GUARDS)
  } catch (e) {
    // The parser recurses: nesting deeper than the stack allows reads as jsonata's S0000, with
    // the RangeError kept as the cause so the loader can say what to do about it.
    throw new ExpressionSyntaxError(asFault(e), source, where, e instanceof RangeError ? { cause: e } : undefined)
  }
  const ast = expr.ast()
  rememberAst(source, ast)
  const fast = options.fast === false ? undefined : compileFast(ast, FAST_GUARDS)

  // Steps are counted per evaluation: `environment.base` is the frame jsonata creates for each
  // evaluate() call, so concurrent evaluations of the same expression do not share a budget.
  const steps = new WeakMap<object, number>()
  // jsonata's typings only allow string names; its hooks are bound under symbols.
  ;(expr as unknown as { assign(name: symbol, value: unknown): void }).assign(ENTRY_HOOK, (_node: unknown, _input: unknown, env: { base: object }) => {
    const n = (steps.get(env.base) ?? 0) + 1
    if (n > MAX_STEPS) throw { code: 'K1001' }
    steps.set(env.base, n)
  })

  const fail = (e: unknown): AppError => {
    const fault = asFault(e)
    const reason = (fault.code ? GUARD_MESSAGES[fault.code] : undefined) ?? fault.message ?? 'evaluation failed'
    const at = fault.position === undefined ? '' : ` at column ${lineColumn(source, startOffset(source, fault)).column}`
    return new AppError('expression-failed', `${where.file} ${where.pointer}: ${reason} (${fault.code ?? 'error'}${at})`, {
      extra: { file: where.file, pointer: where.pointer, jsonata: fault.code },
      cause: e instanceof Error ? e : undefined,
    })
  }

  const checkAgainstJsonata = async (fastValue: unknown, context: unknown, bindings: Record<string, unknown> | undefined) => {
    let expected: unknown
    try {
      expected = toPlain(await expr.evaluate(context, bindings))
    } catch (e) {
      throw new Error(`${where.file} ${where.pointer}: the synchronous evaluator gave ${JSON.stringify(fastValue)}, jsonata failed: ${asFault(e).message}`)
    }
    if (!samePlain(expected, fastValue)) {
      throw new Error(`${where.file} ${where.pointer}: the synchronous evaluator gave ${JSON.stringify(fastValue)}, jsonata ${JSON.stringify(expected)}`)
    }
  }

  return {
    file: where.file,
    pointer: where.pointer,
    source,
    async evaluate(context, bindings) {
      if (fast) {
        if (!builtins()) await loadBuiltins()
        // The synchronous evaluator answers when it can; anything it does not cover and any error
        // hands the evaluation to jsonata, so every failure reads as jsonata's own. A guardrail is
        // final: jsonata would only spend the same budget again, a hundred times slower.
        let value: unknown
        let done = false
        try {
          value = fast(context, bindings)
          done = !isFunctionValue(value)
        } catch (e) {
          if (e instanceof HistoryNeeded) throw e
          if (e instanceof GuardTrip) throw fail({ code: e.code })
          done = false
        }
        if (done) {
          const plain = toPlain(value)
          if (verification.on) await checkAgainstJsonata(plain, context, bindings)
          return plain
        }
      }
      let result: unknown
      try {
        result = await expr.evaluate(context, bindings)
      } catch (e) {
        if (e instanceof HistoryNeeded) throw e
        throw fail(e)
      }
      if (isFunctionValue(result)) {
        throw fail({ code: 'T0000', message: 'the expression yields a function, not a value' })
      }
      return toPlain(result)
    },
  }
}

/**
 * Parse trees of the expressions compiled last: loading a package compiles each expression, then
 * checks it for recursive functions (compile-expressions.ts); the second parse was a tenth of the
 * package's load time.
 */
const parsed = new Map<string, unknown>()

function rememberAst(source: string, ast: unknown): void {
  if (parsed.size >= 500) parsed.clear()
  parsed.set(source, ast)
}

interface AstNode {
  type?: string
  value?: unknown
  position?: number
  lhs?: unknown
  rhs?: unknown
  body?: unknown
  procedure?: unknown
  arguments?: unknown[]
}

/** The parse tree of `source` (the one compileExpression made, when it did); undefined if it does not parse. */
function parseTree(source: string): unknown {
  const ast = parsed.get(source)
  if (ast !== undefined) return ast
  try {
    return jsonata(source).ast()
  } catch {
    return undefined
  }
}

const isNode = (v: unknown): v is AstNode => typeof v === 'object' && v !== null

/**
 * Every node below `root`, parents before children (the AST is a tree, but guard against shared
 * nodes anyway). An explicit stack, not recursion: a tree as deep as jsonata's parser accepts
 * must not overflow the checks that walk it.
 */
function* walk(root: unknown): Generator<AstNode> {
  const seen = new Set<unknown>()
  const todo: unknown[] = [root]
  while (todo.length > 0) {
    const node = todo.pop()
    if (!isNode(node) || seen.has(node)) continue
    seen.add(node)
    if (!Array.isArray(node)) yield node
    const children = Object.values(node)
    for (let i = children.length - 1; i >= 0; i--) if (isNode(children[i])) todo.push(children[i])
  }
}

/**
 * Names of functions the expression defines (`$f := function(...) {...}`) that can call
 * themselves, directly or through each other. Deployed Workers freeze the clock, so a time limit
 * cannot stop them there; the loader reports them instead. A reference to the name inside the
 * body counts as a call, since `$map(xs, $f)` recurses just the same.
 */
export function recursiveFunctions(source: string): string[] {
  const ast = parseTree(source)
  if (ast === undefined) return []
  const calls = new Map<string, Set<string>>()
  for (const node of walk(ast)) {
    if (node.type !== 'bind' || !isNode(node.lhs) || node.lhs.type !== 'variable') continue
    if (!isNode(node.rhs) || node.rhs.type !== 'lambda') continue
    const name = String(node.lhs.value)
    const refs = calls.get(name) ?? new Set<string>()
    for (const inner of walk(node.rhs.body)) if (inner.type === 'variable' && typeof inner.value === 'string') refs.add(inner.value)
    calls.set(name, refs)
  }
  const reachesItself = (name: string): boolean => {
    const seen = new Set<string>()
    const todo = [...(calls.get(name) ?? [])]
    while (todo.length > 0) {
      const next = todo.pop() as string
      if (next === name) return true
      if (seen.has(next)) continue
      seen.add(next)
      todo.push(...(calls.get(next) ?? []))
    }
    return false
  }
  return [...calls.keys()].filter(reachesItself)
}

/** A function that applies one of its parameters to itself: `function($f) { $f($f) }`. */
export interface SelfApplication {
  /** The parameter's name, without the `$`. */
  name: string
  /** 0-based offset in the source where the self-application (`$f(`) starts. */
  offset: number
}

/** `node` is the variable `$name`. */
const isVariable = (node: unknown, name: string): boolean => isNode(node) && node.type === 'variable' && node.value === name

/**
 * Self-applications in the expression: `$y := function($f) { $f($f) }; $y($y)` recurses without
 * naming itself, so recursiveFunctions does not see it, and a time limit cannot stop it on Workers
 * either. A function calling an argument on other values (`function($f, $x) { $f($x) }`) is an
 * ordinary higher-order function and is not reported.
 */
export function selfApplications(source: string): SelfApplication[] {
  const ast = parseTree(source)
  if (ast === undefined) return []
  const found = new Map<number, SelfApplication>()
  for (const lambda of walk(ast)) {
    if (lambda.type !== 'lambda' || !Array.isArray(lambda.arguments)) continue
    const params = lambda.arguments.filter(isNode).map((a) => String(a.value))
    if (params.length === 0) continue
    for (const node of walk(lambda.body)) {
      // `$f($f)`, `$f(x, $f)`, `$f($f, ?)`, and `$f ~> $f` / `$f ~> $f()`.
      let callee: unknown
      let passesItself: (name: string) => boolean
      if ((node.type === 'function' || node.type === 'partial') && Array.isArray(node.arguments)) {
        const args = node.arguments
        callee = node.procedure
        passesItself = (name) => args.some((a) => isVariable(a, name))
      } else if (node.type === 'apply') {
        const rhs = node.rhs as AstNode | undefined
        callee = rhs?.type === 'function' || rhs?.type === 'partial' ? rhs.procedure : rhs
        passesItself = (name) => isVariable(node.lhs, name)
      } else continue
      for (const name of params) {
        if (!isVariable(callee, name) || !passesItself(name)) continue
        // jsonata's positions point just past a token; `$name` starts the call.
        const start = node.type === 'apply' ? (node.lhs as AstNode) : (callee as AstNode)
        const offset = Math.max(0, (start.position ?? 0) - name.length - 1)
        found.set(offset, { name, offset })
      }
    }
  }
  return [...found.values()].sort((a, b) => a.offset - b.offset)
}
