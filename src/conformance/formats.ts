/**
 * Value formats of the FOCUS attributes (DateTimeFormat, NumericFormat, CurrencyFormat, UnitFormat, StringHandling,
 * KeyValueFormat, JsonObjectFormat), as predicates over raw cell text or parsed JSON. The ones that see every
 * date-time and decimal cell scan characters by hand rather than run regular expressions.
 */

/** ISO 8601 extended format in UTC with seconds and no fraction, `YYYY-MM-DDTHH:mm:ssZ` (DateTimeFormat-A-003-M). */
export function isFocusDateTime(text: string): boolean {
  if (text.length !== 20) return false;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return false; // '-', '-', 'T'
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 90) return false; // ':', ':', 'Z'
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return false;
  return second >= 0 && second <= 59 && day <= daysInMonth(year, month);
}

/** The decimal number written in text[start, start + length), or -1 when a character is not a digit. */
function digits(text: string, start: number, length: number): number {
  let result = 0;
  for (let i = start; i < start + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    result = result * 10 + digit;
  }
  return result;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * NumericFormat: an integer, a decimal or E notation (`mEn`); a sign only for negative values and negative exponents
 * no thousands separators, currency symbols, units or surrounding spaces.
 */
export function isFocusNumeric(text: string): boolean {
  // The grammar -?(\d+(\.\d+)?|\.\d+)([eE]-?\d+)?, scanned by hand: it runs for every decimal cell of every row.
  let i = text.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const integerStart = i;
  i = skipDigits(text, i);
  const integerDigits = i - integerStart;
  if (text.charCodeAt(i) === 46) {
    // '.'
    const fractionStart = i + 1;
    i = skipDigits(text, fractionStart);
    if (i === fractionStart) return false;
  } else if (integerDigits === 0) {
    return false;
  }
  if (i < text.length && (text.charCodeAt(i) | 0x20) === 101) {
    // 'e' or 'E'
    i += text.charCodeAt(i + 1) === 45 ? 2 : 1;
    const exponentStart = i;
    i = skipDigits(text, exponentStart);
    if (i === exponentStart) return false;
  }
  return i === text.length;
}

function skipDigits(text: string, start: number): number {
  let i = start;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  return i;
}

/**
 * StringHandling and NullHandling-A-002-M: a value that is empty or only whitespace stands in for a null, which FOCUS
 * forbids. (The other StringHandling rules, such as keeping the original casing, cannot be seen in a single file.)
 */
export function isFocusString(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && (code < 9 || code > 13) && code !== 0xa0 && code !== 0xfeff) return true;
  }
  return false;
}

/**
 * Active ISO 4217 codes of circulating currencies (list A.1 as of 2025). Fund codes (BOV, CHE, USN...), precious metals
 * (XAU...), bond-market units, the SDR and the testing codes are left out: none is a national currency a bill is
 * issued in. ANG/XCG, SLL/SLE and ZWL/ZWG are both kept so that data from the changeover periods passes.
 */
const ISO_4217_CURRENCY_CODES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF ' +
    'CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG ' +
    'HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA ' +
    'MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD ' +
    'RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH ' +
    'UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL'
  ).split(' '),
);

/** CheckNationalCurrency (CurrencyFormat-A-001-C): an ISO 4217 code, in its upper-case form. */
export function isNationalCurrency(text: string): boolean {
  return ISO_4217_CURRENCY_CODES.has(text);
}

/**
 * CurrencyFormat: a national currency as its ISO 4217 code (A-001-C), or a virtual currency (credits, tokens) as a
 * string that meets StringHandling (A-002-C). Three letters and nothing else read as an attempted currency code, so
 * "usd" or "USX" fail rather than pass as the name of a virtual currency.
 */
export function isFocusCurrency(text: string): boolean {
  if (ISO_4217_CURRENCY_CODES.has(text)) return true;
  return !isThreeLetters(text) && isFocusString(text);
}

function isThreeLetters(text: string): boolean {
  if (text.length !== 3) return false;
  for (let i = 0; i < 3; i++) {
    const code = text.charCodeAt(i) | 0x20; // ASCII lower case
    if (code < 97 || code > 122) return false;
  }
  return true;
}

