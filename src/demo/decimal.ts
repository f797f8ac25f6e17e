/**
 * Demo amounts are held as integers scaled by 10^scale, so that unit price x quantity is an exact integer product
 * (FOCUS requires ListCost and ContractedCost to equal it exactly). Every product stays below 10^15, which keeps it
 * exact in a double and within 15 significant digits once formatted.
 */

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, exponent) => 10 ** exponent);

export function pow10(scale: number): number {
  return POWERS_OF_TEN[scale];
}

/** Rounds a plain number to an integer at the given scale. */
export function toScaled(value: number, scale: number): number {
  return Math.round(value * POWERS_OF_TEN[scale]);
}

/** Formats an integer at the given scale as a plain decimal string without trailing zeros ("12.5", "-0.0003", "7"). */
export function formatScaled(value: number, scale: number): string {
  if (value === 0) return '0';
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  if (scale === 0) return negative ? `-${magnitude}` : String(magnitude);
  const unit = POWERS_OF_TEN[scale];
  let whole = Math.trunc(magnitude / unit);
  // The division can round up when the fraction is very close to 1; correct it with exact integer arithmetic.
  if (whole * unit > magnitude) whole -= 1;
  const fraction = magnitude - whole * unit;
  let text = String(whole);
  if (fraction !== 0) {
    let digits = String(fraction).padStart(scale, '0');
    let end = digits.length;
    while (digits.charCodeAt(end - 1) === 48) end--;
    digits = digits.slice(0, end);
    text += `.${digits}`;
  }
  return negative ? `-${text}` : text;
}
