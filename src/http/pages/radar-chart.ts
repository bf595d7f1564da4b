/**
 * A radar chart as inline SVG, computed on the server (no script, no external asset, prints as
 * drawn). One axis per competency, one series per role and one for the required level. Elements
 * carry classes and data attributes (`line.axis[data-competency]`, `g.series[data-series]`) so a
 * test can count what is drawn. A value that is missing is left out of its series' outline.
 */
import { html } from 'hono/html'

export interface RadarAxis {
  id: string
  /** Short label at the rim (e.g. the competency code). */
  label: string
  /** Full name, as a tooltip. */
  title: string
}

export interface RadarSeries {
  key: string
  label: string
  color: string
  values: (number | null)[]
  dashed?: boolean
}

const W = 560
const H = 470
const CX = W / 2
const CY = 232
const R = 165

const fix = (n: number) => Math.round(n * 10) / 10

export function radarChart(o: { id: string; axes: RadarAxis[]; series: RadarSeries[]; scale: { min: number; max: number }; aria: string }) {
  const n = o.axes.length
  const { min, max } = o.scale
  // A ring at every whole level (a scale of more than ten levels or of fractions gets five even
  // rings), and the centre one ring below the lowest level, so a required level 1 on a 1-5 scale
  // is a ring, not a point in the middle.
  const whole = Number.isInteger(min) && Number.isInteger(max) && max - min <= 10
  const step = whole ? 1 : (max - min) / 4
  const levels = whole ? Array.from({ length: max - min + 1 }, (_, k) => min + k) : [0, 1, 2, 3, 4].map((k) => min + step * k)
  const centre = min - step
  const span = max - centre
  const angle = (i: number) => -Math.PI / 2 + (2 * Math.PI * i) / n
  const at = (i: number, v: number) => {
    const r = (R * Math.min(Math.max(v - centre, 0), span)) / span
    return [fix(CX + r * Math.cos(angle(i))), fix(CY + r * Math.sin(angle(i)))] as const
  }
  const ring = (v: number) => o.axes.map((_, i) => at(i, v).join(',')).join(' ')

  const axes = o.axes.map((a, i) => {
    const [x, y] = at(i, max)
    const cos = Math.cos(angle(i))
    const sin = Math.sin(angle(i))
    const anchor = cos > 0.3 ? 'start' : cos < -0.3 ? 'end' : 'middle'
    const lx = fix(CX + (R + 12) * cos)
    const ly = fix(CY + (R + 12) * sin + (sin > 0.3 ? 10 : sin < -0.3 ? -3 : 4))
    return html`<line class="axis" data-competency="${a.id}" x1="${CX}" y1="${CY}" x2="${x}" y2="${y}" stroke="#b8c2cf" stroke-width="1"/><text class="axis-label" data-competency="${a.id}" x="${lx}" y="${ly}" text-anchor="${anchor}"><title>${a.title}</title>${a.label}</text>`
  })

  const series = o.series.map((s) => {
    const points = s.values.flatMap((v, i) => (v === null ? [] : [{ i, v, xy: at(i, v) }]))
    const outline = points.map((p) => p.xy.join(',')).join(' ')
    const dash = s.dashed ? '6 4' : ''
    const shape =
      points.length >= 3
        ? html`<polygon points="${outline}" fill="${s.dashed ? 'none' : s.color}" fill-opacity="0.12" stroke="${s.color}" stroke-width="2" stroke-dasharray="${dash}"/>`
        : points.length === 2
          ? html`<polyline points="${outline}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${dash}"/>`
          : ''
    const dots = points.map((p) => html`<circle class="point" data-competency="${o.axes[p.i]!.id}" data-value="${p.v}" cx="${p.xy[0]}" cy="${p.xy[1]}" r="3" fill="${s.color}"><title>${s.label}: ${o.axes[p.i]!.title} ${p.v}</title></circle>`)
    return html`<g class="series" data-series="${s.key}" data-points="${points.length}">${shape}${dots}</g>`
  })

  return html`<svg id="${o.id}" class="radar" role="img" aria-label="${o.aria}" viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W}px" xmlns="http://www.w3.org/2000/svg">
<g class="grid">${levels.map((v) => html`<polygon class="ring" points="${ring(v)}" fill="none" stroke="#d8dee6" stroke-width="1"/><text class="ring-label" x="${CX + 3}" y="${fix(CY - (R * (v - centre)) / span) - 2}" fill="#5b6675" font-size="9">${fix(v)}</text>`)}</g>
<g class="axes">${axes}</g>
${series}
</svg>`
}
