/**
 * A synchronous JSONata evaluator: jsonata's own parse tree compiled once into closures, evaluated
 * by a port of jsonata 2.2.2's evaluator (jsonata.js: evaluate, evaluatePath, evaluateStep, ...).
 *
 * Why: jsonata evaluates every node of the tree in an `async` function, which costs about a
 * microsecond per node; a package's results for one appraisal take thousands of nodes, and a cycle
 * of 10,000 appraisals took over a minute. The same tree evaluated synchronously takes a fraction
 * of that.
 *
 * Exactness: only what the port covers is compiled (no regex, partial application, transforms,
 * sort and parent operators, focus/index bindings, function signatures); anything else, any error
 * and any guardrail breach throws `Bail`, and expression.ts evaluates with jsonata instead. So a
 * result comes from here only when evaluation succeeds, and every error is jsonata's own.
 */
import { builtins, callBuiltin, newFocus, type CallSite, type Focus, type JsonataFunction } from './builtins.ts'
import { append, arity, bail, boolean, boolize, createSeq, deepEqual, isArrayOfNumbers, isFunction, isNumeric, isSequence, limits, lookup, push, seqOf, type Seq } from './values.ts'

export interface Guards {
  /** Deepest nesting of evaluations (jsonata's `stack`). */
  depth: number
  /** Evaluation steps (nodes evaluated). */
  steps: number
  /** Wall-clock budget in ms. */
  millis: number
  /** Longest sequence. */
  sequence: number
}

interface State {
  steps: number
  depth: number
  deadline: number
  focus: Focus | undefined
  guards: Guards
  /** The frame of the bindings and `$$`. */
  root?: Frame
}

/** Variables of a block or a function call: few, so a pair of arrays beats a map. */
class Frame {
  readonly names: string[] = []
  readonly values: unknown[] = []
  constructor(
    readonly parent: Frame | null,
    readonly st: State,
  ) {}

  bind(name: string, value: unknown): void {
    const i = this.names.indexOf(name)
    if (i >= 0) this.values[i] = value
    else {
      this.names.push(name)
      this.values.push(value)
    }
  }

  lookup(name: string): unknown {
    for (let f: Frame | null = this; f !== null; f = f.parent) {
      const i = f.names.indexOf(name)
      if (i >= 0) return f.values[i]
    }
    return builtins()?.get(name)
  }
}

type Ev = (input: any, env: Frame) => any

interface Node {
  type: string
  value?: any
  lhs?: any
  rhs?: any
  steps?: Node[]
  stages?: { type: string; expr: Node }[]
  predicate?: { type: string; expr: Node }[]
  group?: { lhs: [Node, Node][] }
  expressions?: Node[]
  arguments?: Node[]
  procedure?: Node
  body?: Node
  condition?: Node
  then?: Node
  else?: Node
  expression?: Node
  signature?: unknown
  thunk?: boolean
  keepArray?: boolean
  consarray?: boolean
  keepSingletonArray?: boolean
  [key: string]: unknown
}

/** Thrown while compiling: the expression uses something the port does not cover. */
class Unsupported extends Error {}

const unsupported = (what: string): never => {
  throw new Unsupported(what)
}

/** A lambda made by this evaluator. */
interface FastLambda {
  _jsonata_lambda: true
  fast: true
  input: unknown
  environment: Frame
  arguments: Node[]
  body: Ev
  apply(self: unknown, args: unknown[]): unknown
}

const UNSUPPORTED_TYPES = new Set(['regex', 'partial', 'transform', 'sort', 'parent'])
const TUPLE_KEYS = ['tuple', 'focus', 'index', 'ancestor', 'seekingParent']

/**
 * A variable bound directly inside one item of an array or object constructor: jsonata evaluates
 * those items concurrently, so another item may or may not see the binding. Not compiled.
 */
function hasLooseBind(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false
  const n = node as Node
  if (n.type === 'bind') return true
  if (n.type === 'block' || n.type === 'lambda') return false
  for (const v of Object.values(n)) {
    if (Array.isArray(v) ? v.some(hasLooseBind) : hasLooseBind(v)) return true
  }
  return false
}

/** Names the expression binds itself (`:=`, function parameters); set while compiling one expression. */
let boundNames = new Set<string>()