const DATA_SIZE_UNITS = [
  'b', 'B', 'Kb', 'KB', 'Mb', 'MB', 'Gb', 'GB', 'Tb', 'TB', 'Pb', 'PB', 'Eb', 'EB',
  'Kib', 'KiB', 'Mib', 'MiB', 'Gib', 'GiB', 'Tib', 'TiB', 'Pib', 'PiB', 'Eib', 'EiB',
];
const TIME_UNITS_SINGULAR = ['Year', 'Month', 'Day', 'Hour', 'Minute', 'Second', 'Millisecond', 'Microsecond'];
const TIME_UNITS_PLURAL = TIME_UNITS_SINGULAR.map((unit) => `${unit}s`);
const COUNT_UNITS = ['Count', 'Unit', 'Request', 'Token', 'Connection', 'Certificate', 'Domain', 'Core'].flatMap((unit) => [unit, `${unit}s`]);
const LISTED_UNITS: ReadonlySet<string> = new Set([...DATA_SIZE_UNITS, ...TIME_UNITS_SINGULAR, ...TIME_UNITS_PLURAL, ...COUNT_UNITS]);
/** Lower-cased listed units, to catch a listed unit written in another casing (UnitFormat-A-003-M). */
const LISTED_UNITS_LOWER: ReadonlySet<string> = new Set([...LISTED_UNITS].map((unit) => unit.toLowerCase()));
const TIME_UNITS_SINGULAR_SET: ReadonlySet<string> = new Set(TIME_UNITS_SINGULAR);
const TIME_UNITS_PLURAL_SET: ReadonlySet<string> = new Set(TIME_UNITS_PLURAL);

/**
 * The shapes UnitFormat recommends: `<plural-units>` ("GB", "Hours"), `<singular-unit>-<plural-units>` ("GB-Hours"),
 * `<plural-units>/<singular-time-unit>` ("GB/Hour"), optionally led by a whole unit quantity ("1000 Tokens") and
 * with a whole denominator quantity before a plural time unit ("Units/3 Months").
 */
const UNIT_FORMAT = /^(?:[1-9]\d* )?([A-Za-z][A-Za-z0-9]*)(?:-([A-Za-z][A-Za-z0-9]*))?(?:\/(?:([1-9]\d*) )?([A-Za-z][A-Za-z0-9]*))?$/;

/** UnitFormat, as far as it can be checked without knowing what the provider measures. */
export function isFocusUnit(text: string): boolean {
  const match = UNIT_FORMAT.exec(text);
  if (match === null) return false;
  const [, first, second, denominatorQuantity, denominator] = match;
  if (!isBaseUnit(first) || (second !== undefined && !isBaseUnit(second))) return false;
  if (denominator === undefined) return true;
  if (!isBaseUnit(denominator)) return false;
  // A time denominator is singular ("GB/Hour") unless a denominator quantity makes it plural ("Units/3 Months").
  if (denominatorQuantity === undefined) return !TIME_UNITS_PLURAL_SET.has(denominator);
  return !TIME_UNITS_SINGULAR_SET.has(denominator);
}

/** A listed unit in its listed casing, or a capitalized noun that is not a listed unit in another casing. */
function isBaseUnit(word: string): boolean {
  if (LISTED_UNITS.has(word)) return true;
  const first = word.charCodeAt(0);
  return first >= 65 && first <= 90 && !LISTED_UNITS_LOWER.has(word.toLowerCase());
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * KeyValueFormat: a JSON object whose values are strings, numbers, booleans or null, never objects or arrays (A-001,
 * Duplicate keys are gone once the text is parsed, so they cannot be seen here.
 */
export function isKeyValueObject(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  for (const key in value) {
    const item = value[key];
    if (typeof item === 'object' && item !== null) return false;
  }
  return true;
}

/**
 * JsonObjectFormat: a JSON object in which every array holds non-null elements of one JSON type
 * without repeating a primitive element. Nested objects are held to the same rules.
 */
export function isJsonObjectFormat(value: unknown): boolean {
  return isJsonObject(value) && hasWellFormedArrays(value);
}

function hasWellFormedArrays(value: object): boolean {
  if (Array.isArray(value)) {
    const elementType = jsonTypeOf(value[0]);
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (element === null || jsonTypeOf(element) !== elementType) return false;
      if (typeof element === 'object') {
        if (!hasWellFormedArrays(element)) return false;
      } else if (value.indexOf(element) !== i) {
        return false;
      }
    }
    return true;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const member = record[key];
    if (typeof member === 'object' && member !== null && !hasWellFormedArrays(member)) return false;
  }
  return true;
}

function jsonTypeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : typeof value;
}
