/**
 * Offices and their API keys.
 */
import { createRoute } from '@hono/zod-openapi'
import { authorize, createKey } from '../../services/keys.ts'
import { createOffice, getOffice } from '../../services/offices.ts'
import { bearer, type RouteModule } from '../env.ts'
import { CreatedKey, Id, NewKey, NewOffice, Office, problemResponses } from '../schemas.ts'
import { z } from '@hono/zod-openapi'

const officeParam = z.object({ office: Id('office', 'kecamatan-plaju') })

export const officeRoutes: RouteModule = (app, deps) => {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/offices',
      tags: ['offices'],
      summary: 'Create an office (admin key for every office)',
      security: bearer,
      request: { body: { required: true, content: { 'application/json': { schema: NewOffice } } } },
      responses: { 201: { description: 'Created', content: { 'application/json': { schema: Office } } }, ...problemResponses(401, 403, 409, 422) },
    }),
    async (c) => {
      authorize(c.get('key'), null, 'admin')
      return c.json(await createOffice(deps, c.req.valid('json')), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/offices/{office}',
      tags: ['offices'],
      summary: 'Get an office',
      security: bearer,
      request: { params: officeParam },
      responses: { 200: { description: 'The office', content: { 'application/json': { schema: Office } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const { office } = c.req.valid('param')
      authorize(c.get('key'), office, 'viewer')
      return c.json(await getOffice(deps, office), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/offices/{office}/keys',
      tags: ['offices'],
      summary: "Create an API key scoped to this office (shown once)",
      security: bearer,
      request: { params: officeParam, body: { required: true, content: { 'application/json': { schema: NewKey } } } },
      responses: { 201: { description: 'The new key', content: { 'application/json': { schema: CreatedKey } } }, ...problemResponses(401, 403, 404, 422) },
    }),
    async (c) => {
      const { office } = c.req.valid('param')
      authorize(c.get('key'), office, 'admin')
      const body = c.req.valid('json')
      const { key, record } = await createKey(deps, { role: body.role, office, label: body.label })
      return c.json({ key, id: record.id, role: record.role, office: record.office }, 201)
    },
  )
}