function collectBound(node: unknown, into: Set<string>): Set<string> {
  if (node === null || typeof node !== 'object') return into
  const n = node as Node
  if (n.type === 'bind' && (n.lhs as Node | undefined)?.type === 'variable') into.add((n.lhs as Node).value as string)
  if (n.type === 'lambda') for (const a of n.arguments ?? []) into.add(a.value as string)
  for (const v of Object.values(n)) {
    if (Array.isArray(v)) for (const x of v) collectBound(x, into)
    else collectBound(v, into)
  }
  return into
}

function compile(node: Node): Ev {
  if (UNSUPPORTED_TYPES.has(node.type)) unsupported(node.type)
  for (const k of TUPLE_KEYS) if (node[k] !== undefined) unsupported(k)
  const core = compileCore(node)
  const predicates = node.predicate?.map((p) => (p.type === 'filter' ? compileFilter(p.expr) : unsupported(`predicate ${p.type}`)))
  const group = node.type !== 'path' && node.group ? compileGroup(node.group.lhs) : undefined
  const keepArray = node.keepArray === true
  if (!predicates && !group && !keepArray) {
    // The common node: the same steps as below, without the ones that do not apply.
    return (input, env) => {
      const st = env.st
      if (++st.steps > st.guards.steps) bail('steps')
      if ((st.steps & 1023) === 0 && Date.now() > st.deadline) bail('timeout')
      if (++st.depth > st.guards.depth) bail('depth')
      let result = core(input, env)
      if (result && isSequence(result) && !result.tupleStream) {
        if (result.length === 0) result = undefined
        else if (result.length === 1 && !result.keepSingleton) result = result[0]
      }
      st.depth--
      return result
    }
  }
  return (input, env) => {
    const st = env.st
    if (++st.steps > st.guards.steps) bail('steps')
    if ((st.steps & 1023) === 0 && Date.now() > st.deadline) bail('timeout')
    if (++st.depth > st.guards.depth) bail('depth')
    let result = core(input, env)
    if (predicates) for (const p of predicates) result = p(result, env)
    if (group) result = group(result, env)
    if (result && isSequence(result) && !result.tupleStream) {
      if (keepArray) result.keepSingleton = true
      if (result.length === 0) result = undefined
      else if (result.length === 1) result = result.keepSingleton ? result : result[0]
    }
    st.depth--
    return result
  }
}

function compileCore(node: Node): Ev {
  switch (node.type) {
    case 'path':
      return compilePath(node)
    case 'binary':
      return compileBinary(node)
    case 'unary':
      return compileUnary(node)
    case 'name': {
      const key = node.value as string
      return (input) => lookup(input, key)
    }
    case 'string':
    case 'number':
    case 'value': {
      const value = node.value
      return () => value
    }
    case 'wildcard':
      return wildcard
    case 'descendant':
      return descendants
    case 'condition': {
      const cond = compile(node.condition!)
      const then = compile(node.then!)
      const otherwise = node.else === undefined ? undefined : compile(node.else)
      return (input, env) => (boolean(cond(input, env)) ? then(input, env) : otherwise ? otherwise(input, env) : undefined)
    }
    case 'block': {
      const evs = node.expressions!.map(compile)
      return (input, env) => {
        const frame = new Frame(env, env.st)
        let result: unknown
        for (const ev of evs) result = ev(input, frame)
        return result
      }
    }
    case 'bind': {
      const name = (node.lhs as Node).value as string
      const rhs = compile(node.rhs as Node)
      return (input, env) => {
        const value = rhs(input, env)
        env.bind(name, value)
        return value
      }
    }
    case 'variable': {
      const name = node.value as string
      if (name === '') return (input) => (input && input.outerWrapper ? input[0] : input)
      if (boundNames.has(name)) return (_input, env) => env.lookup(name)
      // Never bound in the expression: a binding given to the evaluation, or a built-in; the same
      // for the whole evaluation, so looked up once per evaluation.
      let root: Frame | undefined
      let value: unknown
      return (_input, env) => {
        if (env.st.root !== root) {
          root = env.st.root!
          value = root.lookup(name)
        }
        return value
      }
    }
    case 'lambda':
      return compileLambda(node)
    case 'function': {
      const call = compileCall(node)
      return (input, env) => call(input, env, false, undefined)
    }
    case 'apply':
      return compileApply(node)
    default:
      return unsupported(node.type)
  }
}

