import { describe, expect, it } from 'vitest'
import { checkJsonSchema, compileSchemaCheck } from '../../src/package/form-check.ts'

const compiled = (schema: unknown) => {
  const r = compileSchemaCheck(schema)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.check
}

describe('compileSchemaCheck', () => {
  it("accepts a form whose $schema names kinerja's form schema (for editors) and checks answers with it", () => {
    const check = compiled({ $schema: '../../../schemas/form.schema.json', type: 'object', properties: { q1: { type: 'integer', 'x-competency': 'a' } } })
    expect(check({ q1: 3 })).toEqual([])
    expect(check({ q1: 'tiga' })).toEqual([{ path: '/q1', message: 'must be a whole number' }])
  })

  it('reports every wrong answer, not only the first', () => {
    const check = compiled({
      type: 'object',
      required: ['q1', 'q2'],
      additionalProperties: false,
      properties: { q1: { enum: [1, 2, 3] }, q2: { type: 'string', format: 'date' } },
    })
    expect(check({ q2: '31-01-2026', extra: 1 })).toEqual([
      { path: '/q1', message: 'is required' },
      { path: '/extra', message: "unknown property 'extra'" },
      { path: '/q2', message: 'must be a date like 2026-01-31' },
    ])
  })

  it('lets two forms use the same $id', () => {
    const schema = { $id: 'https://example.go.id/form', type: 'object', properties: { a: { type: 'string' } } }
    expect(compileSchemaCheck(schema).ok).toBe(true)
    expect(compileSchemaCheck({ ...schema, properties: { b: { type: 'integer' } } }).ok).toBe(true)
  })

  it('reports a $ref that points nowhere, at the $ref', () => {
    expect(compileSchemaCheck({ type: 'object', properties: { a: { $ref: '#/$defs/Skala' } } })).toEqual({
      ok: false,
      errors: [{ path: '/properties/a/$ref', message: "$ref '#/$defs/Skala' points nowhere in this schema" }],
    })
  })
})

describe('checkJsonSchema', () => {
  it('reports what is not valid JSON Schema 2020-12', () => {
    expect(checkJsonSchema({ type: 'object', required: 'q1', properties: { q1: { maxLength: -1 } } })).toEqual([
      { path: '/properties/q1/maxLength', message: 'must be at least 0' },
      { path: '/required', message: 'must be an array' },
    ])
  })

  it('refuses something that is not a schema object', () => {
    expect(checkJsonSchema([])).toEqual([{ path: '', message: 'must be a JSON Schema object' }])
  })
})
