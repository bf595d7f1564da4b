/**
 * The records the store keeps. These are the service's own bookkeeping, not formats HR writes
 * (those are generated from schemas/ into src/generated/types.ts).
 */
import type { RosterEntry, Submission } from '../generated/types.ts'
import type { CycleRuleResult } from '../engine/cycle-rules.ts'

export type KeyRole = 'admin' | 'hr' | 'viewer'

export interface Office {
  id: string
  name: string
  createdAt: string
}

export interface ApiKey {
  id: string
  /** hex SHA-256 of the key; the key itself is shown once and never stored. */
  hash: string
  role: KeyRole
  /** null: every office (only for admin keys). */
  office: string | null
  label: string
  createdAt: string
}

/** One stored version of a package: exactly the files it ran with. */
export interface PackageVersion {
  id: string
  version: string
  hash: string
  files: Record<string, string>
  storedAt: string
}

export type CycleStatus = 'draft' | 'running' | 'closed'

export interface Cycle {
  id: string
  office: string
  name: string
  package: { id: string; version: string; hash: string }
  status: CycleStatus
  /** Optimistic-concurrency counter, bumped by every save. */
  rev: number
  rosterSize: number
  createdAt: string
  startedAt?: string
  /**
   * Facts of this period that HR sets per cycle and the expressions read as `cycle.params`: the
   * kind of period (e.g. `{"periode": "tahunan", "tahun": 2026}`), the organisation's predikat.
   */
  params?: Record<string, unknown>
  /** Every move to a new package version: when, by which key, from, to, where states went. */
  migrations?: Migration[]
  /** When the cycle was closed (its results frozen) and by which key. */
  closedAt?: string
  closedBy?: string
  /** What was true when it closed: the cycle rules' results and the appraisals left unfinished. */
  closing?: Closing
}

/** The record of a cycle's closing, kept with the frozen results. */
export interface Closing {
  /** Every cycle rule of the package as evaluated at closing (`warn` rules may be broken). */
  rules: CycleRuleResult[]
  /** Appraisals not done when the cycle closed (only with `force`): frozen as they were. */
  unfinished: { active: number; failed: number }
  /** true when HR closed it with appraisals unfinished. */
  forced: boolean
}

export interface Migration {
  at: string
  by: string
  from: { id: string; version: string; hash: string }
  to: { id: string; version: string; hash: string }
  states: Record<string, string>
  moved: number
}

export type SecretRef = { env: string } | { stored: string }

export interface Binding {
  id: string
  cycle: string
  office: string
  plugin: string
  /** The cycle's form this binding feeds (a form id of the package). */
  form: string
  secret: SecretRef
  /** Normalised answer field -> form property; may name subject/rater/role sources too. */
  mapping: Record<string, string>
  /**
   * Form property -> {value as the builder sends it -> value the form wants}, for builders that
   * send labels ("Atasan langsung") where the form wants codes ("supervisor").
   */
  values?: Record<string, Record<string, string | number | boolean>>
  /** JSONata from the normalised fields to form properties; its result wins over `mapping`. */
  transform?: string
  /** For sources with no webhooks (ODK Central): where kinerja pulls submissions from. */
  pull?: PullSource
  /** The pull connector's position: what has been fetched and handed to the intake. */
  cursor?: string
  createdAt: string
}

export interface PullSource {
  /** The server, e.g. https://odk.example.go.id */
  base: string
  projectId: number
  formId: string
  /** Page size. */
  top?: number
}

/** A received answer as the instance keeps it. */
export interface ReceivedSubmission extends Submission {
  receipt: string
  receivedAt: string
}

export interface Deadline {
  state: string
  kind: 'deadline' | 'remind'
  at: string
}

export interface Task {
  state: string
  /** The role whose person must act (collect: the raters still awaited; review: the actor). */
  role: string
  /** How many answers (collect) or decisions (review) are still awaited from this role. */
  remaining: number
  /** NIPs of the people who may act; omitted for anonymous roles so no listing reveals a peer. */
  who?: string[]
  /** review: the actions the actor may take. */
  actions?: string[]
  due?: string
}

export type InstanceStatus = 'active' | 'done' | 'failed'

export interface Explanation {
  var: string
  state: string
  file: string
  pointer: string
  source: string
  package: { id: string; version: string; hash: string }
  at: string
}

export interface Instance {
  id: string
  cycle: string
  office: string
  nip: string
  /** The package version it runs on, once a migration moved it (before: the cycle's). */
  package?: { id: string; version: string; hash: string }
  /** Optimistic-concurrency counter, bumped by every save. */
  rev: number
  status: InstanceStatus
  state: string
  stateEnteredAt: string
  vars: Record<string, unknown>
  /** role -> answers received, in arrival order (an edit replaces its rater's earlier one). */
  responses: Record<string, ReceivedSubmission[]>
  tasks: Task[]
  deadlines: Deadline[]
  explanations: Record<string, Explanation>
  error?: { code: string; message: string; state: string; at: string }
  outcome?: string
  /**
   * Messages this instance's last commits produced, saved in the same write as the change that
   * produced them and moved to the outbox right after. A crash in between leaves them here for
   * the tick to move, so no message is lost and none is made twice.
   */
  outbox?: OutboxMessage[]
  createdAt: string
  updatedAt: string
}

export interface InstanceEvent {
  instance: string
  /** 1-based position in the instance's trail. */
  seq: number
  type: string
  at: string
  data: Record<string, unknown>
}

/** 'partial': a builder's partial response (Typeform), kept but never scored. */
export type ReceiptStatus = 'received' | 'accepted' | 'duplicate' | 'rejected' | 'partial'

export interface Receipt {
  /** Derived from binding + idempotency key, so the same delivery always maps to the same receipt. */
  id: string
  binding: string
  cycle: string
  office: string
  idempotencyKey: string
  receivedAt: string
  contentType: string
  /** The body as received, decoded as UTF-8 (exact unless `bodyBase64` is set). */
  body: string
  /**
   * The exact bytes, base64, when they are not valid UTF-8: `body` then shows them with U+FFFD
   * where a byte could not be read, and a replay parses these bytes.
   */
  bodyBase64?: string
  /** Request headers with secrets removed. */
  headers: Record<string, string>
  status: ReceiptStatus
  reasons: string[]
  /** NIP of the employee the submission is about, once known. */
  subject?: string
  instance?: string
  attempts: number
  updatedAt: string
}

export type OutboxStatus = 'pending' | 'sent' | 'failed'

/** One outbound message (a notify state or a reminder), stored before it is sent. */
export interface OutboxMessage {
  /** Derived from instance + commit + effect position, so one effect never gets two messages. */
  id: string
  instance: string
  cycle: string
  office: string
  /** The channel it goes through (KINERJA_CHANNEL_<NAME>_URL on Node). */
  channel: string
  kind: 'notify' | 'remind'
  state: string
  to: unknown
  message: unknown
  /** A signed link for each person the appraisal waits on to decide (see action-links.ts). */
  links?: { nip: string; url: string; expiresAt: string; state: string; actions: string[] }[]
  status: OutboxStatus
  attempts: number
  /** ISO time of the next try while pending. */
  nextAttemptAt: string
  lastError?: string
  createdAt: string
  sentAt?: string
}

export type { RosterEntry }
