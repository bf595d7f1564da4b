/**
 * Moving a running cycle to a new version of its package (admin only, audited).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { getCycle } from '../../services/cycles.ts'
import { authorize } from '../../services/keys.ts'
import { migrateCycle } from '../../services/migrate.ts'
import { bearer, type RouteModule } from '../env.ts'
import { AnyJson, Id, problemResponses } from '../schemas.ts'

const MigrationBody = z
  .object({
    version: z.string().min(1).openapi({ description: "The package's current version to move to.", example: '1.3.0' }),
    states: z.record(z.string(), z.string()).optional().openapi({ description: 'Occupied state in the old version -> state in the new one (states that exist in both may be left out).' }),
  })
  .openapi('MigrationBody')

export const migrationRoutes: RouteModule = (app, deps) => {
  app.openapi(
    createRoute({
      method: 'post', path: '/cycles/{cycle}/migrate', tags: ['cycles'], summary: 'Move a running cycle to the current version of its package', security: bearer,
      description: 'Each active appraisal enters its mapped state in the new version; its answers and results so far are kept, and the move is an event in its trail. Safe to repeat: appraisals already moved are skipped.',
      request: { params: z.object({ cycle: Id('cycle', 'cyc_h7k2m9q4x8zt') }), body: { required: true, content: { 'application/json': { schema: MigrationBody } } } },
      responses: { 200: { description: 'What moved where', content: { 'application/json': { schema: AnyJson } } }, ...problemResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const cycle = await getCycle(deps, c.req.valid('param').cycle)
      const key = c.get('key')
      authorize(key, cycle.office, 'admin')
      const report = await migrateCycle(deps, cycle, c.req.valid('json'), key.id)
      return c.json(report as unknown as Record<string, unknown>, 200)
    },
  )
}
