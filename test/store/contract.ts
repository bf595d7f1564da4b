/**
 * The Store contract: every driver's test calls storeContract once, so memory, lowdb and D1 keep
 * the same rules (src/store/store.ts). A driver that cannot support a case names it in `cannot`
 * with the reason; that case is then not registered (never skipped silently).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.ts'
import type {
  ApiKey, Binding, Cycle, Instance, Office, OutboxMessage, PackageVersion, Receipt, RosterEntry,
} from '../../src/store/records.ts'
import type { NewEvent, Store } from '../../src/store/store.ts'

export interface StoreHarness {
  store: Store
  /** A new store on the same data (drivers that persist). */
  reopen?: () => Promise<Store>
  cleanup?: () => Promise<void>
}

export interface ContractOptions {
  cannot?: { reopen?: string }
}

const T0 = '2026-01-05T08:00:00.000Z'
const OFFICE = 'kec-plaju'
export const nip = (n: number) => `198001012005011${String(n).padStart(3, '0')}`

export const office = (id = OFFICE): Office => ({ id, name: `Kecamatan ${id}`, createdAt: T0 })
export const apiKey = (id: string, over: Partial<ApiKey> = {}): ApiKey => ({
  id, hash: `hash-${id}`, role: 'hr', office: OFFICE, label: `key ${id}`, createdAt: T0, ...over,
})
export const packageVersion = (hash: string, over: Partial<PackageVersion> = {}): PackageVersion => ({
  id: 'skp-360', version: '1.0.0', hash, files: { 'workflow.json': `{"hash":"${hash}"}` }, storedAt: T0, ...over,
})
export const cycle = (id = 'c1', over: Partial<Cycle> = {}): Cycle => ({
  id, office: OFFICE, name: 'Penilaian 2026', package: { id: 'skp-360', version: '1.0.0', hash: 'h1' },
  status: 'draft', rev: 0, rosterSize: 0, createdAt: T0, ...over,
})
export const rosterEntry = (n: number): RosterEntry => ({
  nip: nip(n), name: `Pegawai ${n}`, position: 'staf', supervisor: nip(900), peers: [nip(n + 1)],
})
export const binding = (id: string, over: Partial<Binding> = {}): Binding => ({
  id, cycle: 'c1', office: OFFICE, plugin: 'json', form: 'self', secret: { env: 'HOOK_SECRET' },
  mapping: { nilai: 'score' }, createdAt: T0, ...over,
})
export const instance = (id: string, over: Partial<Instance> = {}): Instance => ({
  id, cycle: 'c1', office: OFFICE, nip: nip(1), rev: 0, status: 'active', state: 'collect',
  stateEnteredAt: T0, vars: {}, responses: {}, tasks: [{ state: 'collect', role: 'self', remaining: 1 }],
  deadlines: [], explanations: {}, createdAt: T0, updatedAt: T0, ...over,
})
export const event = (type: string, data: Record<string, unknown> = {}): NewEvent => ({ type, at: T0, data })
export const receipt = (id: string, over: Partial<Receipt> = {}): Receipt => ({
  id, binding: 'b1', cycle: 'c1', office: OFFICE, idempotencyKey: `key-${id}`, receivedAt: T0,
  contentType: 'application/json', body: '{"nip":"198001012005011001"}', headers: { 'user-agent': 'kobo' },
  status: 'received', reasons: [], attempts: 1, updatedAt: T0, ...over,
})

export const outboxMessage = (id: string, over: Partial<OutboxMessage> = {}): OutboxMessage => ({
  id, instance: 'i1', cycle: 'c1', office: OFFICE, channel: 'wa', kind: 'notify', state: 'announce',
  to: { nip: nip(1) }, message: { text: 'Penilaian selesai' }, status: 'pending', attempts: 0,
  nextAttemptAt: T0, createdAt: T0, ...over,
})

const ids = (list: { id: string }[]) => list.map((x) => x.id).sort()

async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect((error as AppError).code).toBe(code)
}

