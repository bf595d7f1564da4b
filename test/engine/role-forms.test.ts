import { describe, expect, it } from 'vitest'
import { competencyMeans } from '../../src/engine/helpers.ts'
import type { Form } from '../../src/generated/types.ts'
import { AppError } from '../../src/errors.ts'
import { FORM, NIP, answer, apply, makePackage, start, submit } from './make-package.ts'
import { workflow360 } from './workflow-360.ts'

/** A short form scoring integritas with one question named differently from the full form. */
const SHORT: Form = {
  type: 'object',
  title: 'Ringkas',
  properties: { integritas: { type: 'integer', 'x-competency': 'integritas' }, kerjasama: { type: 'integer', 'x-competency': 'kerjasama' } },
  required: ['integritas'],
  additionalProperties: false,
}

function twoForms() {
  const wf = workflow360()
  wf.forms = { self: ['penilaian', 'ringkas'], supervisor: 'penilaian', peer: ['penilaian', 'ringkas'] }
  return makePackage(wf, { forms: { penilaian: FORM, ringkas: SHORT } })
}

describe('a role with several forms', () => {
  it('accepts an answer on any of its forms and refuses the others by name', async () => {
    const pkg = twoForms()
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [submit(answer('self', NIP.camat, { integritas: 4 }, 'ringkas'))])
    expect(r.instance.responses.self).toHaveLength(1)
    const refused = await apply(pkg, r.instance, [submit(answer('supervisor', NIP.sekcam, { integritas: 4 }, 'ringkas'))]).catch((e) => e)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused.detail).toBe("role 'supervisor' answers form 'penilaian', not 'ringkas'")
  })

  it('averages each answer with the questions of the form it answered', async () => {
    const pkg = twoForms()
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [
      submit(answer('peer', NIP.peer1, { integritas: 2 }, 'ringkas')),
      submit(answer('peer', NIP.peer2, { integritas_1: 5, integritas_2: 5, kerjasama_1: 4 }, 'penilaian')),
      submit(answer('peer', NIP.peer3, { integritas: 3, kerjasama: 2 }, 'ringkas')),
    ])
    // integritas: (2 + 5 + 3) / 3. kerjasama was answered by two peers only: under the anonymity
    // threshold of 3, so it is left out rather than revealing those two.
    expect(competencyMeans(pkg, r.instance, 'peer')).toEqual({ integritas: 10 / 3 })
    // The same for a role that is not anonymous keeps every competency anyone answered.
    const selfish = await apply(pkg, r.instance, [submit(answer('self', NIP.camat, { integritas: 4 }, 'ringkas'))])
    expect(competencyMeans(pkg, selfish.instance, 'self')).toEqual({ integritas: 4 })
  })
})
