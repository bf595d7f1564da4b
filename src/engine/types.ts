/**
 * The engine's inputs and outputs. The engine is pure: `transition` does no I/O and reads no
 * clock; the service supplies `now` and the facts about the employee and carries out the effects.
 */
import type { RosterEntry } from '../generated/types.ts'
import type { Cycle, Instance, ReceivedSubmission } from '../store/records.ts'
import type { NewEvent } from '../store/store.ts'

export type EngineEvent =
  /** Creates the instance's first state (the instance passed in is a blank one made by `newInstance`). */
  | { type: 'start' }
  | { type: 'submission'; submission: ReceivedSubmission; /** true when it replaces the same rater's earlier answer (a form builder edit). */ replace?: boolean }
  /** A person's decision in a review state. `actor` is the NIP of whoever acts. */
  | { type: 'action'; action: string; actor: string; input?: unknown }
  /** A recorded deadline of the current state has come (fired by the service's tick). */
  | { type: 'deadline'; state: string; kind: 'deadline' | 'remind' }
  /**
   * Moves an active instance onto the package passed to `transition` (a new version), at state
   * `to`, which is entered afresh (deadlines and tasks from the new definition). `from` is the
   * version it leaves, for the audit trail.
   */
  | { type: 'migrate'; to: string; from: { id: string; version: string; hash: string } }

export interface EngineEnv {
  now: Date
  cycle: Cycle
  /** The appraisee's roster entry. */
  employee: RosterEntry
  /**
   * This employee's results in earlier cycles (oldest first), as the service found them; or
   * undefined when the service has not looked them up: an expression that reads `history` then
   * makes `transition` throw HistoryNeeded, and the service looks them up and runs the (pure)
   * transition again. Most events (an answer that completes nothing) evaluate no expression, so
   * they never pay for reading the office's other cycles.
   */
  history: unknown[] | undefined
}

/** Thrown through `transition` when an expression reads a history that was not given. */
export class HistoryNeeded extends Error {
  constructor() {
    super('the employee history is needed')
    this.name = 'HistoryNeeded'
  }
}

export type Effect =
  | { type: 'notify'; channel: string; to: unknown; message: unknown; state: string }
  | { type: 'remind'; state: string; roles: string[] }

export interface TransitionResult {
  instance: Instance
  /** Events to append to the instance's trail, in order. */
  events: NewEvent[]
  effects: Effect[]
}
