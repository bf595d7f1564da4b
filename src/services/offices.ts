/**
 * Offices: the tenants. Every other record belongs to exactly one office.
 */
import { AppError } from '../errors.ts'
import type { Office } from '../store/records.ts'
import type { Deps } from './deps.ts'

const OFFICE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/

export async function createOffice(deps: Deps, input: { id: string; name: string }): Promise<Office> {
  if (!OFFICE_ID.test(input.id)) {
    throw new AppError('validation-failed', 'invalid office id', {
      errors: [{ path: '/id', message: "use 2-63 lower-case letters, digits and '-', e.g. 'kecamatan-plaju'" }],
    })
  }
  const office: Office = { id: input.id, name: input.name, createdAt: deps.clock.now().toISOString() }
  await deps.store.createOffice(office)
  return office
}

export async function getOffice(deps: Deps, id: string): Promise<Office> {
  const office = await deps.store.getOffice(id)
  if (!office) throw new AppError('not-found', `office '${id}' does not exist`)
  return office
}
