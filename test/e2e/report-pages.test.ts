/**
 * The employee's report in a real browser: the Node server runs the whole-cycle scenario (the same
 * as the end-to-end test), then Debian's Chromium loads the report of the appraisal that went
 * through an objection and checks the radar (one axis per competency; self, supervisor, peers and
 * the required level), the blind spots, the switch to English, the print layout, and an appraisal
 * of a second cycle where only two of three peers answered (the note says how many are missing).
 * No console errors. Screenshots go to test-output/screenshots/.
 */
import { readFile, stat } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { screenshot, watchErrors } from '../support/browser.ts'
import { pagesScene } from '../support/pages.ts'
import { bindingInput, buildDelivery, type Role } from '../support/payloads.ts'
import { ROSTER_CSV } from '../support/whole-cycle.ts'

const ADMIN = 'kj_e2e-report-admin-0123456789abcdef'

describe("the employee's report in Chromium", () => {
  const scene = pagesScene(ADMIN)

  it('draws the radar of a Plaju appraisal, notes peers below their threshold, prints, and switches to English without errors', async () => {
    const { url, run, call, browser, viewerJson, viewerPage } = await scene()
    const report = `/instances/${run.objected}/report`
    const model = await viewerJson(report)
    // The first employee (Pengadministrasi Pelayanan) is scored on the 11 competencies the position requires.
    expect(model.competencies).toHaveLength(11)

    // A second cycle where the first employee gets only two of three peer answers (through Kobo).
    const first = run.employees[0]!
    const second = (await call('POST', '/offices/kecamatan-plaju/cycles', { name: 'Kompetensi 2026 tahap 2', package: 'plaju-kompetensi-360' })).data.id as string
    expect((await call('PUT', `/cycles/${second}/roster`, await readFile(ROSTER_CSV, 'utf8'), { type: 'text/csv' })).status).toBe(200)
    expect((await call('POST', `/cycles/${second}/start`)).status).toBe(200)
    const hook = (await call('POST', `/cycles/${second}/bindings`, bindingInput('kobo'))).data.id as string
    const raters: [Role, string][] = [['self', first.nip], ['supervisor', first.supervisor], ['peer', first.peers[0]!], ['peer', first.peers[1]!]]
    for (const [i, [role, rater]] of raters.entries()) {
      const d = buildDelivery('kobo', { seq: 9000 + i, subject: { nip: first.nip, name: first.name }, rater: { nip: rater, name: `Pegawai ${rater.slice(-4)}` }, role, scores: { integritas: 3, kerjasama: 3, komunikasi: 3, pelayanan_publik: 3 } }, { hookUrl: `${url}/hooks/${hook}`, now: new Date() })
      const res = await fetch(`${url}/hooks/${hook}${d.query}`, { method: 'POST', headers: d.headers, body: d.body })
      expect(res.status, await res.text()).toBe(200)
    }

    const { page, errors } = await viewerPage()
    const res = await page.goto(url + report)
    expect(res?.status()).toBe(200)
    expect(await page.getAttribute('html', 'lang')).toBe('id')
    expect(await page.locator('h1').textContent()).toBe('Laporan penilaian kompetensi 360 derajat')

    // One axis per competency; a series per role shown and one for the required level, each drawn with a size.
    const radar = page.locator('svg#radar')
    const box = await radar.boundingBox()
    expect(box!.width).toBeGreaterThan(300)
    expect(await page.locator('svg#radar line.axis').count()).toBe(model.competencies.length)
    const series = await page.locator('svg#radar g.series').evaluateAll((els) =>
      els.map((e) => ({ key: e.getAttribute('data-series'), points: Number(e.getAttribute('data-points')), width: (e as unknown as { getBBox(): { width: number } }).getBBox().width })),
    )
    // The scenario's forms score four competencies; the position requires all eleven.
    expect(series.map((s) => [s.key, s.points])).toEqual([['self', 4], ['supervisor', 4], ['peer', 4], ['required', 11]])
    for (const s of series) expect(s.width, s.key!).toBeGreaterThan(10)
    expect(await page.locator('ul.legend li').count()).toBe(4)
    expect(await page.locator('.below-threshold').count()).toBe(0)
    // Self 5 against supervisor 3 and peers 4: +1.5 on the four competencies, above 4/3 of a level.
    expect(await page.locator('table.blind-spots tbody tr').count()).toBe(4)
    expect(await page.locator('.predikat strong').textContent()).toBe('Baik')
    await screenshot(page, 'employee-report-id')

    // Printed: the language switch and the print button stay off paper.
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('nav.lang').isVisible()).toBe(false)
    expect(await page.locator('button.no-print').isVisible()).toBe(false)
    await screenshot(page, 'employee-report-print')
    await page.emulateMedia({ media: 'screen' })

    await Promise.all([page.waitForURL(/lang=en/), page.locator('nav.lang a[hreflang="en"]').click()])
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    expect(await page.locator('h1').textContent()).toBe('360-degree competency report')
    expect(await page.locator('h2').allTextContents()).toEqual(expect.arrayContaining(['Competency profile', 'Blind spots and hidden strengths', 'Development recommendations', 'Earlier cycles', 'State of the appraisal']))
    expect(await page.locator('svg#radar line.axis').count()).toBe(model.competencies.length)
    expect(await page.locator('svg#radar g.series').count()).toBe(4)
    const shotEn = await screenshot(page, 'employee-report-en')
    expect((await stat(shotEn)).size).toBeGreaterThan(10_000)

    // The second cycle: two of three peers answered, so peers are not shown and the note says so.
    await page.goto(`${url}/instances/${second}.${first.nip}/report`)
    const note = page.locator('.below-threshold')
    expect(await note.isVisible()).toBe(true)
    expect(await note.textContent()).toContain('Baru 2 dari minimal 3 penilai mengisi (kurang 1)')
    // Still collecting (the third peer may answer until the deadline): nothing is scored yet.
    expect(await page.locator('svg#radar').count()).toBe(0)
    expect(await page.locator('#profile p.note').allTextContents()).toContain('Belum ada skor kompetensi.')
    expect(await page.locator('ul.tasks li[data-role="peer"]').textContent()).toContain('Rekan kerja: 1 lagi')
    const shotBelow = await screenshot(page, 'employee-report-below-threshold')
    expect((await stat(shotBelow)).size).toBeGreaterThan(10_000)
    const pageText = await page.content()
    for (const p of first.peers) expect(pageText).not.toContain(p)

    // The employee opens their own report with the link HR made, without a key.
    const link = (await call('POST', `${report}-link`)).data.url as string
    const own = await browser.newContext({ locale: 'id-ID' })
    const ownPage = await own.newPage()
    const ownErrors = watchErrors(ownPage)
    expect((await ownPage.goto(new URL(link, url).href))?.status()).toBe(200)
    expect(await ownPage.locator('svg#radar line.axis').count()).toBe(model.competencies.length)
    await own.close()

    expect(errors).toEqual([])
    expect(ownErrors).toEqual([])
  }, 120_000)
})
