/**
 * Values for a JSON Schema (an OpenAPI request body, a package's action input): mostly of the
 * right shape, so a request gets past validation into the handler, with odd leaves (huge numbers,
 * odd text, wrong types) and extra members with poisonous names mixed in.
 */
import fc from 'fast-check'
import { hostileKey } from './hostile-arbitraries.ts'

type Schema = Record<string, any>

/** Strings that fit few fields but may reach a handler: odd text, NIPs that are almost NIPs, dates. */
const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '198503122010011001', '19850312201001100', '1985031220100110011', '000000000000000000', '2026-02-30T25:61:00Z', '2026-01-01',
    '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z', 'kecamatan-plaju', 'plaju-kompetensi-360', '__proto__', 'constructor', '\u0000', '\ud800',
    '=cmd|" /C calc"!A0', '<script>alert(1)</script>', '../../etc/passwd', 'a'.repeat(10_000), '😀'.repeat(500), '\u202eevil',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
)

const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -5, max: 10 }),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 5e-324, 0.1 + 0.2, 4.5, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

/** An arbitrary of values for `schema`; `$ref`s are looked up in `root` (#/components/schemas/X or #/$defs/X). */
export function valueFor(schema: Schema | boolean | undefined, root: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || typeof schema === 'boolean' || depth > 6) return fc.jsonValue({ maxDepth: 2 })
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((v: any, k: string) => v?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], root)
    return valueFor(target, root, depth + 1)
  }
  const alternatives = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]
  const shaped = alternatives.length ? fc.oneof(...alternatives.map((s: Schema) => valueFor(s, root, depth + 1))) : shapedFor(schema, root, depth)
  // Now and then the wrong type altogether, anywhere in the tree.
  return fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) })
}

function shapedFor(schema: Schema, root: Schema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) }, oddString)
  if (schema.const !== undefined) return fc.oneof({ weight: 4, arbitrary: fc.constant(schema.const) }, oddString)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  if (type === 'object' || schema.properties) {
    const props: Record<string, fc.Arbitrary<unknown>> = {}
    for (const [k, s] of Object.entries<Schema>(schema.properties ?? {})) props[k] = valueFor(s, root, depth + 1)
    const extra = schema.additionalProperties && typeof schema.additionalProperties === 'object' ? valueFor(schema.additionalProperties, root, depth + 1) : fc.jsonValue({ maxDepth: 1 })
    const required = new Set<string>(schema.required ?? [])
    return fc
      .tuple(
        fc.record(props, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) }),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), hostileKey), extra, { maxKeys: 2 }),
        fc.boolean(),
      )
      .map(([known, more, withMore]) => (withMore ? { ...Object.fromEntries(Object.entries(more)), ...known } : known))
  }
  if (type === 'array') return fc.array(valueFor(schema.items, root, depth + 1), { maxLength: 4 })
  if (type === 'string') return fc.oneof({ weight: 2, arbitrary: oddString }, fc.string({ maxLength: 12 }))
  if (type === 'integer' || type === 'number') return oddNumber
  if (type === 'boolean') return fc.boolean()
  if (type === 'null') return fc.constant(null)
  return fc.jsonValue({ maxDepth: 2 })
}
