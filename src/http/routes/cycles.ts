/**
 * Cycles: create one bound to a package version, import its roster (JSON or CSV), start it, connect
 * form builders to it, follow its instances and receipts, check its cycle rules and close it.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { AppError } from '../../errors.ts'
import { bindingView, createBinding, updateBinding } from '../../services/bindings.ts'
import { checkCycleRules, closeCycle } from '../../services/cycle-close.ts'
import { createCycle, cycleStatus, getCycle, startCycle, updateCycle } from '../../services/cycles.ts'
import { authorize } from '../../services/keys.ts'
import { getOffice } from '../../services/offices.ts'
import { importRoster, parseRoster } from '../../services/roster.ts'
import { instanceSummary } from '../../services/views.ts'
import { listReceiptViews } from '../../services/receipts.ts'
import { bearer, type RouteModule } from '../env.ts'
import { ref } from '../schema-components.ts'
import {
  AnyJson,
  BindingPatch,
  CloseCycle,
  Cycle,
  CyclePatch,
  CycleRuleResult,
  CycleRules,
  CycleStatus,
  Id,
  InstanceSummary,
  NewBinding,
  NewCycle,
  Receipt,
  problemResponses,
} from '../schemas.ts'

const officeParam = z.object({ office: Id('office', 'kecamatan-plaju') })
const cycleParam = z.object({ cycle: Id('cycle', 'cyc_h7k2m9q4x8zt') })

export const cycleRoutes: RouteModule = (app, deps) => {
  const cycleFor = async (c: { get(k: 'key'): import('../../store/records.ts').ApiKey }, id: string, role: 'viewer' | 'hr' | 'admin') => {
    const cycle = await getCycle(deps, id)
    authorize(c.get('key'), cycle.office, role)
    return cycle
  }

  app.openapi(
    createRoute({
      method: 'post', path: '/offices/{office}/cycles', tags: ['cycles'], summary: 'Create a cycle bound to the current version of a package', security: bearer,
      request: { params: officeParam, body: { required: true, content: { 'application/json': { schema: NewCycle } } } },
      responses: { 201: { description: 'Created (draft)', content: { 'application/json': { schema: Cycle } } }, ...problemResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { office } = c.req.valid('param')
      authorize(c.get('key'), office, 'hr')
      return c.json(await createCycle(deps, office, c.req.valid('json')), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/offices/{office}/cycles', tags: ['cycles'], summary: "The office's cycles", security: bearer,
      request: { params: officeParam },
      responses: { 200: { description: 'Cycles', content: { 'application/json': { schema: z.object({ cycles: z.array(Cycle) }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const { office } = c.req.valid('param')
      authorize(c.get('key'), office, 'viewer')
      await getOffice(deps, office)
      return c.json({ cycles: await deps.store.listCycles(office) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}', tags: ['cycles'], summary: 'Cycle status with counts per state', security: bearer,
      request: { params: cycleParam },
      responses: { 200: { description: 'Status', content: { 'application/json': { schema: CycleStatus } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => c.json(await cycleStatus(deps, await cycleFor(c, c.req.valid('param').cycle, 'viewer')), 200),
  )

  app.openapi(
    createRoute({
      method: 'patch', path: '/cycles/{cycle}', tags: ['cycles'], summary: "Rename a cycle or change its params (e.g. set the organisation's predikat)", security: bearer,
      description:
        "While the cycle is not closed. Send the `rev` you read: if the cycle changed since, the answer is 409 and nothing changes. `params` are merged: the params named are set, a param set to null is removed, the others stay. At the end of the year HR sets the organisation's predikat here (`{\"params\": {\"predikatOrganisasi\": \"Baik\"}}`), which the cycle rules read as `cycle.params.predikatOrganisasi`.",
      request: { params: cycleParam, body: { required: true, content: { 'application/json': { schema: CyclePatch } } } },
      responses: { 200: { description: 'The cycle as it is now', content: { 'application/json': { schema: Cycle } } }, ...problemResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'hr')
      return c.json(await updateCycle(deps, cycle, c.req.valid('json')), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/rules', tags: ['cycles'], summary: "The package's cycle rules evaluated now (e.g. the distribution curve of predikat)", security: bearer,
      description:
        'Every cycle rule of the package (workflow.json `cycleRules`) evaluated over the appraisals as they are now: `ok` when it holds, otherwise its `findings`. A `warn` rule is advice (SE MenPANRB 3/2023: the appraiser takes the distribution curve into account); a broken `block` rule stops the cycle from closing. A rule that cannot be evaluated is reported broken with its `error`.',
      request: { params: cycleParam },
      responses: { 200: { description: 'The rules and their findings', content: { 'application/json': { schema: CycleRules } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => c.json(await checkCycleRules(deps, await cycleFor(c, c.req.valid('param').cycle, 'viewer')), 200),
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/cycles/{cycle}/close', tags: ['cycles'], summary: 'Close a running cycle: its results are frozen', security: bearer,
      description:
        'Evaluates the cycle rules and closes the cycle, keeping their results in `closing`. Refused with 409 `cycle-rules-broken` (the broken rules in `rules`) while a `block` rule is broken, and with 409 `conflict` while appraisals are unfinished (active or failed) unless `{"force": true}`. Once closed, no submission, action or deadline changes an appraisal: webhooks are answered 409 (their receipts are still kept) and the cycle cannot be reopened.',
      request: { params: cycleParam, body: { required: false, content: { 'application/json': { schema: CloseCycle } } } },
      responses: {
        200: { description: 'Closed, with the rules as evaluated at closing', content: { 'application/json': { schema: z.object({ cycle: Cycle, rules: z.array(CycleRuleResult) }) } } },
        ...problemResponses(401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'hr')
      const body = (c.req.valid('json') as { force?: boolean } | undefined) ?? {}
      return c.json(await closeCycle(deps, cycle, { by: c.get('key').id, force: body.force }), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'put', path: '/cycles/{cycle}/roster', tags: ['cycles'], summary: 'Replace the roster of a draft cycle (JSON array or CSV)', security: bearer,
      description: 'CSV columns: nip,name,position,unit,email,supervisor,superior,peers (peers separated by ";"). NIPs are 18-digit strings.',
      request: {
        params: cycleParam,
        // Plain schema objects (not zod): the handler parses the body itself, strictly (NIPs as strings).
        body: { required: true, content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: ref('Roster') } } },
      },
      responses: { 200: { description: 'Imported, with warnings', content: { 'application/json': { schema: z.object({ cycle: Cycle, imported: z.number(), warnings: z.array(z.object({ path: z.string(), message: z.string() })) }) } } }, ...problemResponses(401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.param('cycle'), 'hr')
      const type = (c.req.header('content-type') ?? '').toLowerCase()
      const kind = type.includes('csv') || type.startsWith('text/plain') ? 'csv' : type.includes('json') ? 'json' : undefined
      if (!kind) throw new AppError('unsupported-media-type', 'send the roster as text/csv or application/json')
      const result = await importRoster(deps, cycle, parseRoster(await c.req.text(), kind))
      return c.json({ cycle: result.cycle, imported: result.entries.length, warnings: result.warnings }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/roster', tags: ['cycles'], summary: 'The roster of a cycle', security: bearer,
      request: { params: cycleParam },
      responses: { 200: { description: 'Roster', content: { 'application/json': { schema: z.object({ roster: z.array(AnyJson) }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'hr')
      return c.json({ roster: (await deps.store.getRoster(cycle.id)) as unknown as Record<string, unknown>[] }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/cycles/{cycle}/start', tags: ['cycles'], summary: 'Start the cycle: every roster entry enters the workflow', security: bearer,
      request: { params: cycleParam },
      responses: { 200: { description: 'Started', content: { 'application/json': { schema: CycleStatus } } }, ...problemResponses(401, 403, 404, 409) },
    }),
    async (c) => c.json(await startCycle(deps, await cycleFor(c, c.req.valid('param').cycle, 'hr')), 200),
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/cycles/{cycle}/bindings', tags: ['intake'], summary: 'Connect an external form to a form of the cycle', security: bearer,
      request: { params: cycleParam, body: { required: true, content: { 'application/json': { schema: NewBinding } } } },
      responses: { 201: { description: 'The binding and its hook URL (and the generated secret, shown once)', content: { 'application/json': { schema: AnyJson } } }, ...problemResponses(401, 403, 404, 422) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'hr')
      const { binding, secret } = await createBinding(deps, cycle, c.req.valid('json'))
      const base = new URL(c.req.url).origin
      return c.json({ ...bindingView(binding, base), ...(secret ? { secret } : {}) } as Record<string, unknown>, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'patch', path: '/bindings/{id}', tags: ['intake'], summary: 'Fix a binding (mapping, values, transform, secret variable, pull source), then replay what it rejected', security: bearer,
      request: { params: z.object({ id: Id('id', 'bnd_h7k2m9q4x8zt') }), body: { required: true, content: { 'application/json': { schema: BindingPatch } } } },
      responses: { 200: { description: 'The binding as it is now', content: { 'application/json': { schema: AnyJson } } }, ...problemResponses(401, 403, 404, 422) },
    }),
    async (c) => {
      const binding = await deps.store.getBinding(c.req.valid('param').id)
      if (!binding) throw new AppError('not-found', `binding '${c.req.valid('param').id}' does not exist`)
      authorize(c.get('key'), binding.office, 'hr')
      const updated = await updateBinding(deps, binding, c.req.valid('json'))
      return c.json(bindingView(updated, new URL(c.req.url).origin) as Record<string, unknown>, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/bindings', tags: ['intake'], summary: "The cycle's bindings (secrets never shown)", security: bearer,
      request: { params: cycleParam },
      responses: { 200: { description: 'Bindings', content: { 'application/json': { schema: z.object({ bindings: z.array(AnyJson) }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'hr')
      const base = new URL(c.req.url).origin
      return c.json({ bindings: (await deps.store.listBindings(cycle.id)).map((b) => bindingView(b, base) as Record<string, unknown>) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/instances', tags: ['instances'], summary: 'Instances of the cycle, filtered', security: bearer,
      request: {
        params: cycleParam,
        query: z.object({
          state: z.string().optional(),
          status: z.enum(['active', 'done', 'failed']).optional(),
          unit: z.string().optional().openapi({ description: 'Unit kerja from the roster' }),
          nip: z.string().optional(),
        }),
      },
      responses: { 200: { description: 'Instances', content: { 'application/json': { schema: z.object({ instances: z.array(InstanceSummary) }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'viewer')
      const q = c.req.valid('query')
      let list = await deps.store.listInstances(cycle.id, { state: q.state, status: q.status })
      if (q.nip) list = list.filter((i) => i.nip === q.nip)
      if (q.unit) {
        const inUnit = new Set((await deps.store.getRoster(cycle.id)).filter((e) => e.unit === q.unit).map((e) => e.nip))
        list = list.filter((i) => inUnit.has(i.nip))
      }
      return c.json({ instances: list.map(instanceSummary) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/outbox', tags: ['cycles'], summary: 'Messages the appraisals send (notify states, reminders) and whether they went out', security: bearer,
      request: { params: cycleParam, query: z.object({ status: z.enum(['pending', 'sent', 'failed']).optional() }) },
      responses: { 200: { description: 'Messages, oldest first', content: { 'application/json': { schema: z.object({ messages: z.array(AnyJson) }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'hr')
      // A link is a credential of the person it names: the listing says who got one, not the link.
      const messages = (await deps.store.listOutbox(cycle.id, c.req.valid('query').status)).map((m) =>
        m.links ? { ...m, links: m.links.map(({ url: _url, ...rest }) => rest) } : m,
      )
      return c.json({ messages: messages as unknown as Record<string, unknown>[] }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/receipts', tags: ['intake'], summary: 'Received webhook deliveries and their outcome', security: bearer,
      request: { params: cycleParam, query: z.object({ status: z.enum(['received', 'accepted', 'duplicate', 'rejected', 'partial']).optional() }) },
      responses: { 200: { description: 'Receipts', content: { 'application/json': { schema: z.object({ receipts: z.array(Receipt) }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const cycle = await cycleFor(c, c.req.valid('param').cycle, 'hr')
      const receipts = await listReceiptViews(deps, cycle.id, c.req.valid('query').status, c.get('key').role === 'admin')
      return c.json({ receipts }, 200)
    },
  )
}
