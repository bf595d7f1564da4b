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
  /** The caller's instance is never touched: this is a structuredClone of it. */
  instance: Instance
  events: NewEvent[]
  effects: Effect[]
  /** Automatic states entered so far (a loop guard). */
  steps: number
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

export function emit(run: Run, type: string, data: Record<string, unknown>): void {
  run.events.push({ type, at: run.env.now.toISOString(), data })
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
  const context = buildContext(run.pkg, run.instance, run.env, action)
  return expr.evaluate(context, helperBindings(run.pkg, run.instance, run.env.now))
}

/** Like `evaluate`, for a place where a value is required: yielding nothing fails the state. */
export async function evaluateRequired(run: Run, expr: CompiledExpression, what: string, action?: ActionContext): Promise<unknown> {
  const value = await evaluate(run, expr, action)
  if (value === undefined) {
    throw new WorkflowFailure('expression-failed', `${expr.file} ${expr.pointer}: ${what} yielded nothing, but a value is required`)
  }
  return value
}

/**
 * Runs an `assign` block in document order; each expression sees the variables assigned before
 * it. Records an explanation per variable (which formula of which package version produced it)
 * and one 'assigned' event.
 */
export async function runAssign(run: Run, state: string, assign: Assign, base: (string | number)[], action?: ActionContext): Promise<void> {
  const assigned: Record<string, unknown> = {}
  const pkgRef = { id: run.pkg.id, version: run.pkg.version, hash: run.pkg.hash }
  for (const [name, value] of Object.entries(assign)) {
    const expr = expressionAt(run.pkg, toPointer([...base, name]), value)
    const result = await evaluateRequired(run, expr, `'${name}'`, action)
    run.instance.vars[name] = result
    assigned[name] = result
    run.instance.explanations[name] = {
      var: name,
      state,
      file: expr.file,
      pointer: expr.pointer,
      source: expr.source,
      package: pkgRef,
      at: run.env.now.toISOString(),
    }
  }
  emit(run, 'assigned', { state, vars: assigned })
}
