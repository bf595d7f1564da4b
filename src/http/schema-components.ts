/**
 * The formats HR writes are described once, by the JSON Schemas in schemas/. The OpenAPI document
 * reuses them as components (OpenAPI 3.1 speaks JSON Schema 2020-12) instead of a second zod copy.
 */
import roster from '../../schemas/roster.schema.json' with { type: 'json' }
import submission from '../../schemas/submission.schema.json' with { type: 'json' }
import type { App } from './env.ts'

type Json = Record<string, unknown>

/** Moves `$defs` to components and rewrites `#/$defs/X` references to match. */
function components(schema: Json, name: string): Record<string, Json> {
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite)
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Json)
          .filter(([k]) => k !== '$defs' && k !== '$schema' && k !== '$id')
          .map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/$defs/', '#/components/schemas/') : rewrite(x)]),
      )
    }
    return v
  }
  const out: Record<string, Json> = { [name]: rewrite(schema) as Json }
  for (const [def, body] of Object.entries((schema.$defs ?? {}) as Record<string, Json>)) out[def] = rewrite(body) as Json
  return out
}

export function registerSchemaComponents(app: App): void {
  const all = { ...components(roster as Json, 'Roster'), ...components(submission as Json, 'Submission') }
  for (const [name, schema] of Object.entries(all)) app.openAPIRegistry.registerComponent('schemas', name, schema as never)
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
