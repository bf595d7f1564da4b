/**
 * The employee's report: a printable page (HTML) or its model (JSON on Accept: application/json),
 * Indonesian by default, English with `?lang=en` or Accept-Language. HR and the office's viewers
 * read every report with their key; an employee reads their own through a signed, expiring link
 * (`?link=`, made by HR here or carried by a notify message), which the app lets through without
 * a key. Peers' answers and identities appear nowhere.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { negotiate } from '../../i18n/index.ts'
import { AppError } from '../../errors.ts'
import { createLink, verifyLink } from '../../services/action-links.ts'
import { getCycle } from '../../services/cycles.ts'
import type { Deps } from '../../services/deps.ts'
import { employeeReport } from '../../services/employee-report.ts'
import { getInstance } from '../../services/instances.ts'
import { authorize } from '../../services/keys.ts'
import type { ApiKey, Instance } from '../../store/records.ts'
import { bearer, type RouteModule } from '../env.ts'
import { employeeReportPage } from '../pages/employee-report.ts'
import { AnyJson, Id, PersonLink, problemResponses } from '../schemas.ts'

const idParam = z.object({ id: Id('id', 'cyc_h7k2m9q4x8zt.198503122010011001') })

const reportQuery = z.object({
  // Any value is accepted: an unknown language falls back to Accept-Language, then Indonesian.
  lang: z.string().max(35).optional().openapi({ description: '`id` (default) or `en`; otherwise Accept-Language decides.', example: 'en' }),
  // Checked by verifyLink (a malformed or oversized token is 401 like a forged one, not 422).
  link: z.string().optional().openapi({ description: "The employee's signed link (instead of an API key): a 'report' link, or an 'act' link of the employee from a notify message." }),
})

/** Personal data: never kept by a shared cache; the answer depends on these headers; a link in the address is not sent on. */
const PRIVATE = { 'cache-control': 'private, no-store', vary: 'Accept, Accept-Language', 'referrer-policy': 'no-referrer' }

/** JSON when the client names application/json before (or without) text/html. */
function wantsJson(accept: string | undefined): boolean {
  const a = (accept ?? '').toLowerCase()
  const json = a.indexOf('application/json')
  const page = a.indexOf('text/html')
  return json !== -1 && (page === -1 || json < page)
}

/** The appraisal a signed link opens: only the appraisee's own, only the one it names. */
async function byLink(deps: Deps, id: string, token: string): Promise<Instance> {
  const claims = await verifyLink(deps, token, ['report', 'act'])
  if (claims.instance !== id) throw new AppError('forbidden', 'this link is for another appraisal')
  const instance = await getInstance(deps, id)
  if (claims.nip !== instance.nip) throw new AppError('forbidden', "a link opens only its holder's own report")
  return instance
}

async function byKey(deps: Deps, id: string, key: ApiKey, role: 'viewer' | 'hr'): Promise<Instance> {
  const instance = await getInstance(deps, id)
  authorize(key, instance.office, role)
  return instance
}

export const reportRoutes: RouteModule = (app, deps) => {
  app.openAPIRegistry.registerComponent('securitySchemes', 'link', { type: 'apiKey', in: 'query', name: 'link', description: "An employee's signed link (only their own report)" })

  app.openapi(
    createRoute({
      method: 'get', path: '/instances/{id}/report', tags: ['reports'], summary: "The employee's 360 report (printable HTML, or JSON)",
      security: [...bearer, { link: [] }],
      description:
        "Identity and period; a radar chart of every competency with each role's mean (peers only from the anonymity threshold, otherwise a note of how many answered and how many are needed) and the position's required level; the score table (each role's mean and weight, the final score, the required level, the gap); blind spots and hidden strengths (self above or below the other roles' mean by more than a third of the scale); the predikat; training toward the yearly 20 JP; tugas belajar eligibility and the 9-box; earlier cycles; pending tasks and deadlines. What it shows comes from the package's `report` section. HTML (A4 print stylesheet) by default, the model as JSON with `Accept: application/json`. For HR and the office's viewers with a key, or for the employee with their signed link (`?link=`, see POST /instances/{id}/report-link).",
      request: { params: idParam, query: reportQuery },
      responses: {
        200: { description: 'The report', content: { 'text/html': { schema: z.string() }, 'application/json': { schema: AnyJson } } },
        ...problemResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { link } = c.req.valid('query')
      const instance = link !== undefined ? await byLink(deps, id, link) : await byKey(deps, id, c.get('key'), 'viewer')
      const cycle = await getCycle(deps, instance.cycle)
      const ref = instance.package ?? cycle.package
      const pkg = await deps.packages.version(ref.id, ref.hash)
      const model = await employeeReport(deps, { instance, cycle, pkg })
      if (wantsJson(c.req.header('accept'))) return c.json(model as unknown as Record<string, unknown>, 200, PRIVATE)
      const lang = negotiate(c.req.query('lang'), c.req.header('accept-language'))
      const self = `/instances/${encodeURIComponent(id)}/report${link !== undefined ? `?link=${encodeURIComponent(link)}` : ''}`
      return c.html(employeeReportPage(model, lang, self), 200, { ...PRIVATE, 'content-language': lang }) as never
    },
  )

  app.openapi(
    createRoute({
      method: 'post', path: '/instances/{id}/report-link', tags: ['reports'], summary: "A signed link for the employee to read their own report without an API key", security: bearer,
      description: "For HR to hand the appraisee their report (by e-mail or WhatsApp). The link names the appraisee and this appraisal, opens only GET /instances/{id}/report, and expires like the action links (30 days by default).",
      request: { params: idParam },
      responses: { 201: { description: 'The link (a credential: send it only to the employee)', content: { 'application/json': { schema: PersonLink } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const instance = await byKey(deps, id, c.get('key'), 'hr')
      return c.json(await createLink(deps, instance.id, instance.nip, 'report'), 201)
    },
  )
}
