/**
 * The key under which a package's JSON Schema (a form, a review action's input) is compiled at
 * build time for Workers, and looked up again at run time: the schema as canonical JSON (object
 * keys sorted at every level) without its top-level `$schema`, which only names kinerja's
 * form.schema.json for editors and does not change what the schema accepts. Key order does not
 * matter, so a schema parsed from the same file always finds its validator.
 *
 * Shared by scripts/gen-worker-validators.ts and form-check-worker.ts; it imports nothing, so the
 * generator can run before the generated file it writes exists.
 */

/** JSON text of `value` with object keys sorted; undefined members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    const members = Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
    return `{${members.join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** The build-time key of `schema`: canonical JSON of it without its top-level `$schema`. */
export function schemaKey(schema: unknown): string {
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema) && '$schema' in schema) {
    const { $schema: _, ...rest } = schema as Record<string, unknown>
    return canonicalJson(rest)
  }
  return canonicalJson(schema)
}
