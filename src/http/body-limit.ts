/**
 * The body ceiling of a route, checked before anything reads the body. A declared Content-Length is
 * checked from the header alone, without touching the body: hono's bodyLimit reads `c.req.raw.body`
 * first, which makes @hono/node-server build a full web Request and stream the body through a
 * ReadableStream (about a tenth of a webhook delivery's CPU, measured with bench/intake-profile.ts);
 * left alone, the route reads the body straight from Node's request. Bodies without a length
 * (chunked) are counted as they stream, by hono's bodyLimit.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'

export function sizeLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize, onError })
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const length = c.req.header('content-length')
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(length.trim())) {
      return Number(length) > maxSize ? onError(c) : next()
    }
    return streaming(c, next)
  }
}
