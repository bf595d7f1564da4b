/**
 * The Store on lowdb documents (the Node default), sharded so a write's cost does not grow with
 * the data held:
 *   offices.json, keys.json                         small catalogues
 *   packages/<id>/<hash>.json                       one stored package version
 *   cycles/<cycle>.json                             the cycle record (list('cycles') finds them all)
 *   cycles/<cycle>/roster.json, bindings.json       the cycle's roster and bindings
 *   cycles/<cycle>/instances/<id>.json              one instance AND its events: a commit is one write
 *   cycles/<cycle>/receipts/<id>.json               one raw webhook receipt
 *   cycles/<cycle>/outbox/<id>.json                 one outbound message and its delivery state
 * This process is the only writer of its data folder, so what it reads at open stays true: offices,
 * keys, cycles, rosters, bindings, instances and outbox messages (small, and the sender scans
 * them for due ones) live in memory (each document a Low whose `data` is
 * replaced, never mutated). Package versions load per id on first use; receipts, whose bodies are
 * the bulk of the data, are only indexed (id -> cycle, status) and read when asked for.
 * Existence and `rev` checks run on the cache before the first await, so of two writers expecting
 * the same rev exactly one wins.
 */
import { Low } from 'lowdb'
import { AppError, VersionConflict } from '../errors.ts'
import { copy, copyOver } from './copy.ts'
import { docName, idOfDocName, type DocumentFiles } from './document-files.ts'
import type {
  ApiKey, Binding, Cycle, Instance, InstanceEvent, Office, OutboxMessage, OutboxStatus, PackageVersion, Receipt, ReceiptStatus, RosterEntry,
} from './records.ts'
import type { InstanceFilter, NewEvent, Store } from './store.ts'

/**
 * The folders whose documents are many, small and written once or twice (the raw receipts): a
 * driver that can keep such documents together (node-document-files.ts packs) does so for these.
 */
export const isPackedFolder = (folder: string): boolean => /^cycles\/[^/]+\/receipts$/.test(folder)

