import type { Instance } from '../store/records.ts'

/**
 * A deep copy of the plain data an instance is made of (objects, arrays, primitives), a few times
 * faster than structuredClone on that shape. Anything else (a Date, a Map) is left to
 * structuredClone.
 */
export function cloneData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = cloneData(value[i])
    return out as T
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return structuredClone(value)
  const out: Record<string, unknown> = {}
  const source = value as Record<string, unknown>
  for (const k of Object.keys(source)) out[k] = cloneData(source[k])
  return out as T
}

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
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(instance) as (keyof Instance)[]) {
    copy[key] = key === 'responses' ? responses : key === 'explanations' ? { ...instance.explanations } : cloneData(instance[key])
  }
  return copy as unknown as Instance
}
