/**
 * JSONata's built-in functions for the synchronous evaluator. The implementations are jsonata's own
 * (taken from its function values once), called with arguments checked by its own signature rules;
 * only the functions jsonata 2.2.2 declares `async` (the higher-order ones, and the string ones that
 * may take a regex) are ported here, for the plain cases, and bail otherwise.
 */
import jsonata from 'jsonata'
import { arity, bail, boolean, createSeq, isArrayOfNumbers, isArrayOfStrings, isFunction, isNumeric, limits, lookup, push, symbolOf, trip } from './values.ts'

/** What a built-in is called with as `this` (jsonata's "focus"). */
export interface Focus {
  environment: { timestamp: Date }
  input: unknown
  options: { sequence: number }
  createSequence: (...items: unknown[]) => unknown[]
}

type Impl = (this: Focus, ...args: any[]) => unknown

interface Param {
  type: string
  subtype?: string
  optional: boolean
  context: boolean
}

/** A function value of jsonata's (what `$sum` evaluates to). */
export interface JsonataFunction {
  _jsonata_function: true
  implementation: Impl
  signature?: { definition: string; validate(args: unknown[], context: unknown): unknown[] }
}

interface Builtin {
  /** Parsed signature for the quick argument check; null when only jsonata's own check will do. */
  params: Signature | null
  /** jsonata's implementation, or the port of an `async` one; null when there is none. */
  sync: Impl | null
  /** The plainest calls of the commonest functions, answered without the general path (or NO). */
  direct?: Fixed
}

/**
 * A direct form: given the number of arguments and the first two, the answer of the plainest
 * calls, or NO. None takes a function, so the arguments need no wrapping as jsonata's closures.
 */
export type Fixed = (n: number, a: unknown, b: unknown) => unknown

/** What a direct form answers when the call is not one of its plain cases. */
export const NO = Symbol('not a plain call')

const NAMES = [
  'sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore', 'substringAfter', 'lowercase', 'uppercase',
  'length', 'trim', 'pad', 'match', 'contains', 'replace', 'split', 'join', 'formatNumber', 'formatBase', 'formatInteger',
  'parseInteger', 'number', 'floor', 'ceil', 'round', 'abs', 'sqrt', 'power', 'random', 'boolean', 'not', 'map', 'zip', 'filter',
  'single', 'reduce', 'sift', 'keys', 'lookup', 'append', 'exists', 'spread', 'merge', 'reverse', 'each', 'error', 'assert', 'type',
  'sort', 'shuffle', 'distinct', 'base64encode', 'base64decode', 'encodeUrlComponent', 'encodeUrl', 'decodeUrlComponent',
  'decodeUrl', 'eval', 'toMillis', 'fromMillis', 'clone',
]

let table: Map<string, JsonataFunction> | undefined
/** Where a built-in's record hangs on jsonata's function value (a symbol: invisible to jsonata). */
const RECORD = Symbol('fast-eval builtin')
let loading: Promise<Map<string, JsonataFunction>> | undefined

/** jsonata hands its function values out only through an (async) evaluation: fetch them once. */
export function loadBuiltins(): Promise<Map<string, JsonataFunction>> {
  loading ??= (async () => {
    const values = (await jsonata(`[${NAMES.map((n) => `$${n}`).join(', ')}]`).evaluate({})) as JsonataFunction[]
    const map = new Map<string, JsonataFunction>()
    NAMES.forEach((name, i) => {
      const fn = values[i]!
      const isAsync = fn.implementation.constructor.name === 'AsyncFunction'
      const sync = isAsync ? (PORTS[name] ?? null) : name === 'round' ? memoized(fn.implementation) : fn.implementation
      const direct = DIRECT[name]?.(sync!)
      ;(fn as unknown as Record<symbol, Builtin>)[RECORD] = { params: parseSignature(fn.signature?.definition), sync, ...(direct ? { direct } : {}) }
      map.set(name, fn)
    })
    table = map
    return map
  })()
  return loading
}

/** The built-ins by name, once loadBuiltins() has resolved (undefined before). */
export const builtins = (): Map<string, JsonataFunction> | undefined => table

