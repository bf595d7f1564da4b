/**
 * Finds the subschema that describes the value at a JSON pointer, following local $refs and
 * picking the oneOf/anyOf branch the data takes (by discriminator, else by type). Error messages
 * use it to list what is allowed ("did you mean 'threshold'?", "type must be one of ...").
 * Best effort: undefined when the way is not plain.
 */
import { parsePointer } from './json-pointer.ts'

export type Schema = Record<string, unknown>

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v

function typeMatches(schema: Schema, value: unknown): boolean {
  const t = schema.type
  if (t === undefined) return true
  const types = Array.isArray(t) ? t : [t]
  const actual = jsonType(value)
  return types.includes(actual) || (actual === 'integer' && types.includes('number'))
}

/** Follows local `$ref`s ('#/$defs/X') from `root`. */
export function deref(root: Schema, schema: unknown): Schema | undefined {
  let s = schema
  for (let hops = 0; isObject(s) && typeof s.$ref === 'string' && hops < 32; hops++) {
    const ref = s.$ref
    if (!ref.startsWith('#')) return undefined
    let target: unknown = root
    for (const token of parsePointer(decodeURIComponent(ref.slice(1)))) {
      target = isObject(target) || Array.isArray(target) ? (target as Record<string, unknown>)[token] : undefined
    }
    s = target
  }
  return isObject(s) ? s : undefined
}

/** The oneOf/anyOf branch `value` takes in `schema`, or `schema` itself. */
export function narrow(root: Schema, schema: Schema, value: unknown): Schema {
  const branches = (schema.oneOf ?? schema.anyOf) as unknown
  if (!Array.isArray(branches)) return schema
  const resolved = branches.map((b) => deref(root, b)).filter((b): b is Schema => b !== undefined)
  const tag = isObject(schema.discriminator) ? schema.discriminator.propertyName : undefined
  if (typeof tag === 'string' && isObject(value)) {
    const hit = resolved.find((b) => isObject(b.properties) && deref(root, b.properties[tag])?.const === value[tag])
    if (hit) return narrow(root, hit, value)
  }
  const fits = resolved.filter((b) => typeMatches(b, value))
  return fits.length === 1 ? narrow(root, fits[0]!, value) : schema
}

/** The values a discriminated oneOf allows for its tag, e.g. ['collect', 'compute', ...]. */
export function discriminatorValues(root: Schema, schema: Schema): string[] {
  const tag = isObject(schema.discriminator) ? schema.discriminator.propertyName : undefined
  const branches = schema.oneOf
  if (typeof tag !== 'string' || !Array.isArray(branches)) return []
  return branches.flatMap((b) => {
    const props = deref(root, b)?.properties
    const c = isObject(props) ? deref(root, props[tag])?.const : undefined
    return typeof c === 'string' ? [c] : []
  })
}

/** The subschema for the value at `pointer` of `data` (narrowed to the branch that value takes). */
export function schemaAt(root: Schema, data: unknown, pointer: string): Schema | undefined {
  let schema = deref(root, root)
  let value = data
  for (const token of parsePointer(pointer)) {
    if (schema === undefined) return undefined
    schema = narrow(root, schema, value)
    let next: unknown
    if (Array.isArray(value)) {
      const prefix = schema.prefixItems
      next = Array.isArray(prefix) && Number(token) < prefix.length ? prefix[Number(token)] : schema.items
      value = value[Number(token)]
    } else {
      const props = schema.properties
      next = isObject(props) && token in props ? props[token] : schema.additionalProperties
      value = isObject(value) ? value[token] : undefined
    }
    schema = deref(root, next)
  }
  return schema === undefined ? undefined : narrow(root, schema, value)
}

/** The value at `pointer` of `data`, or undefined. */
export function valueAt(data: unknown, pointer: string): unknown {
  let value = data
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(value)) value = value[Number(token)]
    else if (isObject(value) && Object.hasOwn(value, token)) value = value[token]
    else return undefined
  }
  return value
}
