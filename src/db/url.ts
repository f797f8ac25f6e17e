import path from 'node:path';

/** The embedded default: a SQLite file under ./data of the working directory. */
export const DEFAULT_DATABASE_URL = 'file:./data/focus.db';

/** The filesystem path of a `file:` SQLite URL (better-sqlite3 takes a path, not a URL). */
export function sqliteFilePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:') return databaseUrl;
  if (!databaseUrl.startsWith('file:')) {
    throw new Error(`DATABASE_URL must be a SQLite file URL such as file:./data/focus.db (got "${databaseUrl.split(':')[0]}:...")`);
  }
  return path.resolve(databaseUrl.slice('file:'.length).replace(/^\/\/(?=\/)/, '').split('?')[0]);
}
