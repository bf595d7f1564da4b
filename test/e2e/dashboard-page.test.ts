/**
 * The cycle dashboard in a real browser: the Node server runs the whole-cycle scenario (the same as
 * the end-to-end test), then Debian's Chromium loads the dashboard with an office viewer's key and
 * checks the distribution chart is drawn, the 9-box grid, a report link per employee, the switch
 * to English, and that the page logs no error. Screenshots go to test-output/screenshots/.
 */
import { stat } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { screenshot } from '../support/browser.ts'
import { pagesScene } from '../support/pages.ts'

const ADMIN = 'kj_e2e-dashboard-admin-0123456789abcdef'

describe('the cycle dashboard in Chromium', () => {
  const scene = pagesScene(ADMIN)

  it('draws the distribution and the 9-box of the Plaju cycle, links every report and switches to English without errors', async () => {
    const { url, run, call, viewerJson, viewerPage } = await scene()
    const rev = (await call('GET', `/cycles/${run.cycle}`)).data.cycle.rev
    expect((await call('PATCH', `/cycles/${run.cycle}`, { rev, params: { predikatOrganisasi: 'Baik' } })).status).toBe(200)
    const model = await viewerJson(`/cycles/${run.cycle}/report`)
    // Every employee but the one left in the objection window is final with a predikat.
    expect(model.distribution.counted).toBe(run.employees.length - 1)

    const { page, errors } = await viewerPage()
    const res = await page.goto(`${url}/cycles/${run.cycle}/report`)
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
