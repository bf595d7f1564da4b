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
 * sort and parent operators, focus/index bindings, function signatures); anything else and any
 * error throws `Bail`, and expression.ts evaluates with jsonata instead. So a result comes from
 * here only when evaluation succeeds, and every error is jsonata's own, except a guardrail breach
 * (`GuardTrip`), which is final.
 */
import { builtins, callBuiltin, directOf, newFocus, NO, type CallSite, type Fixed, type Focus, type JsonataFunction } from './builtins.ts'
import { append, arity, bail, boolean, boolize, createSeq, deepEqual, isArrayOfNumbers, isFunction, isNumeric, isSequence, limits, lookup, push, seqOf, trip, type Seq } from './values.ts'

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
  /** The step count at which `checkpoint` looks at the clock and the step budget next. */
  nextCheck: number
  depth: number
  maxDepth: number
  deadline: number
  focus: Focus | undefined
  guards: Guards
  /** The frame of the bindings and `$$`. */
  root?: Frame
}

/** Every 1024 steps, and at the budget: the step budget and the clock (one comparison per node otherwise). */
function checkpoint(st: State): void {
  if (st.steps > st.guards.steps) trip('K1001')
  if (Date.now() > st.deadline) trip('D1012')
  st.nextCheck = Math.min(st.steps + 1024, st.guards.steps + 1)
}

/**
 * Variables of a block or a function call: few, so a pair of arrays beats a map. The arrays are
 * made at the size the compiler expects (the names the block binds, the function's parameters):
 * grown by push from empty, each would take room for 17.
 */
class Frame {
  readonly names: string[]
  readonly values: unknown[]
  count = 0
  constructor(
    readonly parent: Frame | null,
    readonly st: State,
    size: number,
  ) {
    this.names = new Array(size)
    this.values = new Array(size)
  }

  bind(name: string, value: unknown): void {
    const names = this.names
    for (let i = 0; i < this.count; i++) {
      if (names[i] === name) {
        this.values[i] = value
        return
      }
    }
    names[this.count] = name
    this.values[this.count++] = value
  }

  lookup(name: string): unknown {
    for (let f: Frame | null = this; f !== null; f = f.parent) {
      const names = f.names
      for (let i = 0; i < f.count; i++) if (names[i] === name) return f.values[i]
    }
    return builtins()?.get(name)
  }
}

/** How many distinct names the expressions bind into their own frame (not inside a block or function). */
function looseBindCount(nodes: Node[]): number {
  const names = new Set<string>()
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return
    const n = node as Node
    if (n.type === 'bind' && (n.lhs as Node | undefined)?.type === 'variable') names.add((n.lhs as Node).value as string)
    if (n.type === 'block' || n.type === 'lambda') return
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) v.forEach(visit)
      else visit(v)
    }
  }
  nodes.forEach(visit)
  return names.size
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

/** jsonata's tidying of every evaluation's value: an empty sequence is nothing, a sequence of one its item. */
function tidy(result: any): any {
  if (result && isSequence(result) && !result.tupleStream) {
    if (result.length === 0) return undefined
    if (result.length === 1 && !result.keepSingleton) return result[0]
  }
  return result
}

/**
 * The commonest nodes (variables, calls, paths: half of all) with the counting and tidying of the
 * wrapper in compile() written into their own closure: one call per node instead of two, and a
 * call V8 can inline, where the shared wrapper calls every kind of node from one place.
 */
