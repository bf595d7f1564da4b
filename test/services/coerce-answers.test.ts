import { describe, expect, it } from 'vitest'
import { coerceAnswers } from '../../src/services/coerce-answers.ts'
import type { Form } from '../../src/generated/types.ts'

const form: Form = {
  type: 'object',
  title: 'Penilaian',
  properties: {
    subject: { type: 'string', 'x-subject': true },
    rater: { type: 'string', 'x-rater': true },
    integritas: { type: 'integer', 'x-competency': 'integritas' },
    capaian: { type: 'number' },
    setuju: { type: 'boolean' },
    komentar: { type: 'string' },
  },
}

describe('coerceAnswers', () => {
  it('turns decimal strings into the numbers the form asks for, as Kobo and Google Forms send them', () => {
    expect(coerceAnswers(form, { integritas: '4', capaian: '96.5', setuju: 'true', komentar: '4' })).toEqual({ integritas: 4, capaian: 96.5, setuju: true, komentar: '4' })
  })

  it('leaves what is not a plain number for validation to refuse', () => {
    for (const v of ['4,5', 'lima', '1e309', '', ' ', '0x4', [4], 1e309]) {
      expect(coerceAnswers(form, { integritas: v }).integritas).toEqual(v)
    }
  })

  it('removes spaces inside a NIP but never turns it into a number', () => {
    expect(coerceAnswers(form, { subject: '1985 0312 2010 01 1 001', rater: '198503122010011001' })).toEqual({ subject: '198503122010011001', rater: '198503122010011001' })
    expect(coerceAnswers(form, { subject: 198503122010011000 }).subject).toBe(198503122010011000)
  })
})