interface Signature {
  params: Param[]
  /** No optional parameter before a required or context one: missing arguments are trailing ones. */
  trailingOptional: boolean
  /** Parameters that are not optional, the context one (`-`) included. */
  required: number
}

/** Simple signatures only: one type per parameter (no '+', no nested type parameters). */
function parseSignature(sig: string | undefined): Signature | null {
  if (!sig) return null
  const params: Param[] = []
  for (let i = 1; i < sig.length && sig[i] !== ':' && sig[i] !== '>'; i++) {
    const c = sig[i]!
    if ('snblofajx'.includes(c)) params.push({ type: c, optional: false, context: false })
    else if (c === '(') {
      const end = sig.indexOf(')', i)
      const choice = sig.slice(i + 1, end)
      if (choice.includes('<')) return null
      params.push({ type: `(${choice})`, optional: false, context: false })
      i = end
    } else if (c === '<') {
      const end = sig.indexOf('>', i)
      const last = params.at(-1)
      if (!last || sig.slice(i + 1, end).includes('<')) return null
      last.subtype = sig.slice(i + 1, end)
      i = end
    } else if (c === '-') params.at(-1)!.context = true
    else if (c === '?') params.at(-1)!.optional = true
    else return null
  }
  let seenOptional = false
  let trailingOptional = true
  for (const p of params) {
    if (p.optional) seenOptional = true
    else if (seenOptional) trailingOptional = false
  }
  return { params, trailingOptional, required: params.filter((p) => !p.optional).length }
}

function fits(p: Param, value: unknown): boolean {
  const sym = symbolOf(value)
  if (sym === 'm') return p.type !== 'f'
  switch (p.type) {
    case 'x':
      return true
    case 'j':
      return sym !== 'f'
    case 'a':
      if (sym !== 'a') return false
      if (p.subtype === undefined) return true
      return (value as unknown[]).every((v) => symbolOf(v) === p.subtype![0])
    default:
      return p.type.length === 1 ? sym === p.type : p.type.includes(sym)
  }
}

/**
 * The arguments as jsonata's signature check would pass them on: unchanged when they plainly fit
 * (the common case, without its regex), otherwise through jsonata's own check.
 */
function checkArgs(fn: JsonataFunction, sig: Signature | null, args: unknown[], input: unknown): unknown[] {
  // With one argument per parameter each parameter takes its own (none takes more than one); with
  // fewer, only trailing optional ones may be missing, or jsonata's regex might shift them. A
  // context parameter (`-`) counts as required here: jsonata's regex, greedy, gives it the first
  // argument whenever the rest still fit; with fewer arguments it takes the input instead.
  const params = sig?.params
  if (params && (args.length === params.length || (args.length < params.length && args.length >= sig.required && sig.trailingOptional))) {
    let ok = true
    for (let i = 0; i < params.length && ok; i++) {
      const p = params[i]!
      if (i >= args.length) ok = p.optional && !p.context
      else ok = fits(p, args[i])
    }
    if (ok) {
      if (args.length === params.length) return args
      const padded = [...args]
      while (padded.length < params.length) padded.push(undefined)
      return padded
    }
  }
  if (!fn.signature) return args
  try {
    return fn.signature.validate(args, input)
  } catch {
    return bail('signature')
  }
}

function createSequence(...items: unknown[]): unknown[] {
  const s = createSeq()
  if (items.length === 1) s.push(items[0])
  return s
}

/** A place in an expression where a function is called (see callBuiltin). */
export interface CallSite {
  fn?: unknown
  rec?: Builtin
}

/** One per evaluation, like jsonata's timestamp; `input` is set for each call. */
export function newFocus(): Focus {
  return { environment: { timestamp: new Date() }, input: undefined, options: { sequence: limits.sequence }, createSequence }
}

/** The direct form of `fn` when it is a built-in that has one (see Fixed). */
export function directOf(fn: unknown): Fixed | undefined {
  if (fn === null || typeof fn !== 'object' || (fn as JsonataFunction)._jsonata_function !== true) return undefined
  return (fn as unknown as Record<symbol, Builtin | undefined>)[RECORD]?.direct
}

