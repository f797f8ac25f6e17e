import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, tempDatabase } from './helpers.ts';

describe('GraphQL over WebSocket (graphql-ws) on /graphql', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const clients: Client[] = [];
  beforeAll(async () => {
    database = await tempDatabase();
    gateway = await startGateway(database.db, database.url);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await gateway.close();
    database.close();
  });

  function connect(connectionParams: Record<string, unknown>) {
    const closed: { code: number; reason: string }[] = [];
    const client = createClient({
      url: `${gateway.baseUrl.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => closed.push({ code: (event as CloseEvent).code, reason: (event as CloseEvent).reason }) },
    });
    clients.push(client);
    const run = (query: string) =>
      new Promise<unknown>((resolve, reject) => {
        let result: unknown;
        client.subscribe({ query }, { next: (value) => (result = value), error: reject, complete: () => resolve(result) });
      });
    return { run, closed };
  }

  it('answers operations on a connection authenticated from connectionParams', async () => {
    for (const params of [{ authorization: `Bearer ${gateway.keys.reader}` }, { apiKey: gateway.keys.reader }]) {
      expect(await connect(params).run('{ focusVersion }')).toEqual({ data: { focusVersion: '1.3' } });
    }
  });

  it('refuses a connection without a valid key with close code 4403 and the reason', async () => {
    const missing = connect({});
    await expect(missing.run('{ focusVersion }')).rejects.toBeDefined();
    expect(missing.closed[0]).toMatchObject({ code: 4403 });
    expect(missing.closed[0].reason).toMatch(/no API key given/);
    const wrong = connect({ authorization: 'Bearer fgw_0000000000000000000000000000000000000000000' });
    await expect(wrong.run('{ focusVersion }')).rejects.toBeDefined();
    expect(wrong.closed[0]).toMatchObject({ code: 4403 });
    expect(wrong.closed[0].reason).toMatch(/not valid or has been revoked/);
  });

  it('applies the same roles as HTTP: a reader key cannot change families', async () => {
    const result = (await connect({ authorization: `Bearer ${gateway.keys.reader}` }).run('mutation { createFamily(input: { name: "WS" }) { name } }')) as {
      errors: { extensions: { code: string } }[];
    };
    expect(result.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});
