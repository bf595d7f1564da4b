/**
 * A binding's optional `transform`: a JSONata expression from the builder's normalised fields to the
 * form's properties, for what a field-to-field mapping cannot say (join first and last name, turn a
 * 0-10 scale into 1-5, pick the rater from one of two fields). It runs with the engine's guardrails.
 */
import { AppError } from '../errors.ts'
import { compileExpression, ExpressionSyntaxError, recursiveFunctions, selfApplications } from '../engine/expression.ts'
import type { CompiledExpression } from '../package/loaded-package.ts'

const WHERE = { file: 'binding', pointer: '/transform' }
const compiled = new Map<string, CompiledExpression>()

/** Compiles (once per source); a syntax error, a recursive or a self-applying function is a 422 naming the column. */
export function compileTransform(source: string): CompiledExpression {
  const cached = compiled.get(source)
  if (cached) return cached
  let expr: CompiledExpression
  try {
    expr = compileExpression(source, WHERE)
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) {
      throw new AppError('validation-failed', 'the transform is not valid JSONata', { errors: [{ path: '/transform', message: e.message.replace(`${WHERE.file} ${WHERE.pointer}: `, '') }] })
    }
    throw e
  }
  const recursive = recursiveFunctions(source)
  if (recursive.length) {
    throw new AppError('validation-failed', 'the transform defines a recursive function', {
      errors: [{ path: '/transform', message: `recursive function $${recursive[0]}: use $map, $filter or $reduce instead` }],
    })
  }
  const selfApplied = selfApplications(source)[0]
  if (selfApplied) {
    throw new AppError('validation-failed', 'the transform applies a function to itself', {
      errors: [{ path: '/transform', message: `function applies its argument $${selfApplied.name} to itself: use $map, $filter or $reduce instead` }],
    })
  }
  // Sources are few (one per binding); the cache only saves re-parsing per delivery.
  if (compiled.size < 1000) compiled.set(source, expr)
  return expr
}

/** The properties the transform gives for these fields (an object), or a 422 saying why not. */
export async function runTransform(source: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await compileTransform(source).evaluate(fields)
  if (result === undefined) return {}
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new AppError('submission-rejected', 'the binding transform must give an object of form properties', { errors: [{ path: '/transform', message: `gave ${Array.isArray(result) ? 'an array' : typeof result}` }] })
  }
  return result as Record<string, unknown>
}