interface InstanceDoc {
  instance: Instance
  events: InstanceEvent[]
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const jsonNames = (names: string[]) => names.filter((n) => n.endsWith('.json'))

/** Runs `fn` over `items` with at most `limit` in flight (opening 10,000 files at once fails). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

export async function createLowdbStore(files: DocumentFiles): Promise<Store> {
  const low = <T>(path: string, data: T) => new Low<T>(files.adapter<T>(path), data)
  const read = async <T>(path: string): Promise<T | null> => {
    const doc = low<T | null>(path, null)
    await doc.read()
    return doc.data
  }

  const cycleDir = (cycle: string) => `cycles/${docName(cycle)}`
  const instancePath = (cycle: string, id: string) => `${cycleDir(cycle)}/instances/${docName(id)}.json`
  const receiptPath = (cycle: string, id: string) => `${cycleDir(cycle)}/receipts/${docName(id)}.json`
  const outboxPath = (cycle: string, id: string) => `${cycleDir(cycle)}/outbox/${docName(id)}.json`
  const packagePath = (id: string, hash: string) => `packages/${docName(id)}/${docName(hash)}.json`

  // Write bookkeeping: the cache already holds the new value when a write starts. If the write
  // fails, `undo` restores the cache unless a later change to the same document superseded this
  // one (that later write carries both). A failed write is never reported as a success.
  const latest = new Map<unknown, number>() // document (its Low, or its path) -> last write issued
  let writes = 0
  async function save<T>(doc: Low<T>, undo: () => void, key: unknown = doc): Promise<void> {
    const n = ++writes
    latest.set(key, n)
    try {
      await doc.write()
    } catch (e) {
      if (latest.get(key) === n) undo()
      throw e
    } finally {
      if (latest.get(key) === n) latest.delete(key)
    }
  }
  function replace<T>(doc: Low<T>, next: T): Promise<void> {
    const prev = doc.data
    doc.data = next
    return save(doc, () => {
      doc.data = prev
    })
  }

  // ---- load at open ----
  const offices = low<Office[]>('offices.json', [])
  const keys = low<ApiKey[]>('keys.json', [])
  await Promise.all([offices.read(), keys.read()])

  interface CycleState {
    doc: Low<Cycle>
    roster: Low<RosterEntry[]>
    rosterIndex?: { source: RosterEntry[]; byNip: Map<string, RosterEntry> }
    bindings: Low<Binding[]>
    instances: Set<string>
    /** receipt id -> status, null until read (receipts are indexed at open, not read). */
    receipts: Map<string, ReceiptStatus | null>
    outbox: Set<string>
  }
  const cycles = new Map<string, CycleState>()
  const instances = new Map<string, Low<InstanceDoc>>()
  const bindingCycle = new Map<string, string>()
  const receiptCycle = new Map<string, string>()
  const outbox = new Map<string, Low<OutboxMessage>>()
  const packages = new Map<string, Promise<Map<string, PackageVersion>>>()

  const cycleState = (doc: Low<Cycle>): CycleState => ({
    doc,
    roster: low<RosterEntry[]>(`${cycleDir(doc.data.id)}/roster.json`, []),
    bindings: low<Binding[]>(`${cycleDir(doc.data.id)}/bindings.json`, []),
    instances: new Set(),
    receipts: new Map(),
    outbox: new Set(),
  })

  async function loadCycle(name: string): Promise<void> {
    const doc = low<Cycle | null>(`cycles/${name}`, null)
    await doc.read()
    if (!doc.data) return
    const id = doc.data.id
    const state = cycleState(doc as Low<Cycle>)
    cycles.set(id, state)
    await Promise.all([state.roster.read(), state.bindings.read()])
    for (const b of state.bindings.data) bindingCycle.set(b.id, id)
    const names = jsonNames(await files.list(`${cycleDir(id)}/instances`))
    await mapLimit(names, 32, async (n) => {
      const inst = low<InstanceDoc | null>(`${cycleDir(id)}/instances/${n}`, null)
      await inst.read()
      if (!inst.data) return
      instances.set(inst.data.instance.id, inst as Low<InstanceDoc>)
      state.instances.add(inst.data.instance.id)
    })
    for (const n of jsonNames(await files.list(`${cycleDir(id)}/receipts`))) {
      state.receipts.set(idOfDocName(n), null)
      receiptCycle.set(idOfDocName(n), id)
    }
    const outboxNames = jsonNames(await files.list(`${cycleDir(id)}/outbox`))
    await mapLimit(outboxNames, 32, async (n) => {
      const msg = low<OutboxMessage | null>(`${cycleDir(id)}/outbox/${n}`, null)
      await msg.read()
      if (!msg.data) return
      outbox.set(msg.data.id, msg as Low<OutboxMessage>)
      state.outbox.add(msg.data.id)
    })
  }
  await mapLimit(jsonNames(await files.list('cycles')), 4, loadCycle)

  // ---- helpers on the cache ----
  const requireCycle = (id: string): CycleState => {
    const state = cycles.get(id)
    if (!state) throw new AppError('not-found', `No cycle ${id}`)
    return state
  }
  const stamp = (instance: string, from: number, list: NewEvent[]): InstanceEvent[] =>
    list.map((e, i) => ({ ...copy(e), instance, seq: from + i + 1 }))
  const sortBy = <T extends { id: string }>(list: T[], first: (x: T) => string = () => '') =>
    copy(list.sort((a, b) => cmp(first(a), first(b)) || cmp(a.id, b.id)))

  function versionsOf(id: string): Promise<Map<string, PackageVersion>> {
    let loaded = packages.get(id)
    if (!loaded) {
      loaded = (async () => {
        const names = jsonNames(await files.list(`packages/${docName(id)}`))
        const found = await mapLimit(names, 8, (n) => read<PackageVersion>(`packages/${docName(id)}/${n}`))
        return new Map(found.filter((p) => p !== null).map((p) => [p.hash, p]))
      })()
      loaded.catch(() => packages.delete(id))
      packages.set(id, loaded)
    }
    return loaded
  }

  async function readReceipt(id: string): Promise<Receipt | null> {
    const cycle = receiptCycle.get(id)
    if (cycle === undefined) return null
    const receipt = await read<Receipt>(receiptPath(cycle, id))
    // Only fill a status not known yet: a known one may come from a write newer than this read.
    const statuses = cycles.get(cycle)?.receipts
    if (receipt && statuses?.get(id) === null) statuses.set(id, receipt.status)
    return receipt
  }

  return {
    async createOffice(office) {
      if (offices.data.some((o) => o.id === office.id)) throw new AppError('conflict', `Office ${office.id} exists`)
      await replace(offices, [...offices.data, copy(office)])
    },
    async getOffice(id) {
      return copy(offices.data.find((o) => o.id === id) ?? null)
    },
    async listOffices() {
      return sortBy([...offices.data], (o) => o.id)
    },

    async putKey(key) {
      await replace(keys, [...keys.data.filter((k) => k.id !== key.id), copy(key)])
    },
    async findKeyByHash(hash) {
      return copy(keys.data.find((k) => k.hash === hash) ?? null)
    },
    async countKeys() {
      return keys.data.length
    },

    async putPackageVersion(pkg) {
      const path = packagePath(pkg.id, pkg.hash)
      const versions = await versionsOf(pkg.id)
      if (versions.has(pkg.hash)) return
      const stored = copy(pkg)
      versions.set(pkg.hash, stored)
      await save(low(path, stored), () => versions.delete(pkg.hash))
    },
    async getPackageVersion(id, hash) {
      return copy((await versionsOf(id)).get(hash) ?? null)
    },
    async listPackageVersions(id) {
      const list = [...(await versionsOf(id)).values()]
      return copy(list.sort((a, b) => cmp(a.storedAt, b.storedAt) || cmp(a.hash, b.hash)))
    },

    async createCycle(cycle) {
      const doc = low<Cycle>(`${cycleDir(cycle.id)}.json`, copy(cycle))
      if (cycles.has(cycle.id)) throw new AppError('conflict', `Cycle ${cycle.id} exists`)
      cycles.set(cycle.id, cycleState(doc))
      await save(doc, () => cycles.delete(cycle.id))
    },
    async getCycle(id) {
      return copy(cycles.get(id)?.doc.data ?? null)
    },
    async saveCycle(cycle, expectedRev) {
      const { doc } = requireCycle(cycle.id)
      if (doc.data.rev !== expectedRev) throw new VersionConflict(`Cycle ${cycle.id}`, expectedRev, doc.data.rev)
      const next = { ...copy(cycle), rev: expectedRev + 1 }
      await replace(doc, next)
      return copy(next)
    },
    async listCycles(office) {
      return sortBy([...cycles.values()].map((c) => c.doc.data).filter((c) => c.office === office), (c) => c.createdAt)
    },
    async putRoster(cycle, entries) {
      await replace(requireCycle(cycle).roster, copy(entries))
    },
    async getRoster(cycle) {
      return copy(cycles.get(cycle)?.roster.data ?? [])
    },
    async getRosterEntry(cycle, nip) {
      const state = cycles.get(cycle)
      if (!state) return null
      // Rebuilt only when the roster document is replaced (putRoster assigns a new array).
      if (state.rosterIndex?.source !== state.roster.data) {
        state.rosterIndex = { source: state.roster.data, byNip: new Map(state.roster.data.map((e) => [e.nip, e])) }
      }
      return copy(state.rosterIndex.byNip.get(nip) ?? null)
    },

    async createBinding(binding) {
      if (bindingCycle.has(binding.id)) throw new AppError('conflict', `Binding ${binding.id} exists`)
      const doc = requireCycle(binding.cycle).bindings
      bindingCycle.set(binding.id, binding.cycle)
      const prev = doc.data
      doc.data = [...prev, copy(binding)]
      await save(doc, () => {
        doc.data = prev
        bindingCycle.delete(binding.id)
      })
    },
    async getBinding(id) {
      const cycle = bindingCycle.get(id)
      const found = cycle === undefined ? undefined : cycles.get(cycle)?.bindings.data.find((b) => b.id === id)
      return copy(found ?? null)
    },
    async saveBinding(binding) {
      const cycle = bindingCycle.get(binding.id)
      const doc = cycle === undefined ? undefined : cycles.get(cycle)?.bindings
      if (cycle === undefined || !doc) throw new AppError('not-found', `No binding ${binding.id}`)
      await replace(doc, doc.data.map((b) => (b.id === binding.id ? { ...copy(binding), cycle } : b)))
    },
    async listBindings(cycle) {
      return sortBy([...(cycles.get(cycle)?.bindings.data ?? [])], (b) => b.createdAt)
    },

    async createInstance(instance, initial) {
      const path = instancePath(instance.cycle, instance.id)
      if (instances.has(instance.id)) throw new AppError('conflict', `Instance ${instance.id} exists`)
      const owner = requireCycle(instance.cycle)
      const doc = low<InstanceDoc>(path, { instance: copy(instance), events: stamp(instance.id, 0, initial) })
      instances.set(instance.id, doc)
      owner.instances.add(instance.id)
      await save(doc, () => {
        instances.delete(instance.id)
        owner.instances.delete(instance.id)
      })
      return { ...instance }
    },
    async getInstance(id) {
      return copy(instances.get(id)?.data.instance ?? null)
    },
    async peekInstance(id) {
      return instances.get(id)?.data.instance ?? null
    },
    async commitInstance(instance, expectedRev, added) {
      const doc = instances.get(instance.id)
      if (!doc) throw new AppError('not-found', `No instance ${instance.id}`)
      const { instance: stored, events } = doc.data
      if (stored.rev !== expectedRev) throw new VersionConflict(`Instance ${instance.id}`, expectedRev, stored.rev)
      // The file lives in its cycle's folder: an instance never moves to another cycle.
      const next = { ...copyOver(instance, stored), cycle: stored.cycle, rev: expectedRev + 1 }
      await replace(doc, { instance: next, events: [...events, ...stamp(instance.id, events.length, added)] })
      // What is stored is a copy; the answer is built on the caller's own object (changing it
      // changes only that), which saves a second deep copy of the largest record per commit.
      return { ...instance, cycle: stored.cycle, rev: expectedRev + 1 }
    },
    async listInstances(cycle, filter: InstanceFilter = {}) {
      const list = [...(cycles.get(cycle)?.instances ?? [])]
        .map((id) => instances.get(id)?.data.instance)
        .filter((i): i is Instance =>
          i !== undefined &&
          (filter.state === undefined || i.state === filter.state) &&
          (filter.status === undefined || i.status === filter.status))
      return sortBy(list)
    },
    async listEvents(instance) {
      return copy(instances.get(instance)?.data.events ?? [])
    },
    async listDueInstances(now) {
      const t = Date.parse(now)
      const due = [...instances.values()]
        .map((doc) => doc.data.instance)
        .filter((i) => (i.status === 'active' && i.deadlines.some((d) => Date.parse(d.at) <= t)) || (i.outbox?.length ?? 0) > 0)
      return sortBy(due)
    },

    async putReceipt(receipt) {
      if (receiptCycle.has(receipt.id)) {
        const stored = await readReceipt(receipt.id)
        if (!stored) throw new AppError('unavailable', `Receipt ${receipt.id} is being stored, try again`)
        return { receipt: stored, created: false }
      }
      const path = receiptPath(receipt.cycle, receipt.id)
      const { receipts } = requireCycle(receipt.cycle)
      receipts.set(receipt.id, receipt.status)
      receiptCycle.set(receipt.id, receipt.cycle)
      const undo = () => {
        receipts.delete(receipt.id)
        receiptCycle.delete(receipt.id)
      }
      await save(low(path, copy(receipt)), undo, path)
      return { receipt: { ...receipt }, created: true }
    },
    async updateReceipt(receipt) {
      const cycle = receiptCycle.get(receipt.id)
      const statuses = cycle === undefined ? undefined : cycles.get(cycle)?.receipts
      if (cycle === undefined || !statuses) throw new AppError('not-found', `No receipt ${receipt.id}`)
      const prev = statuses.get(receipt.id) ?? null
      statuses.set(receipt.id, receipt.status)
      const path = receiptPath(cycle, receipt.id)
      await save(low(path, { ...copy(receipt), cycle }), () => statuses.set(receipt.id, prev), path)
    },
    async getReceipt(id) {
      return readReceipt(id)
    },
    async listReceipts(cycle, status?: ReceiptStatus) {
      const ids = [...(cycles.get(cycle)?.receipts ?? [])]
        .filter(([, known]) => status === undefined || known === null || known === status)
        .map(([id]) => id)
      const found = await mapLimit(ids, 16, readReceipt)
      const list = found.filter((r): r is Receipt => r !== null && (status === undefined || r.status === status))
      return list.sort((a, b) => cmp(a.receivedAt, b.receivedAt) || cmp(a.id, b.id))
    },

    async putOutbox(message) {
      const stored = outbox.get(message.id)
      if (stored) return { message: copy(stored.data), created: false }
      const owner = requireCycle(message.cycle)
      const doc = low<OutboxMessage>(outboxPath(message.cycle, message.id), copy(message))
      outbox.set(message.id, doc)
      owner.outbox.add(message.id)
      await save(doc, () => {
        outbox.delete(message.id)
        owner.outbox.delete(message.id)
      })
      return { message: copy(message), created: true }
    },
    async updateOutbox(message) {
      const doc = outbox.get(message.id)
      if (!doc) throw new AppError('not-found', `No outbox message ${message.id}`)
      await replace(doc, { ...copy(message), cycle: doc.data.cycle })
    },
    async listOutboxDue(now, limit) {
      const t = Date.parse(now)
      const due = [...outbox.values()]
        .map((doc) => doc.data)
        .filter((m) => m.status === 'pending' && Date.parse(m.nextAttemptAt) <= t)
      return copy(due.sort((a, b) => cmp(a.nextAttemptAt, b.nextAttemptAt) || cmp(a.id, b.id)).slice(0, limit))
    },
    async listOutbox(cycle, status?: OutboxStatus) {
      const list = [...(cycles.get(cycle)?.outbox ?? [])]
        .map((id) => outbox.get(id)?.data)
        .filter((m): m is OutboxMessage => m !== undefined && (status === undefined || m.status === status))
      return sortBy(list, (m) => m.createdAt)
    },
  }
}
