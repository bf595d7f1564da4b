/**
 * What the package loader produces and the engine consumes: a package parsed, checked and with
 * every JSONata expression compiled once (parse once, evaluate many).
 */
import type { FieldError } from '../errors.ts'
import type { Form, Framework, Workflow } from '../generated/types.ts'

export interface CompiledExpression {
  /** File the source text lives in: 'workflow.json' or a '*.jsonata' file of the package. */
  file: string
  /** JSON pointer inside workflow.json where the expression is used, e.g. '/states/score/assign/scores'. */
  pointer: string
  source: string
  /**
   * Evaluates with the engine's guardrails (depth, time). Rejects with an AppError
   * 'expression-failed' whose detail names file, pointer and the JSONata message.
   */
  evaluate(context: Record<string, unknown>, bindings?: Record<string, unknown>): Promise<unknown>
}

/** Checks a value against a JSON Schema of the package; [] when valid. */
export type SchemaCheck = (data: unknown) => FieldError[]

export interface LoadedPackage {
  id: string
  version: string
  /** Content hash (hex SHA-256 over the sorted files): identifies this exact version. */
  hash: string
  /** The package's files by path relative to its folder, exactly as read. */
  files: Record<string, string>
  workflow: Workflow
  framework: Framework
  /** Form id (file name under forms/ without .json) -> the form's JSON Schema. */
  forms: Record<string, Form>
  /** Keyed by the workflow.json pointer where the expression is used. */
  expressions: Map<string, CompiledExpression>
  /** Form id -> validator of a submission's answers. */
  formChecks: Record<string, SchemaCheck>
  /** '<state>/<action>' -> validator of a review action's input (only actions that declare `input`). */
  actionChecks: Record<string, SchemaCheck>
}
