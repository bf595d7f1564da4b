import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.ts'
import { applyD1Migrations, splitSql, type Migration } from '../../src/store/d1-migrations.ts'
import { createD1Store, MAX_DOC_BYTES, ROSTER_CHUNK_BYTES } from '../../src/store/d1-store.ts'
import type { Instance, RosterEntry } from '../../src/store/records.ts'
import type { Store } from '../../src/store/store.ts'
import { apiKey, cycle, event, instance, receipt, storeContract } from './contract.ts'

// Before wrangler loads: no telemetry, so the suite needs no network.
process.env.WRANGLER_SEND_METRICS = 'false'
const { getPlatformProxy } = await import('wrangler')

const MIGRATIONS = join(import.meta.dirname, '../../migrations')

async function readMigrations(): Promise<Migration[]> {
  const names = (await readdir(MIGRATIONS)).filter((n) => n.endsWith('.sql'))
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(MIGRATIONS, name), 'utf8') })))
}

// One local D1 (workerd, in memory) for the file: starting one takes about a second, emptying
// its tables a few milliseconds.
let proxy: Awaited<ReturnType<typeof getPlatformProxy<{ DB: D1Database }>>>
let db: D1Database
let tables: string[]

beforeAll(async () => {
  proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath: './wrangler.toml', persist: false })
  db = proxy.env.DB
  await applyD1Migrations(db, await readMigrations())
  const found = await db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'`)
    .all<{ name: string }>()
  tables = found.results.map((t) => t.name)
}, 60_000)

afterAll(async () => {
  await proxy?.dispose()
})

async function emptyDatabase(): Promise<void> {
  await db.batch(tables.map((t) => db.prepare(`DELETE FROM ${t}`)))
}

storeContract('d1 (local workerd D1)', async () => {
  await emptyDatabase()
  return { store: createD1Store(db), reopen: async () => createD1Store(db) }
})

async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect((error as AppError).code).toBe(code)
}

/** An 18-digit NIP per n (unique for n < 100,000). */
const nip18 = (n: number) => `1980010120050${String(n).padStart(5, '0')}`
const employee = (n: number): RosterEntry => ({
  nip: nip18(n),
  name: `Pegawai Nomor ${n}`,
  position: n % 10 === 0 ? 'kasi' : 'staf',
  unit: `Seksi ${n % 7}`,
  email: `pegawai${n}@plaju.go.id`,
  supervisor: nip18(n - (n % 10)),
  peers: [nip18(n + 1), nip18(n + 2)],
})

interface Seen {
  sql: string
  params: unknown[]
}

/** The D1 binding, recording every statement sent and every batch, to check D1's limits on them. */
function watched(inner: D1Database) {
  const sent: Seen[] = []
  const batches: Seen[][] = []
  const seen = new WeakMap<object, Seen>()
  const wrap = (stmt: D1PreparedStatement, s: Seen): D1PreparedStatement => {
    const outer = {
      bind: (...params: unknown[]) => wrap(stmt.bind(...params), { sql: s.sql, params }),
      first: (col?: string) => (sent.push(s), col === undefined ? stmt.first() : stmt.first(col)),
      all: () => (sent.push(s), stmt.all()),
      run: () => (sent.push(s), stmt.run()),
      raw: () => (sent.push(s), stmt.raw()),
      inner: stmt,
    }
    seen.set(outer, s)
    return outer as unknown as D1PreparedStatement
  }
  const db = {
    prepare: (sql: string) => wrap(inner.prepare(sql), { sql, params: [] }),
    batch: (list: D1PreparedStatement[]) => {
      const batch = list.map((st) => seen.get(st)!)
      batches.push(batch)
      sent.push(...batch)
      return inner.batch(list.map((st) => (st as unknown as { inner: D1PreparedStatement }).inner))
    },
  }
  return { db: db as unknown as D1Database, sent, batches }
}

const utf8 = (s: string) => new TextEncoder().encode(s).length

