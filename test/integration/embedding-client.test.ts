import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, ReplyError } from '../../src/index';
import { tredisPerSuite } from '../../src/testing';

test('connect(): replies as JS values, error replies reject with ReplyError, concurrent calls keep their order', async () => {
  const server = await createServer({ port: 0 });
  const c = await connect(server.port);
  try {
    assert.equal(await c.call('SET', 'k', 'héllo'), 'OK');
    assert.equal(await c.call('GET', 'k'), 'héllo');
    assert.equal(await c.call('GET', 'missing'), null);
    assert.equal(await c.call('INCRBY', 'n', 2n ** 60n), 2n ** 60n);
    assert.deepEqual(await c.call('MGET', 'k', 'missing'), ['héllo', null]);
    await assert.rejects(c.call('INCR', 'k'), (e: unknown) => e instanceof ReplyError && e.message === 'ERR value is not an integer or out of range');
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => c.call('ECHO', String(i))));
    assert.deepEqual(many, Array.from({ length: 50 }, (_, i) => String(i)));
  } finally {
    c.close();
    await server.close();
  }
});

// tredis/testing used on itself: one server for the suite, FLUSHALL before each test
const suite = tredisPerSuite({ before, after, beforeEach });

test('tredisPerSuite: the first test writes', async () => {
  const c = await connect(suite.port);
  await c.call('SET', 'left-over', '1');
  assert.equal(suite.url, `redis://127.0.0.1:${suite.port}`);
  c.close();
});

test('tredisPerSuite: the next test starts empty', async () => {
  const c = await connect(suite.port);
  assert.equal(await c.call('DBSIZE'), 0);
  c.close();
});