function compilePath(node: Node): Ev {
  const steps = node.steps!
  const consFirst = steps[0]!.consarray === true
  const firstCons = consFirst ? compile(steps[0]!) : undefined
  const compiled = steps.map((step, i) => (i === 0 && consFirst ? undefined : compileStep(step, i === steps.length - 1)))
  const absolute = steps[0]!.type === 'variable'
  const keepSingletonArray = node.keepSingletonArray === true
  const group = node.group ? compileGroup(node.group.lhs) : undefined
  return (input, env) => {
    let resultSequence: any
    let inputSequence: any
    // The first step over one item (the input is not an array, or the path starts at a variable):
    // jsonata wraps it in a sequence of one; the step's single-item form skips the wrapping.
    const single = !(Array.isArray(input) && !absolute)
    if (firstCons) resultSequence = firstCons(single ? seqOf(input) : input, env)
    else resultSequence = single ? compiled[0]!.one(input, env) : compiled[0]!.many(input, env)
    for (let i = 1; resultSequence !== undefined && resultSequence.length !== 0 && i < compiled.length; i++) {
      inputSequence = resultSequence
      resultSequence = compiled[i]!.many(inputSequence, env)
    }
    if (keepSingletonArray) {
      if (resultSequence === null || typeof resultSequence !== 'object') bail('keepSingleton on a non-array')
      if (Array.isArray(resultSequence) && (resultSequence as Seq).cons && !(resultSequence as Seq).sequence) resultSequence = seqOf(resultSequence)
      resultSequence.keepSingleton = true
    }
    if (group) resultSequence = group(resultSequence, env)
    return resultSequence
  }
}

interface Step {
  /** Over a sequence (jsonata's evaluateStep). */
  many: Ev
  /** Over a sequence of one item, given the item. */
  one: Ev
}

function compileStep(step: Node, lastStep: boolean): Step {
  if (step.type === 'sort') unsupported('sort step')
  const ev = compile(step)
  const stages = step.stages?.map((s) => (s.type === 'filter' ? compileFilter(s.expr) : unsupported(`stage ${s.type}`)))
  const one: Ev = (item, env) => {
    let res = ev(item, env)
    if (stages) for (const f of stages) res = f(res, env)
    if (res === undefined) return createSeq()
    if (lastStep && Array.isArray(res) && !isSequence(res)) return res
    if (!Array.isArray(res) || (res as Seq).cons) return seqOf(res)
    const flat = createSeq()
    for (const v of res) push(flat, v)
    return flat
  }
  const many: Ev = (input, env) => {
    if (input.length === 1) return one(input[0], env)
    // jsonata collects the results, then flattens them; one pass does both here.
    const flat = createSeq()
    let count = 0
    let first: unknown
    for (let i = 0; i < input.length; i++) {
      let res = ev(input[i], env)
      if (stages) for (const f of stages) res = f(res, env)
      if (res === undefined) continue
      if (count++ === 0) first = res
      if (!Array.isArray(res) || (res as Seq).cons) push(flat, res)
      else for (const v of res) push(flat, v)
    }
    if (lastStep && count === 1 && Array.isArray(first) && !isSequence(first)) return first
    return flat
  }
  return { many, one }
}

/** A predicate `[...]`: an index (or indexes), or a condition each item is kept by. */
function compileFilter(predicate: Node): (input: any, env: Frame) => any {
  if (predicate.type === 'number') {
    const value = predicate.value as number
    return (input) => {
      let results: any = createSeq()
      const list: any[] = Array.isArray(input) ? input : seqOf(input)
      let index = Math.floor(value)
      if (index < 0) index = list.length + index
      const item = list[index]
      if (item !== undefined) {
        if (Array.isArray(item)) results = item
        else push(results, item)
      }
      return results
    }
  }
  const ev = compile(predicate)
  return (input, env) => {
    const results = createSeq()
    const list: any[] = Array.isArray(input) ? input : seqOf(input)
    for (let index = 0; index < list.length; index++) {
      const item = list[index]
      let res = ev(item, env)
      if (isNumeric(res)) res = [res]
      if (isArrayOfNumbers(res)) {
        for (const ires of res) {
          let ii = Math.floor(ires)
          if (ii < 0) ii = list.length + ii
          if (ii === index) push(results, item)
        }
      } else if (boolean(res)) push(results, item)
    }
    return results
  }
}

