/**
 * The AppError a call throws, for tests that assert what was refused and why.
 */
import { type AppError, isAppError } from '../../src/errors.ts'

export function failure(fn: () => unknown): AppError {
  try {
    fn()
  } catch (e) {
    if (isAppError(e)) return e
    throw e
  }
  throw new Error('expected an AppError')
}