/** Calls a built-in; its result is checked against the sequence limit jsonata enforces on pushes. */
export function callBuiltin(fn: JsonataFunction, args: unknown[], input: unknown, focus: Focus, site: CallSite): unknown {
  // Each call site nearly always calls the same function: remember its record there.
  if (site.fn !== fn) {
    site.fn = fn
    site.rec = (fn as unknown as Record<symbol, Builtin | undefined>)[RECORD]
  }
  const rec = site.rec
  if (!rec?.sync) return bail('a built-in without a synchronous implementation')
  if (rec.direct && args.length <= 2) {
    const value = rec.direct(args.length, args[0], args[1])
    if (value !== NO) return value
  }
  focus.input = input
  const result = rec.sync.apply(focus, checkArgs(fn, rec.params, args, input))
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') bail('async result')
  if (Array.isArray(result) && result.length > limits.sequence) trip('D2015')
  return result
}

type Fn = (...args: unknown[]) => unknown

/**
 * Calls whose arguments jsonata's signature check passes on unchanged, answered as its functions
 * answer them ($exists, $lookup, $count, $type, $round, $sum): the bulk of the calls in scoring.
 */
const DIRECT: Record<string, (impl: Impl) => Fixed> = {
  exists: () => (n, a) => (n === 1 ? a !== undefined : NO),
  lookup: () => (n, a, b) => (n === 2 && typeof b === 'string' ? lookup(a, b) : NO),
  count: () => (n, a) => (n !== 1 ? NO : Array.isArray(a) ? a.length : a === undefined ? 0 : 1),
  type: () => (n, a) => (n === 1 ? typeOf(a) : NO),
  round: (impl) => (n, a, b) => (typeof a === 'number' && (n === 1 || (n === 2 && typeof b === 'number')) ? impl.call(undefined as never, a, b) : NO),
  sum: () => (n, a) => {
    if (n !== 1 || !Array.isArray(a)) return NO
    let total = 0
    for (const x of a) {
      if (typeof x !== 'number') return NO
      total += x
    }
    return total
  },
}

/** jsonata's $type. */
function typeOf(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (value === null) return 'null'
  if (isNumeric(value)) return 'number'
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'boolean'
  if (Array.isArray(value)) return 'array'
  if (isFunction(value)) return 'function'
  return 'object'
}

/**
 * jsonata's $round shifts the decimal point through strings (exact, and about a microsecond a
 * call); a cycle rounds the same few means and scores over and over, so its answers are kept.
 */
function memoized(round: Impl): Impl {
  const byPrecision = new Map<unknown, Map<number, unknown>>()
  return function (this: Focus, arg: unknown, precision: unknown) {
    if (typeof arg !== 'number') return round.call(this, arg, precision)
    let cache = byPrecision.get(precision)
    if (!cache) byPrecision.set(precision, (cache = new Map()))
    // A rounded number is never undefined: one lookup tells a hit.
    const hit = cache.get(arg)
    if (hit !== undefined) return hit
    const result = round.call(this, arg, precision)
    if (cache.size >= 100_000) cache.clear()
    cache.set(arg, result)
    return result
  }
}

const hofArgs = (f: unknown, value: unknown, index: unknown, all: unknown): unknown[] => {
  const n = arity(f)
  return n >= 3 ? [value, index, all] : n >= 2 ? [value, index] : [value]
}

function greater(a: unknown, b: unknown): boolean {
  return (a as number) > (b as number)
}

/** jsonata's stable merge sort ($sort): the comparator sees the same pairs in the same order. */
function mergeSort(a: unknown[], comp: Fn): unknown[] {
  if (!Array.isArray(a) || a.length <= 1) return a
  const middle = Math.floor(a.length / 2)
  const left = mergeSort(a.slice(0, middle), comp)
  const right = mergeSort(a.slice(middle), comp)
  const out: unknown[] = []
  let i = 0
  let j = 0
  while (i < left.length && j < right.length) {
    if (comp(left[i], right[j])) out.push(right[j++])
    else out.push(left[i++])
  }
  while (i < left.length) out.push(left[i++])
  while (j < right.length) out.push(right[j++])
  return out
}

