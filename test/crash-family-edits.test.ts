/**
 * Crash safety of family edits: a real `serve` process takes a stream of membership replacements and renames over
 * REST and GraphQL and is killed with SIGKILL in the middle. The database must come back whole: integrity and foreign
 * keys check out, and every family holds exactly one of the memberships it was ever given (an edit is all or nothing).
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/keys.ts';
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { serveProcess, tempDir } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const serve = (cwd: string, databaseUrl: string) => serveProcess(cwd, { DATABASE_URL: databaseUrl }, (child) => cleanups.push(() => child.kill('SIGKILL')));

/** Membership sets a family is switched between: large enough that one edit is many rows. */
const MEMBERSHIPS = Array.from({ length: 4 }, (_, set) => Array.from({ length: 200 }, (_, index) => `acct-${set}-${String(index).padStart(3, '0')}`));

describe('SIGKILL during family edits', () => {
  it('leaves every family with one whole membership it was given, and a database that checks out', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const url = `file:${path.join(dir, 'families.db')}`;
    (await openMigratedDatabase(url)).db.close();
    const prisma = createPrismaClient(url);
    const { key } = await createApiKey(prisma, { name: 'crash test', role: 'admin' });
    await prisma.$disconnect();

    const { child, baseUrl } = await serve(dir, url);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created: string[] = [];
    for (const name of ['Alpha', 'Beta']) {
      const response = await fetch(`${baseUrl}/billingEngine/family`, { method: 'POST', headers, body: JSON.stringify({ family: { name } }) });
      created.push(((await response.json()) as any).response.items[0].id);
    }
    // Two writers, each replacing one family's membership in turn; the server dies while they run.
    let edits = 0;
    const writer = async (familyId: string, offset: number) => {
      for (let round = 0; ; round++) {
        const accountIds = MEMBERSHIPS[(round + offset) % 2 === 0 ? offset : offset + 1];
        try {
          await fetch(`${baseUrl}/billingEngine/family/${familyId}`, { method: 'PUT', headers, body: JSON.stringify({ family: { name: `${familyId.slice(0, 4)}-${round}`, accountIds } }) });
          edits++;
        } catch {
          return;
        }
      }
    };
    const writers = [writer(created[0], 0), writer(created[1], 2)];
    while (edits < 20) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await Promise.all(writers);

    const db = openSqlite(url);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const members = db.prepare('SELECT family_id AS familyId, account_id AS accountId FROM family_members ORDER BY account_id').all() as { familyId: string; accountId: string }[];
    created.forEach((familyId, index) => {
      const held = members.filter((member) => member.familyId === familyId).map((member) => member.accountId);
      const candidates = [MEMBERSHIPS[index * 2], MEMBERSHIPS[index * 2 + 1]];
      expect(candidates.some((candidate) => JSON.stringify(candidate) === JSON.stringify(held)), `family ${index} holds ${held.length} accounts`).toBe(true);
    });
    db.close();

    // And the gateway starts again on it and serves the families.
    const restarted = await serve(dir, url);
    const listed = (await (await fetch(`${restarted.baseUrl}/billingEngine/family`, { headers })).json()) as any;
    expect(listed.response.items.map((family: { id: string }) => family.id).sort()).toEqual([...created].sort());
    restarted.child.kill('SIGTERM');
    await new Promise((resolve) => restarted.child.once('exit', resolve));
  }, 60_000);
});
