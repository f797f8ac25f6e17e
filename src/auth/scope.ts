/**
 * Key scopes: a reader key may be limited to billing or sub accounts and to families. A scoped key sees a cost row
 * when its BillingAccountId or SubAccountId is one of the scope's accounts, or its family (by the family rule) is one
 * of the scope's families; everything else it sees follows from those rows.
 *
 * Enforced in one place: every request of a scoped key reads through a connection of its own on which the data
 * tables are TEMP views of the same name, keeping only what the scope allows. SQLite resolves an unqualified table
 * name to the temp schema first, so every hand-written query (pages, node lookups, aggregates, rollups, KPIs, REST,
 * exports) reads the scoped rows without knowing it; the views read the real tables as `main.<table>`. Membership
 * edits apply at once, as the views read the family tables live. An unknown account or family in a scope matches
 * nothing: scopes fail closed.
 */
import { DAILY_ROLLUP, ROLLUP_TABLES } from '../analytics/rollup-columns.ts';
import { latticeSelectSql } from '../analytics/rollups.ts';
import { costRecordFamilyIdSql } from '../families/rule.ts';
import { openSqlite, type SqliteDatabase } from '../db/sqlite.ts';

export interface KeyScope {
  /** Billing or sub account ids. */
  accountIds: string[];
  /** Family ids. */
  familyIds: string[];
}

export class KeyScopeError extends Error {
  readonly code = 'BAD_USER_INPUT';
}

/** The stored form: null for an unscoped key. */
export function parseKeyScope(text: string | null): KeyScope | null {
  if (text === null) return null;
  const parsed = JSON.parse(text) as Partial<KeyScope>;
  return { accountIds: parsed.accountIds ?? [], familyIds: parsed.familyIds ?? [] };
}

export function keyScopeText(scope: KeyScope): string {
  return JSON.stringify({ accountIds: [...new Set(scope.accountIds)].sort(), familyIds: [...new Set(scope.familyIds)].sort() });
}

/** Whether a cost row (or rollup row) under `alias` is in the scope held in the connection's temp scope tables. */
function rowInScope(alias: string): string {
  return `(${alias}.billing_account_id IN (SELECT id FROM temp.scope_accounts)
    OR ${alias}.sub_account_id IN (SELECT id FROM temp.scope_accounts)
    OR ${costRecordFamilyIdSql(alias)} IN (SELECT id FROM temp.scope_families))`;
}

/** Accounts the scope names, and the members of the families it names. */
const SCOPE_MEMBERS = `SELECT id FROM temp.scope_accounts UNION SELECT account_id FROM main.family_members WHERE family_id IN (SELECT id FROM temp.scope_families)`;

/**
 * A rollup as a scoped key sees it. One that keeps both account columns: its rows in scope. One that does not (the
 * service rollup) cannot tell which of its rows are in scope, so it is made, grouped as it is, from the daily rollup's
 * rows in scope: the planner can pick any rollup for any key, and each gives the scope's totals.
 */
const scopedRollups = Object.fromEntries(
  ROLLUP_TABLES.map((rollup) => {
    const columns = new Set(rollup.dimensions.map((column) => column.dbColumn));
    if (columns.has('billing_account_id') && columns.has('sub_account_id')) return [rollup.table, `SELECT * FROM main.${rollup.table} cr WHERE ${rowInScope('cr')}`];
    return [rollup.table, latticeSelectSql(rollup, `main.${DAILY_ROLLUP.table} cr WHERE ${rowInScope('cr')}`).sql];
  }),
);

