import { describe, expect, it } from 'vitest'
import { copy, copyOver } from '../../src/store/copy.ts'

describe('copy (the store\'s deep copy of records)', () => {
  it('gives an equal record that shares nothing changeable with the original', () => {
    const record = { id: 'i1', vars: { skor: 87.5, tidak: null, kosong: undefined }, responses: { peer: [{ answers: { q1: [1, 2] } }] }, ok: true }
    const out = copy(record)
    expect(out).toStrictEqual(record)
    out.responses.peer[0]!.answers.q1.push(3)
    out.vars.skor = 0
    expect(record.responses.peer[0]!.answers.q1).toEqual([1, 2])
    expect(record.vars.skor).toBe(87.5)
  })

  it('keeps a "__proto__" key from parsed JSON as a key, never as the prototype', () => {
    const hostile = JSON.parse('{"headers":{"__proto__":{"polluted":true}}}')
    const out = copy(hostile)
    expect(Object.keys(out.headers)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(out.headers)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('copies what is not plain data as structuredClone does', () => {
    const at = new Date('2026-01-05T08:00:00Z')
    const out = copy({ at })
    expect(out.at).toEqual(at)
    expect(out.at).not.toBe(at)
  })

  it('copyOver reuses what the new record shares with the stored one, and copies what the caller made', () => {
    const earlier = { rater: '1', answers: { q1: 4 } }
    const stored = { id: 'i1', rev: 1, responses: { peer: [earlier] }, explanations: { gap: { value: 1 } }, vars: { skor: 80 } }
    const added = { rater: '2', answers: { q1: 5 } }
    const next = { ...stored, responses: { peer: [...stored.responses.peer, added] }, explanations: { ...stored.explanations, skor: { value: 2 } }, vars: { skor: 81 } }
    const out = copyOver(next, stored)
    expect(out).toStrictEqual(next)
    expect(out.responses.peer[0]).toBe(earlier)
    expect(out.explanations.gap).toBe(stored.explanations.gap)
    // What the caller made is a copy: changing it afterwards changes nothing stored.
    expect(out.responses.peer[1]).not.toBe(added)
    added.answers.q1 = 1
    next.vars.skor = 0
    expect(out.responses.peer[1]!.answers.q1).toBe(5)
    expect(out.vars.skor).toBe(81)
    expect(out.responses).not.toBe(stored.responses)
  })
})
