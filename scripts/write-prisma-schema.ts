import { writeFileSync } from 'node:fs';
import { renderPrismaSchema } from '../src/db/prisma-schema.ts';

writeFileSync(new URL('../prisma/schema.prisma', import.meta.url), renderPrismaSchema());
