// `npm install` hook: generates the Prisma client into src/generated/prisma.
// The Prisma CLI insists on locating its native schema engine even though `generate` never runs it, and the
// engine cannot be downloaded here; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies the check.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
execFileSync(process.execPath, [prismaCli, 'generate'], {
  stdio: 'inherit',
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
});
