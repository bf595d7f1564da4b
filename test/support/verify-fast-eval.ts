/**
 * A vitest setup file: in every test, each value the synchronous JSONata evaluator gives is checked
 * against jsonata's own (src/engine/expression.ts), so the whole suite is a differential test of it.
 */
import { verifyFastEvaluation } from '../../src/engine/expression.ts'

verifyFastEvaluation(true)
