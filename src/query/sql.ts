/** A piece of SQL with its positional (`?`) parameters, as the query modules build and combine them. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

export const TRUE_SQL: SqlFragment = { sql: '1 = 1', params: [] };

/** Joins fragments with AND, each parenthesised; no fragments means no restriction. */
export function andSql(fragments: readonly SqlFragment[]): SqlFragment {
  if (fragments.length === 0) return TRUE_SQL;
  return { sql: fragments.map((fragment) => `(${fragment.sql})`).join(' AND '), params: fragments.flatMap((fragment) => fragment.params) };
}
