import { describe, expect, it } from 'vitest'
import rosterSchema from '../../schemas/roster.schema.json' with { type: 'json' }
import workflowSchema from '../../schemas/workflow.schema.json' with { type: 'json' }
import { validateRoster, validateWorkflow, type Validator } from '../../src/generated/validators.js'
import { translateAjvErrors } from '../../src/json/ajv-errors.ts'
import { workflow } from '../package/mini-package.ts'

const errors = (validate: Validator, schema: object, data: unknown) => {
  expect(validate(data)).toBe(false)
  return translateAjvErrors(validate.errors, { data, schema: schema as Record<string, unknown> })
}
const roster = (entry: Record<string, unknown>) =>
  errors(validateRoster, rosterSchema, [{ nip: '199001012015031001', name: 'Siti', position: 'staf', ...entry }])
const wf = (change: (w: any) => void) => {
  const w: any = workflow()
  change(w)
  return errors(validateWorkflow, workflowSchema, w)
}

describe('translateAjvErrors', () => {
  it('says a NIP sent as a number must be a string of 18 digits', () => {
    expect(roster({ nip: 199001012015031001 })).toEqual([{ path: '/0/nip', message: 'must be a string of 18 digits' }])
  })

  it('says so without the data and schema too, as intake calls it', () => {
    validateRoster([{ nip: 199001012015031001, name: 'Siti', position: 'staf' }])
    expect(translateAjvErrors(validateRoster.errors)).toEqual([{ path: '/0/nip', message: 'must be a string of 18 digits' }])
  })

  it('says a NIP with 17 digits must be a string of 18 digits', () => {
    expect(roster({ supervisor: '19900101201503100' })).toEqual([{ path: '/0/supervisor', message: 'must be a string of 18 digits' }])
  })

  it('names a missing property in the path', () => {
    expect(errors(validateRoster, rosterSchema, [{ nip: '199001012015031001', name: 'Siti' }])).toEqual([
      { path: '/0/position', message: 'is required' },
    ])
  })

  it('names an unknown property and suggests the one meant', () => {
    expect(roster({ supervisr: '199001012015031002' })).toEqual([
      { path: '/0/supervisr', message: "unknown property 'supervisr': did you mean 'supervisor'?" },
    ])
  })

  it('lists the allowed values of an enum and suggests the nearest', () => {
    expect(wf((w) => (w.roles.self.rater = 'peer'))).toEqual([
      { path: '/roles/self/rater', message: "must be one of: self, supervisor, superior, peers, hr; did you mean 'peers'?" },
    ])
  })

  it('reports duplicates in a list', () => {
    expect(roster({ peers: ['199001012015031002', '199001012015031002'] })).toEqual([
      { path: '/0/peers', message: 'must not contain duplicates (items 0 and 1 are the same)' },
    ])
  })

  it('reports the errors of the state type the `type` field names, not every alternative', () => {
    expect(wf((w) => (w.states.collect.deadline = '14 hari'))).toEqual([
      { path: '/states/collect/deadline', message: 'must be an ISO 8601 duration such as P14D (14 days), PT12H (12 hours) or P1W (1 week)' },
    ])
    expect(wf((w) => (w.states.score.nxt = 'check'))).toEqual([
      { path: '/states/score/nxt', message: "unknown property 'nxt': did you mean 'next'?" },
    ])
  })

  it('lists the state types when `type` is unknown or missing', () => {
    expect(wf((w) => (w.states.final.type = 'ned'))).toEqual([
      { path: '/states/final/type', message: "must be one of: collect, compute, choice, review, notify, end; did you mean 'end'?" },
    ])
    expect(wf((w) => delete w.states.final.type)).toEqual([
      { path: '/states/final/type', message: 'is required (one of: collect, compute, choice, review, notify, end)' },
    ])
  })

  it('reduces a oneOf to the alternative that fits the value', () => {
    expect(wf((w) => (w.states.score.assign.gaps = { file: 'gaps.js' }))).toEqual([
      { path: '/states/score/assign/gaps/file', message: 'must name a .jsonata file in the package folder, e.g. score.jsonata' },
    ])
    expect(wf((w) => (w.states.collect.await.self = '1'))).toEqual([{ path: '/states/collect/await/self', message: 'must be a whole number or an object' }])
  })

  it('explains a oneOf that no alternative fits with the schema description', () => {
    expect(wf((w) => (w.states.score.assign.total = 5))).toEqual([
      {
        path: '/states/score/assign/total',
        message: 'must be a string or an object: a JSONata expression, or {"file": "name.jsonata"} for a longer one kept in its own file',
      },
    ])
  })

  it('explains a refused property name', () => {
    expect(wf((w) => (w.states['2nd'] = { type: 'end' }))).toEqual([
      { path: '/states/2nd', message: "'2nd' is not a valid name: must start with a letter and use only letters, digits, '_' and '-'" },
    ])
  })

  it('says what a limit is', () => {
    expect(wf((w) => (w.roles.self.threshold = 0))).toEqual([{ path: '/roles/self/threshold', message: 'must be at least 1' }])
    expect(wf((w) => (w.title.id = ''))).toEqual([{ path: '/title/id', message: 'must not be empty' }])
    expect(wf((w) => (w.version = '1.0'))).toEqual([{ path: '/version', message: 'must be a version like 1.0.0' }])
    expect(wf((w) => (w.roles = {}))).toEqual([{ path: '/roles', message: 'must not be empty' }])
    expect(wf((w) => (w.roles.self.anonymous = 'yes'))).toEqual([{ path: '/roles/self/anonymous', message: 'must be true or false' }])
  })

  it('translates errors of runtime-compiled validators the same way', () => {
    expect(
      translateAjvErrors([
        { instancePath: '/q1', schemaPath: '#/properties/q1/maximum', keyword: 'maximum', params: { comparison: '<=', limit: 5 } },
        { instancePath: '/when', schemaPath: '#/properties/when/format', keyword: 'format', params: { format: 'date' } },
      ]),
    ).toEqual([
      { path: '/q1', message: 'must be at most 5' },
      { path: '/when', message: 'must be a date like 2026-01-31' },
    ])
  })

  it('returns nothing for no errors', () => {
    expect(translateAjvErrors(null)).toEqual([])
  })
})
