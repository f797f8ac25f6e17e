import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printGatewaySchema } from '../src/graphql/schema.ts';
import { PROJECT_ROOT, startGateway, tempDatabase } from './helpers.ts';

describe('schema.graphql', () => {
  it('is the schema printed from src/graphql (run `npm run schema:print` after changing it)', () => {
    expect(readFileSync(path.join(PROJECT_ROOT, 'schema.graphql'), 'utf8')).toBe(printGatewaySchema());
  });
});

describe('/graphql', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    database = await tempDatabase();
    gateway = await startGateway(database.db, database.url);
  });
  afterAll(async () => {
    await gateway.close();
    database.close();
  });

  it('answers queries over HTTP', async () => {
    expect(await gateway.graphql('{ focusVersion }')).toEqual({ data: { focusVersion: '1.3' } });
  });

  it('serves GraphiQL to a browser', async () => {
    const response = await fetch(`${gateway.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('FOCUS Gateway');
  });
});
