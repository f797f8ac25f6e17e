import { defineConfig } from 'prisma/config';

// The gateway applies migrations itself (src/db/migrate.ts), through the wasm schema engine; this file is read
// only by `prisma generate`.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
