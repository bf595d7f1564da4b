/**
 * The cycle dashboard in a real browser: the Node server runs the whole-cycle scenario (the same as
 * the end-to-end test), then Debian's Chromium loads the dashboard with an office viewer's key and
 * checks the distribution chart is drawn, the 9-box grid, a report link per employee, the switch
 * to English, and that the page logs no error. Screenshots go to test-output/screenshots/.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { launchBrowser, screenshot, watchErrors } from '../support/browser.ts'
import { startServer, stopServer } from '../support/node-server.ts'
import { hookSecretsEnv } from '../support/payloads.ts'
import { caller, wholeCycle } from '../support/whole-cycle.ts'

const ADMIN = 'kj_e2e-dashboard-admin-0123456789abcdef'

describe('the cycle dashboard in Chromium', () => {
  let dataDir = ''
  let child: ChildProcess | undefined
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
    if (child) await stopServer(child)
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('draws the distribution and the 9-box of the Plaju cycle, links every report and switches to English without errors', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kinerja-dashboard-'))
    const server = await startServer(dataDir, ADMIN, hookSecretsEnv())
    child = server.child
    const run = await wholeCycle({ url: server.url, admin: ADMIN })
    const call = caller({ url: server.url, admin: ADMIN })
    const rev = (await call('GET', `/cycles/${run.cycle}`)).data.cycle.rev
    expect((await call('PATCH', `/cycles/${run.cycle}`, { rev, params: { predikatOrganisasi: 'Baik' } })).status).toBe(200)
    const viewer = (await call('POST', '/offices/kecamatan-plaju/keys', { role: 'viewer' })).data.key as string
    const model = (await fetch(`${server.url}/cycles/${run.cycle}/report`, { headers: { authorization: `Bearer ${viewer}`, accept: 'application/json' } }).then((r) => r.json())) as any
    // Every employee but the one left in the objection window is final with a predikat.
    expect(model.distribution.counted).toBe(run.employees.length - 1)

    browser = await launchBrowser()
    // A browser set to Indonesian, as in the office: its Accept-Language picks the page's language.
    const context = await browser.newContext({ locale: 'id-ID', extraHTTPHeaders: { authorization: `Bearer ${viewer}` }, viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    const errors = watchErrors(page)
    const res = await page.goto(`${server.url}/cycles/${run.cycle}/report`)
    expect(res?.status()).toBe(200)
    expect(await page.getAttribute('html', 'lang')).toBe('id')
    expect(await page.locator('h2').allTextContents()).toEqual(expect.arrayContaining(['Distribusi predikat kinerja pegawai', 'Peta talenta: 9 kotak (PermenPANRB 3/2020)', 'Laporan per pegawai']))

    // The chart: five predikat series, drawn with a size, whose counts add up to the final evaluations;
    // a bar stands for each predikat that has employees.
    const chart = page.locator('#distribution-chart')
    const box = await chart.boundingBox()
    expect(box!.width).toBeGreaterThan(300)
    expect(box!.height).toBeGreaterThan(100)
    const bars = await page.locator('#distribution-chart rect.bar').evaluateAll((els) =>
      els.map((e) => ({ predikat: e.getAttribute('data-predikat'), count: Number(e.getAttribute('data-count')), height: (e as unknown as { getBBox(): { height: number } }).getBBox().height })),
    )
    expect(bars.map((b) => b.predikat)).toEqual(['Sangat Baik', 'Baik', 'Butuh Perbaikan', 'Kurang/Misconduct', 'Sangat Kurang'])
    expect(bars.reduce((t, b) => t + b.count, 0)).toBe(run.employees.length - 1)
    for (const b of bars) expect(b.height > 0, `${b.predikat}: ${b.count}`).toBe(b.count > 0)
    expect(bars.map((b) => b.count)).toEqual(model.distribution.predikat.map((p: any) => p.count))
    // Baik's upper limit (70%) is drawn over its bar.
    expect(await page.locator('#distribution-chart line.quota-max[data-predikat="Baik"]').count()).toBe(1)

    // The 9-box: nine cells whose counts add up to the appraisals with a box.
    const cells = await page.locator('td.box').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))
    expect(cells).toHaveLength(9)
    expect(cells.reduce((t, n) => t + n, 0)).toBe(model.nineBox.counted)

    // One report link per employee, to that employee's appraisal, in the page's language.
    const links = await page.locator('a.report-link').evaluateAll((els) => els.map((e) => e.getAttribute('href')))
    expect(links.sort()).toEqual(run.employees.map((e) => `/instances/${run.cycle}.${e.nip}/report?lang=id`).sort())
    const shotId = await screenshot(page, 'dashboard-id')
    expect((await stat(shotId)).size).toBeGreaterThan(10_000)

    await Promise.all([page.waitForURL(/lang=en/), page.locator('nav.lang a[hreflang="en"]').click()])
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    const headings = await page.locator('h2').allTextContents()
    expect(headings).toEqual(expect.arrayContaining(['Distribution of employee predikat', 'Talent map: 9-box (PermenPANRB 3/2020)', 'Employee reports']))
    expect(headings).not.toContain('Distribusi predikat kinerja pegawai')
    expect(await page.locator('#distribution-chart rect.bar').count()).toBe(5)
    expect(await page.locator('a.report-link').first().getAttribute('href')).toMatch(/\/report\?lang=en$/)
    const shotEn = await screenshot(page, 'dashboard-en')
    expect((await stat(shotEn)).size).toBeGreaterThan(10_000)

    expect(errors).toEqual([])
  }, 120_000)
})
