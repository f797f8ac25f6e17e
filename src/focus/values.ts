import { detachedString } from '../util/strings.ts';

/**
 * Parsing of FOCUS cell text into stored values, tolerant of what providers really write. Each parser either returns
 * a value, reports that it repaired a non-conforming spelling (kept as a conformance warning), or fails with a
 * message (the row is unusable).
 */

/** Providers write null as an empty cell or as the literal NULL (the FOCUS 1.2 examples use lower case). */
export function isNullToken(text: string): boolean {
  return text === '' || text === 'NULL' || text === 'null' || text === 'Null';
}

/** How a parser had to interpret a value that does not follow FOCUS formats; each becomes a conformance warning. */
export type Repair = 'number-formatting' | 'precision' | 'time-rollover';
export type Parsed<T> = { ok: true; value: T; repaired?: Repair } | { ok: false; error: string };

const PLAIN_DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Spreadsheet-formatted money such as `$10,000.00 ` in the FOCUS 1.2 SaaS examples: symbol, thousands groups. */
const FORMATTED_DECIMAL = /^\s*(-?)\s*[$€£¥]?\s*(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*$/;
/** A double holds every decimal of up to 15 significant digits exactly enough to print it back unchanged. */
export const MAX_EXACT_SIGNIFICANT_DIGITS = 15;

function significantDigits(text: string): number {
  const mantissa = text.replace(/^[+-]/, '').replace(/[eE].*$/, '').replace('.', '');
  return mantissa.replace(/^0+/, '').replace(/0+$/, '').length;
}

/** Digits, at most one point, at most 15 digits in all: a common money value that needs no further checks. */
const SHORT_PLAIN_DECIMAL = /^-?\d*\.?\d*$/;

export function parseDecimal(text: string): Parsed<number> {
  const digits = text.length - (text[0] === '-' ? 1 : 0) - (text.includes('.') ? 1 : 0);
  if (digits > 0 && digits <= MAX_EXACT_SIGNIFICANT_DIGITS && SHORT_PLAIN_DECIMAL.test(text)) {
    const value = Number(text);
    if (!Number.isNaN(value)) return { ok: true, value };
  }
  let plain = text;
  let repaired: 'number-formatting' | undefined;
  if (!PLAIN_DECIMAL.test(plain)) {
    const formatted = FORMATTED_DECIMAL.exec(text);
    if (!formatted) return { ok: false, error: `"${text}" is not a decimal number` };
    plain = `${formatted[1] || formatted[2]}${formatted[3].replaceAll(',', '')}${formatted[4] ?? ''}`;
    repaired = 'number-formatting';
  }
  const value = Number(plain);
  if (!Number.isFinite(value)) return { ok: false, error: `"${text}" is out of range` };
  if (significantDigits(plain) > MAX_EXACT_SIGNIFICANT_DIGITS) return { ok: true, value, repaired: 'precision' };
  return repaired ? { ok: true, value, repaired } : { ok: true, value };
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
/** US month/day/year, as spreadsheets save dates (the FOCUS 1.2 SaaS examples use `4/1/25`). */
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/;

/** Parses a date-time to epoch milliseconds, UTC. Without an offset the time is taken as UTC, as FOCUS requires. */
export function parseDateTime(text: string): Parsed<number> {
  const iso = ISO_DATE_TIME.exec(text);
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = iso;
    let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Math.floor(Number(`0.${frac || '0'}`) * 1000));
    if (zone && zone !== 'Z' && zone !== 'z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
    }
    const check = new Date(Date.UTC(+y, +mo - 1, +d));
    if (check.getUTCMonth() !== +mo - 1) return { ok: false, error: `"${text}" is not a valid date-time` };
    // The FOCUS 1.2 specification's own examples write `2023-02-01T30:00:00Z`: a time of day past its range is
    // carried into the following day, as Date.UTC does, and noted.
    if (+h > 23 || +mi > 59 || +s > 59) return { ok: true, value: ms, repaired: 'time-rollover' };
    return { ok: true, value: ms };
  }
  const us = US_DATE.exec(text);
  if (us) {
    const year = us[3].length === 2 ? 2000 + Number(us[3]) : Number(us[3]);
    const ms = Date.UTC(year, Number(us[1]) - 1, Number(us[2]));
    if (new Date(ms).getUTCDate() !== Number(us[2])) return { ok: false, error: `"${text}" is not a valid date` };
    return { ok: true, value: ms };
  }
  return { ok: false, error: `"${text}" is not a date-time (expected ISO 8601 such as 2024-09-01T00:00:00Z)` };
}

/** SQLite's JSON functions refuse a value nested deeper than this, and a query over such a cell would fail with it. */
export const MAX_JSON_DEPTH = 1000;

/** Whether valid JSON text nests arrays and objects more than `limit` deep. */
function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return false;
}

export function parseJson(text: string): Parsed<unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not valid JSON (${(error as Error).message})` };
  }
  // Each level takes an opening and a closing bracket, so only long texts can be too deep.
  if (text.length > 2 * MAX_JSON_DEPTH && nestedDeeperThan(text, MAX_JSON_DEPTH)) {
    return { ok: false, error: `JSON nested more than ${MAX_JSON_DEPTH} levels deep, which the database cannot read` };
  }
  return { ok: true, value };
}

/**
 * Remembers a parser's results for texts seen recently. Billing files repeat the same date-times (every row of an
 * hour) and the same tag and price-detail JSON (every row of a resource or SKU) thousands of times. Results are shared
 * between rows, so callers must not modify parsed values.
 */
export function withRecentResults<T>(parse: (text: string) => Parsed<T>, capacity = 1024, maxTextLength = 2048): (text: string) => Parsed<T> {
  let recent = new Map<string, Parsed<T>>();
  return (text) => {
    let result = recent.get(text);
    if (result === undefined) {
      result = parse(text);
      if (text.length <= maxTextLength) {
        if (recent.size >= capacity) recent = new Map();
        recent.set(detachedString(text), result);
      }
    }
    return result;
  };
}