function compileFused(node: Node): Ev | undefined {
  switch (node.type) {
    case 'variable': {
      const name = node.value as string
      if (name === '' || !boundNames.has(name)) return undefined
      // A leaf: a step, but it nests nothing.
      return (_input, env) => {
        const st = env.st
        if (++st.steps >= st.nextCheck) checkpoint(st)
        return tidy(env.lookup(name))
      }
    }
    case 'function': {
      const call = compileCall(node)
      return (input, env) => {
        const st = env.st
        if (++st.steps >= st.nextCheck) checkpoint(st)
        if (++st.depth > st.maxDepth) trip('D1011')
        const result = tidy(call(input, env, false, undefined))
        st.depth--
        return result
      }
    }
    case 'path': {
      const path = compilePath(node, true)
      return (input, env) => {
        const st = env.st
        if (++st.steps >= st.nextCheck) checkpoint(st)
        if (++st.depth > st.maxDepth) trip('D1011')
        const result = tidy(path(input, env))
        st.depth--
        return result
      }
    }
    default:
      return undefined
  }
}

function compile(node: Node): Ev {
  if (UNSUPPORTED_TYPES.has(node.type)) unsupported(node.type)
  for (const k of TUPLE_KEYS) if (node[k] !== undefined) unsupported(k)
  const predicates = node.predicate?.map((p) => (p.type === 'filter' ? compileFilter(p.expr) : unsupported(`predicate ${p.type}`)))
  const group = node.type !== 'path' && node.group ? compileGroup(node.group.lhs) : undefined
  const keepArray = node.keepArray === true
  const fused = !predicates && !group && !keepArray ? compileFused(node) : undefined
  if (fused) return fused
  const core = compileCore(node)
  // A literal is its own value: nothing to count, nest or tidy (a runaway loop is counted by the
  // nodes around it).
  if (!predicates && !group && !keepArray && (node.type === 'string' || node.type === 'number' || node.type === 'value')) return core
  if (!predicates && !group && !keepArray && !MAY_YIELD_SEQUENCE.has(node.type) && !(node.type === 'binary' && node.value === '..')) {
    // A node whose value is never a sequence to tidy (an operator's, or one tidied already).
    return (input, env) => {
      const st = env.st
      if (++st.steps >= st.nextCheck) checkpoint(st)
      if (++st.depth > st.maxDepth) trip('D1011')
      const result = core(input, env)
      st.depth--
      return result
    }
  }
  if (!predicates && !group && !keepArray) {
    // The common node: the same steps as below, without the ones that do not apply.
    return (input, env) => {
      const st = env.st
      if (++st.steps >= st.nextCheck) checkpoint(st)
      if (++st.depth > st.maxDepth) trip('D1011')
      const result = tidy(core(input, env))
      st.depth--
      return result
    }
  }
  return (input, env) => {
    const st = env.st
    if (++st.steps >= st.nextCheck) checkpoint(st)
    if (++st.depth > st.maxDepth) trip('D1011')
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

/**
 * Node types whose core may give a sequence the wrapper tidies (`..` too). The others give an
 * operator's value, a constructed array or object, a function, or the value of a node tidied
 * already (a condition's branch, a block's last expression, a binding's right-hand side).
 */
const MAY_YIELD_SEQUENCE = new Set(['path', 'name', 'wildcard', 'descendant', 'variable', 'function', 'apply', 'sort', 'regex', 'partial', 'transform', 'parent'])

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
      // A block that binds nothing itself has no variables of its own: its frame would stay empty.
      if (!node.expressions!.some(hasLooseBind)) {
        return (input, env) => {
          let result: unknown
          for (const ev of evs) result = ev(input, env)
          return result
        }
      }
      const size = looseBindCount(node.expressions!)
      return (input, env) => {
        const frame = new Frame(env, env.st, size)
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

/**
 * A path. `tidied`: the caller tidies the value (compileFused) and nothing else sees it, so a
 * sequence of one item may be given as the item.
 */
function compilePath(node: Node, tidied = false): Ev {
  const steps = node.steps!
  const consFirst = steps[0]!.consarray === true
  const firstCons = consFirst ? compile(steps[0]!) : undefined
  const compiled = steps.map((step, i) => (i === 0 && consFirst ? undefined : compileStep(step, i === steps.length - 1)))
  const absolute = steps[0]!.type === 'variable'
  const keepSingletonArray = node.keepSingletonArray === true
  const group = node.group ? compileGroup(node.group.lhs) : undefined
  // `a.b.c` or `$v.b.c` (plain names after the first step): see below.
  const plain = !consFirst && !keepSingletonArray && !group && steps.every((step, i) => isPlainStep(step, i === 0))
  const keys = steps.map((step) => step.value as string)
  const first = absolute ? compile(steps[0]!) : undefined
  const oneByOne = tidied && !consFirst && !keepSingletonArray && !group
  return (input, env) => {
    let resultSequence: any
    let inputSequence: any
    let from = 1
    if (plain && !(Array.isArray(input) && !absolute)) {
      // Over one object at each step, jsonata makes a sequence of one item per step and undoes it
      // at the end; the same value comes straight from the lookups. At the first array, the
      // step is taken again the general way (a lookup or a variable: nothing happens twice).
      let item = input
      for (let i = 0; i < keys.length; i++) {
        const value = i === 0 && first ? first(item, env) : lookup(item, keys[i]!)
        if (value === undefined) return undefined
        if (Array.isArray(value)) {
          resultSequence = compiled[i]!.one(item, env)
          from = i + 1
          break
        }
        item = value
      }
      if (resultSequence === undefined) return item
    } else if (oneByOne && !(Array.isArray(input) && !absolute)) {
      // Step by step over one item, as long as each step gives one: what the step's single-item
      // form does (see compileStep), without the sequence of one around each item.
      let item = input
      for (let i = 0; i < compiled.length; i++) {
        const step = compiled[i]!
        const res = step.raw(item, env)
        if (res === undefined) return undefined
        if (Array.isArray(res)) {
          if (step.last && !isSequence(res)) return res
          if (!(res as Seq).cons) {
            resultSequence = createSeq()
            for (const v of res) push(resultSequence, v)
            from = i + 1
            break
          }
        }
        item = res
      }
      if (resultSequence === undefined) return item
    } else {
      // The first step over one item (the input is not an array, or the path starts at a variable):
      // jsonata wraps it in a sequence of one; the step's single-item form skips the wrapping.
      const single = !(Array.isArray(input) && !absolute)
      if (firstCons) resultSequence = firstCons(single ? seqOf(input) : input, env)
      else resultSequence = single ? compiled[0]!.one(input, env) : compiled[0]!.many(input, env)
    }
    for (let i = from; resultSequence !== undefined && resultSequence.length !== 0 && i < compiled.length; i++) {
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

/** A name step (or a variable, first) with nothing attached: no predicate, stage, grouping or `[]`. */
function isPlainStep(step: Node, first: boolean): boolean {
  if (step.type !== 'name' && !(first && step.type === 'variable')) return false
  if (step.predicate || step.stages || step.group || step.keepArray) return false
  return TUPLE_KEYS.every((k) => step[k] === undefined)
}

interface Step {
  /** Over a sequence (jsonata's evaluateStep). */
  many: Ev
  /** Over a sequence of one item, given the item. */
  one: Ev
  /** The step's expression and stages over one item, before the step makes a sequence of it. */
  raw: Ev
  last: boolean
}

function compileStep(step: Node, lastStep: boolean): Step {
  if (step.type === 'sort') unsupported('sort step')
  const ev = compile(step)
  const stages = step.stages?.map((s) => (s.type === 'filter' ? compileFilter(s.expr) : unsupported(`stage ${s.type}`)))
  const raw: Ev = stages
    ? (item, env) => {
        let res = ev(item, env)
        for (const f of stages) res = f(res, env)
        return res
      }
    : ev
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
  return { many, one, raw, last: lastStep }
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

const comparable = (t: string): boolean => t === 'undefined' || t === 'string' || t === 'number'

function compare(l: unknown, r: unknown, op: string): boolean | undefined {
  const lt = typeof l
  const rt = typeof r
  if (!comparable(lt) || !comparable(rt)) bail('T2010')
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
  if (size > 1e7) trip('D2014')
  if (size > limits.sequence) trip('D2015')
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
  const group: Ev = (input, env) => {
    if (!Array.isArray(input)) return smallGroup(keys, values, [input], env)
    const groups = new Map<string, { data: unknown; index: number }>()
    const list: any[] = input
    // jsonata pushes `undefined` into an empty input itself, which may be an array of the data:
    // the data changes, and what other parts of the expression (evaluated side by side) then see
    // depends on jsonata's scheduling. Rare and unrepeatable here: jsonata does it.
    if (list.length === 0) bail('a group over an empty array')
    if (list.length <= SMALL_GROUP) return smallGroup(keys, values, list, env)
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
  // `{"a": ..., "b": ...}` with keys written out, distinct, and none that needs care: over one
  // item its object is built in the order written (no index keys), without looking at the keys.
  const names = pairs.map(([k]) => (k.type === 'string' && !k.predicate && !k.group && !k.keepArray ? (k.value as string) : undefined))
  const literal =
    names.every((k) => k !== undefined && !isIndexKey(k) && k !== '__proto__' && k !== '_jsonata_lambda' && k !== '_jsonata_function') &&
    new Set(names).size === names.length
  if (!literal) return group
  return (input, env) => {
    if (Array.isArray(input)) return group(input, env)
    const result: Record<string, unknown> = {}
    for (let p = 0; p < values.length; p++) {
      const value = values[p]!(input, env)
      if (value !== undefined) result[names[p]!] = value
    }
    return result
  }
}

/** Up to this many items, a grouping finds its keys in a list (no Map, no entry per key). */
const SMALL_GROUP = 8

/**
 * The grouping of a few items (the common case: an object constructor over one input), as the
 * general one in compileGroup does it: the same checks, the same data per key, the same key order.
 */
function smallGroup(keys: Ev[], values: Ev[], list: unknown[], env: Frame): Record<string, unknown> {
  const names: string[] = []
  const pairs: number[] = []
  const data: unknown[] = []
  let indexKeys = false
  for (const item of list) {
    for (let p = 0; p < keys.length; p++) {
      const key = keys[p]!(item, env)
      if (key === undefined) continue
      if (typeof key !== 'string') bail('T1003')
      if (key === '_jsonata_lambda' || key === '_jsonata_function') bail('D1013')
      const at = names.indexOf(key)
      if (at < 0) {
        names.push(key)
        pairs.push(p)
        data.push(item)
        if (!indexKeys && isIndexKey(key)) indexKeys = true
      } else if (pairs[at] !== p) bail('D1009')
      else data[at] = append(data[at], item)
    }
  }
  let order = names
  if (indexKeys) order = orderedKeys(new Map(names.map((k) => [k, undefined])))
  const result: Record<string, unknown> = {}
  for (let j = 0; j < order.length; j++) {
    const at = order === names ? j : names.indexOf(order[j]!)
    const key = names[at]!
    const value = values[pairs[at]!]!(data[at], env)
    if (value === undefined) continue
    if (key === '__proto__') Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true })
    else result[key] = value
  }
  return result
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
  return (input, env) => new Lambda(input, env, params, body)
}

/** A function value; a class, so that making one (once per evaluation of `function(...)`) allocates one object. */
class Lambda implements FastLambda {
  readonly _jsonata_lambda = true
  readonly fast = true
  readonly input: unknown
  readonly environment: Frame
  readonly arguments: Node[]
  readonly body: Ev

  constructor(input: unknown, environment: Frame, params: Node[], body: Ev) {
    this.input = input
    this.environment = environment
    this.arguments = params
    this.body = body
  }

  // Called by a built-in: jsonata gives a tail call in it the input the function was made in.
  apply(_self: unknown, args: unknown[]): unknown {
    return applyProc(this, args, this.input, this.environment)
  }
}

function compileCall(node: Node): (input: any, env: Frame, applied: boolean, context: unknown) => unknown {
  const proc = compile(node.procedure!)
  const args = node.arguments!.map((a) => (a.type === 'operator' ? unsupported('partial application') : compile(a)))
  const n = args.length
  const site: CallSite = {}
  const name = givenName(node.procedure!)
  if (name !== undefined) {
    // `$sum(...)`, `$means(...)`: a built-in or a binding, the same for the whole evaluation; a
    // built-in returns no tail call to carry out.
    let root: Frame | undefined
    let fn: any
    // `$lookup(a, b)`, `$round(x, 2)`, `$exists(x)`: their plainest calls, answered without an
    // argument list (see builtins.ts DIRECT).
    let direct: Fixed | undefined
    return (input, env, applied, context) => {
      const st = env.st
      if (st.root !== root) {
        root = st.root!
        fn = root.lookup(name)
        direct = n <= 2 ? directOf(fn) : undefined
      }
      if (direct !== undefined && !applied) {
        const a = n > 0 ? args[0]!(input, env) : undefined
        const b = n > 1 ? args[1]!(input, env) : undefined
        const value = direct(n, a, b)
        if (value !== NO) return value
        // Not a plain call: the general way, with the arguments already evaluated.
        const values: unknown[] = n === 0 ? [] : n === 1 ? [a] : [a, b]
        for (let i = 0; i < n; i++) if (isFunction(values[i])) values[i] = asClosure(values[i], env)
        return callBuiltin(fn as JsonataFunction, values, input, (st.focus ??= newFocus()), site)
      }
      const values: unknown[] = new Array(applied ? n + 1 : n)
      let j = 0
      if (applied) values[j++] = context
      for (let i = 0; i < n; i++) {
        const arg = args[i]!(input, env)
        values[j++] = isFunction(arg) ? asClosure(arg, env) : arg
      }
      if (fn && fn._jsonata_function === true) return callBuiltin(fn as JsonataFunction, values, input, (st.focus ??= newFocus()), site)
      return applyProc(fn, values, input, env, site)
    }
  }
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

/** The name of a plain `$name` the expression never binds (a built-in or a binding), else undefined. */
function givenName(node: Node): string | undefined {
  if (node.type !== 'variable' || node.value === '' || boundNames.has(node.value as string)) return undefined
  if (node.predicate || node.stages || node.group || node.keepArray) return undefined
  return node.value as string
}

/**
 * A function passed as an argument, as jsonata passes it: a JS function that knows its arity. Its
 * calls count as a level of depth: a function applied to itself (`$f($f)`) recurses through them
 * with every tail call undone, and would otherwise grow the JS stack unguarded. (An exception
 * ends the whole evaluation, so the level is not given back on one.)
 */
function asClosure(fn: unknown, env: Frame): unknown {
  const st = env.st
  // Not held in a named constant: the build's keepNames would then name every closure made.
  return Object.assign(
    (...params: unknown[]) => {
      if (++st.depth > st.maxDepth) trip('D1011')
      const result = applyProc(fn, params, null, env)
      st.depth--
      return result
    },
    { arity: arity(fn) },
  )
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
    const frame = new Frame(lambda.environment, lambda.environment.st, lambda.arguments.length)
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
    const st: State = { steps: 0, nextCheck: Math.min(1024, guards.steps + 1), depth: 0, maxDepth: guards.depth, deadline: Date.now() + guards.millis, focus: undefined, guards, root: undefined }
    const keys = bindings ? Object.keys(bindings) : []
    const root = new Frame(null, st, keys.length + 1)
    // An object's keys are distinct: no need to look for an earlier binding of each.
    for (const k of keys) {
      root.names[root.count] = k
      root.values[root.count++] = bindings![k]
    }
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
