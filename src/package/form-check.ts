/**
 * Compiles the JSON Schemas a package carries (forms, review-action inputs) into SchemaChecks.
 *
 * This is the one module that compiles schemas at run time (ajv generates code with `new
 * Function`), which Node allows and Workers forbid: a Workers build swaps this module for
 * validators generated at build time, so nothing else may call ajv's `compile`.
 */
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { FieldError } from '../errors.ts'
import { translateAjvErrors, type AjvErrorLike } from '../json/ajv-errors.ts'
import type { Schema } from '../json/schema-at.ts'
import type { SchemaCheck } from './loaded-package.ts'

const DIALECT = 'https://json-schema.org/draft/2020-12/schema'

let shared: Ajv2020 | undefined

function ajv(): Ajv2020 {
  if (shared) return shared
  // strict: false because forms carry kinerja's x-* annotations; the linter checks keywords itself.
  // addUsedSchema: false so two packages may use the same $id without clashing.
  shared = new Ajv2020({ allErrors: true, strict: false, discriminator: true, addUsedSchema: false })
  addFormats(shared)
  return shared
}

/**
 * The schema as ajv should see it: `$schema` names kinerja's form.schema.json for editors,
 * but to ajv it would be an unknown dialect.
 */
function forAjv(schema: Schema): Schema {
  if (schema.$schema === undefined || schema.$schema === DIALECT) return schema
  const { $schema: _, ...rest } = schema
  return rest
}

/** Errors of `schema` against the JSON Schema 2020-12 meta-schema; [] when it is a valid schema. */
export function checkJsonSchema(schema: unknown): FieldError[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return [{ path: '', message: 'must be a JSON Schema object' }]
  }
  const a = ajv()
  if (a.validateSchema(forAjv(schema as Schema))) return []
  return translateAjvErrors(a.errors as AjvErrorLike[] | null, { data: schema })
}

/** Where `ref` is used in `schema`, for an unresolvable $ref. */
function findRef(node: unknown, ref: string, path = ''): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined
  for (const [k, v] of Object.entries(node)) {
    const here = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`
    if (k === '$ref' && typeof v === 'string' && (v === ref || ref.endsWith(v))) return here
    const found = findRef(v, ref, here)
    if (found !== undefined) return found
  }
  return undefined
}

export type CompileResult = { ok: true; check: SchemaCheck } | { ok: false; errors: FieldError[] }

/** Validates `schema` as JSON Schema 2020-12 and compiles it into a check of data against it. */
export function compileSchemaCheck(schema: unknown): CompileResult {
  const errors = checkJsonSchema(schema)
  if (errors.length > 0) return { ok: false, errors }
  const root = forAjv(schema as Schema)
  const a = ajv()
  try {
    const validate = a.compile(root)
    const check: SchemaCheck = (data) => (validate(data) ? [] : translateAjvErrors(validate.errors as AjvErrorLike[], { data, schema: root }))
    return { ok: true, check }
  } catch (e) {
    const missing = (e as { missingRef?: unknown }).missingRef
    if (typeof missing === 'string') {
      return { ok: false, errors: [{ path: findRef(root, missing) ?? '', message: `$ref '${missing}' points nowhere in this schema` }] }
    }
    return { ok: false, errors: [{ path: '', message: `not a usable JSON Schema: ${(e as Error).message}` }] }
  } finally {
    a.removeSchema(root)
  }
}
