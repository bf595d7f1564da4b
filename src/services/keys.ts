/**
 * API keys: random bearer tokens stored only as their SHA-256, each with a role and an office
 * scope. A key is shown once, when it is created.
 */
import { AppError } from '../errors.ts'
import type { ApiKey, KeyRole } from '../store/records.ts'
import { newId, newSecret, sha256Hex } from '../util/crypto.ts'
import type { Deps } from './deps.ts'

export const hashKey = (key: string) => sha256Hex(key)

export async function createKey(
  deps: Deps,
  opts: { role: KeyRole; office: string | null; label?: string },
): Promise<{ key: string; record: ApiKey }> {
  if (opts.office === null && opts.role !== 'admin') {
    throw new AppError('bad-request', 'only admin keys may span every office; give an office')
  }
  if (opts.office !== null && !(await deps.store.getOffice(opts.office))) {
    throw new AppError('not-found', `office '${opts.office}' does not exist`)
  }
  const key = newSecret('kj')
  const record: ApiKey = {
    id: newId('key'),
    hash: await hashKey(key),
    role: opts.role,
    office: opts.office,
    label: opts.label ?? `${opts.role} key`,
    createdAt: deps.clock.now().toISOString(),
  }
  await deps.store.putKey(record)
  return { key, record }
}

/** Stores a key given from outside (e.g. KINERJA_ADMIN_KEY) unless it is already known. */
export async function adoptKey(deps: Deps, key: string, role: KeyRole, label: string): Promise<void> {
  const hash = await hashKey(key)
  if (await deps.store.findKeyByHash(hash)) return
  await deps.store.putKey({ id: newId('key'), hash, role, office: null, label, createdAt: deps.clock.now().toISOString() })
}

export async function authenticate(deps: Deps, header: string | undefined): Promise<ApiKey> {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i)
  if (!match) throw new AppError('unauthorized', 'send the API key as "Authorization: Bearer <key>"')
  const key = await deps.store.findKeyByHash(await hashKey(match[1]!))
  if (!key) throw new AppError('unauthorized', 'this API key is not known')
  return key
}

const RANK: Record<KeyRole, number> = { viewer: 0, hr: 1, admin: 2 }

/** Throws 403 unless the key may act in this office with at least this role. */
export function authorize(key: ApiKey, office: string | null, atLeast: KeyRole): void {
  if (RANK[key.role] < RANK[atLeast]) {
    throw new AppError('forbidden', `this needs a ${atLeast} key; this key is ${key.role}`)
  }
  if (key.office !== null && key.office !== office) {
    throw new AppError('forbidden', `this key belongs to office '${key.office}'`)
  }
}
