import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey, createApiKey } from '../src/auth/keys.ts';
import { startGateway, tempDatabase } from './helpers.ts';

describe('API keys on /graphql (fail closed)', () => {
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

  const post = (headers: Record<string, string>) =>
    fetch(`${gateway.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query: '{ focusVersion }' }),
    });

  it('refuses a request without a key: 401, UNAUTHENTICATED, and how to send one', async () => {
    const response = await post({});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data ?? null).toBeNull();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].message).toMatch(/no API key given: send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`/);
  });

  it('refuses a wrong key and a malformed header, without echoing the key', async () => {
    const wrong = await post({ authorization: 'Bearer fgw_0000000000000000000000000000000000000000000' });
    expect(wrong.status).toBe(401);
    const body = await wrong.text();
    expect(body).toMatch(/not valid or has been revoked/);
    expect(body).not.toContain('fgw_0000');
    const malformed = await post({ authorization: `Basic ${gateway.keys.admin}` });
    expect(malformed.status).toBe(401);
    expect(await malformed.text()).not.toContain(gateway.keys.admin);
  });

  it('accepts a key as a bearer token or as X-API-Key', async () => {
    for (const headers of [{ authorization: `Bearer ${gateway.keys.reader}` }, { 'x-api-key': gateway.keys.reader }] as Record<string, string>[]) {
      const response = await post(headers);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { focusVersion: '1.3' } });
    }
  });

  it('refuses a key from the next request on once it is revoked', async () => {
    const { key, apiKey } = await createApiKey(gateway.prisma, { name: 'short-lived', role: 'reader' });
    expect((await post({ authorization: `Bearer ${key}` })).status).toBe(200);
    await revokeApiKey(gateway.prisma, apiKey.id);
    expect((await post({ authorization: `Bearer ${key}` })).status).toBe(401);
  });

  it('lets reader keys read but not change families (FORBIDDEN)', async () => {
    const create = 'mutation { createFamily(input: { name: "Platform" }) { name } }';
    const asReader = await gateway.graphqlAs(gateway.keys.reader, create);
    expect(asReader.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(asReader.errors?.[0].message).toMatch(/needs an admin key/);
    expect((await gateway.graphqlAs(gateway.keys.reader, '{ families { totalCount } }')).data).toEqual({ families: { totalCount: 0 } });
    expect((await gateway.graphql(create)).data).toEqual({ createFamily: { name: 'Platform' } });
  });

  it('keeps the health check and the GraphiQL page open', async () => {
    expect((await fetch(`${gateway.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${gateway.baseUrl}/graphql`, { headers: { accept: 'text/html' } })).status).toBe(200);
  });
});
