/**
 * What an ingest found wrong without rejecting the file: FOCUS rule violations (ids from the requirements model) and
 * the gateway's own notes on values it had to interpret. Counted per rule with a few example lines each.
 */
import type { RuleInfo } from '../conformance/engine.ts';
import { detachedString } from '../util/strings.ts';

export const GATEWAY_RULES = {
  'GW-NUMBER-FORMAT': {
    severity: 'WARNING',
    message: 'A number was written with a currency symbol or thousands separators; it was read as the plain decimal it shows.',
  },
  'GW-PRECISION': {
    severity: 'WARNING',
    message: 'A number has more than 15 significant digits; it is stored as the nearest double and may export with fewer digits.',
  },
  'GW-TIME-ROLLOVER': {
    severity: 'WARNING',
    message: 'A date-time has a time of day past its range (such as 30:00); it was carried into the following day.',
  },
  'GW-COLUMN-NAME-CASE': { severity: 'WARNING', message: 'A column name differs from its FOCUS name only in letter case; it was mapped to the FOCUS column.' },
  'GW-LEGACY-COLUMN': { severity: 'WARNING', message: 'A column has a pre-1.0 FOCUS name; it was mapped to its FOCUS 1.3 column.' },
  'GW-DERIVED-PROVIDER': {
    severity: 'WARNING',
    message: 'ServiceProviderName or HostProviderName is absent (a pre-1.3 file); it was derived from ProviderName, or PublisherName when ProviderName is absent too.',
  },
  'GW-ROW-SKIPPED': { severity: 'ERROR', message: 'A row could not be used and was skipped (--skip-invalid).' },
} as const satisfies Record<string, Omit<RuleInfo, 'id' | 'column'>>;

export type GatewayRuleId = keyof typeof GATEWAY_RULES;

export interface FindingExample {
  line: number | null;
  column: string | null;
  value: string | null;
}

export interface Finding {
  ruleId: string;
  severity: 'ERROR' | 'WARNING';
  message: string;
  count: number;
  examples: FindingExample[];
}

const EXAMPLES_KEPT = 5;
const EXAMPLE_VALUE_CHARS = 200;

export class FindingCollector {
  readonly #found = new Map<string, { count: number; examples: FindingExample[] }>();

  constructor(private readonly rules: ReadonlyMap<string, RuleInfo>) {}

  record(ruleId: string, line: number | null, column: string | null, value: string | null): void {
    let entry = this.#found.get(ruleId);
    if (!entry) this.#found.set(ruleId, (entry = { count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < EXAMPLES_KEPT) {
      entry.examples.push({ line, column, value: value === null ? null : detachedString(value.slice(0, EXAMPLE_VALUE_CHARS)) });
    }
  }

  findings(): Finding[] {
    return [...this.#found].map(([ruleId, { count, examples }]) => {
      const rule = this.rules.get(ruleId) ?? GATEWAY_RULES[ruleId as GatewayRuleId];
      return { ruleId, severity: rule.severity, message: rule.message, count, examples };
    });
  }
}
