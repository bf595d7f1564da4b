/**
 * createApp(deps): the whole HTTP service, independent of the runtime. Entries (src/entry/) build
 * the deps for Node or Workers and serve `app.fetch`.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { AppError } from './errors.ts'
import { sizeLimit } from './http/body-limit.ts'
import { docsPage } from './http/docs-page.ts'
import type { AppEnv } from './http/env.ts'
import { onError, problem, validationHook } from './http/problem.ts'
import { actRoutes } from './http/routes/act.ts'
import { cycleReportRoutes } from './http/routes/cycle-reports.ts'
import { cycleRoutes } from './http/routes/cycles.ts'
import { hookRoutes } from './http/routes/hooks.ts'
import { instanceRoutes } from './http/routes/instances.ts'
import { migrationRoutes } from './http/routes/migrations.ts'
import { officeRoutes } from './http/routes/offices.ts'
import { packageRoutes } from './http/routes/packages.ts'
import { reportRoutes } from './http/routes/reports.ts'
import { registerSchemaComponents } from './http/schema-components.ts'
import type { Deps } from './services/deps.ts'
import { authenticate } from './services/keys.ts'

/** Largest body of an administrative request (roster, package, action), in bytes. */
export const DEFAULT_MAX_ADMIN_BODY = 16 * 1024 * 1024

// /act/ authenticates by the signed link in its path instead of a key.
const PUBLIC = [/^\/health$/, /^\/openapi\.json$/, /^\/docs$/, /^\/hooks\//, /^\/act\//]
// An employee's report opened with their signed link (`?link=`): the route checks the link instead.
const LINKED_REPORT = /^\/instances\/[^/]+\/report$/

export const API_INFO = {
  title: 'kinerja',
  version: '0.1.0',
  description: 'Competency-based performance appraisal for Indonesian government offices, run as declarative JSON workflows.',
}

export function createApp(deps: Deps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook as never })
  app.onError(onError(deps.logger))
  app.notFound((c) => problem(new AppError('not-found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`)))

  // Administrative bodies (a roster of 10,000, a package) stay well under the platforms' limits;
  // the hooks have their own, smaller one.
  const adminMax = deps.maxAdminBodyBytes ?? DEFAULT_MAX_ADMIN_BODY
  const adminLimit = sizeLimit(adminMax, () => problem(new AppError('payload-too-large', `the body is larger than ${adminMax} bytes`)))
  app.use('*', async (c, next) => (c.req.path.startsWith('/hooks/') ? next() : adminLimit(c, next)))

  app.use('*', async (c, next) => {
    const path = c.req.path
    if (PUBLIC.some((p) => p.test(path))) return next()
    if (c.req.method === 'GET' && LINKED_REPORT.test(path) && c.req.query('link') !== undefined) return next()
    c.set('key', await authenticate(deps, c.req.header('authorization')))
    return next()
  })

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'An API key (kj_...)' })

  registerSchemaComponents(app)

  app.get('/health', async (c) => c.json({ status: 'ok', packages: deps.packages.list().map((p) => `${p.id}@${p.version}`) }))

  for (const routes of [officeRoutes, packageRoutes, cycleRoutes, migrationRoutes, instanceRoutes, actRoutes, hookRoutes]) routes(app, deps)
  cycleReportRoutes(app, deps)
  reportRoutes(app, deps)

  app.doc31('/openapi.json', { openapi: '3.1.0', info: API_INFO })
  app.get('/docs', (c) => c.html(docsPage(app.getOpenAPI31Document({ openapi: '3.1.0', info: API_INFO }) as never)))
  return app
}

export type KinerjaApp = ReturnType<typeof createApp>
