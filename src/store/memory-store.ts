/**
 * The Store in plain Maps: for tests, simulation and the CLI. Keeps every rule of the port
 * (src/store/store.ts); records go in and come out as deep copies.
 */
import { AppError, VersionConflict } from '../errors.ts'
import type {
  ApiKey,
  Binding,
  Cycle,
  Instance,
  InstanceEvent,
  Office,
  OutboxMessage,
  OutboxStatus,
  PackageVersion,
  Receipt,
  ReceiptStatus,
  RosterEntry,
} from './records.ts'
import type { InstanceFilter, NewEvent, Store } from './store.ts'
import { copy, copyOver } from './copy.ts'

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export function createMemoryStore(): Store {
  const offices = new Map<string, Office>()
  const keys = new Map<string, ApiKey>()
  const packages = new Map<string, Map<string, PackageVersion>>()
  const cycles = new Map<string, Cycle>()
  const rosters = new Map<string, RosterEntry[]>()
  const rosterIndex = new Map<string, Map<string, RosterEntry>>()
  const bindings = new Map<string, Binding>()
  const instances = new Map<string, Instance>()
  const events = new Map<string, InstanceEvent[]>()
  const receipts = new Map<string, Receipt>()
  const outbox = new Map<string, OutboxMessage>()

  // Every record of a cycle lives under it (the lowdb driver keeps them in the cycle's folder).
  const requireCycle = (id: string) => {
    if (!cycles.has(id)) throw new AppError('not-found', `No cycle ${id}`)
  }
  const stamp = (instance: string, from: number, list: NewEvent[]): InstanceEvent[] =>
    list.map((e, i) => ({ ...copy(e), instance, seq: from + i + 1 }))

  return {
    async createOffice(office) {
      if (offices.has(office.id)) throw new AppError('conflict', `Office ${office.id} exists`)
      offices.set(office.id, copy(office))
    },
    async getOffice(id) {
      return copy(offices.get(id) ?? null)
    },
    async listOffices() {
      return copy([...offices.values()].sort((a, b) => cmp(a.id, b.id)))
    },

    async putKey(key) {
      keys.set(key.id, copy(key))
    },
    async findKeyByHash(hash) {
      return copy([...keys.values()].find((k) => k.hash === hash) ?? null)
    },
    async countKeys() {
      return keys.size
    },

    async putPackageVersion(pkg) {
      const versions = packages.get(pkg.id) ?? new Map<string, PackageVersion>()
      packages.set(pkg.id, versions)
      if (!versions.has(pkg.hash)) versions.set(pkg.hash, copy(pkg))
    },
    async getPackageVersion(id, hash) {
      return copy(packages.get(id)?.get(hash) ?? null)
    },
    async listPackageVersions(id) {
      const list = [...(packages.get(id)?.values() ?? [])]
      return copy(list.sort((a, b) => cmp(a.storedAt, b.storedAt) || cmp(a.hash, b.hash)))
    },

    async createCycle(cycle) {
      if (cycles.has(cycle.id)) throw new AppError('conflict', `Cycle ${cycle.id} exists`)
      cycles.set(cycle.id, copy(cycle))
    },
    async getCycle(id) {
      return copy(cycles.get(id) ?? null)
    },
    async saveCycle(cycle, expectedRev) {
      const stored = cycles.get(cycle.id)
      if (!stored) throw new AppError('not-found', `No cycle ${cycle.id}`)
      if (stored.rev !== expectedRev) throw new VersionConflict(`Cycle ${cycle.id}`, expectedRev, stored.rev)
      const next = { ...copy(cycle), rev: expectedRev + 1 }
      cycles.set(cycle.id, next)
      return copy(next)
    },
    async listCycles(office) {
      const list = [...cycles.values()].filter((c) => c.office === office)
      return copy(list.sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id)))
    },
    async putRoster(cycle, entries) {
      requireCycle(cycle)
      rosters.set(cycle, copy(entries))
      rosterIndex.delete(cycle)
    },
    async getRoster(cycle) {
      return copy(rosters.get(cycle) ?? [])
    },
    async getRosterEntry(cycle, nip) {
      let index = rosterIndex.get(cycle)
      if (!index) rosterIndex.set(cycle, (index = new Map((rosters.get(cycle) ?? []).map((e) => [e.nip, e]))))
      return copy(index.get(nip) ?? null)
    },

    async createBinding(binding) {
      if (bindings.has(binding.id)) throw new AppError('conflict', `Binding ${binding.id} exists`)
      requireCycle(binding.cycle)
      bindings.set(binding.id, copy(binding))
    },
    async getBinding(id) {
      return copy(bindings.get(id) ?? null)
    },
    async saveBinding(binding) {
      const stored = bindings.get(binding.id)
      if (!stored) throw new AppError('not-found', `No binding ${binding.id}`)
      bindings.set(binding.id, { ...copy(binding), cycle: stored.cycle })
    },
    async listBindings(cycle) {
      const list = [...bindings.values()].filter((b) => b.cycle === cycle)
      return copy(list.sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id)))
    },

    async createInstance(instance, initial) {
      if (instances.has(instance.id)) throw new AppError('conflict', `Instance ${instance.id} exists`)
      requireCycle(instance.cycle)
      instances.set(instance.id, copy(instance))
      events.set(instance.id, stamp(instance.id, 0, initial))
      return copy(instance)
    },
    async getInstance(id) {
      return copy(instances.get(id) ?? null)
    },
    async peekInstance(id) {
      return instances.get(id) ?? null
    },
    async commitInstance(instance, expectedRev, added) {
      const stored = instances.get(instance.id)
      if (!stored) throw new AppError('not-found', `No instance ${instance.id}`)
      if (stored.rev !== expectedRev) throw new VersionConflict(`Instance ${instance.id}`, expectedRev, stored.rev)
      const next = { ...copyOver(instance, stored), cycle: stored.cycle, rev: expectedRev + 1 }
      const trail = events.get(instance.id) ?? []
      instances.set(instance.id, next)
      events.set(instance.id, [...trail, ...stamp(instance.id, trail.length, added)])
      return copy(next)
    },
    async listInstances(cycle, filter: InstanceFilter = {}) {
      const list = [...instances.values()].filter(
        (i) =>
          i.cycle === cycle &&
          (filter.state === undefined || i.state === filter.state) &&
          (filter.status === undefined || i.status === filter.status),
      )
      return copy(list.sort((a, b) => cmp(a.id, b.id)))
    },
    async listEvents(instance) {
      return copy(events.get(instance) ?? [])
    },
    async listDueInstances(now) {
      const t = Date.parse(now)
      const due = [...instances.values()].filter(
        (i) => (i.status === 'active' && i.deadlines.some((d) => Date.parse(d.at) <= t)) || (i.outbox?.length ?? 0) > 0,
      )
      return copy(due.sort((a, b) => cmp(a.id, b.id)))
    },

    async putReceipt(receipt) {
      const stored = receipts.get(receipt.id)
      if (stored) return { receipt: copy(stored), created: false }
      requireCycle(receipt.cycle)
      receipts.set(receipt.id, copy(receipt))
      return { receipt: copy(receipt), created: true }
    },
    async updateReceipt(receipt) {
      const stored = receipts.get(receipt.id)
      if (!stored) throw new AppError('not-found', `No receipt ${receipt.id}`)
      receipts.set(receipt.id, { ...copy(receipt), cycle: stored.cycle })
    },
    async getReceipt(id) {
      return copy(receipts.get(id) ?? null)
    },
    async listReceipts(cycle, status?: ReceiptStatus) {
      const list = [...receipts.values()].filter(
        (r) => r.cycle === cycle && (status === undefined || r.status === status),
      )
      return copy(list.sort((a, b) => cmp(a.receivedAt, b.receivedAt) || cmp(a.id, b.id)))
    },

    async putOutbox(message) {
      const stored = outbox.get(message.id)
      if (stored) return { message: copy(stored), created: false }
      requireCycle(message.cycle)
      outbox.set(message.id, copy(message))
      return { message: copy(message), created: true }
    },
    async updateOutbox(message) {
      const stored = outbox.get(message.id)
      if (!stored) throw new AppError('not-found', `No outbox message ${message.id}`)
      outbox.set(message.id, { ...copy(message), cycle: stored.cycle })
    },
    async listOutboxDue(now, limit) {
      const t = Date.parse(now)
      const due = [...outbox.values()].filter((m) => m.status === 'pending' && Date.parse(m.nextAttemptAt) <= t)
      return copy(due.sort((a, b) => cmp(a.nextAttemptAt, b.nextAttemptAt) || cmp(a.id, b.id)).slice(0, limit))
    },
    async listOutbox(cycle, status?: OutboxStatus) {
      const list = [...outbox.values()].filter((m) => m.cycle === cycle && (status === undefined || m.status === status))
      return copy(list.sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id)))
    },
  }
}