/** Each data table, as a scoped key sees it. */
const SCOPED_TABLES: Record<string, string> = {
  cost_records: `SELECT * FROM main.cost_records cr WHERE ${rowInScope('cr')}`,
  ...scopedRollups,
  contract_applications: `SELECT ca.* FROM main.contract_applications ca
    WHERE EXISTS (SELECT 1 FROM main.cost_records cr WHERE cr.id = ca.cost_record_id AND ${rowInScope('cr')})`,
  billing_accounts: `SELECT b.* FROM main.billing_accounts b
    WHERE b.id IN (${SCOPE_MEMBERS})
       OR EXISTS (SELECT 1 FROM main.sub_accounts s WHERE s.billing_account_id = b.id AND s.id IN (${SCOPE_MEMBERS}))`,
  sub_accounts: `SELECT s.* FROM main.sub_accounts s WHERE s.id IN (${SCOPE_MEMBERS}) OR s.billing_account_id IN (${SCOPE_MEMBERS})`,
  commitments: `SELECT c.* FROM main.commitments c
    WHERE c.billing_account_id IN (${SCOPE_MEMBERS})
       OR EXISTS (SELECT 1 FROM main.contract_applications ca JOIN main.cost_records cr ON cr.id = ca.cost_record_id
                  WHERE ca.contract_commitment_id = c.contract_commitment_id AND ${rowInScope('cr')})`,
  // The scope's families, and every family a visible row can belong to: one holding a scoped account, a sub account
  // of a scoped billing account, or the billing account of a scoped sub account.
  families: `SELECT f.* FROM main.families f
    WHERE f.id IN (SELECT id FROM temp.scope_families)
       OR EXISTS (SELECT 1 FROM main.family_members fm WHERE fm.family_id = f.id AND (
            fm.account_id IN (${SCOPE_MEMBERS})
            OR fm.account_id IN (SELECT s.id FROM main.sub_accounts s WHERE s.billing_account_id IN (${SCOPE_MEMBERS}))
            OR fm.account_id IN (SELECT s.billing_account_id FROM main.sub_accounts s WHERE s.id IN (${SCOPE_MEMBERS}))))`,
  family_members: `SELECT fm.* FROM main.family_members fm WHERE fm.family_id IN (SELECT id FROM temp.families)`,
  ingest_batches: `SELECT b.* FROM main.ingest_batches b
    WHERE EXISTS (SELECT 1 FROM main.cost_records cr WHERE cr.batch_id = b.id AND ${rowInScope('cr')})
       OR EXISTS (SELECT 1 FROM temp.commitments c WHERE c.batch_id = b.id)`,
  conformance_findings: `SELECT cf.* FROM main.conformance_findings cf WHERE cf.batch_id IN (SELECT id FROM temp.ingest_batches)`,
};

/**
 * The scope of the key with this id, read from the raw connection (export jobs run long after their request). A key
 * id that is not there at all gets a scope that matches nothing.
 */
export function scopeOfKey(db: SqliteDatabase, keyId: string): KeyScope | null {
  const row = db.prepare('SELECT scope FROM api_keys WHERE id = ?').get(keyId) as { scope: string | null } | undefined;
  return row ? parseKeyScope(row.scope) : { accountIds: [], familyIds: [] };
}

/** Makes `db` a scoped connection: the scope's ids in temp tables, and every data table shadowed by its view. */
export function installScope(db: SqliteDatabase, scope: KeyScope): void {
  db.transaction(() => {
    db.exec(`CREATE TEMP TABLE scope_accounts (id TEXT PRIMARY KEY); CREATE TEMP TABLE scope_families (id TEXT PRIMARY KEY);`);
    const account = db.prepare('INSERT OR IGNORE INTO temp.scope_accounts (id) VALUES (?)');
    for (const id of scope.accountIds) account.run(id);
    const family = db.prepare('INSERT OR IGNORE INTO temp.scope_families (id) VALUES (?)');
    for (const id of scope.familyIds) family.run(id);
    for (const [table, select] of Object.entries(SCOPED_TABLES)) db.exec(`CREATE TEMP VIEW ${table} AS ${select}`);
  })();
}

/** Scoped connections kept open per database: enough for the keys in use at once; the least recently used closes. */
const CONNECTIONS_KEPT = 16;
const scopedConnections = new WeakMap<SqliteDatabase, Map<string, SqliteDatabase>>();

/** The connection a key with `scope` reads through: `db` itself when unscoped, else a scoped one on the same file. */
export function databaseForScope(db: SqliteDatabase, scope: KeyScope | null): SqliteDatabase {
  if (scope === null) return db;
  let connections = scopedConnections.get(db);
  if (!connections) scopedConnections.set(db, (connections = new Map()));
  const key = keyScopeText(scope);
  let scoped = connections.get(key);
  if (scoped) {
    connections.delete(key);
  } else {
    scoped = openSqlite(`file:${db.name}`);
    installScope(scoped, scope);
    if (connections.size >= CONNECTIONS_KEPT) {
      const [oldestKey, oldest] = connections.entries().next().value!;
      connections.delete(oldestKey);
      oldest.close();
    }
  }
  connections.set(key, scoped);
  return scoped;
}

/** Closes the scoped connections opened for `db` (when the server stops). */
export function closeScopedDatabases(db: SqliteDatabase): void {
  for (const scoped of scopedConnections.get(db)?.values() ?? []) scoped.close();
  scopedConnections.delete(db);
}