describe('the D1 store under concurrent writers', () => {
  let store: Store
  beforeAll(async () => {
    await emptyDatabase()
    store = createD1Store(db)
    await store.createCycle(cycle('race'))
  })

  it('lets exactly one of ten commits racing at the same rev win and keeps only the winner\'s events', async () => {
    await store.createInstance(instance('ten', { cycle: 'race' }), [event('started')])
    const commits = Array.from({ length: 10 }, (_, n) =>
      store.commitInstance(instance('ten', { cycle: 'race', vars: { by: n } }), 0, [event(`w${n}-a`), event(`w${n}-b`)]))
    const results = await Promise.allSettled(commits)
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AppError] : []))
    expect(won).toHaveLength(1)
    expect(lost.map((e) => e.code)).toEqual(Array(9).fill('conflict'))
    const by = won[0]!.vars.by as number
    expect(await store.getInstance('ten')).toMatchObject({ rev: 1, vars: { by } })
    // started (seq 1), then the winner's two events (seq 2, 3); none of the nine losers' 18.
    expect((await store.listEvents('ten')).map((e) => [e.seq, e.type])).toEqual([[1, 'started'], [2, `w${by}-a`], [3, `w${by}-b`]])
  })

  it('loses no update when ten writers each add one and retry on a conflict', async () => {
    await store.createInstance(instance('counter', { cycle: 'race', vars: { count: 0 } }), [])
    const addOne = async (writer: number) => {
      for (let tries = 1; ; tries++) {
        const current = (await store.getInstance('counter')) as Instance
        const next = { ...current, vars: { count: (current.vars.count as number) + 1 } }
        try {
          await store.commitInstance(next, current.rev, [event('added', { writer })])
          return tries
        } catch (e) {
          if (!(e instanceof AppError && e.code === 'conflict')) throw e
        }
      }
    }
    const tries = await Promise.all(Array.from({ length: 10 }, (_, n) => addOne(n)))
    // 10 writers x 1 each = 10, one rev per successful commit, one event per writer, seq 1..10.
    expect(await store.getInstance('counter')).toMatchObject({ rev: 10, vars: { count: 10 } })
    const trail = await store.listEvents('counter')
    expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    expect(trail.map((e) => e.data.writer).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 10 }, (_, i) => i))
    // They really raced: with ten at once, some had to retry.
    expect(Math.max(...tries)).toBeGreaterThan(1)
  })

  it('stores a receipt delivered ten times at once exactly once, and answers all ten with it', async () => {
    const puts = await Promise.all(Array.from({ length: 10 }, (_, n) => store.putReceipt(receipt('r-same', { cycle: 'race', body: `copy ${n}` }))))
    expect(puts.filter((p) => p.created)).toHaveLength(1)
    const stored = puts.find((p) => p.created)!.receipt
    expect(puts.map((p) => p.receipt)).toEqual(Array(10).fill(stored))
    expect(await store.getReceipt('r-same')).toEqual(stored)
    expect(await store.listReceipts('race')).toEqual([stored])
  })
})

describe('the D1 store with a large roster', () => {
  it('imports 10,000 employees in one call within D1\'s limits and reads them back in order', async () => {
    await emptyDatabase()
    const spy = watched(db)
    const store = createD1Store(spy.db)
    await store.createCycle(cycle('big'))
    const roster = Array.from({ length: 10_000 }, (_, n) => employee(n))
    const jsonBytes = utf8(JSON.stringify(roster))

    spy.sent.length = 0
    const started = performance.now()
    await store.putRoster('big', roster)
    const took = performance.now() - started

    // One existence check, then one batch: the DELETE and the INSERTs of ~256 KB of JSON each.
    expect(spy.batches).toHaveLength(1)
    const batch = spy.batches[0]!
    expect(batch.length).toBeLessThanOrEqual(1 + Math.ceil(jsonBytes / (ROSTER_CHUNK_BYTES - 1024)))
    // D1 (developers.cloudflare.com/d1/platform/limits): 100 bound parameters and 100,000 bytes
    // of SQL per statement, 2,000,000 bytes per string, 50 queries per invocation on the free plan.
    expect(spy.sent.length).toBeLessThanOrEqual(50)
    for (const s of spy.sent) {
      expect(s.params.length).toBeLessThanOrEqual(100)
      expect(utf8(s.sql)).toBeLessThanOrEqual(100_000)
      for (const p of s.params) if (typeof p === 'string') expect(utf8(p)).toBeLessThanOrEqual(2_000_000)
    }
    // Well inside D1's 30 s limit for a batch (measured: see the report).
    expect(took).toBeLessThan(10_000)

    const readStarted = performance.now()
    expect(await store.getRoster('big')).toEqual(roster)
    expect(performance.now() - readStarted).toBeLessThan(10_000)
    for (const n of [0, 4_999, 9_999]) expect(await store.getRosterEntry('big', nip18(n))).toEqual(employee(n))

    await store.putRoster('big', [employee(3), employee(1)])
    expect(await store.getRoster('big')).toEqual([employee(3), employee(1)])
    expect(await store.getRosterEntry('big', nip18(9_999))).toBeNull()
  })

  it('keeps the old roster whole when a part of the new one cannot be stored', async () => {
    await emptyDatabase()
    const store = createD1Store(db)
    await store.createCycle(cycle('big'))
    await store.putRoster('big', [employee(1), employee(2)])
    // The last entry has no NIP, so the last INSERT of the batch fails after the others ran.
    const broken = [...Array.from({ length: 3_000 }, (_, n) => employee(n + 10)), { name: 'Tanpa NIP' } as RosterEntry]
    await expect(store.putRoster('big', broken)).rejects.toThrow(/NOT NULL/)
    expect(await store.getRoster('big')).toEqual([employee(1), employee(2)])
    expect(await store.getRosterEntry('big', nip18(10))).toBeNull()
  })

  it('refuses a roster naming one NIP twice', async () => {
    await emptyDatabase()
    const store = createD1Store(db)
    await store.createCycle(cycle('big'))
    await expectCode(store.putRoster('big', [employee(1), employee(2), employee(1)]), 'invalid-roster')
    expect(await store.getRoster('big')).toEqual([])
  })
})