function compileBinary(node: Node): Ev {
  const lhs = compile(node.lhs as Node)
  const rhs = compile(node.rhs as Node)
  const op = node.value as string
  switch (op) {
    case 'and':
      return (input, env) => boolize(lhs(input, env)) && boolize(rhs(input, env))
    case 'or':
      return (input, env) => boolize(lhs(input, env)) || boolize(rhs(input, env))
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (input, env) => numeric(lhs(input, env), rhs(input, env), op)
    case '=':
    case '!=':
      return (input, env) => {
        const l = lhs(input, env)
        const r = rhs(input, env)
        if (l === undefined || r === undefined) return false
        return op === '=' ? deepEqual(l, r) : !deepEqual(l, r)
      }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (input, env) => compare(lhs(input, env), rhs(input, env), op)
    case '&':
      return (input, env) => {
        const l = lhs(input, env)
        const r = rhs(input, env)
        return (l === undefined ? '' : toStr(l)).concat(r === undefined ? '' : toStr(r))
      }
    case '..':
      return (input, env) => range(lhs(input, env), rhs(input, env))
    case 'in':
      return (input, env) => {
        const l = lhs(input, env)
        const r = rhs(input, env)
        if (l === undefined || r === undefined) return false
        const list = Array.isArray(r) ? r : [r]
        for (const v of list) if (v === l) return true
        return false
      }
    default:
      return unsupported(`operator ${op}`)
  }
}

function numeric(l: unknown, r: unknown, op: string): number | undefined {
  if (l !== undefined && !isNumeric(l)) bail('T2001')
  if (r !== undefined && !isNumeric(r)) bail('T2002')
  if (l === undefined || r === undefined) return undefined
  const a = l as number
  const b = r as number
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      return a / b
    default:
      return a % b
  }
}

function compare(l: unknown, r: unknown, op: string): boolean | undefined {
  const lt = typeof l
  const rt = typeof r
  const ok = (t: string) => t === 'undefined' || t === 'string' || t === 'number'
  if (!ok(lt) || !ok(rt)) bail('T2010')
  if (lt === 'undefined' || rt === 'undefined') return undefined
  if (lt !== rt) bail('T2009')
  const a = l as number
  const b = r as number
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b
}

/** `&` and `$string`: jsonata's own string conversion (15 significant digits, JSON for the rest). */
function toStr(v: unknown): string {
  const fn = builtins()?.get('string')
  if (!fn) return bail('no $string')
  return fn.implementation.call(undefined as never, v) as string
}

function range(l: unknown, r: unknown): Seq | undefined {
  if (l !== undefined && !Number.isInteger(l)) bail('T2003')
  if (r !== undefined && !Number.isInteger(r)) bail('T2004')
  if (l === undefined || r === undefined) return undefined
  const a = l as number
  const b = r as number
  if (a > b) return undefined
  const size = b - a + 1
  if (size > 1e7 || size > limits.sequence) bail('range too large')
  const result: Seq = new Array(size)
  for (let item = a, i = 0; item <= b; item++, i++) result[i] = item
  result.sequence = true
  return result
}

function compileUnary(node: Node): Ev {
  switch (node.value) {
    case '-': {
      const ev = compile(node.expression!)
      return (input, env) => {
        const v = ev(input, env)
        if (v === undefined) return undefined
        if (isNumeric(v)) return -v
        return bail('D1002')
      }
    }
    case '[': {
      const items = node.expressions!
      if (items.some(hasLooseBind)) unsupported('a variable bound inside an array item')
      const evs = items.map(compile)
      const nested = items.map((item) => item.value === '[')
      const cons = node.consarray === true
      return (input, env) => {
        let result: any = []
        for (let i = 0; i < evs.length; i++) {
          const value = evs[i]!(input, env)
          if (value === undefined) continue
          if (nested[i]) result.push(value)
          else result = append(result, value)
        }
        if (cons) Object.defineProperty(result, 'cons', { enumerable: false, configurable: false, value: true })
        return result
      }
    }
    case '{':
      return compileGroup(node.lhs as [Node, Node][])
    default:
      return unsupported(`unary ${node.value}`)
  }
}

