/** Cell positions of FOCUS columns in demo rows, looked up by name from the column catalog. */
import { COST_AND_USAGE_COLUMNS, CONTRACT_COMMITMENT_COLUMNS, type FocusColumn } from '../focus/columns.ts';

/**
 * A name-to-position map that throws on unknown names instead of returning undefined, so a misspelt column name
 * fails the first time the module is loaded rather than silently writing to a wrong cell.
 */
function positions(columns: readonly FocusColumn[]): Readonly<Record<string, number>> {
  const byName = new Map(columns.map((column, index) => [column.name, index]));
  return new Proxy(
    {},
    {
      get(_target, name) {
        const index = byName.get(String(name));
        if (index === undefined) throw new Error(`No FOCUS column named ${String(name)}`);
        return index;
      },
    },
  );
}

export const COST = positions(COST_AND_USAGE_COLUMNS);
export const COMMITMENT = positions(CONTRACT_COMMITMENT_COLUMNS);

/** A Cost and Usage row with every cell null (''). */
export function blankCostRow(): string[] {
  return new Array<string>(COST_AND_USAGE_COLUMNS.length).fill('');
}

export function setCells(row: string[], positionsByName: Readonly<Record<string, number>>, values: Readonly<Record<string, string>>): string[] {
  for (const [name, value] of Object.entries(values)) row[positionsByName[name]] = value;
  return row;
}
