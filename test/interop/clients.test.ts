/**
 * Real client libraries against tredis: ioredis 6 and node-redis 6 (which
 * send HELLO 3 first), plus redis-cli and redis-benchmark from Debian.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startTredis, redisAvailable, SKIP_NO_REDIS } from '../helpers/servers';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
before(async () => {
  srv = await startTredis();
});
after(async () => {
  await srv.close();
});

test('ioredis connects, sets and gets (binary safe), pipelines', async () => {
  const { Redis } = await import('ioredis');
  const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    assert.equal(await r.set('io:k', 'v1'), 'OK');
    assert.equal(await r.get('io:k'), 'v1');
    const bin = Buffer.from([0, 1, 2, 255, 13, 10]);
    await r.set('io:bin', bin);
    assert.deepEqual(await r.getBuffer('io:bin'), bin);
    const res = await r.pipeline().set('io:a', '1').get('io:a').exec();
    assert.deepEqual(res, [
      [null, 'OK'],
      [null, '1'],
    ]);
  } finally {
    r.disconnect();
  }
});

test('node-redis (RESP3 via HELLO 3) connects, sets and gets', async () => {
  const { createClient } = await import('redis');
  const c = createClient({ url: `redis://127.0.0.1:${srv.port}`, RESP: 3 } as Parameters<typeof createClient>[0]);
  c.on('error', () => {});
  try {
    await c.connect();
    assert.equal(await c.set('nr:k', 'hello'), 'OK');
    assert.equal(await c.get('nr:k'), 'hello');
    assert.equal(await c.ping(), 'PONG');
  } finally {
    await c.quit().catch(() => c.disconnect());
  }
});

test('redis-cli one-shot commands', { skip: !redisAvailable() && SKIP_NO_REDIS }, () => {
  const run = (...a: string[]) => spawnSync('redis-cli', ['-p', String(srv.port), ...a], { encoding: 'utf8' });
  assert.equal(run('SET', 'cli:k', 'x').stdout, 'OK\n');
  assert.equal(run('GET', 'cli:k').stdout, 'x\n');
  assert.equal(run('--no-raw', 'GET', 'cli:missing').stdout, '(nil)\n');
});

test('redis-benchmark -t set,get,incr,ping runs without errors', { skip: !redisAvailable() && SKIP_NO_REDIS }, () => {
  const r = spawnSync('redis-benchmark', ['-p', String(srv.port), '-q', '-n', '2000', '-c', '10', '-t', 'set,get,incr,ping'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  for (const name of ['SET', 'GET', 'INCR', 'PING_INLINE', 'PING_MBULK']) {
    assert.match(r.stdout, new RegExp(`${name}: [\\d.]+ requests per second`), r.stdout + r.stderr);
  }
  assert.doesNotMatch(r.stdout + r.stderr, /ERR|error/i);
});
