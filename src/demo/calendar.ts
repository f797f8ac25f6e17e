/** The time axis of the demo data: whole UTC hours from the first day for three calendar months. */

const HOUR_MS = 3_600_000;
const SPAN_MONTHS = 3;

export const DEFAULT_DEMO_START = new Date(Date.UTC(2026, 0, 1));

export interface BillingMonth {
  index: number;
  /** BillingPeriodStart: the first instant of the calendar month. */
  start: string;
  /** BillingPeriodEnd: the first instant of the next calendar month (exclusive). */
  end: string;
  /** Hours of the data window that fall in this month: [firstHour, endHour). */
  firstHour: number;
  endHour: number;
}

function isoSeconds(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

export class DemoCalendar {
  /** Midnight UTC of the first day of data. */
  readonly startMs: number;
  readonly totalHours: number;
  readonly totalDays: number;
  /** hourStamps[h] is the start of hour h; hourStamps[totalHours] is the end of the window. */
  readonly hourStamps: string[];
  /** dayStamps[d] is the start of day d; dayStamps[totalDays] is the end of the window. */
  readonly dayStamps: string[];
  readonly months: BillingMonth[];
  /** Index into `months` for every hour. */
  readonly monthOfHour: Uint8Array;

  constructor(start: Date = DEFAULT_DEMO_START) {
    const startMs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
    if (Number.isNaN(startMs)) throw new Error('Demo start must be a valid date');
    this.startMs = startMs;
    const endMs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + SPAN_MONTHS, start.getUTCDate());
    this.totalHours = (endMs - startMs) / HOUR_MS;
    this.totalDays = this.totalHours / 24;
    this.hourStamps = Array.from({ length: this.totalHours + 1 }, (_, hour) => isoSeconds(startMs + hour * HOUR_MS));
    this.dayStamps = Array.from({ length: this.totalDays + 1 }, (_, day) => isoSeconds(startMs + day * 24 * HOUR_MS));
    this.months = [];
    this.monthOfHour = new Uint8Array(this.totalHours);
    for (let offset = 0; ; offset++) {
      const monthStartMs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + offset, 1);
      if (monthStartMs >= endMs) break;
      const monthEndMs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + offset + 1, 1);
      const firstHour = Math.max(0, (monthStartMs - startMs) / HOUR_MS);
      const endHour = Math.min(this.totalHours, (monthEndMs - startMs) / HOUR_MS);
      this.monthOfHour.fill(offset, firstHour, endHour);
      this.months.push({ index: offset, start: isoSeconds(monthStartMs), end: isoSeconds(monthEndMs), firstHour, endHour });
    }
  }

  /** The first instant of the calendar month `offset` months after the start's month (negative: before). */
  monthStart(offset: number): string {
    const start = new Date(this.startMs);
    return isoSeconds(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + offset, 1));
  }
}
