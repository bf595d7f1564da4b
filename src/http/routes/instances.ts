/**
 * Instances: one appraisee's progress, explained result and audit trail, and the review actions
 * people take on it (discussion, objection, decision).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { createLink } from '../../services/action-links.ts'
import { getCycle } from '../../services/cycles.ts'
import { getInstance, performAction } from '../../services/instances.ts'
import { authorize } from '../../services/keys.ts'
import { eventsView, instanceView } from '../../services/views.ts'
import type { ApiKey } from '../../store/records.ts'
import { bearer, type RouteModule } from '../env.ts'
import { ActionBody, AnyJson, Id, Instance, Nip, PersonLink, problemResponses } from '../schemas.ts'

const idParam = z.object({ id: Id('id', 'cyc_h7k2m9q4x8zt.198503122010011001') })

export const instanceRoutes: RouteModule = (app, deps) => {
  const load = async (key: ApiKey, id: string, role: 'viewer' | 'hr') => {
    const instance = await getInstance(deps, id)
    authorize(key, instance.office, role)
    const cycle = await getCycle(deps, instance.cycle)
    const ref = instance.package ?? cycle.package
    const pkg = await deps.packages.version(ref.id, ref.hash)
    return { instance, pkg }
  }

  app.openapi(
    createRoute({
      method: 'get', path: '/instances/{id}', tags: ['instances'], summary: 'State, pending tasks, results and their explanation', security: bearer,
      request: { params: idParam },
      responses: { 200: { description: 'The instance (peer answers only as counts)', content: { 'application/json': { schema: Instance } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const { instance, pkg } = await load(c.get('key'), c.req.valid('param').id, 'viewer')
      return c.json(instanceView(instance, pkg) as unknown as z.infer<typeof Instance>, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/instances/{id}/events', tags: ['instances'], summary: 'The audit trail, oldest first', security: bearer,
      request: { params: idParam },
      responses: { 200: { description: 'Events', content: { 'application/json': { schema: z.object({ events: z.array(AnyJson) }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const { instance, pkg } = await load(c.get('key'), c.req.valid('param').id, 'viewer')
      const events = eventsView(await deps.store.listEvents(instance.id), pkg) as unknown as Record<string, unknown>[]
      return c.json({ events }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/instances/{id}/actions/{action}', tags: ['instances'], summary: 'Take a review action (e.g. confirm, adjust, accept, object, uphold, revise)', security: bearer,
      description: '`actor` is the NIP of the person acting; it must be the person of the review state\'s actor role (supervisor, the employee, the superior).',
      request: {
        params: z.object({ id: Id('id', 'cyc_h7k2m9q4x8zt.198503122010011001'), action: Id('action', 'confirm') }),
        body: { required: true, content: { 'application/json': { schema: ActionBody } } },
      },
      responses: { 200: { description: 'The instance after the action', content: { 'application/json': { schema: Instance } } }, ...problemResponses(401, 403, 404, 409, 422, 503) },
    }),
    async (c) => {
      const { id, action } = c.req.valid('param')
      const key = c.get('key')
      const { pkg } = await load(key, id, 'hr')
      const instance = await performAction(deps, id, action, c.req.valid('json'), `key:${key.id}`)
      return c.json(instanceView(instance, pkg) as unknown as z.infer<typeof Instance>, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/instances/{id}/links', tags: ['instances'], summary: "A person's signed link to act on this appraisal without an API key", security: bearer,
      description: 'For HR to hand a link over by other means (notify and reminder messages carry them already). The link names the person; the workflow still decides what they may do.',
      request: {
        params: idParam,
        body: { required: true, content: { 'application/json': { schema: z.object({ nip: Nip }).openapi('NewLink') } } },
      },
      responses: { 201: { description: 'The link (a credential: send it only to that person)', content: { 'application/json': { schema: PersonLink } } }, ...problemResponses(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { nip } = c.req.valid('json')
      await load(c.get('key'), id, 'hr')
      return c.json(await createLink(deps, id, nip), 201)
    },
  )
}
