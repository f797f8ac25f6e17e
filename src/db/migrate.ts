/**
 * Migrations without the native Prisma schema engine: the official wasm build of the engine, driven through the
 * better-sqlite3 driver adapter. `applyMigrations` reads prisma/migrations in the standard layout and records them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does; `createMigration` diffs the migrations folder against
 * prisma/schema.prisma to write the next one.
 */
import { readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import type { SqliteDatabase } from './sqlite.ts';
import { sqliteFilePath } from './url.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma/migrations');
export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'prisma/schema.prisma');
const NO_FILTERS = { externalTables: [], externalEnums: [] };

let engineModule: Promise<typeof engineBindings> | undefined;

/** @types/node for Node 20 leaves WebAssembly out; this is the one call used here. */
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

/** Node 20 cannot import .wasm modules without a flag, so the engine's wasm is instantiated by hand. */
function loadEngineModule(): Promise<typeof engineBindings> {
  engineModule ??= (async () => {
    const bindingsFile = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(bindingsFile), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': engineBindings });
    engineBindings.__wbg_set_wasm(instance.exports as never);
    (instance.exports.__wbindgen_start as () => void)();
    return engineBindings;
  })();
  return engineModule;
}

/**
 * The better-sqlite3 adapter factory, with two repairs the engine needs: every connection it opens is closed
 * afterwards (the engine does not close them, and an open one keeps the file locked), and the shadow database
 * runs whole migration scripts, which the engine sends there through `executeRaw` (one statement only).
 */
function engineAdapterFactory(databaseUrl: string): { factory: SqlMigrationAwareDriverAdapterFactory; close(): Promise<void> } {
  const inner = new PrismaBetterSqlite3({ url: sqliteFilePath(databaseUrl) });
  const opened: SqlDriverAdapter[] = [];
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      opened.push(adapter);
      return adapter;
    },
    async connectToShadowDb() {
      const adapter = await inner.connectToShadowDb();
      opened.push(adapter);
      const executeRaw = adapter.executeRaw.bind(adapter);
      adapter.executeRaw = async (query) => {
        if (query.args.length > 0) return executeRaw(query);
        await adapter.executeScript(query.sql);
        return 0;
      };
      return adapter;
    },
  };
  return { factory, close: async () => void (await Promise.all(opened.map((adapter) => adapter.dispose()))) };
}

async function withEngine<T>(databaseUrl: string, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const schema = await readFile(SCHEMA_FILE, 'utf8');
  const adapters = engineAdapterFactory(databaseUrl);
  const engine = await SchemaEngine.new({ datamodels: [[SCHEMA_FILE, schema]] }, () => {}, bindMigrationAwareSqlAdapterFactory(adapters.factory));
  try {
    return await run(engine);
  } finally {
    engine.free();
    await adapters.close();
  }
}

async function readMigrationList(dir: string): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = await Promise.all(
    entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(dir, name, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
  );
  const lockfile = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null);
  return { baseDir: dir, lockfile: { path: 'migration_lock.toml', content: lockfile }, shadowDbInitScript: '', migrationDirectories };
}

/**
 * Migrations in the folder that the database has not finished applying, read through an ordinary connection. When
 * there are none, the schema engine need not start: it takes an exclusive lock, which fails while any other process
 * (a running server) has the database open.
 */
export function pendingMigrationNames(db: SqliteDatabase, migrationsDir = MIGRATIONS_DIR): string[] {
  const inFolder = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get() !== undefined;
  if (!hasTable) return inFolder.sort();
  const applied = new Set(
    (db.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL').all() as { migration_name: string }[]).map(
      (row) => row.migration_name,
    ),
  );
  return inFolder.filter((name) => !applied.has(name)).sort();
}

/** Applies every migration not yet applied; returns their names. */
export async function applyMigrations(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): Promise<string[]> {
  const migrationsList = await readMigrationList(migrationsDir);
  const result = await withEngine(databaseUrl, (engine) => engine.applyMigrations({ migrationsList, filters: NO_FILTERS }));
  return result.appliedMigrationNames;
}

/** The SQL that takes a database from the migrations folder to prisma/schema.prisma ('' when they agree). */
export async function pendingSchemaChange(migrationsDir = MIGRATIONS_DIR): Promise<string> {
  const migrationsList = await readMigrationList(migrationsDir);
  const schema = await readFile(SCHEMA_FILE, 'utf8');
  const result = await withEngine(':memory:', (engine) =>
    engine.diff({
      from: migrationsList.migrationDirectories.length ? { tag: 'migrations', ...migrationsList } : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_FILE, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    }),
  );
  const sql = result.stdout ?? '';
  return /^\s*(--[^\n]*\n\s*)*(-- This is an empty migration\.)?\s*$/.test(sql) ? '' : sql;
}

/** Writes prisma/migrations/<timestamp>_<name>/migration.sql for the pending schema change, if there is one. */
export async function createMigration(name: string, migrationsDir = MIGRATIONS_DIR): Promise<string | null> {
  const sql = await pendingSchemaChange(migrationsDir);
  if (!sql) return null;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const folder = path.join(migrationsDir, `${stamp}_${name.replace(/[^A-Za-z0-9]+/g, '_')}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'migration.sql'), sql);
  await writeFile(
    path.join(migrationsDir, 'migration_lock.toml'),
    '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "sqlite"\n',
  );
  return folder;
}
