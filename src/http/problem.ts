/**
 * RFC 9457 problem+json for every error, with the stable `code` of the catalogue. Unknown errors
 * are logged and answered with an opaque 500 that reveals nothing.
 */
import type { Context } from 'hono'
import type { ZodError } from 'zod'
import { AppError, isAppError, type FieldError } from '../errors.ts'
import type { Logger } from '../services/deps.ts'

export function problem(error: AppError, instance?: string): Response {
  const body: Record<string, unknown> = {
    type: `https://kinerja.dev/problems/${error.code}`,
    title: error.title,
    status: error.status,
    code: error.code,
    detail: error.detail,
  }
  if (instance) body.instance = instance
  if (error.errors?.length) body.errors = error.errors
  if (error.extra) Object.assign(body, error.extra)
  return new Response(JSON.stringify(body), { status: error.status, headers: { 'content-type': 'application/problem+json' } })
}

export function onError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    const path = new URL(c.req.url).pathname
    if (isAppError(err)) return problem(err, path)
    // Hono's own HTTP errors (e.g. a malformed body it could not read) are the client's fault.
    const status = (err as { status?: number }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = status === 415 ? 'unsupported-media-type' : status === 413 ? 'payload-too-large' : 'bad-request'
      return problem(new AppError(code, err.message), path)
    }
    logger.error('unhandled error', { path, method: c.req.method, error: err.stack ?? String(err) })
    return problem(new AppError('internal', 'something went wrong on our side; it has been logged'), path)
  }
}

export function zodFieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message }))
}

/** @hono/zod-openapi's defaultHook: request validation failures become 422 (400 for bad params). */
export function validationHook(result: { success: boolean; error?: ZodError; target: string }, c: Context): Response | undefined {
  if (result.success || !result.error) return undefined
  const code = result.target === 'json' ? 'validation-failed' : 'bad-request'
  return problem(new AppError(code, `the request ${result.target === 'json' ? 'body' : result.target} is invalid`, { errors: zodFieldErrors(result.error) }), new URL(c.req.url).pathname)
}