/** An object constructor, or a grouping `expr{key: value}` over the items of its input. */
function compileGroup(pairs: [Node, Node][]): Ev {
  if (pairs.some(([k, v]) => hasLooseBind(k) || hasLooseBind(v))) unsupported('a variable bound inside an object constructor')
  const keys = pairs.map(([k]) => compile(k))
  const values = pairs.map(([, v]) => compile(v))
  return (input, env) => {
    const groups = new Map<string, { data: unknown; index: number }>()
    const list: any[] = Array.isArray(input) ? input : seqOf(input)
    // jsonata pushes `undefined` into an empty input itself, which may be an array of the data:
    // the data changes, and what other parts of the expression (evaluated side by side) then see
    // depends on jsonata's scheduling. Rare and unrepeatable here: jsonata does it.
    if (list.length === 0) bail('a group over an empty array')
    for (const item of list) {
      for (let p = 0; p < keys.length; p++) {
        const key = keys[p]!(item, env)
        if (key === undefined) continue
        if (typeof key !== 'string') bail('T1003')
        if (key === '_jsonata_lambda' || key === '_jsonata_function') bail('D1013')
        const entry = groups.get(key)
        if (entry === undefined) groups.set(key, { data: item, index: p })
        else if (entry.index !== p) bail('D1009')
        else entry.data = append(entry.data, item)
      }
    }
    // jsonata's objects have no prototype; a plain one reads the same to every operator and
    // function here (own properties only) and is much faster to build. Only '__proto__' needs care.
    const result: Record<string, unknown> = {}
    for (const key of orderedKeys(groups)) {
      const entry = groups.get(key)!
      const value = values[entry.index]!(entry.data, env)
      if (value === undefined) continue
      if (key === '__proto__') Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true })
      else result[key] = value
    }
    return result
  }
}

/**
 * The keys in the order jsonata visits them (Object.keys of its null-prototype object): integer
 * keys ascending first, then the others as inserted.
 */
function orderedKeys(groups: Map<string, unknown>): string[] {
  const keys = [...groups.keys()]
  if (!keys.some(isIndexKey)) return keys
  return [...keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndexKey(k))]
}

const isIndexKey = (k: string): boolean => {
  const c = k.charCodeAt(0)
  return c >= 48 && c <= 57 && /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 4294967295
}

function wildcard(input: any): unknown {
  let results: any = createSeq()
  if (Array.isArray(input) && (input as Seq).outerWrapper && input.length > 0) input = input[0]
  if (input !== null && typeof input === 'object' && !isFunction(input)) {
    for (const key of Object.keys(input)) {
      const value = input[key]
      if (Array.isArray(value)) results = append(results, flatten(value))
      else push(results, value)
    }
  }
  return results
}

function flatten(arg: unknown, into: unknown[] = []): unknown[] {
  if (Array.isArray(arg)) for (const item of arg) flatten(item, into)
  else into.push(arg)
  return into
}

function descendants(input: unknown): unknown {
  if (input === undefined) return undefined
  const results = createSeq()
  const recurse = (v: unknown) => {
    if (!Array.isArray(v)) push(results, v)
    if (Array.isArray(v)) for (const m of v) recurse(m)
    else if (v !== null && typeof v === 'object' && !isFunction(v)) for (const k of Object.keys(v)) recurse((v as Record<string, unknown>)[k])
  }
  recurse(input)
  return results.length === 1 ? results[0] : results
}

/**
 * A call in tail position of a function body. jsonata turns it into a "thunk" that its `apply`
 * carries out after the body returns, so the callee's result comes back as it is, without the
 * tidying every other evaluation gets (an empty sequence stays an empty sequence), and function
 * arguments are passed as they are. The same here: the thunk is what applyProc resolves.
 */
class Thunk {
  constructor(
    readonly fn: unknown,
    readonly args: unknown[],
  ) {}
}

function compileThunk(call: Node): Ev {
  if (call.type !== 'function') return unsupported(`a tail call of ${call.type}`)
  const proc = compile(call.procedure!)
  const args = call.arguments!.map((a) => (a.type === 'operator' ? unsupported('partial application') : compile(a)))
  return (input, env) => {
    const fn = proc(input, env)
    return new Thunk(
      fn,
      args.map((a) => a(input, env)),
    )
  }
}

