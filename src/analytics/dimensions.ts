/**
 * The dimensions cost totals can be grouped by: every string column of the FOCUS Cost and Usage catalog (by its
 * camelCase field name), `family` (the family rule of src/families/rule.ts), and `tag:<key>` (the value of one key of
 * the Tags column).
 */
import { COST_AND_USAGE_COLUMNS } from '../focus/columns.ts';
import { costRecordFamilyIdSql } from '../families/rule.ts';
import { QueryInputError } from '../query/keyset.ts';
import type { SqlFragment } from '../query/sql.ts';

export const FAMILY_DIMENSION = 'family';
export const TAG_DIMENSION_PREFIX = 'tag:';

export interface Dimension {
  /** As the caller named it: `serviceName`, `family`, `tag:team`. */
  readonly name: string;
  readonly kind: 'column' | 'family' | 'tag';
  /**
   * Group key expressions over the cost row alias `cr`. One for a column or a family; a tag has two, its value and
   * whether the row has the key at all, so that a key set to JSON null is told apart from a missing key.
   */
  readonly keys: readonly SqlFragment[];
}

const STRING_COLUMNS = new Map(COST_AND_USAGE_COLUMNS.filter((column) => column.type === 'string').map((column) => [column.field, column]));

/** Every dimension name that is not a tag: the string columns' field names and `family`. */
export const NAMED_DIMENSIONS: readonly string[] = [...STRING_COLUMNS.keys(), FAMILY_DIMENSION];

/** SQLite reads a JSON path label in double quotes verbatim; it has no escape for a quote, a backslash or a NUL inside. */
const UNUSABLE_TAG_KEY = /["\\\u0000]/;

/** `path` names the input in error messages, such as `groupBy[1]`. */
export function resolveDimension(name: string, path: string): Dimension {
  if (name === FAMILY_DIMENSION) return { name, kind: 'family', keys: [{ sql: costRecordFamilyIdSql('cr'), params: [] }] };
  if (name.startsWith(TAG_DIMENSION_PREFIX)) {
    const key = name.slice(TAG_DIMENSION_PREFIX.length);
    if (key === '') throw new QueryInputError(`${path}: "${name}" names no tag key (write tag:<key>, such as tag:team)`);
    if (UNUSABLE_TAG_KEY.test(key)) throw new QueryInputError(`${path}: tag keys with a double quote or a backslash cannot be grouped by`);
    const jsonPath = `$."${key}"`;
    return {
      name,
      kind: 'tag',
      keys: [
        { sql: 'CAST(json_extract(cr.tags, ?) AS TEXT)', params: [jsonPath] },
        { sql: 'json_type(cr.tags, ?) IS NOT NULL', params: [jsonPath] },
      ],
    };
  }
  const column = STRING_COLUMNS.get(name);
  if (!column) {
    throw new QueryInputError(`${path}: unknown dimension "${name}"; group by a string column of FOCUS Cost and Usage (such as serviceName or regionId), family, or tag:<key>`);
  }
  return { name, kind: 'column', keys: [{ sql: `cr.${column.dbColumn}`, params: [] }] };
}
