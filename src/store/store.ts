/**
 * The store port: one interface, shaped by what the services do, implemented by every driver
 * (memory for tests and simulation, lowdb on Node, D1 on Workers). test/store/contract.ts is the
 * one suite every driver must pass.
 *
 * Rules every driver keeps:
 * - create* fails with AppError 'conflict' when the id exists;
 * - save/commit with an expected `rev` fails with VersionConflict unless the stored rev equals it,
 *   and stores the record with rev + 1 (the returned record carries the new rev);
 * - an instance's events get consecutive `seq` from 1, in the order appended, and are written
 *   together with the instance (all or nothing);
 * - a receipt is keyed by its id (derived from binding + idempotency key): putReceipt of an
 *   existing id changes nothing and returns the stored one with created = false;
 * - returned records are copies: mutating them never changes the store (except peekInstance's);
 * - createInstance, putRoster, createBinding and putReceipt for a cycle that does not exist fail
 *   with 'not-found' (drivers keep these records under their cycle);
 * - saveCycle, commitInstance and updateReceipt of a record that does not exist fail with
 *   'not-found', not a version conflict; neither moves a record to another cycle.
 * - outbox messages follow the receipt rules: putOutbox is idempotent by id (created = false and
 *   the stored one when it exists), fails 'not-found' for a cycle that does not exist, and
 *   updateOutbox of an unknown id fails 'not-found' and keeps the message in its cycle.
 */
import type {
  ApiKey,
  Binding,
  Cycle,
  Instance,
  InstanceEvent,
  InstanceStatus,
  Office,
  OutboxMessage,
  OutboxStatus,
  PackageVersion,
  Receipt,
  ReceiptStatus,
  RosterEntry,
} from './records.ts'

export type NewEvent = Omit<InstanceEvent, 'instance' | 'seq'>

export interface InstanceFilter {
  state?: string
  status?: InstanceStatus
}

export interface Store {
  createOffice(office: Office): Promise<void>
  getOffice(id: string): Promise<Office | null>
  listOffices(): Promise<Office[]>

  putKey(key: ApiKey): Promise<void>
  findKeyByHash(hash: string): Promise<ApiKey | null>
  countKeys(): Promise<number>

  /** Idempotent by (id, hash). */
  putPackageVersion(pkg: PackageVersion): Promise<void>
  getPackageVersion(id: string, hash: string): Promise<PackageVersion | null>
  listPackageVersions(id: string): Promise<PackageVersion[]>

  createCycle(cycle: Cycle): Promise<void>
  getCycle(id: string): Promise<Cycle | null>
  saveCycle(cycle: Cycle, expectedRev: number): Promise<Cycle>
  listCycles(office: string): Promise<Cycle[]>
  putRoster(cycle: string, entries: RosterEntry[]): Promise<void>
  getRoster(cycle: string): Promise<RosterEntry[]>
  /** One employee's entry, without copying the whole roster (intake calls this per submission). */
  getRosterEntry(cycle: string, nip: string): Promise<RosterEntry | null>

  createBinding(binding: Binding): Promise<void>
  getBinding(id: string): Promise<Binding | null>
  /** Overwrites a binding that exists (a pull connector's cursor); it stays in its cycle. */
  saveBinding(binding: Binding): Promise<void>
  listBindings(cycle: string): Promise<Binding[]>

  createInstance(instance: Instance, events: NewEvent[]): Promise<Instance>
  getInstance(id: string): Promise<Instance | null>
  /**
   * The instance as stored, without a copy where the driver keeps it in memory (the intake path
   * reads an instance per delivery, and copying the largest record cost a tenth of a delivery).
   * The caller must never change it, nor anything in it; a change would alter the store.
   */
  peekInstance(id: string): Promise<Readonly<Instance> | null>
  /** Saves the instance (rev check) and appends its events atomically. */
  commitInstance(instance: Instance, expectedRev: number, events: NewEvent[]): Promise<Instance>
  listInstances(cycle: string, filter?: InstanceFilter): Promise<Instance[]>
  listEvents(instance: string): Promise<InstanceEvent[]>
  /**
   * Active instances with at least one deadline at or before `now` (ISO time), and any instance
   * still holding messages to move to the outbox (`outbox` not empty).
   */
  listDueInstances(now: string): Promise<Instance[]>

  putReceipt(receipt: Receipt): Promise<{ receipt: Receipt; created: boolean }>
  /** Overwrites a receipt that exists (outcome, reasons, attempts). */
  updateReceipt(receipt: Receipt): Promise<void>
  getReceipt(id: string): Promise<Receipt | null>
  listReceipts(cycle: string, status?: ReceiptStatus): Promise<Receipt[]>

  putOutbox(message: OutboxMessage): Promise<{ message: OutboxMessage; created: boolean }>
  /** Overwrites a message that exists (status, attempts, next try). */
  updateOutbox(message: OutboxMessage): Promise<void>
  /** Pending messages whose next try is at or before `now` (ISO time), earliest first, at most `limit`. */
  listOutboxDue(now: string, limit: number): Promise<OutboxMessage[]>
  /** A cycle's messages, oldest first. */
  listOutbox(cycle: string, status?: OutboxStatus): Promise<OutboxMessage[]>
}