function compileLambda(node: Node): Ev {
  if (node.signature !== undefined) unsupported('a function signature')
  if (node.thunk === true) return compileThunk(node.body!)
  const body = compile(node.body!)
  const params = node.arguments!
  return (input, env) => {
    const lambda: FastLambda = {
      _jsonata_lambda: true,
      fast: true,
      input,
      environment: env,
      arguments: params,
      body,
      // Called by a built-in: jsonata gives a tail call in it the input the function was made in.
      apply: (_self, args) => applyProc(lambda, args, input, env),
    }
    return lambda
  }
}

function compileCall(node: Node): (input: any, env: Frame, applied: boolean, context: unknown) => unknown {
  const proc = compile(node.procedure!)
  const args = node.arguments!.map((a) => (a.type === 'operator' ? unsupported('partial application') : compile(a)))
  const n = args.length
  const site: CallSite = {}
  return (input, env, applied, context) => {
    const fn = proc(input, env)
    const values: unknown[] = new Array(applied ? n + 1 : n)
    let j = 0
    if (applied) values[j++] = context
    for (let i = 0; i < n; i++) {
      const arg = args[i]!(input, env)
      values[j++] = isFunction(arg) ? asClosure(arg, env) : arg
    }
    return applyProc(fn, values, input, env, site)
  }
}

/** A function passed as an argument, as jsonata passes it: a JS function that knows its arity. */
function asClosure(fn: unknown, env: Frame): unknown {
  const closure = (...params: unknown[]) => applyProc(fn, params, null, env)
  ;(closure as unknown as { arity: number }).arity = arity(fn)
  return closure
}

const anySite: CallSite = {}

/** jsonata's `apply`: calls, then carries out the tail calls the callee returns. */
function applyProc(proc: any, args: unknown[], input: unknown, env: Frame, site: CallSite = anySite): unknown {
  let result = applyOnce(proc, args, input, env, site)
  while (result instanceof Thunk) result = applyOnce(result.fn, result.args, input, env, anySite)
  return result
}

function applyOnce(proc: any, args: unknown[], input: unknown, env: Frame, site: CallSite): unknown {
  if (proc && proc._jsonata_lambda === true) {
    if (proc.fast !== true) return bail("a lambda of jsonata's")
    const lambda = proc as FastLambda
    const frame = new Frame(lambda.environment, lambda.environment.st)
    const params = lambda.arguments
    for (let i = 0; i < params.length; i++) frame.bind(params[i]!.value as string, args[i])
    return lambda.body(lambda.input, frame)
  }
  if (proc && proc._jsonata_function === true) return callBuiltin(proc as JsonataFunction, args, input, (env.st.focus ??= newFocus()), site)
  if (typeof proc === 'function') {
    const result = proc.apply(input, args)
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') bail('async function')
    return result
  }
  return bail('T1006')
}

function compileApply(node: Node): Ev {
  const lhs = compile(node.lhs as Node)
  const rhsNode = node.rhs as Node
  if (rhsNode.type === 'function') {
    const call = compileCall(rhsNode)
    return (input, env) => call(input, env, true, lhs(input, env))
  }
  const rhs = compile(rhsNode)
  return (input, env) => {
    const l = lhs(input, env)
    const fn = rhs(input, env)
    if (!isFunction(fn)) bail('T2006')
    if (isFunction(l)) bail('function chaining')
    return applyProc(fn, [l], null, env)
  }
}

export type FastExpression = (input: unknown, bindings: Record<string, unknown> | undefined) => unknown

/**
 * Compiles jsonata's parse tree of an expression; undefined when it uses something not covered.
 * The built-ins must be loaded (loadBuiltins) before the result is called, or it bails.
 */
export function compileFast(ast: unknown, guards: Guards): FastExpression | undefined {
  let ev: Ev
  try {
    boundNames = collectBound(ast, new Set())
    ev = compile(ast as Node)
  } catch (e) {
    if (e instanceof Unsupported) return undefined
    throw e
  }
  return (input, bindings) => {
    if (!builtins()) bail('built-ins not loaded')
    limits.sequence = guards.sequence
    const st: State = { steps: 0, depth: 0, deadline: Date.now() + guards.millis, focus: undefined, guards }
    const root = new Frame(null, st)
    if (bindings) for (const k of Object.keys(bindings)) root.bind(k, bindings[k])
    root.bind('$', input)
    st.root = root
    let value: any = input
    if (Array.isArray(value) && !isSequence(value)) {
      value = seqOf(value)
      value.outerWrapper = true
    }
    return ev(value, root)
  }
}
