/**
 * Client-side caching with a real client library (node-redis's RESP3
 * `clientSideCache`), the tracking table bound (tracking-table-max-keys),
 * and tracking state dropped on RESET and disconnect.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTredis, waitFor } from '../helpers/servers';
import { TestClient, PushReply } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

describe('client tracking', () => {
  let srv: TredisServer;
  before(async () => {
    srv = await startTredis();
  });
  after(async () => {
    await srv?.close();
  });

  test("node-redis's clientSideCache: hits from the cache until another client writes", async () => {
    const cached = createClient({ url: `redis://127.0.0.1:${srv.port}`, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
    const writer = createClient({ url: `redis://127.0.0.1:${srv.port}` });
    await cached.connect();
    await writer.connect();
    try {
      await writer.set('csc:k', 'v1');
      const cache = cached.clientSideCache!;
      assert.equal(await cached.get('csc:k'), 'v1');
      assert.equal(await cached.get('csc:k'), 'v1');
      assert.equal(cache.stats().hitCount, 1, 'the second GET came from the cache');
      assert.equal(srv.server.tracking.table.has('csc:k'), true);
      await writer.set('csc:k', 'v2');
      // the invalidation push empties the entry: the next GET goes to the server
      await waitFor(() => cache.size() === 0, 5000, 'the invalidation to reach the cache');
      assert.equal(await cached.get('csc:k'), 'v2');
      assert.equal(await cached.get('csc:k'), 'v2');
      assert.equal(cache.stats().hitCount, 2);
      await writer.flushAll();
      await waitFor(() => cache.size() === 0, 5000, 'the flush invalidation');
      assert.equal(await cached.get('csc:k'), null);
    } finally {
      await cached.quit();
      await writer.quit();
    }
  });

  test('tracking-table-max-keys: the table stays bounded, dropped keys are invalidated', async () => {
    const c = await TestClient.connect(srv.port);
    try {
      await waitFor(() => srv.server.tracking.clients === 0, 5000, 'the earlier clients to go');
      await c.call('FLUSHALL'); // empties the table (entries of gone clients stay until then, as in Redis)
      await c.call('CONFIG', 'SET', 'tracking-table-max-keys', '3');
      await c.call('HELLO', '3');
      await c.call('CLIENT', 'TRACKING', 'on');
      await c.call('MGET', 'b1', 'b2', 'b3', 'b4', 'b5');
      assert.equal(srv.server.tracking.table.size, 5);
      // the bound is applied before the next command
      await c.call('PING');
      assert.equal(srv.server.tracking.table.size, 3);
      const push = await c.nextPush();
      assert.ok(push instanceof PushReply);
      assert.deepEqual(push.items, ['invalidate', ['b1']]);
      const push2 = (await c.nextPush()) as PushReply;
      assert.deepEqual(push2.items, ['invalidate', ['b2']]);
      const info = String(await c.call('INFO', 'stats'));
      assert.match(info, /tracking_total_keys:3\r\n/);
      assert.match(info, /tracking_total_items:3\r\n/);
    } finally {
      await c.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
      c.close();
    }
  });

  test('RESET and a disconnect turn tracking off', async () => {
    await waitFor(() => srv.server.tracking.clients === 0, 5000, 'the earlier clients to go');
    const c = await TestClient.connect(srv.port);
    const before = 0;
    await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'reset:');
    assert.equal(srv.server.tracking.clients, before + 1);
    assert.equal(srv.server.tracking.prefixes.has('reset:'), true);
    assert.equal(await c.call('RESET'), 'RESET');
    assert.equal(srv.server.tracking.clients, before);
    assert.equal(srv.server.tracking.prefixes.has('reset:'), false);
    await c.call('CLIENT', 'TRACKING', 'on');
    assert.equal(srv.server.tracking.clients, before + 1);
    c.close();
    await waitFor(() => srv.server.tracking.clients === before, 5000, 'the disconnect');
  });
});
