/**
 * Checks of a form that neither its JSON Schema nor ajv makes: scored questions name competencies
 * of the framework, identity annotations appear at most once, and no keyword is misspelt (ajv
 * ignores unknown keywords, so "maximun": 5 would silently accept a 7).
 */
import type { Form } from '../generated/types.ts'
import { joinPointer } from '../json/json-pointer.ts'
import { closest, didYouMean } from '../json/suggest.ts'
import type { ProblemList } from './problems.ts'

/** JSON Schema 2020-12 keywords, plus ajv's discriminator. */
const KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', '$anchor', '$dynamicRef', '$dynamicAnchor', '$vocabulary', '$comment',
  'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains',
  'maxProperties', 'minProperties', 'required', 'dependentRequired', 'properties', 'patternProperties',
  'additionalProperties', 'propertyNames', 'items', 'prefixItems', 'contains', 'allOf', 'anyOf', 'oneOf', 'not',
  'if', 'then', 'else', 'dependentSchemas', 'unevaluatedItems', 'unevaluatedProperties', 'title', 'description',
  'default', 'deprecated', 'readOnly', 'writeOnly', 'examples', 'format', 'contentEncoding', 'contentMediaType',
  'contentSchema', 'discriminator',
])
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas']
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems']
const SCHEMA_ONE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema']
/** kinerja's annotations of questions (form.schema.json), for "did you mean" on misspelt x- names. */
const ANNOTATIONS = ['x-competency', 'x-indicator', 'x-weight', 'x-subject', 'x-rater', 'x-role', 'x-title-en']

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Reports unknown keywords in every subschema of `schema`. */
export function lintKeywords(file: string, schema: unknown, at: string, problems: ProblemList): void {
  if (!isObject(schema)) return
  for (const [key, value] of Object.entries(schema)) {
    const pointer = joinPointer(at, key)
    if (key.startsWith('x-')) {
      const near = closest(key, ANNOTATIONS)
      if (!ANNOTATIONS.includes(key) && near !== undefined) problems.warning(file, pointer, `unknown annotation '${key}': did you mean '${near}'?`, 'key')
    } else if (!KEYWORDS.has(key)) {
      const near = closest(key, KEYWORDS)
      if (near !== undefined) problems.error(file, pointer, `unknown keyword '${key}' would be ignored: did you mean '${near}'?`, 'key')
      else problems.warning(file, pointer, `unknown keyword '${key}' is ignored (annotations of your own must start with 'x-')`, 'key')
    }
    if (SCHEMA_MAPS.includes(key) && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) lintKeywords(file, sub, joinPointer(pointer, name), problems)
    } else if (SCHEMA_LISTS.includes(key) && Array.isArray(value)) {
      value.forEach((sub, i) => lintKeywords(file, sub, joinPointer(pointer, i), problems))
    } else if (SCHEMA_ONE.includes(key)) {
      lintKeywords(file, value, pointer, problems)
    }
  }
}

/** Cross-checks of a form's questions against the framework's competency ids (when known). */
export function lintForm(file: string, form: Form, competencies: ReadonlySet<string> | undefined, problems: ProblemList): void {
  const firstOf = new Map<string, string>()
  // Runs on forms that failed their schema too, so it looks before it reads.
  if (!isObject(form) || !isObject(form.properties)) return
  for (const [name, q] of Object.entries(form.properties)) {
    if (!isObject(q)) continue
    const at = joinPointer('/properties', name)
    const competency = q['x-competency']
    if (competencies && typeof competency === 'string' && !competencies.has(competency)) {
      problems.error(file, `${at}/x-competency`, `'${competency}' is not a competency of the framework${didYouMean(competency, competencies)}`)
    }
    for (const mark of ['x-subject', 'x-rater', 'x-role']) {
      if (q[mark] !== true) continue
      const first = firstOf.get(mark)
      if (first === undefined) firstOf.set(mark, name)
      else problems.error(file, `${at}/${mark}`, `only one question may carry ${mark}: '${first}' already does`, 'key')
    }
  }
}