export function storeContract(name: string, make: () => Promise<StoreHarness>, options: ContractOptions = {}) {
  describe(`the ${name} store`, () => {
    let h: StoreHarness
    let store: Store
    beforeEach(async () => {
      h = await make()
      store = h.store
    })
    afterEach(async () => {
      await h.cleanup?.()
    })
    const withCycle = async (id = 'c1') => store.createCycle(cycle(id))

    describe('offices', () => {
      it('creates, finds and lists offices', async () => {
        await store.createOffice(office('kec-plaju'))
        await store.createOffice(office('kec-ilir'))
        expect(await store.getOffice('kec-plaju')).toEqual(office('kec-plaju'))
        expect(await store.getOffice('nowhere')).toBeNull()
        expect(ids(await store.listOffices())).toEqual(['kec-ilir', 'kec-plaju'])
      })
      it('refuses a second office with the same id as a conflict, even when both arrive together', async () => {
        await store.createOffice(office())
        await expectCode(store.createOffice({ ...office(), name: 'Other' }), 'conflict')
        const both = await Promise.allSettled([store.createOffice(office('x')), store.createOffice(office('x'))])
        expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        expect((await store.getOffice(OFFICE))?.name).toBe(office().name)
      })
    })

    describe('API keys', () => {
      it('finds a key by its hash and counts the keys', async () => {
        expect(await store.countKeys()).toBe(0)
        await store.putKey(apiKey('k1'))
        await store.putKey(apiKey('k2', { role: 'admin', office: null }))
        expect(await store.findKeyByHash('hash-k2')).toEqual(apiKey('k2', { role: 'admin', office: null }))
        expect(await store.findKeyByHash('hash-unknown')).toBeNull()
        expect(await store.countKeys()).toBe(2)
      })
      it('replaces a key put again with the same id', async () => {
        await store.putKey(apiKey('k1'))
        await store.putKey(apiKey('k1', { label: 'renamed' }))
        expect(await store.countKeys()).toBe(1)
        expect((await store.findKeyByHash('hash-k1'))?.label).toBe('renamed')
      })
    })

    describe('package versions', () => {
      it('keeps every version once, by id and hash, and lists them per package', async () => {
        await store.putPackageVersion(packageVersion('h1'))
        await store.putPackageVersion(packageVersion('h1', { storedAt: '2027-01-01T00:00:00.000Z' }))
        await store.putPackageVersion(packageVersion('h2', { version: '1.1.0' }))
        await store.putPackageVersion(packageVersion('h9', { id: 'other' }))
        expect(await store.getPackageVersion('skp-360', 'h1')).toEqual(packageVersion('h1'))
        expect(await store.getPackageVersion('skp-360', 'h9')).toBeNull()
        expect((await store.listPackageVersions('skp-360')).map((p) => p.hash).sort()).toEqual(['h1', 'h2'])
        expect(await store.listPackageVersions('none')).toEqual([])
      })
    })

    describe('cycles, rosters and bindings', () => {
      it('creates a cycle, refuses its id twice and lists cycles per office', async () => {
        await withCycle('c1')
        await store.createCycle(cycle('c2', { office: 'kec-ilir' }))
        await expectCode(store.createCycle(cycle('c1')), 'conflict')
        expect(await store.getCycle('c1')).toEqual(cycle('c1'))
        expect(await store.getCycle('c3')).toBeNull()
        expect(ids(await store.listCycles(OFFICE))).toEqual(['c1'])
      })
      it('saves a cycle only at the expected rev, and bumps the rev', async () => {
        await withCycle()
        const saved = await store.saveCycle({ ...cycle(), status: 'running' }, 0)
        expect(saved.rev).toBe(1)
        expect(await store.getCycle('c1')).toEqual({ ...cycle(), status: 'running', rev: 1 })
        await expectCode(store.saveCycle({ ...cycle(), status: 'closed' }, 0), 'conflict')
        expect((await store.getCycle('c1'))?.status).toBe('running')
        await expectCode(store.saveCycle(cycle('c9'), 0), 'not-found')
      })
      it('replaces the roster of a cycle', async () => {
        await withCycle()
        expect(await store.getRoster('c1')).toEqual([])
        await store.putRoster('c1', [rosterEntry(1), rosterEntry(2)])
        await store.putRoster('c1', [rosterEntry(3)])
        expect(await store.getRoster('c1')).toEqual([rosterEntry(3)])
        expect(await store.getRosterEntry('c1', rosterEntry(3).nip)).toEqual(rosterEntry(3))
        expect(await store.getRosterEntry('c1', rosterEntry(1).nip)).toBeNull()
        expect(await store.getRosterEntry('c9', rosterEntry(3).nip)).toBeNull()
        await expectCode(store.putRoster('c9', [rosterEntry(1)]), 'not-found')
      })
      it('creates bindings once and lists them per cycle', async () => {
        await withCycle('c1')
        await withCycle('c2')
        await store.createBinding(binding('b1'))
        await store.createBinding(binding('b2', { form: 'peer' }))
        await store.createBinding(binding('b3', { cycle: 'c2' }))
        await expectCode(store.createBinding(binding('b1')), 'conflict')
        await expectCode(store.createBinding(binding('b4', { cycle: 'c9' })), 'not-found')
        expect(await store.getBinding('b2')).toEqual(binding('b2', { form: 'peer' }))
        expect(await store.getBinding('b9')).toBeNull()
        expect(ids(await store.listBindings('c1'))).toEqual(['b1', 'b2'])
      })
      it('saves a binding again (a pull cursor), keeping it in its cycle', async () => {
        await withCycle('c1')
        await store.createBinding(binding('b1'))
        await store.saveBinding({ ...binding('b1'), cursor: '2026-03-02T03:00:00.000Z', cycle: 'c2' })
        expect(await store.getBinding('b1')).toEqual({ ...binding('b1'), cursor: '2026-03-02T03:00:00.000Z' })
        expect(ids(await store.listBindings('c1'))).toEqual(['b1'])
        await expectCode(store.saveBinding(binding('b9')), 'not-found')
      })
    })

    describe('instances and events', () => {
      beforeEach(async () => withCycle())

      it('creates an instance with its first events, numbered from 1', async () => {
        expect(await store.createInstance(instance('i1'), [event('started'), event('entered', { state: 'collect' })]))
          .toEqual(instance('i1'))
        expect(await store.getInstance('i1')).toEqual(instance('i1'))
        expect(await store.getInstance('i9')).toBeNull()
        expect(await store.listEvents('i1')).toEqual([
          { ...event('started'), instance: 'i1', seq: 1 },
          { ...event('entered', { state: 'collect' }), instance: 'i1', seq: 2 },
        ])
        await expectCode(store.createInstance(instance('i1'), []), 'conflict')
        await expectCode(store.createInstance(instance('i2', { cycle: 'c9' }), []), 'not-found')
      })
      it('commits at the expected rev, returns the new rev and numbers events in order across commits', async () => {
        await store.createInstance(instance('i1'), [event('started')])
        const first = await store.commitInstance({ ...instance('i1'), state: 'compute' }, 0, [event('a'), event('b')])
        expect(first.rev).toBe(1)
        const second = await store.commitInstance({ ...first, state: 'done', status: 'done' }, 1, [event('c')])
        expect(second.rev).toBe(2)
        expect(await store.getInstance('i1')).toEqual({ ...instance('i1'), state: 'done', status: 'done', rev: 2 })
        expect((await store.listEvents('i1')).map((e) => [e.seq, e.type])).toEqual([[1, 'started'], [2, 'a'], [3, 'b'], [4, 'c']])
      })
      it('peeks at the instance as stored, and a commit never changes what an earlier peek returned', async () => {
        await store.createInstance(instance('i1'), [event('started')])
        expect(await store.peekInstance('i9')).toBeNull()
        const before = await store.peekInstance('i1')
        expect(before).toEqual(instance('i1'))
        await store.commitInstance({ ...instance('i1'), state: 'compute', vars: { x: 1 } }, 0, [event('a')])
        // The new state is a new record: the one peeked before is as it was.
        expect(before).toEqual(instance('i1'))
        expect(await store.peekInstance('i1')).toEqual({ ...instance('i1'), state: 'compute', vars: { x: 1 }, rev: 1 })
      })
      it('refuses a commit at a stale rev and appends none of its events', async () => {
        await store.createInstance(instance('i1'), [event('started')])
        await store.commitInstance(instance('i1'), 0, [event('a')])
        await expectCode(store.commitInstance({ ...instance('i1'), state: 'lost' }, 0, [event('lost')]), 'conflict')
        expect((await store.getInstance('i1'))?.state).toBe('collect')
        expect((await store.listEvents('i1')).map((e) => e.type)).toEqual(['started', 'a'])
        await expectCode(store.commitInstance(instance('i9'), 0, []), 'not-found')
      })
      it('lets exactly one of two concurrent commits at the same rev win', async () => {
        await store.createInstance(instance('i1'), [])
        const left = store.commitInstance({ ...instance('i1'), vars: { by: 'left' } }, 0, [event('left')])
        const right = store.commitInstance({ ...instance('i1'), vars: { by: 'right' } }, 0, [event('right')])
        const results = await Promise.allSettled([left, right])
        const won = results.filter((r) => r.status === 'fulfilled')
        const lost = results.filter((r) => r.status === 'rejected')
        expect(won).toHaveLength(1)
        expect(lost).toHaveLength(1)
        expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' })
        const winner = (won[0] as PromiseFulfilledResult<Instance>).value.vars.by as string
        expect(await store.getInstance('i1')).toMatchObject({ rev: 1, vars: { by: winner } })
        expect(await store.listEvents('i1')).toEqual([{ ...event(winner), instance: 'i1', seq: 1 }])
      })
      it('lists a cycle\'s instances, filtered by state and status', async () => {
        await withCycle('c2')
        await store.createInstance(instance('i1'), [])
        await store.createInstance(instance('i2', { state: 'review' }), [])
        await store.createInstance(instance('i3', { state: 'final', status: 'done' }), [])
        await store.createInstance(instance('i4', { cycle: 'c2' }), [])
        expect(ids(await store.listInstances('c1'))).toEqual(['i1', 'i2', 'i3'])
        expect(ids(await store.listInstances('c1', { state: 'review' }))).toEqual(['i2'])
        expect(ids(await store.listInstances('c1', { status: 'active' }))).toEqual(['i1', 'i2'])
        expect(ids(await store.listInstances('c1', { state: 'final', status: 'active' }))).toEqual([])
        expect(ids(await store.listInstances('c2'))).toEqual(['i4'])
        expect(await store.listInstances('c9')).toEqual([])
        expect(await store.listEvents('i9')).toEqual([])
      })
      it('lists as due only active instances with a deadline at or before now', async () => {
        await withCycle('c2')
        const at = (iso: string) => [{ state: 'collect', kind: 'deadline' as const, at: iso }]
        await store.createInstance(instance('past', { deadlines: at('2026-01-10T00:00:00.000Z') }), [])
        await store.createInstance(instance('now', { cycle: 'c2', deadlines: at('2026-01-15T00:00:00.000Z') }), [])
        await store.createInstance(instance('later', { deadlines: at('2026-01-15T00:00:00.001Z') }), [])
        await store.createInstance(instance('done', { status: 'done', deadlines: at('2026-01-01T00:00:00.000Z') }), [])
        await store.createInstance(instance('none'), [])
        const remind = [{ state: 'collect', kind: 'remind' as const, at: '2026-01-12T00:00:00.000Z' }, ...at('2026-02-01T00:00:00.000Z')]
        await store.createInstance(instance('remind', { deadlines: remind }), [])
        expect(ids(await store.listDueInstances('2026-01-15T00:00:00.000Z'))).toEqual(['now', 'past', 'remind'])
        await store.commitInstance(instance('past', { status: 'done' }), 0, [])
        expect(ids(await store.listDueInstances('2026-01-15T00:00:00.000Z'))).toEqual(['now', 'remind'])
        // An instance still holding messages for the outbox is listed, finished or not, until they move.
        await store.createInstance(instance('held', { status: 'done', outbox: [outboxMessage('m9')] }), [])
        expect(ids(await store.listDueInstances('2026-01-15T00:00:00.000Z'))).toEqual(['held', 'now', 'remind'])
        await store.commitInstance(instance('held', { status: 'done' }), 0, [])
        expect(ids(await store.listDueInstances('2026-01-15T00:00:00.000Z'))).toEqual(['now', 'remind'])
      })
    })

    describe('receipts', () => {
      beforeEach(async () => withCycle())

      it('keeps the first receipt of an id and reports the second as not created', async () => {
        expect(await store.putReceipt(receipt('r1'))).toEqual({ receipt: receipt('r1'), created: true })
        const again = await store.putReceipt(receipt('r1', { body: '{"changed":true}', attempts: 5 }))
        expect(again).toEqual({ receipt: receipt('r1'), created: false })
        expect(await store.getReceipt('r1')).toEqual(receipt('r1'))
        expect(await store.getReceipt('r9')).toBeNull()
      })
      it('stores a receipt delivered twice at once exactly once', async () => {
        const both = await Promise.all([store.putReceipt(receipt('r1')), store.putReceipt(receipt('r1', { body: 'second' }))])
        expect(both.map((b) => b.created).sort()).toEqual([false, true])
        expect(both.map((b) => b.receipt.body)).toEqual([receipt('r1').body, receipt('r1').body])
      })
      it('updates a receipt\'s outcome and lists receipts per cycle and status', async () => {
        await withCycle('c2')
        await store.putReceipt(receipt('r1'))
        await store.putReceipt(receipt('r2', { receivedAt: '2026-01-06T00:00:00.000Z' }))
        await store.putReceipt(receipt('r3', { cycle: 'c2' }))
        const rejected = receipt('r2', { receivedAt: '2026-01-06T00:00:00.000Z', status: 'rejected', reasons: ['/nip: not a NIP'], attempts: 2 })
        await store.updateReceipt(rejected)
        expect(await store.getReceipt('r2')).toEqual(rejected)
        expect(ids(await store.listReceipts('c1'))).toEqual(['r1', 'r2'])
        expect(await store.listReceipts('c1', 'rejected')).toEqual([rejected])
        expect(ids(await store.listReceipts('c1', 'received'))).toEqual(['r1'])
        expect(ids(await store.listReceipts('c2'))).toEqual(['r3'])
        await expectCode(store.updateReceipt(receipt('r9')), 'not-found')
        await expectCode(store.putReceipt(receipt('r4', { cycle: 'c9' })), 'not-found')
      })
    })

    describe('outbox', () => {
      beforeEach(async () => withCycle())

      it('keeps the first message of an id and reports the second as not created', async () => {
        expect(await store.putOutbox(outboxMessage('m1'))).toEqual({ message: outboxMessage('m1'), created: true })
        const again = await store.putOutbox(outboxMessage('m1', { message: { text: 'changed' } }))
        expect(again).toEqual({ message: outboxMessage('m1'), created: false })
        const both = await Promise.all([store.putOutbox(outboxMessage('m2')), store.putOutbox(outboxMessage('m2', { channel: 'x' }))])
        expect(both.map((b) => b.created).sort()).toEqual([false, true])
        expect(await store.listOutbox('c1')).toEqual([outboxMessage('m1'), outboxMessage('m2')])
        await expectCode(store.putOutbox(outboxMessage('m3', { cycle: 'c9' })), 'not-found')
      })
      it('lists as due only pending messages whose next try has come, earliest first, up to the limit', async () => {
        await store.putOutbox(outboxMessage('late', { nextAttemptAt: '2026-01-05T08:10:00.000Z' }))
        await store.putOutbox(outboxMessage('early', { nextAttemptAt: '2026-01-05T08:01:00.000Z' }))
        await store.putOutbox(outboxMessage('future', { nextAttemptAt: '2026-01-05T09:00:00.000Z' }))
        await store.putOutbox(outboxMessage('sent', { status: 'sent', sentAt: T0 }))
        const now = '2026-01-05T08:30:00.000Z'
        expect((await store.listOutboxDue(now, 10)).map((m) => m.id)).toEqual(['early', 'late'])
        expect((await store.listOutboxDue(now, 1)).map((m) => m.id)).toEqual(['early'])
        expect(await store.listOutboxDue('2026-01-05T07:00:00.000Z', 10)).toEqual([])
      })
      it('updates a message\'s delivery state, keeps it in its cycle and lists messages per status', async () => {
        await withCycle('c2')
        await store.putOutbox(outboxMessage('m1'))
        await store.putOutbox(outboxMessage('m2', { cycle: 'c2' }))
        const sent = outboxMessage('m1', { status: 'sent', attempts: 3, sentAt: '2026-01-05T08:05:00.000Z', lastError: 'HTTP 503' })
        await store.updateOutbox({ ...sent, cycle: 'c2' })
        expect(await store.listOutbox('c1', 'sent')).toEqual([sent])
        expect(await store.listOutbox('c1', 'pending')).toEqual([])
        expect(ids(await store.listOutbox('c2'))).toEqual(['m2'])
        expect(ids(await store.listOutboxDue('2027-01-01T00:00:00.000Z', 10))).toEqual(['m2'])
        await expectCode(store.updateOutbox(outboxMessage('m9')), 'not-found')
      })
    })

    it('hands out copies: changing a returned or a given record never changes the store', async () => {
      const given = cycle()
      await store.createCycle(given)
      given.name = 'changed after create'
      const inst = instance('i1')
      const events = [event('started', { note: 'x' })]
      await store.createInstance(inst, events)
      inst.vars.leaked = true
      ;(events[0] as NewEvent).data.note = 'changed'
      await store.createOffice(office())
      await store.putReceipt(receipt('r1'))
      await store.putRoster('c1', [rosterEntry(1)])
      await store.putOutbox(outboxMessage('m1'))
      ;(await store.listOutbox('c1'))[0]!.status = 'sent'
      ;(await store.listOutboxDue(T0, 10))[0]!.attempts = 9
      const got = await store.getInstance('i1')
      ;(got as Instance).vars.leaked = true
      ;(await store.listInstances('c1'))[0]!.state = 'changed'
      ;(await store.listEvents('i1'))[0]!.data.note = 'changed'
      ;(await store.getCycle('c1'))!.name = 'changed'
      ;(await store.listOffices())[0]!.name = 'changed'
      ;(await store.getReceipt('r1'))!.reasons.push('changed')
      ;(await store.getRoster('c1'))[0]!.name = 'changed'
      expect(await store.getInstance('i1')).toEqual(instance('i1'))
      expect((await store.listEvents('i1'))[0]?.data).toEqual({ note: 'x' })
      expect(await store.getCycle('c1')).toEqual(cycle())
      expect(await store.getOffice(OFFICE)).toEqual(office())
      expect(await store.getReceipt('r1')).toEqual(receipt('r1'))
      expect(await store.getRoster('c1')).toEqual([rosterEntry(1)])
      expect(await store.listOutbox('c1')).toEqual([outboxMessage('m1')])
    })

    if (!options.cannot?.reopen) {
      it('finds everything again after reopening on the same data', async () => {
        if (!h.reopen) throw new Error(`the ${name} harness must give reopen, or name the reason in cannot.reopen`)
        await store.createOffice(office())
        await store.putKey(apiKey('k1'))
        await store.putPackageVersion(packageVersion('h1'))
        await store.createCycle(cycle())
        await store.saveCycle({ ...cycle(), status: 'running' }, 0)
        await store.putRoster('c1', [rosterEntry(1), rosterEntry(2)])
        await store.createBinding(binding('b1'))
        await store.createInstance(instance('i1', { deadlines: [{ state: 'collect', kind: 'deadline', at: T0 }] }), [event('started')])
        await store.commitInstance(instance('i1', { vars: { skor: 87.5 }, deadlines: [{ state: 'collect', kind: 'deadline', at: T0 }] }), 0, [event('submitted')])
        await store.putReceipt(receipt('r1'))
        await store.updateReceipt(receipt('r1', { status: 'accepted', instance: 'i1' }))
        await store.putOutbox(outboxMessage('m1'))
        await store.putOutbox(outboxMessage('m2'))
        await store.updateOutbox(outboxMessage('m2', { status: 'sent', attempts: 1, sentAt: T0 }))

        const again = await h.reopen()
        expect(await again.getOffice(OFFICE)).toEqual(office())
        expect(await again.findKeyByHash('hash-k1')).toEqual(apiKey('k1'))
        expect(await again.countKeys()).toBe(1)
        expect(await again.getPackageVersion('skp-360', 'h1')).toEqual(packageVersion('h1'))
        expect(await again.listPackageVersions('skp-360')).toHaveLength(1)
        expect(await again.getCycle('c1')).toEqual({ ...cycle(), status: 'running', rev: 1 })
        expect(ids(await again.listCycles(OFFICE))).toEqual(['c1'])
        expect(await again.getRoster('c1')).toEqual([rosterEntry(1), rosterEntry(2)])
        expect(await again.getBinding('b1')).toEqual(binding('b1'))
        expect(ids(await again.listBindings('c1'))).toEqual(['b1'])
        expect(await again.getInstance('i1')).toMatchObject({ rev: 1, vars: { skor: 87.5 } })
        expect(ids(await again.listInstances('c1'))).toEqual(['i1'])
        expect(ids(await again.listDueInstances(T0))).toEqual(['i1'])
        expect((await again.listEvents('i1')).map((e) => [e.seq, e.type])).toEqual([[1, 'started'], [2, 'submitted']])
        expect(await again.getReceipt('r1')).toEqual(receipt('r1', { status: 'accepted', instance: 'i1' }))
        expect(ids(await again.listReceipts('c1', 'accepted'))).toEqual(['r1'])
        expect((await again.putReceipt(receipt('r1'))).created).toBe(false)
        expect(await again.listOutbox('c1')).toEqual([outboxMessage('m1'), outboxMessage('m2', { status: 'sent', attempts: 1, sentAt: T0 })])
        expect(ids(await again.listOutboxDue(T0, 10))).toEqual(['m1'])
        expect((await again.putOutbox(outboxMessage('m1'))).created).toBe(false)
        await expectCode(again.commitInstance(instance('i1'), 0, []), 'conflict')
        expect((await again.commitInstance(instance('i1'), 1, [event('later')])).rev).toBe(2)
        expect((await again.listEvents('i1')).map((e) => e.seq)).toEqual([1, 2, 3])
      })
    }
  })
}
