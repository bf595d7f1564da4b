/**
 * One error hierarchy for the whole service. Every error a user can cause is an AppError with a
 * stable `code` from the catalogue below; the HTTP layer renders it as RFC 9457 problem+json.
 * Anything else is a bug and becomes an opaque, logged 500.
 */

export interface FieldError {
  /** JSON pointer (or CSV "row 3, column nip") of the offending value. */
  path: string
  message: string
}

/** code -> [HTTP status, title]. Codes are part of the public API: never rename one. */
export const ERROR_CATALOGUE = {
  'bad-request': [400, 'The request is malformed'],
  'invalid-json': [400, 'The body is not valid JSON'],
  'unauthorized': [401, 'A valid API key is required'],
  'bad-signature': [401, 'The webhook could not be authenticated'],
  'forbidden': [403, 'This key may not do that'],
  'action-forbidden': [403, 'Only the person the state names may take this action'],
  'not-found': [404, 'No such resource'],
  'conflict': [409, 'The resource changed or is in the wrong state'],
  'cycle-rules-broken': [409, 'A blocking cycle rule is broken'],
  'version-not-bumped': [409, 'Package content changed but its version did not'],
  'payload-too-large': [413, 'The body is too large'],
  'unsupported-media-type': [415, 'That content type is not accepted here'],
  'validation-failed': [422, 'The content is invalid'],
  'invalid-package': [422, 'The package is invalid'],
  'invalid-roster': [422, 'The roster is invalid'],
  'submission-rejected': [422, 'The submission was not accepted'],
  'action-rejected': [422, 'The action is not possible now'],
  'expression-failed': [422, 'A package expression failed'],
  'unavailable': [503, 'Temporarily unavailable, try again'],
  'internal': [500, 'Internal error'],
} as const satisfies Record<string, readonly [number, string]>

export type ErrorCode = keyof typeof ERROR_CATALOGUE

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly errors: FieldError[] | undefined
  readonly extra: Record<string, unknown> | undefined

  constructor(
    code: ErrorCode,
    detail: string,
    opts: { errors?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause })
    const [status, title] = ERROR_CATALOGUE[code]
    this.name = 'AppError'
    this.code = code
    this.status = status
    this.title = title
    this.detail = detail
    this.errors = opts.errors
    this.extra = opts.extra
  }
}

/** Thrown by a store when a save's expected version is not the stored one. */
export class VersionConflict extends AppError {
  constructor(what: string, expected: number, actual: number | undefined) {
    super('conflict', `${what} was changed by someone else (expected version ${expected}, found ${actual ?? 'none'})`)
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError
