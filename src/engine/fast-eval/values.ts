/**
 * JSONata's value rules, ported from jsonata 2.2.2 (MIT, jsonata.js: evaluate, utils, functions) for
 * the synchronous evaluator: sequences (arrays flagged `sequence`), truthiness, lookup, append and
 * equality behave exactly as there. Anything the port does not cover, or any error, throws `Bail`:
 * the caller then evaluates with jsonata itself, so every error a formula reports is jsonata's own.
 */

/** Thrown to hand an evaluation over to jsonata. */
export class Bail extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'Bail'
  }
}

export const bail = (reason: string): never => {
  throw new Bail(reason)
}

/**
 * A guardrail stopped the evaluation (jsonata's codes D1011 depth, D1012 time, D2014/D2015
 * sequence; K1001 steps). Final, unlike a Bail: re-running a runaway formula in jsonata only
 * spends its whole budget a second time, about a hundred times slower.
 */
export class GuardTrip extends Error {
  constructor(readonly code: 'D1011' | 'D1012' | 'D2014' | 'D2015' | 'K1001') {
    super(code)
    this.name = 'GuardTrip'
  }
}

export const trip = (code: GuardTrip['code']): never => {
  throw new GuardTrip(code)
}

export type Seq = unknown[] & { sequence?: boolean; keepSingleton?: boolean; cons?: boolean; outerWrapper?: boolean; tupleStream?: boolean }

/** Longest sequence an evaluation may build (expression.ts MAX_SEQUENCE); set by the compiler. */
export const limits = { sequence: 100_000 }

export function createSeq(): Seq {
  const s: Seq = []
  s.sequence = true
  return s
}

/** jsonata's `createSequence(x)`: one argument, even `undefined`, becomes the sole item. */
export function seqOf(value: unknown): Seq {
  const s = createSeq()
  s.push(value)
  return s
}

/** A push into a sequence; past the sequence limit jsonata fails (D2015). */
export function push(s: unknown[], value: unknown): void {
  if (s.length >= limits.sequence) trip('D2015')
  s.push(value)
}

export const isSequence = (v: unknown): v is Seq => Array.isArray(v) && (v as Seq).sequence === true

/** jsonata's isNumeric: a number that is not NaN; an infinite one is an error (D1001). */
export function isNumeric(n: unknown): n is number {
  if (typeof n !== 'number') return false
  if (Number.isNaN(n)) return false
  if (!Number.isFinite(n)) bail('non-finite number')
  return true
}

/** Every item is checked, as jsonata's filter does: an infinite number anywhere is its error. */
export function isArrayOfNumbers(a: unknown): boolean {
  if (!Array.isArray(a)) return false
  let all = true
  for (const x of a) if (!isNumeric(x)) all = false
  return all
}

export const isArrayOfStrings = (a: unknown): boolean => Array.isArray(a) && a.every((x) => typeof x === 'string')

export interface Lambda {
  _jsonata_lambda: true
  arity: number
  apply(self: unknown, args: unknown[]): unknown
}

export function isFunction(v: unknown): boolean {
  if (typeof v === 'function') return true
  if (v === null || typeof v !== 'object') return false
  const o = v as { _jsonata_function?: unknown; _jsonata_lambda?: unknown }
  return o._jsonata_function === true || o._jsonata_lambda === true
}

/** jsonata's getFunctionArity (HOFs pass the index and the array only to functions that take them). */
export function arity(f: unknown): number {
  const g = f as { arity?: unknown; implementation?: unknown; length?: unknown; arguments?: unknown[] }
  if (typeof g.arity === 'number') return g.arity
  if (typeof g.implementation === 'function') return (g.implementation as (...a: unknown[]) => unknown).length
  if (typeof g.length === 'number') return g.length
  return g.arguments?.length ?? 0
}

/** JSONata's effective boolean value ($boolean). */
export function boolean(arg: unknown): boolean | undefined {
  if (arg === undefined) return undefined
  if (Array.isArray(arg)) {
    if (arg.length === 1) return boolean(arg[0])
    let any = false
    // Not `some`: jsonata looks at every item (and fails on an infinite number anywhere).
    for (const v of arg) if (boolean(v)) any = true
    return any
  }
  if (typeof arg === 'string') return arg.length > 0
  if (isNumeric(arg)) return arg !== 0
  if (arg !== null && typeof arg === 'object' && !isFunction(arg)) return Object.keys(arg).length > 0
  return arg === true
}

export const boolize = (v: unknown): boolean => boolean(v) ?? false

/** A field of an object, or of every object in an array (flattened): the `name` step. */
export function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = createSeq()
    for (let i = 0; i < input.length; i++) {
      const res = lookup(input[i], key)
      if (res === undefined) continue
      if (Array.isArray(res)) for (const v of res) push(result, v)
      else push(result, res)
    }
    return result
  }
  if (input !== null && typeof input === 'object' && Object.prototype.hasOwnProperty.call(input, key) && !isFunction(input)) {
    return (input as Record<string, unknown>)[key]
  }
  return undefined
}

export function append(a: unknown, b: unknown): unknown {
  if (a === undefined) return b
  if (b === undefined) return a
  const left = Array.isArray(a) ? a : seqOf(a)
  const right = Array.isArray(b) ? b : [b]
  if (left.length + right.length > limits.sequence) trip('D2015')
  return left.concat(right)
}

export function deepEqual(lhs: unknown, rhs: unknown): boolean {
  if (lhs === rhs) return true
  if (typeof lhs === 'object' && typeof rhs === 'object' && lhs !== null && rhs !== null) {
    if (Array.isArray(lhs) && Array.isArray(rhs)) {
      if (lhs.length !== rhs.length) return false
      for (let i = 0; i < lhs.length; i++) if (!deepEqual(lhs[i], rhs[i])) return false
      return true
    }
    const lkeys = Object.getOwnPropertyNames(lhs).sort()
    const rkeys = Object.getOwnPropertyNames(rhs).sort()
    if (lkeys.length !== rkeys.length) return false
    for (let i = 0; i < lkeys.length; i++) if (lkeys[i] !== rkeys[i]) return false
    for (const k of lkeys) if (!deepEqual((lhs as Record<string, unknown>)[k], (rhs as Record<string, unknown>)[k])) return false
    return true
  }
  return false
}

/** The symbol jsonata's signature checks give a value. */
export function symbolOf(v: unknown): string {
  if (isFunction(v)) return 'f'
  switch (typeof v) {
    case 'string':
      return 's'
    case 'number':
      return 'n'
    case 'boolean':
      return 'b'
    case 'object':
      return v === null ? 'l' : Array.isArray(v) ? 'a' : 'o'
    default:
      return 'm'
  }
}
