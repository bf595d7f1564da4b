/**
 * RFC 9457 problem+json for every error, with the stable `code` of the catalogue. Unknown errors
 * are logged and answered with an opaque 500 that reveals nothing.
 */
import type { Context } from 'hono'
import type { ZodError } from 'zod'
import { AppError, isAppError, type FieldError } from '../errors.ts'
import { toPointer } from '../json/json-pointer.ts'
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
    if (senderHungUp(err, c)) {
      // Not a fault of ours, and nobody is left to read the answer: no alarm in the log.
      logger.info('the sender closed the connection before its request was read', { path, method: c.req.method })
      return problem(new AppError('bad-request', 'the connection closed before the request body arrived'), path)
    }
    logger.error('unhandled error', { path, method: c.req.method, error: err.stack ?? String(err) })
    return problem(new AppError('internal', 'something went wrong on our side; it has been logged'), path)
  }
}

/**
 * A request whose sender went away while its body was read: Node rejects the read with its
 * 'aborted' error (ECONNRESET), or @hono/node-server with the reason it aborted the request for.
 * Only these: any other error thrown after a sender left is still ours to look at.
 */
function senderHungUp(err: Error, c: Context): boolean {
  if ((err as { code?: unknown }).code === 'ECONNRESET' && err.message === 'aborted') return true
  return c.req.raw.signal?.aborted === true && err.message === 'Client connection prematurely closed.'
}

export function zodFieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message }))
}

/**
 * Deepest nesting of a JSON request body, as for webhook bodies (parse-json.ts): `z.unknown()`
 * parts (an action's input, a simulation's data) reach code that copies them recursively
 * (structuredClone), and 3,000 levels overflowed its stack into a 500.
 */
export const MAX_BODY_DEPTH = 64

/** The pointer of the first container nested deeper than `limit`, or undefined; iterative, so it cannot overflow itself. */
export function tooDeep(value: unknown, limit = MAX_BODY_DEPTH): string | undefined {
  type Node = { value: object; depth: number; key: string; parent?: Node }
  const pointer = (n: Node): string => {
    const keys: string[] = []
    for (let at: Node | undefined = n; at?.parent; at = at.parent) keys.unshift(at.key)
    return toPointer(keys)
  }
  if (typeof value !== 'object' || value === null) return undefined
  const stack: Node[] = [{ value, depth: 1, key: '' }]
  while (stack.length) {
    const node = stack.pop()!
    if (node.depth > limit) return pointer(node) || '/'
    for (const [key, child] of Object.entries(node.value)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: node.depth + 1, key, parent: node })
    }
  }
  return undefined
}

/**
 * @hono/zod-openapi's defaultHook: request validation failures become 422 (400 for bad params),
 * and so does a JSON body nested deeper than MAX_BODY_DEPTH.
 */
export function validationHook(result: { success: boolean; error?: ZodError; target: string; data?: unknown }, c: Context): Response | undefined {
  const instance = new URL(c.req.url).pathname
  if (result.success && result.target === 'json') {
    const deep = tooDeep(result.data)
    if (deep !== undefined) {
      return problem(new AppError('validation-failed', `the request body is nested deeper than ${MAX_BODY_DEPTH} levels`, { errors: [{ path: deep, message: `nested deeper than ${MAX_BODY_DEPTH} levels` }] }), instance)
    }
  }
  if (result.success || !result.error) return undefined
  const code = result.target === 'json' ? 'validation-failed' : 'bad-request'
  return problem(new AppError(code, `the request ${result.target === 'json' ? 'body' : result.target} is invalid`, { errors: zodFieldErrors(result.error) }), instance)
}
