/**
 * The working state of one transition: a private copy of the instance that the steps change, the
 * events and effects they produce, and the shared means to evaluate the package's expressions.
 */
import { AppError } from '../errors.ts'
import type { Assign, State } from '../generated/types.ts'
import { toPointer } from '../json/json-pointer.ts'
import type { CompiledExpression, LoadedPackage } from '../package/loaded-package.ts'
import type { Instance } from '../store/records.ts'
import type { NewEvent } from '../store/store.ts'
import { buildContext, type ActionContext } from './context.ts'
import { compileExpression, ExpressionSyntaxError } from './expression.ts'
import { helperBindings } from './helpers.ts'
import type { Effect, EngineEnv } from './types.ts'

export interface Run {
  pkg: LoadedPackage
  env: EngineEnv
  /** The caller's instance is never touched: this is a copy of it (clone.ts workingCopy: replace, never change, its answers, vars and explanations). */
  instance: Instance
  events: NewEvent[]
  effects: Effect[]
  /** Automatic states entered so far (a loop guard). */
  steps: number
  /**
   * What the expressions of this transition see, built on first use: `vars` is the instance's own
   * object (assignments show through), so only a change of the answers (acceptSubmission) drops it.
   */
  /** env.now as ISO text, made once: every event and explanation of the transition carries it. */
  at?: string
  scope?: { context: Record<string, unknown>; bindings: Record<string, unknown>; action?: ActionContext; withAction?: Record<string, unknown> }
}

/**
 * A fault in the package or its data that stops this appraisal (not the service): the transition
 * records it on the instance as status 'failed'.
 */
export class WorkflowFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'WorkflowFailure'
  }
}

export const nowText = (run: Run): string => (run.at ??= run.env.now.toISOString())

export function emit(run: Run, type: string, data: Record<string, unknown>): void {
  run.events.push({ type, at: nowText(run), data })
}

export function stateOf(run: Run, name: string, referredBy?: string): State {
  const state = run.pkg.workflow.states[name]
  if (!state) {
    const by = referredBy ? ` (named by '${referredBy}')` : ''
    throw new WorkflowFailure('invalid-package', `the workflow has no state '${name}'${by}`)
  }
  return state
}

// Expressions the loader did not hand over (it should hand over all) are compiled once per package.
const lazy = new WeakMap<LoadedPackage, Map<string, CompiledExpression>>()

/**
 * The compiled expression used at `pointer` in workflow.json; `value` is what the workflow holds
 * there (an expression or {file}).
 */
export function expressionAt(pkg: LoadedPackage, pointer: string, value: string | { file: string }): CompiledExpression {
  const loaded = pkg.expressions.get(pointer)
  if (loaded) return loaded
  const cache = lazy.get(pkg) ?? new Map<string, CompiledExpression>()
  lazy.set(pkg, cache)
  const cached = cache.get(pointer)
  if (cached) return cached
  const file = typeof value === 'string' ? 'workflow.json' : value.file
  const source = typeof value === 'string' ? value : pkg.files[value.file]
  if (source === undefined) throw new WorkflowFailure('invalid-package', `workflow.json ${pointer}: the package has no file '${file}'`)
  try {
    const compiled = compileExpression(source, { file, pointer })
    cache.set(pointer, compiled)
    return compiled
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) throw new WorkflowFailure('invalid-package', e.message)
    throw e
  }
}

/** Evaluates an expression against the instance as it is now (rejects with 'expression-failed'). */
export function evaluate(run: Run, expr: CompiledExpression, action?: ActionContext): Promise<unknown> {
  const scope = (run.scope ??= { context: buildContext(run.pkg, run.instance, run.env), bindings: helperBindings(run.pkg, run.instance, run.env.now) })
  if (!action) return expr.evaluate(scope.context, scope.bindings)
  if (scope.action !== action) {
    scope.action = action
    scope.withAction = { ...scope.context, action }
  }
  return expr.evaluate(scope.withAction!, scope.bindings)
}

/** The answers changed: the next evaluation builds its context afresh. */
export function answersChanged(run: Run): void {
  run.scope = undefined
}

/** Like `evaluate`, for a place where a value is required: yielding nothing fails the state. */
export async function evaluateRequired(run: Run, expr: CompiledExpression, what: string, action?: ActionContext): Promise<unknown> {
  return required(await evaluate(run, expr, action), expr, what)
}

function required(value: unknown, expr: CompiledExpression, what: string): unknown {
  if (value === undefined) {
    throw new WorkflowFailure('expression-failed', `${expr.file} ${expr.pointer}: ${what} yielded nothing, but a value is required`)
  }
  return value
}

/** An assign block's variables with their pointers, worked out once per package (the block is the key). */
const assignPointers = new WeakMap<Assign, { name: string; value: Assign[string]; pointer: string }[]>()

/**
 * Runs an `assign` block in document order; each expression sees the variables assigned before
 * it. Records an explanation per variable (which formula of which package version produced it)
 * and one 'assigned' event.
 */
export async function runAssign(run: Run, state: string, assign: Assign, base: (string | number)[], action?: ActionContext): Promise<void> {
  const assigned: Record<string, unknown> = {}
  const pkgRef = { id: run.pkg.id, version: run.pkg.version, hash: run.pkg.hash }
  let entries = assignPointers.get(assign)
  if (!entries) assignPointers.set(assign, (entries = Object.entries(assign).map(([name, value]) => ({ name, value, pointer: toPointer([...base, name]) }))))
  for (const { name, value, pointer } of entries) {
    const expr = expressionAt(run.pkg, pointer, value)
    // Not through evaluateRequired: one promise less per variable.
    const result = required(await evaluate(run, expr, action), expr, `'${name}'`)
    run.instance.vars[name] = result
    assigned[name] = result
    run.instance.explanations[name] = {
      var: name,
      state,
      file: expr.file,
      pointer: expr.pointer,
      source: expr.source,
      package: pkgRef,
      at: nowText(run),
    }
  }
  emit(run, 'assigned', { state, vars: assigned })
}
