/**
 * Acting through a signed link (no API key): the link names one person on one appraisal. They see
 * what the appraisal waits on them for and take the action; the workflow checks, as for a key,
 * that they are the person the state names.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { verifyLink } from '../../services/action-links.ts'
import { getCycle } from '../../services/cycles.ts'
import type { Deps } from '../../services/deps.ts'
import { getInstance, performAction } from '../../services/instances.ts'
import { instanceView } from '../../services/views.ts'
import type { RouteModule } from '../env.ts'
import { AnyJson, Id, LinkActionBody, problemResponses } from '../schemas.ts'

const Token = z.string().min(1).max(2048).openapi({ param: { name: 'token', in: 'path' }, example: 'v1.eyJpIjoi....sig' })

const LinkView = z
  .object({
    you: z.object({ nip: z.string(), name: z.string().optional(), relation: z.string() }),
    expiresAt: z.string(),
    instance: AnyJson.openapi({ description: 'The appraisal; results only for the employee, the supervisor and the superior' }),
    actions: z.array(z.object({ name: z.string(), input: AnyJson.optional() })).openapi({ description: 'What you may do now (empty when the appraisal waits on someone else)' }),
  })
  .openapi('LinkView')

async function open(deps: Deps, token: string) {
  const claims = await verifyLink(deps, token)
  const instance = await getInstance(deps, claims.instance)
  const cycle = await getCycle(deps, instance.cycle)
  const ref = instance.package ?? cycle.package
  const pkg = await deps.packages.version(ref.id, ref.hash)
  const employee = await deps.store.getRosterEntry(cycle.id, instance.nip)
  return { claims, instance, pkg, employee }
}

export const actRoutes: RouteModule = (app, deps) => {
  app.openapi(
    createRoute({
      method: 'get', path: '/act/{token}', tags: ['links'], summary: 'What a signed link lets its person do now',
      request: { params: z.object({ token: Token }) },
      responses: { 200: { description: 'The person, the appraisal and the actions open to them', content: { 'application/json': { schema: LinkView } } }, ...problemResponses(401, 404) },
    }),
    async (c) => {
      const { claims, instance, pkg, employee } = await open(deps, c.req.valid('param').token)
      const nip = claims.nip
      const relation = nip === instance.nip ? 'employee' : nip === employee?.supervisor ? 'supervisor' : nip === employee?.superior ? 'superior' : 'other'
      const view = instanceView(instance, pkg)
      // Someone outside the appraisal's own line (a peer given a link by HR) sees only their tasks.
      const shown = relation === 'other' ? { id: view.id, state: view.state, status: view.status, tasks: view.tasks } : view
      const state = pkg.workflow.states[instance.state]
      const mine = instance.tasks.some((t) => t.state === instance.state && t.actions && t.who?.includes(nip))
      const actions = state?.type === 'review' && instance.status === 'active' && mine
        ? Object.entries(state.actions).map(([name, a]) => ({ name, ...(a.input ? { input: a.input as Record<string, unknown> } : {}) }))
        : []
      const name = nip === instance.nip ? employee?.name : undefined
      return c.json({ you: { nip, ...(name ? { name } : {}), relation }, expiresAt: claims.expiresAt, instance: shown as unknown as Record<string, unknown>, actions }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/act/{token}/{action}', tags: ['links'], summary: 'Take a review action as the person the link names',
      description: 'The same action as POST /instances/{id}/actions/{action}, with the actor taken from the link. Someone who is not the named actor is refused with 403 and the attempt is recorded.',
      request: {
        params: z.object({ token: Token, action: Id('action', 'object') }),
        body: { required: true, content: { 'application/json': { schema: LinkActionBody } } },
      },
      responses: { 200: { description: 'The appraisal after the action', content: { 'application/json': { schema: AnyJson } } }, ...problemResponses(401, 403, 404, 409, 422, 503) },
    }),
    async (c) => {
      const { token, action } = c.req.valid('param')
      const { claims, pkg } = await open(deps, token)
      const instance = await performAction(deps, claims.instance, action, { actor: claims.nip, input: c.req.valid('json').input }, 'link')
      return c.json(instanceView(instance, pkg) as unknown as Record<string, unknown>, 200)
    },
  )
}
