// `npm run db:migration -- <name>`: writes the migration that brings prisma/migrations up to prisma/schema.prisma.
import { createMigration } from '../src/db/migrate.ts';

const name = process.argv[2];
if (!name) {
  console.error('usage: npm run db:migration -- <name>');
  process.exit(2);
}
const folder = await createMigration(name);
console.log(folder ? `wrote ${folder}/migration.sql` : 'schema and migrations agree: nothing to write');
