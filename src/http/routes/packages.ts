/**
 * Packages: list and read the loaded ones, validate a package before it is deployed, and simulate
 * one over sample data.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { AppError } from '../../errors.ts'
import { loadPackage } from '../../package/load-package.ts'
import { authorize } from '../../services/keys.ts'
import { assertSimulationInput, simulate } from '../../services/simulate.ts'
import type { LoadedPackage } from '../../package/loaded-package.ts'
import { bearer, type RouteModule } from '../env.ts'
import { AnyJson, Id, problemResponses } from '../schemas.ts'

const PackageSummary = z
  .object({ id: z.string(), version: z.string(), hash: z.string(), title: z.record(z.string(), z.string()), forms: z.array(z.string()), states: z.array(z.string()) })
  .openapi('PackageSummary')

const summary = (p: LoadedPackage) => ({
  id: p.id,
  version: p.version,
  hash: p.hash,
  title: { ...p.workflow.title } as Record<string, string>,
  forms: Object.keys(p.forms),
  states: Object.keys(p.workflow.states),
})

const ValidateBody = z
  .object({ files: z.record(z.string(), z.string()).openapi({ description: 'Path inside the package -> file content, e.g. {"workflow.json": "..."}' }) })
  .openapi('ValidateBody')

const Problems = z
  .object({
    valid: z.boolean(),
    problems: z.array(z.object({ file: z.string(), line: z.number(), col: z.number(), pointer: z.string(), message: z.string(), severity: z.enum(['error', 'warning']) })),
    package: PackageSummary.optional(),
  })
  .openapi('PackageValidation')

const idParam = z.object({ id: Id('id', 'plaju-kompetensi-360') })

export const packageRoutes: RouteModule = (app, deps) => {
  const current = (id: string) => {
    const p = deps.packages.current(id)
    if (!p) throw new AppError('not-found', `package '${id}' is not loaded`)
    return p
  }

  app.openapi(
    createRoute({
      method: 'get', path: '/packages', tags: ['packages'], summary: 'List the loaded packages', security: bearer,
      responses: { 200: { description: 'Packages', content: { 'application/json': { schema: z.object({ packages: z.array(PackageSummary) }) } } }, ...problemResponses(401) },
    }),
    (c) => c.json({ packages: deps.packages.list().map(summary) }, 200),
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/packages/{id}', tags: ['packages'], summary: 'A package: workflow, framework and forms', security: bearer,
      request: { params: idParam },
      responses: { 200: { description: 'The package', content: { 'application/json': { schema: AnyJson } } }, ...problemResponses(401, 404) },
    }),
    (c) => {
      const p = current(c.req.valid('param').id)
      return c.json({ ...summary(p), workflow: p.workflow, framework: p.framework, forms: p.forms } as Record<string, unknown>, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/packages/validate', tags: ['packages'], summary: 'Check a package without loading it', security: bearer,
      request: { body: { required: true, content: { 'application/json': { schema: ValidateBody } } } },
      responses: { 200: { description: 'Every problem found (valid: false when any is an error)', content: { 'application/json': { schema: Problems } } }, ...problemResponses(401, 422) },
    }),
    async (c) => {
      authorize(c.get('key'), c.get('key').office, 'hr')
      const { files } = c.req.valid('json')
      const id = (() => { try { return JSON.parse(files['workflow.json'] ?? '{}').id } catch { return undefined } })()
      const known = typeof id === 'string' ? (await deps.store.listPackageVersions(id)).map((v) => ({ version: v.version, hash: v.hash })) : []
      const { package: pkg, problems } = await loadPackage(files, { known })
      return c.json({ valid: !problems.some((p) => p.severity === 'error'), problems, ...(pkg ? { package: summary(pkg) } : {}) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/packages/{id}/simulate', tags: ['packages'], summary: 'Run the package over sample data; nothing is stored', security: bearer,
      request: {
        params: idParam,
        body: { required: true, content: { 'application/json': { schema: z.object({ roster: z.array(z.unknown()), submissions: z.array(z.unknown()), actions: z.array(z.unknown()).optional(), runDeadlines: z.boolean().optional() }).openapi('SimulationInput') } } },
      },
      responses: { 200: { description: 'Steps, per-employee trace and results', content: { 'application/json': { schema: AnyJson } } }, ...problemResponses(401, 404, 422) },
    }),
    async (c) => {
      authorize(c.get('key'), c.get('key').office, 'hr')
      const pkg = current(c.req.valid('param').id)
      const result = await simulate(pkg, { ...assertSimulationInput(c.req.valid('json')), start: deps.clock.now().toISOString() })
      return c.json(result as unknown as Record<string, unknown>, 200)
    },
  )
}