describe('the D1 store\'s documents', () => {
  it('gives back text and numbers exactly as given, through SQLite\'s JSON functions too', async () => {
    await emptyDatabase()
    const store = createD1Store(db)
    await store.createCycle(cycle())
    const odd = {
      text: 'Ñoman Sitorus 😀, "kutip" \\ \u2028 \u0000 \ud800',
      numbers: [87.5, 0.1 + 0.2, 1e21, 12345678901234567000, 5e-324, 1.7976931348623157e308],
    }
    // Events pass through json_each, a commit and updateReceipt through json_set.
    await store.createInstance(instance('i1'), [event('started', odd)])
    await store.commitInstance(instance('i1', { vars: odd }), 0, [event('submitted', odd)])
    await store.putReceipt(receipt('r1'))
    await store.updateReceipt(receipt('r1', { reasons: [odd.text], headers: { note: odd.text } }))
    await store.putRoster('c1', [{ nip: nip18(1), name: odd.text, position: 'staf' }])
    expect((await store.listEvents('i1')).map((e) => e.data)).toEqual([odd, odd])
    expect((await store.getInstance('i1'))?.vars).toEqual(odd)
    expect(await store.getReceipt('r1')).toEqual(receipt('r1', { reasons: [odd.text], headers: { note: odd.text } }))
    expect((await store.getRoster('c1'))[0]?.name).toBe(odd.text)
  })

  it('refuses a record larger than one D1 row holds with 413, and keeps the one stored', async () => {
    await emptyDatabase()
    const store = createD1Store(db)
    await store.createCycle(cycle())
    await store.createInstance(instance('i1'), [])
    const huge = { vars: { catatan: 'x'.repeat(MAX_DOC_BYTES) } }
    await expectCode(store.commitInstance(instance('i1', huge), 0, [event('submitted')]), 'payload-too-large')
    expect(await store.getInstance('i1')).toEqual(instance('i1'))
    expect(await store.listEvents('i1')).toEqual([])
  })
})

describe('the D1 store\'s keys', () => {
  it('keeps the first key stored for a secret when a second record of it arrives', async () => {
    await emptyDatabase()
    const store = createD1Store(db)
    await Promise.all([store.putKey(apiKey('k1', { hash: 'same' })), store.putKey(apiKey('k2', { hash: 'same' }))])
    expect(await store.countKeys()).toBe(1)
    expect(['k1', 'k2']).toContain((await store.findKeyByHash('same'))?.id)
  })
})

describe('applyD1Migrations', () => {
  it('applies each migration once and records it where wrangler looks', async () => {
    expect(await applyD1Migrations(db, await readMigrations())).toEqual([])
    const recorded = await db.prepare('SELECT name FROM d1_migrations ORDER BY id').all<{ name: string }>()
    expect(recorded.results.map((r) => r.name)).toEqual((await readMigrations()).map((m) => m.name).sort())
  })

  it('splits SQL at semicolons outside quotes and comments', () => {
    const sql = "-- a comment; not a statement\nCREATE TABLE t (a TEXT DEFAULT 'x;y');\n/* ; */ INSERT INTO \"t;\" VALUES ('it''s');\n"
    expect(splitSql(sql)).toEqual(["CREATE TABLE t (a TEXT DEFAULT 'x;y')", 'INSERT INTO "t;" VALUES (\'it\'\'s\')'])
    expect(() => splitSql('CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END;')).toThrow(/trigger/)
  })
})
