/**
 * ISO 8601 durations as the workflow writes them (P14D, PT12H, P1W, P1M, P1Y2M10DT2H30M) added to
 * an instant. Years and months are calendar units in UTC; a day is 24 hours (UTC has no DST).
 */
import { AppError } from '../errors.ts'

export interface DurationParts {
  years: number
  months: number
  weeks: number
  days: number
  hours: number
  minutes: number
  seconds: number
}

const PATTERN = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/

export function parseDuration(text: string): DurationParts {
  const m = PATTERN.exec(text)
  if (!m) throw new AppError('invalid-package', `'${text}' is not an ISO 8601 duration such as P14D, PT12H or P1M`)
  const n = (i: number): number => Number(m[i] ?? 0)
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) }
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month + 1, 0)).getUTCDate()

/**
 * `from` plus `duration`. Adding a month to 31 January gives the last day of February, not
 * 3 March: an objection window "one month from" must not spill into the month after.
 */
export function addDuration(from: Date, duration: string): Date {
  const d = parseDuration(duration)
  const totalMonths = from.getUTCMonth() + d.months + 12 * d.years
  const year = from.getUTCFullYear() + Math.floor(totalMonths / 12)
  const month = totalMonths % 12
  const day = Math.min(from.getUTCDate(), daysInMonth(year, month))
  const shifted = Date.UTC(
    year,
    month,
    day,
    from.getUTCHours(),
    from.getUTCMinutes(),
    from.getUTCSeconds(),
    from.getUTCMilliseconds(),
  )
  const seconds = ((d.weeks * 7 + d.days) * 24 + d.hours) * 3600 + d.minutes * 60 + d.seconds
  return new Date(shifted + seconds * 1000)
}
