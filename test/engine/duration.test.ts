import { describe, expect, it } from 'vitest'
import { addDuration, parseDuration } from '../../src/engine/duration.ts'
import { AppError } from '../../src/errors.ts'

const at = (iso: string) => new Date(iso)

describe('addDuration', () => {
  it('adds days, weeks and hours', () => {
    expect(addDuration(at('2026-03-02T08:00:00Z'), 'P14D').toISOString()).toBe('2026-03-16T08:00:00.000Z')
    expect(addDuration(at('2026-03-02T08:00:00Z'), 'P1W').toISOString()).toBe('2026-03-09T08:00:00.000Z')
    expect(addDuration(at('2026-03-02T08:00:00Z'), 'PT12H').toISOString()).toBe('2026-03-02T20:00:00.000Z')
    expect(addDuration(at('2026-03-02T08:00:00Z'), 'P1DT2H30M15S').toISOString()).toBe('2026-03-03T10:30:15.000Z')
  })

  it('adds calendar months and years', () => {
    expect(addDuration(at('2026-03-15T00:00:00Z'), 'P1M').toISOString()).toBe('2026-04-15T00:00:00.000Z')
    expect(addDuration(at('2026-11-15T00:00:00Z'), 'P3M').toISOString()).toBe('2027-02-15T00:00:00.000Z')
    expect(addDuration(at('2026-03-15T00:00:00Z'), 'P1Y2M').toISOString()).toBe('2027-05-15T00:00:00.000Z')
  })

  it('ends a month added to the 31st on the last day of the shorter month', () => {
    expect(addDuration(at('2026-01-31T09:00:00Z'), 'P1M').toISOString()).toBe('2026-02-28T09:00:00.000Z')
    expect(addDuration(at('2028-01-31T09:00:00Z'), 'P1M').toISOString()).toBe('2028-02-29T09:00:00.000Z')
  })

  it('rejects text that is not an ISO 8601 duration', () => {
    for (const bad of ['14D', 'P', 'PT', 'P1.5D', 'P1DT']) expect(() => parseDuration(bad)).toThrow(AppError)
  })
})