/** Ports of jsonata 2.2.2's async built-ins (functions.js), for the cases that need no regex. */
const PORTS: Record<string, Impl> = {
  map(arr: unknown[] | undefined, func: Fn) {
    if (arr === undefined) return undefined
    const result = createSeq()
    for (let i = 0; i < arr.length; i++) {
      const res = func.apply(this, hofArgs(func, arr[i], i, arr))
      if (res !== undefined) push(result, res)
    }
    return result
  },
  filter(arr: unknown[] | undefined, func: Fn) {
    if (arr === undefined) return undefined
    const result = createSeq()
    for (let i = 0; i < arr.length; i++) {
      if (boolean(func.apply(this, hofArgs(func, arr[i], i, arr)))) push(result, arr[i])
    }
    return result
  },
  single(arr: unknown[] | undefined, func: Fn | undefined) {
    if (arr === undefined) return undefined
    let found = false
    let result: unknown
    for (let i = 0; i < arr.length; i++) {
      const positive = func === undefined ? true : boolean(func.apply(this, hofArgs(func, arr[i], i, arr)))
      if (!positive) continue
      if (found) bail('D3138')
      result = arr[i]
      found = true
    }
    if (!found) bail('D3139')
    return result
  },
  reduce(sequence: unknown[] | undefined, func: Fn, init: unknown) {
    if (sequence === undefined) return undefined
    const n = arity(func)
    if (n < 2) bail('D3050')
    let result: unknown
    let index: number
    if (init === undefined && sequence.length > 0) {
      result = sequence[0]
      index = 1
    } else {
      result = init
      index = 0
    }
    for (; index < sequence.length; index++) {
      const args: unknown[] = [result, sequence[index]]
      if (n >= 3) args.push(index)
      if (n >= 4) args.push(sequence)
      result = func.apply(this, args)
    }
    return result
  },
  each(obj: unknown, func: Fn) {
    const result = createSeq()
    const o = obj as Record<string, unknown>
    for (const key of typeof obj === 'object' && obj !== null ? Object.keys(obj) : []) {
      const val = func.apply(this, hofArgs(func, o[key], key, obj))
      if (val !== undefined) push(result, val)
    }
    return result
  },
  sift(obj: unknown, func: Fn) {
    let result: Record<string, unknown> | undefined = Object.create(null)
    const o = obj as Record<string, unknown>
    for (const key of typeof obj === 'object' && obj !== null ? Object.keys(obj) : []) {
      if (boolean(func.apply(this, hofArgs(func, o[key], key, obj)))) result![key] = o[key]
    }
    if (Object.keys(result!).length === 0) result = undefined
    return result
  },
  sort(arr: unknown[] | undefined, comparator: Fn | undefined) {
    if (arr === undefined) return undefined
    if (arr.length <= 1) return arr
    if (comparator === undefined && !isArrayOfNumbers(arr) && !isArrayOfStrings(arr)) bail('D3070')
    return mergeSort(arr, comparator ?? greater)
  },
  contains(str: string | undefined, token: unknown) {
    if (str === undefined || token === undefined) return undefined
    if (typeof token !== 'string') return bail('regex')
    return str.indexOf(token) !== -1
  },
  split(str: string | undefined, separator: unknown, limit: number | undefined) {
    if (str === undefined) return undefined
    if (limit !== undefined && limit < 0) bail('D3020')
    if (limit !== undefined && !(limit > 0)) return []
    if (typeof separator !== 'string') return bail('regex')
    return str.split(separator, limit)
  },
  replace(str: string | undefined, pattern: unknown, replacement: unknown, limit: number | undefined) {
    if (str === undefined) return undefined
    if (pattern === '') bail('D3010')
    if (limit !== undefined && limit < 0) bail('D3011')
    if (typeof pattern !== 'string' || typeof replacement !== 'string') return bail('regex or function')
    let result = ''
    let position = 0
    if (limit === undefined || limit > 0) {
      let count = 0
      let index = str.indexOf(pattern, position)
      while (index !== -1 && (limit === undefined || count < limit)) {
        result += str.substring(position, index) + replacement
        position = index + pattern.length
        count++
        index = str.indexOf(pattern, position)
      }
      result += str.substring(position)
    } else result = str
    return result
  },
}
