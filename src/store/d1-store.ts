/**
 * The Store on Cloudflare D1 (the Workers driver), on the tables of migrations/0001_init.sql: each
 * record whole as JSON in `doc`, plus the columns its queries need. Only the D1 API is used
 * (prepare/bind/first/all/run/batch), so it runs in workerd and, in tests, against local D1 from
 * wrangler's getPlatformProxy().
 *
 * Every rule of the port (src/store/store.ts) is kept in SQL, never by read-then-write, because two
 * isolates may serve requests for the same record at once:
 * - creates are `INSERT ... ON CONFLICT DO NOTHING` guarded by `WHERE EXISTS (cycle)`; no row
 *   changed means the id exists (conflict) or the cycle does not (not-found);
 * - saves are `UPDATE ... WHERE id = ? AND rev = ?`; no row changed means the record is missing
 *   (not-found) or someone else saved first (VersionConflict);
 * - a commit's events go in the same batch (one transaction) as its update, numbered in SQL, and
 *   only if the row carries this commit's random token: a stale commit whose update did not apply
 *   appends nothing, even when the stored rev already equals the rev it hoped to write;
 * - putReceipt and putOutbox rely on the primary key: the insert that wins creates, every other
 *   one reads back what is stored.
 * Lists sort in SQL like the memory driver sorts (ISO times as text, then id), with SQLite's
 * binary collation: UTF-8 byte order, which agrees with JavaScript's `<` on strings except between
 * characters above U+FFFF and those in U+E000..U+FFFF.
 */
import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types'
import { AppError, VersionConflict } from '../errors.ts'
import type { Instance, InstanceEvent, RosterEntry } from './records.ts'
import type { InstanceFilter, NewEvent, Store } from './store.ts'

/**
 * Largest JSON text bound to one roster INSERT. D1 caps a statement at 100 bound parameters and a
 * string at 2,000,000 bytes, and counts every statement of a batch as a query (50 per invocation
 * on the free plan): rows travel as a JSON array in one parameter, expanded by json_each, so
 * 10,000 entries (about 2.5 MB) take about ten statements.
 */
export const ROSTER_CHUNK_BYTES = 256 * 1024

type Row = { doc: string }

/** D1 keeps a row under 2 MB; a record larger than this is refused with 413, not a raw D1 error. */
export const MAX_DOC_BYTES = 1_900_000
const encoder = new TextEncoder()

/** The record as the JSON its row keeps. */
function doc(record: unknown): string {
  const text = JSON.stringify(record)
  if (text.length > MAX_DOC_BYTES / 3 && encoder.encode(text).length > MAX_DOC_BYTES) {
    throw new AppError('payload-too-large', `this record is larger than the ${MAX_DOC_BYTES} bytes one D1 row holds`)
  }
  return text
}

const parse = <T>(row: Row | null): T | null => (row ? (JSON.parse(row.doc) as T) : null)
/** Epoch ms of an ISO time, null when it does not parse (the memory driver's NaN: never due). */
const ms = (iso: string | undefined): number | null => {
  const t = Date.parse(iso ?? '')
  return Number.isNaN(t) ? null : t
}
const earliestDeadline = (i: Instance): number | null => {
  let min: number | null = null
  for (const d of i.deadlines ?? []) {
    const t = ms(d.at)
    if (t !== null && (min === null || t < min)) min = t
  }
  return min
}

/** `column = ?` for each given value (undefined: any), ANDed, with the values to bind. */
function matching(columns: Record<string, string | undefined>): [string, string[]] {
  const given = Object.entries(columns).filter((c): c is [string, string] => c[1] !== undefined)
  return [given.map(([column]) => `${column} = ?`).join(' AND '), given.map(([, value]) => value)]
}

/** Entries as JSON arrays of at most `limit` UTF-8 bytes each (an entry bigger than that alone). */
function chunkJson(items: unknown[], limit: number): { json: string; from: number }[] {
  const encoder = new TextEncoder()
  const chunks: { json: string; from: number }[] = []
  let parts: string[] = []
  let bytes = 2
  let from = 0
  items.forEach((item, i) => {
    const text = JSON.stringify(item)
    const size = encoder.encode(text).length + 1
    if (parts.length && bytes + size > limit) {
      chunks.push({ json: `[${parts.join(',')}]`, from })
      parts = []
      bytes = 2
      from = i
    }
    parts.push(text)
    bytes += size
  })
  if (parts.length) chunks.push({ json: `[${parts.join(',')}]`, from })
  return chunks
}

