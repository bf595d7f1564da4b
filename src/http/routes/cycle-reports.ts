/**
 * A cycle's dashboard (HTML, or JSON on Accept: application/json) and its results as CSV or XLSX,
 * for HR and the office's viewers. Indonesian by default; English with `?lang=en` or
 * Accept-Language. Nothing here shows a peer's answer or identity.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { negotiate, type Lang } from '../../i18n/index.ts'
import { getCycle } from '../../services/cycles.ts'
import { cycleDashboard } from '../../services/dashboard.ts'
import { cycleExport, exportFileName, toCsv, toXlsx } from '../../services/export.ts'
import { authorize } from '../../services/keys.ts'
import type { ApiKey } from '../../store/records.ts'
import { bearer, type RouteModule } from '../env.ts'
import { dashboardPage } from '../pages/dashboard.ts'
import { AnyJson, Id, problemResponses } from '../schemas.ts'

const cycleParam = z.object({ cycle: Id('cycle', 'cyc_h7k2m9q4x8zt') })
// Any value is accepted: an unknown language falls back to Accept-Language, then Indonesian.
const langQuery = z.object({ lang: z.string().max(35).optional().openapi({ description: '`id` (default) or `en`; otherwise Accept-Language decides.', example: 'en' }) })

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** Personal data: never kept by a shared cache, and the answer depends on these headers. */
const PRIVATE = { 'cache-control': 'private, no-store', vary: 'Accept, Accept-Language' }

/** JSON when the client names application/json before (or without) text/html. */
function wantsJson(accept: string | undefined): boolean {
  const a = (accept ?? '').toLowerCase()
  const json = a.indexOf('application/json')
  const page = a.indexOf('text/html')
  return json !== -1 && (page === -1 || json < page)
}

export const cycleReportRoutes: RouteModule = (app, deps) => {
  const viewable = async (key: ApiKey, id: string) => {
    const cycle = await getCycle(deps, id)
    authorize(key, cycle.office, 'viewer')
    return cycle
  }
  const langOf = (c: { req: { query(k: string): string | undefined; header(k: string): string | undefined } }): Lang =>
    negotiate(c.req.query('lang'), c.req.header('accept-language'))

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/report', tags: ['reports'], summary: 'The cycle dashboard: completion, predikat distribution and quotas, 9-box, training needs, employee reports', security: bearer,
      description:
        "HTML (a printable page with an inline SVG chart) by default; the model as JSON with `Accept: application/json`. Who is still awaited per state and role (attributed roles by name and NIP; peers only as counts), the deadlines, the distribution of final predikat next to the quotas of the organisation's predikat (SE MenPANRB 3/2023, `cycle.params.predikatOrganisasi`) with the cycle rules' findings, the 9-box counts and follow-ups, training needs and competency gaps across the office, and a link to each employee's report. For HR and the office's viewers.",
      request: { params: cycleParam, query: langQuery },
      responses: {
        200: { description: 'The dashboard', content: { 'text/html': { schema: z.string() }, 'application/json': { schema: AnyJson } } },
        ...problemResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const cycle = await viewable(c.get('key'), c.req.valid('param').cycle)
      const model = await cycleDashboard(deps, cycle)
      if (wantsJson(c.req.header('accept'))) return c.json(model as unknown as Record<string, unknown>, 200, PRIVATE)
      const lang = langOf(c)
      return c.html(dashboardPage(model, lang), 200, { ...PRIVATE, 'content-language': lang }) as never
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/export.csv', tags: ['reports'], summary: 'The results, one row per employee, as CSV (UTF-8 with BOM)', security: bearer,
      description:
        'NIP, name, unit, position, step and status, then every variable the package marks for export (`report.export`, else `report.vars`); an object variable becomes one column per key, a list becomes text. Headers in the request language. RFC 4180 with CRLF and a UTF-8 BOM so Excel reads Indonesian text right. A text cell starting with = + - @, a tab or a carriage return is prefixed with an apostrophe (formula injection). Excel shows an 18-digit NIP from a CSV as a rounded number: open the .xlsx, where NIPs stay text.',
      request: { params: cycleParam, query: langQuery },
      responses: { 200: { description: 'The CSV file', content: { 'text/csv': { schema: z.string() } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const cycle = await viewable(c.get('key'), c.req.valid('param').cycle)
      const lang = langOf(c)
      const csv = toCsv(await cycleExport(deps, cycle, lang))
      return c.body(csv, 200, {
        ...PRIVATE,
        'content-type': 'text/csv; charset=utf-8; header=present',
        'content-disposition': `attachment; filename="${exportFileName(cycle, 'csv')}"`,
        'content-language': lang,
      }) as never
    },
  )

  app.openapi(
    createRoute({
      method: 'get', path: '/cycles/{cycle}/export.xlsx', tags: ['reports'], summary: 'The results, one row per employee, as an Excel workbook', security: bearer,
      description: 'The same table as export.csv in one sheet: text as inline strings (never formulas; the same apostrophe before = + - @), numbers as numbers, a bold frozen header row.',
      request: { params: cycleParam, query: langQuery },
      responses: { 200: { description: 'The XLSX file', content: { [XLSX_TYPE]: { schema: z.string().openapi({ format: 'binary' }) } } }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const cycle = await viewable(c.get('key'), c.req.valid('param').cycle)
      const lang = langOf(c)
      const bytes = toXlsx(await cycleExport(deps, cycle, lang), lang, deps.clock.now())
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
        ...PRIVATE,
        'content-type': XLSX_TYPE,
        'content-disposition': `attachment; filename="${exportFileName(cycle, 'xlsx')}"`,
        'content-language': lang,
      }) as never
    },
  )
}
