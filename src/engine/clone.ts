import { copy } from '../store/copy.ts'
import type { Instance } from '../store/records.ts'

/**
 * The working copy of an instance for one transition. The engine replaces answers and explanations
 * whole (a new answer list, `explanations[name] = ...`) and never changes one in place, and
 * formulas see copies of the answers (context.ts), so those entries are shared with the caller's
 * instance; everything else is copied deeply. Variables are copied too: formulas see them as they
 * are, and jsonata changes an empty array it groups (`$x{...}`) in place. An instance's answers are
 * most of its size, and copying them was a tenth of the cost of scoring.
 */
export function workingCopy(instance: Instance): Instance {
  const responses: Instance['responses'] = {}
  for (const role of Object.keys(instance.responses)) responses[role] = [...instance.responses[role]!]
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(instance) as (keyof Instance)[]) {
    out[key] = key === 'responses' ? responses : key === 'explanations' ? { ...instance.explanations } : copy(instance[key])
  }
  return out as unknown as Instance
}