export function createD1Store(db: D1Database): Store {
  const q = (sql: string, ...params: unknown[]) => db.prepare(sql).bind(...params)
  const docs = async <T>(stmt: D1PreparedStatement): Promise<T[]> =>
    (await stmt.all<Row>()).results.map((r) => JSON.parse(r.doc) as T)
  const one = async <T>(stmt: D1PreparedStatement): Promise<T | null> => parse<T>(await stmt.first<Row>())
  const has = async (table: 'cycles' | 'instances' | 'bindings', id: string) =>
    (await q(`SELECT 1 AS x FROM ${table} WHERE id = ?1`, id).first()) !== null
  const requireCycle = async (id: string) => {
    if (!(await has('cycles', id))) throw new AppError('not-found', `No cycle ${id}`)
  }
  /** The insert that lost to an existing id, or found no cycle: says which. */
  const createFailed = async (table: 'instances' | 'bindings', what: string, id: string, cycle: string): Promise<never> => {
    if (await has(table, id)) throw new AppError('conflict', `${what} ${id} exists`)
    throw new AppError('not-found', `No cycle ${cycle}`)
  }
  /** Appends events after the instance's last seq, only if its row carries commit `token`. */
  const appendEvents = (instance: string, token: string, events: NewEvent[]) =>
    q(
      `INSERT INTO instance_events (instance, seq, doc)
       SELECT ?1, (SELECT COALESCE(MAX(seq), 0) FROM instance_events WHERE instance = ?1) + e.key + 1, e.value
       FROM json_each(?2) AS e
       WHERE EXISTS (SELECT 1 FROM instances WHERE id = ?1 AND commit_id = ?3)`,
      instance, JSON.stringify(events), token,
    )
  const instanceColumns = (i: Instance) => [i.status, i.state, earliestDeadline(i), i.outbox?.length ?? 0] as const

  return {
    async createOffice(office) {
      const { meta } = await q('INSERT INTO offices (id, doc) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING', office.id, doc(office)).run()
      if (meta.changes === 0) throw new AppError('conflict', `Office ${office.id} exists`)
    },
    async getOffice(id) {
      return one(q('SELECT doc FROM offices WHERE id = ?1', id))
    },
    async listOffices() {
      return docs(q('SELECT doc FROM offices ORDER BY id'))
    },

    async putKey(key) {
      // A second record for a hash already stored is the same secret (adoptKey racing itself on
      // two isolates): the first stays, as findKeyByHash of the memory driver would return it.
      await q(
        `INSERT INTO api_keys (id, hash, doc) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, doc = excluded.doc
         ON CONFLICT DO NOTHING`,
        key.id, key.hash, doc(key),
      ).run()
    },
    async findKeyByHash(hash) {
      return one(q('SELECT doc FROM api_keys WHERE hash = ?1', hash))
    },
    async countKeys() {
      return (await q('SELECT COUNT(*) AS n FROM api_keys').first<{ n: number }>())?.n ?? 0
    },

    async putPackageVersion(pkg) {
      await q(
        'INSERT INTO package_versions (id, hash, stored_at, doc) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id, hash) DO NOTHING',
        pkg.id, pkg.hash, pkg.storedAt, doc(pkg),
      ).run()
    },
    async getPackageVersion(id, hash) {
      return one(q('SELECT doc FROM package_versions WHERE id = ?1 AND hash = ?2', id, hash))
    },
    async listPackageVersions(id) {
      return docs(q('SELECT doc FROM package_versions WHERE id = ?1 ORDER BY stored_at, hash', id))
    },

    async createCycle(cycle) {
      const { meta } = await q(
        'INSERT INTO cycles (id, office, rev, created_at, doc) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING',
        cycle.id, cycle.office, cycle.rev, cycle.createdAt, doc(cycle),
      ).run()
      if (meta.changes === 0) throw new AppError('conflict', `Cycle ${cycle.id} exists`)
    },
    async getCycle(id) {
      return one(q('SELECT doc FROM cycles WHERE id = ?1', id))
    },
    async saveCycle(cycle, expectedRev) {
      const next = { ...cycle, rev: expectedRev + 1 }
      const saved = await one<typeof next>(q(
        'UPDATE cycles SET doc = ?1, office = ?2, created_at = ?3, rev = ?4 WHERE id = ?5 AND rev = ?6 RETURNING doc',
        doc(next), next.office, next.createdAt, next.rev, cycle.id, expectedRev,
      ))
      if (saved) return saved
      const stored = await q('SELECT rev FROM cycles WHERE id = ?1', cycle.id).first<{ rev: number }>()
      if (!stored) throw new AppError('not-found', `No cycle ${cycle.id}`)
      throw new VersionConflict(`Cycle ${cycle.id}`, expectedRev, stored.rev)
    },
    async listCycles(office) {
      return docs(q('SELECT doc FROM cycles WHERE office = ?1 ORDER BY created_at, id', office))
    },
    async putRoster(cycle, entries) {
      await requireCycle(cycle)
      const seen = new Set<string>()
      for (const e of entries) {
        if (seen.has(e.nip)) throw new AppError('invalid-roster', `NIP ${e.nip} is on the roster twice`)
        seen.add(e.nip)
      }
      // One batch, so the old roster is replaced by the whole new one or stays as it was.
      await db.batch([
        q('DELETE FROM roster_entries WHERE cycle = ?1', cycle),
        ...chunkJson(entries, ROSTER_CHUNK_BYTES).map(({ json, from }) =>
          q(
            `INSERT INTO roster_entries (cycle, nip, pos, doc)
             SELECT ?1, json_extract(e.value, '$.nip'), ?2 + e.key, e.value FROM json_each(?3) AS e`,
            cycle, from, json,
          ),
        ),
      ])
    },
    async getRoster(cycle) {
      return docs<RosterEntry>(q('SELECT doc FROM roster_entries WHERE cycle = ?1 ORDER BY pos', cycle))
    },
    async getRosterEntry(cycle, nip) {
      return one(q('SELECT doc FROM roster_entries WHERE cycle = ?1 AND nip = ?2', cycle, nip))
    },

    async createBinding(binding) {
      const { meta } = await q(
        `INSERT INTO bindings (id, cycle, created_at, doc) SELECT ?1, ?2, ?3, ?4
         WHERE EXISTS (SELECT 1 FROM cycles WHERE id = ?2) ON CONFLICT (id) DO NOTHING`,
        binding.id, binding.cycle, binding.createdAt, doc(binding),
      ).run()
      if (meta.changes === 0) await createFailed('bindings', 'Binding', binding.id, binding.cycle)
    },
    async getBinding(id) {
      return one(q('SELECT doc FROM bindings WHERE id = ?1', id))
    },
    async saveBinding(binding) {
      const { meta } = await q(
        `UPDATE bindings SET doc = json_set(?1, '$.cycle', cycle), created_at = ?2 WHERE id = ?3`,
        doc(binding), binding.createdAt, binding.id,
      ).run()
      if (meta.changes === 0) throw new AppError('not-found', `No binding ${binding.id}`)
    },
    async listBindings(cycle) {
      return docs(q('SELECT doc FROM bindings WHERE cycle = ?1 ORDER BY created_at, id', cycle))
    },

    async createInstance(instance, initial) {
      const token = crypto.randomUUID()
      const [created] = await db.batch([
        q(
          `INSERT INTO instances (id, cycle, rev, status, state, due_ms, held, commit_id, doc)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE EXISTS (SELECT 1 FROM cycles WHERE id = ?2)
           ON CONFLICT (id) DO NOTHING`,
          instance.id, instance.cycle, instance.rev, ...instanceColumns(instance), token, doc(instance),
        ),
        appendEvents(instance.id, token, initial),
      ])
      if (created?.meta.changes !== 1) await createFailed('instances', 'Instance', instance.id, instance.cycle)
      return JSON.parse(JSON.stringify(instance)) as Instance
    },
    async getInstance(id) {
      return one(q('SELECT doc FROM instances WHERE id = ?1', id))
    },
    async peekInstance(id) {
      return one(q('SELECT doc FROM instances WHERE id = ?1', id))
    },
    async commitInstance(instance, expectedRev, added) {
      const token = crypto.randomUUID()
      const next = { ...instance, rev: expectedRev + 1 }
      // The stored cycle is kept (json_set): an instance never moves to another cycle.
      const [updated] = await db.batch<Row>([
        q(
          `UPDATE instances SET doc = json_set(?1, '$.cycle', cycle), rev = ?2, status = ?3, state = ?4,
             due_ms = ?5, held = ?6, commit_id = ?7
           WHERE id = ?8 AND rev = ?9 RETURNING doc`,
          doc(next), next.rev, ...instanceColumns(next), token, instance.id, expectedRev,
        ),
        appendEvents(instance.id, token, added),
      ])
      const saved = parse<Instance>(updated?.results[0] ?? null)
      if (saved) return saved
      const stored = await q('SELECT rev FROM instances WHERE id = ?1', instance.id).first<{ rev: number }>()
      if (!stored) throw new AppError('not-found', `No instance ${instance.id}`)
      throw new VersionConflict(`Instance ${instance.id}`, expectedRev, stored.rev)
    },
    async listInstances(cycle, filter: InstanceFilter = {}) {
      const [where, params] = matching({ cycle, state: filter.state, status: filter.status })
      return docs(q(`SELECT doc FROM instances WHERE ${where} ORDER BY id`, ...params))
    },
    async listEvents(instance) {
      const rows = await q('SELECT seq, doc FROM instance_events WHERE instance = ?1 ORDER BY seq', instance)
        .all<Row & { seq: number }>()
      return rows.results.map((r) => ({ ...(JSON.parse(r.doc) as NewEvent), instance, seq: r.seq }) satisfies InstanceEvent)
    },
    async listDueInstances(now) {
      return docs(q(
        `SELECT doc FROM instances WHERE (status = 'active' AND due_ms <= ?1) OR held > 0 ORDER BY id`,
        ms(now),
      ))
    },

    async putReceipt(receipt) {
      const { meta } = await q(
        `INSERT INTO receipts (id, cycle, status, received_at, doc) SELECT ?1, ?2, ?3, ?4, ?5
         WHERE EXISTS (SELECT 1 FROM cycles WHERE id = ?2) ON CONFLICT (id) DO NOTHING`,
        receipt.id, receipt.cycle, receipt.status, receipt.receivedAt, doc(receipt),
      ).run()
      if (meta.changes === 1) return { receipt: JSON.parse(JSON.stringify(receipt)), created: true }
      const stored = await one<typeof receipt>(q('SELECT doc FROM receipts WHERE id = ?1', receipt.id))
      if (!stored) throw new AppError('not-found', `No cycle ${receipt.cycle}`)
      return { receipt: stored, created: false }
    },
    async updateReceipt(receipt) {
      const { meta } = await q(
        `UPDATE receipts SET doc = json_set(?1, '$.cycle', cycle), status = ?2, received_at = ?3 WHERE id = ?4`,
        doc(receipt), receipt.status, receipt.receivedAt, receipt.id,
      ).run()
      if (meta.changes === 0) throw new AppError('not-found', `No receipt ${receipt.id}`)
    },
    async getReceipt(id) {
      return one(q('SELECT doc FROM receipts WHERE id = ?1', id))
    },
    async listReceipts(cycle, status) {
      const [where, params] = matching({ cycle, status })
      return docs(q(`SELECT doc FROM receipts WHERE ${where} ORDER BY received_at, id`, ...params))
    },

    async putOutbox(message) {
      const { meta } = await q(
        `INSERT INTO outbox (id, cycle, status, next_attempt_at, next_attempt_ms, created_at, doc)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
         WHERE EXISTS (SELECT 1 FROM cycles WHERE id = ?2) ON CONFLICT (id) DO NOTHING`,
        message.id, message.cycle, message.status, message.nextAttemptAt, ms(message.nextAttemptAt), message.createdAt,
        doc(message),
      ).run()
      if (meta.changes === 1) return { message: JSON.parse(JSON.stringify(message)), created: true }
      const stored = await one<typeof message>(q('SELECT doc FROM outbox WHERE id = ?1', message.id))
      if (!stored) throw new AppError('not-found', `No cycle ${message.cycle}`)
      return { message: stored, created: false }
    },
    async updateOutbox(message) {
      const { meta } = await q(
        `UPDATE outbox SET doc = json_set(?1, '$.cycle', cycle), status = ?2, next_attempt_at = ?3, next_attempt_ms = ?4,
           created_at = ?5 WHERE id = ?6`,
        doc(message), message.status, message.nextAttemptAt, ms(message.nextAttemptAt), message.createdAt, message.id,
      ).run()
      if (meta.changes === 0) throw new AppError('not-found', `No outbox message ${message.id}`)
    },
    async listOutboxDue(now, limit) {
      return docs(q(
        `SELECT doc FROM outbox WHERE status = 'pending' AND next_attempt_ms <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2`,
        ms(now), Math.max(0, Math.floor(limit)),
      ))
    },
    async listOutbox(cycle, status) {
      const [where, params] = matching({ cycle, status })
      return docs(q(`SELECT doc FROM outbox WHERE ${where} ORDER BY created_at, id`, ...params))
    },
  }
}
