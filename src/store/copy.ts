/**
 * Deep copies of stored records. Records are plain JSON data (objects, arrays, strings, numbers,
 * booleans, null), which a plain walk copies several times faster than structuredClone (measured
 * here: 2.4 µs against 16 µs for a 1 KB instance); the store copies every record it hands out or
 * takes in, several per webhook delivery. Anything that is not plain data is left to structuredClone.
 */
export function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i])
    return out as T
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return structuredClone(value)
  const out: Record<string, unknown> = {}
  const source = value as Record<string, unknown>
  for (const k of Object.keys(source)) {
    // An own "__proto__" key (JSON.parse makes one) must stay a key, not become the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy(source[k]), enumerable: true, writable: true, configurable: true })
    else out[k] = copy(source[k])
  }
  return out as T
}

/**
 * A deep copy of `value` that reuses, instead of copying again, every part identical (===) to the
 * part at the same place in `stored`: the record it replaces, which the store owns and never
 * changes in place. A commit of an instance made from a peeked one (Store.peekInstance) shares its
 * earlier answers and explanations with the stored instance, and copying those again was most of
 * a commit's copy. Parts the caller made are copied as `copy` does.
 */
export function copyOver<T>(value: T, stored: unknown): T {
  if (value === stored || value === null || typeof value !== 'object') return value
  if (stored === null || typeof stored !== 'object') return copy(value)
  if (Array.isArray(value)) {
    const prev: unknown[] = Array.isArray(stored) ? stored : []
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = copyOver(value[i], prev[i])
    return out as T
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return structuredClone(value)
  const prev = stored as Record<string, unknown>
  const source = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(source)) {
    const part = Object.hasOwn(prev, k) ? copyOver(source[k], prev[k]) : copy(source[k])
    if (k === '__proto__') Object.defineProperty(out, k, { value: part, enumerable: true, writable: true, configurable: true })
    else out[k] = part
  }
  return out as T
}
