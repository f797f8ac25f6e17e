/**
 * The first admin key of the embedded default: without it a fresh `npm start` would serve an API nobody can call.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { retryWhileBusy } from '../db/busy.ts';
import type { PrismaClient } from '../db/client.ts';
import { createApiKey, type ApiKeyInfo } from './keys.ts';

export const FIRST_START_KEY_NAME = 'admin (first start)';
export const ADMIN_KEY_FILE = 'admin.key';

/**
 * When the database holds no API key at all (revoked ones count), creates an admin key and writes it, readable by
 * the owner only, to `admin.key` in `dataDir`. The key is written before the transaction commits, so a key that
 * could not be saved is never stored either, and the next start tries again.
 */
export async function ensureFirstAdminKey(prisma: PrismaClient, dataDir: string): Promise<{ key: string; apiKey: ApiKeyInfo; file: string } | null> {
  return retryWhileBusy(() =>
    prisma.$transaction(async (tx) => {
      if ((await tx.apiKey.count()) > 0) return null;
      const created = await createApiKey(tx, { name: FIRST_START_KEY_NAME, role: 'admin' });
      const file = path.join(dataDir, ADMIN_KEY_FILE);
      // A file left from an earlier database holds a key that no longer exists; replaced rather than rewritten so the
      // new file gets mode 0600 whatever the old one had.
      rmSync(file, { force: true });
      writeFileSync(file, `${created.key}\n`, { mode: 0o600, flag: 'wx' });
      return { ...created, file };
    }),
  );
}
