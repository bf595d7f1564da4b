/**
 * Webhook intake and receipt replay. The hook authenticates per binding (no API key); the size
 * limit is enforced before the body is read.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { cors } from 'hono/cors'
import { AppError } from '../../errors.ts'
import { receive, replay, type IntakeResult } from '../../services/intake.ts'
import { authorize } from '../../services/keys.ts'
import { sizeLimit } from '../body-limit.ts'
import { problem } from '../problem.ts'
import { bearer, type RouteModule } from '../env.ts'
import { Id, IntakeAnswer, problemResponses } from '../schemas.ts'
import { receiptView } from '../../services/receipts.ts'

export const DEFAULT_MAX_BODY = 1024 * 1024

const utf8 = new TextDecoder('utf-8', { fatal: false })

const answer = (result: IntakeResult, path: string): Response => {
  if (result.status === 'rejected') return problem(result.error!, path)
  const body = { receipt: result.receipt.id, status: result.status, ...(result.receipt.instance ? { instance: result.receipt.instance } : {}) }
  // A partial response is kept and answered 200 so the builder does not retry it.
  return Response.json(body, { status: 200 })
}

export const hookRoutes: RouteModule = (app, deps) => {
  const max = deps.maxBodyBytes ?? DEFAULT_MAX_BODY
  if (deps.corsOrigins?.length) {
    // Only listed origins; the token header is the one a SurveyJS page sends.
    app.use('/hooks/*', cors({ origin: deps.corsOrigins, allowMethods: ['POST'], allowHeaders: ['content-type', 'x-kinerja-token'], maxAge: 600 }))
  }
  app.use(
    '/hooks/*',
    sizeLimit(max, () => problem(new AppError('payload-too-large', `the body is larger than ${max} bytes`))),
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/hooks/{binding}', tags: ['intake'], summary: 'Receive a form submission from a form builder',
      description: 'Authenticated per binding (generic JSON: X-Kinerja-Signature: sha256=<HMAC of the raw body> or X-Kinerja-Token). 200 for accepted and duplicate deliveries; 422 with field errors when the content is invalid (the receipt is kept and can be replayed); 409 when the cycle is closed (the receipt is kept, the answer does not count).',
      request: { params: z.object({ binding: Id('binding', 'bnd_h7k2m9q4x8zt') }) },
      responses: { 200: { description: 'Accepted or duplicate', content: { 'application/json': { schema: IntakeAnswer } } }, ...problemResponses(401, 409, 413, 422, 503) },
    }),
    async (c) => {
      const body = new Uint8Array(await c.req.arrayBuffer())
      const headers: Record<string, string> = {}
      c.req.raw.headers.forEach((v, k) => (headers[k.toLowerCase()] = v))
      const text = utf8.decode(body)
      const result = await receive(deps, c.req.valid('param').binding, { headers, body, text, url: c.req.url, receivedAt: deps.clock.now() })
      return answer(result, c.req.path) as never
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/receipts/{id}/replay', tags: ['intake'], summary: 'Process a rejected (or unprocessed) receipt again', security: bearer,
      request: { params: z.object({ id: Id('id', 'rcp_0123456789abcdef01234567') }) },
      responses: { 200: { description: 'Accepted now', content: { 'application/json': { schema: IntakeAnswer } } }, ...problemResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const receipt = await deps.store.getReceipt(c.req.valid('param').id)
      if (!receipt) throw new AppError('not-found', `receipt '${c.req.valid('param').id}' does not exist`)
      authorize(c.get('key'), receipt.office, 'hr')
      return answer(await replay(deps, receipt), new URL(c.req.url).pathname) as never
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/receipts/{id}', tags: ['intake'], summary: 'One receipt with its outcome', security: bearer,
      request: { params: z.object({ id: Id('id', 'rcp_0123456789abcdef01234567') }) },
      responses: { 200: { description: 'The receipt', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const receipt = await deps.store.getReceipt(c.req.valid('param').id)
      if (!receipt) throw new AppError('not-found', `receipt '${c.req.valid('param').id}' does not exist`)
      authorize(c.get('key'), receipt.office, 'hr')
      const binding = await deps.store.getBinding(receipt.binding)
      return c.json(receiptView(deps, receipt, binding, c.get('key').role === 'admin') as Record<string, unknown>, 200)
    },
  )
}
