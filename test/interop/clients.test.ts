/**
 * Real client libraries against tredis, doing what applications do: ioredis 6
 * and node-redis 6 (both open with HELLO 3), plus redis-cli from Debian.
 *
 * External tools run through runTool (asynchronous): the server is embedded
 * in this process, and spawnSync would block the event loop it runs on.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, redisAvailable, SKIP_NO_REDIS, waitFor } from '../helpers/servers';
import { runTool } from '../helpers/tools';
import type { TredisServer } from '../../src/index';
import { Redis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';

const HAVE_REDIS = redisAvailable();

/** Resolve when `emitter` emits `event` (bounded). */
function once<T = unknown>(emitter: { once(ev: string, f: (...a: any[]) => void): unknown }, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${event}' within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

/** Collects messages and lets a test await the n-th one. */
class Inbox<T> {
  readonly items: T[] = [];
  push = (v: T): void => {
    this.items.push(v);
  };
  wait(n: number, timeoutMs = 5000): Promise<T[]> {
    return waitFor(() => this.items.length >= n, timeoutMs, `${n} messages (got ${this.items.length})`).then(() => this.items);
  }
}

let srv: TredisServer;
before(async () => {
  srv = await startTredis();
});
after(async () => {
  await srv.close();
});

/** An ioredis client that fails fast instead of retrying for ever. */
function ioredis(extra: Record<string, unknown> = {}): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, ...extra });
}

/** A node-redis client on the shared server (RESP3 is node-redis 6's default). */
function nodeRedis(url = `redis://127.0.0.1:${srv.port}`) {
  const c = createClient({ url, RESP: 3, socket: { reconnectStrategy: (n: number) => (n > 20 ? new Error('gave up') : 50) } });
  c.on('error', () => {});
  return c;
}

describe('ioredis', () => {
  let r: Redis;
  before(async () => {
    r = ioredis();
    await r.connect();
  });
  after(() => {
    r.disconnect();
  });

  test('connects, sets and gets (binary safe), pipelines', async () => {
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
  });

  test('a long pipeline keeps order and reports per-command errors', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) p.incr('io:ctr');
    p.hset('io:ctr', 'f', 'v'); // WRONGTYPE
    p.get('io:ctr');
    const res = (await p.exec())!;
    assert.equal(res.length, 502);
    for (let i = 0; i < 500; i++) assert.deepEqual(res[i], [null, i + 1]);
    assert.match(String(res[500][0]), /^ReplyError: WRONGTYPE Operation against a key holding the wrong kind of value/);
    assert.deepEqual(res[501], [null, '500']);
  });

  test('MULTI/EXEC, WATCH conflicts and queueing errors', async () => {
    const res = await r.multi().set('io:m', '1').incr('io:m').lpush('io:ml', 'a', 'b').lrange('io:ml', 0, -1).exec();
    assert.deepEqual(res, [
      [null, 'OK'],
      [null, 2],
      [null, 2],
      [null, ['b', 'a']],
    ]);
    // WATCH broken by another connection: EXEC returns null
    const other = ioredis();
    await other.connect();
    try {
      await r.watch('io:w');
      await other.set('io:w', 'changed');
      assert.equal(await r.multi().set('io:w', 'mine').exec(), null);
      assert.equal(await r.get('io:w'), 'changed');
    } finally {
      other.disconnect();
    }
    // runtime error inside EXEC: the other commands still run
    const mixed = await r.multi().set('io:s', 'x').lpush('io:s', 'y').get('io:s').exec();
    assert.equal(mixed![0][1], 'OK');
    assert.match(String(mixed![1][0]), /WRONGTYPE/);
    assert.equal(mixed![2][1], 'x');
    // queueing error (unknown command): EXECABORT
    await assert.rejects(r.multi().set('io:q', '1').call('NOSUCHCMD').exec(), /EXECABORT|unknown command/);
    assert.equal(await r.exists('io:q'), 0);
  });

  test('hashes, lists, sets and sorted sets round trip', async () => {
    await r.hset('io:h', { a: '1', b: '2', 'f\u00e9': 'v' });
    assert.deepEqual(await r.hgetall('io:h'), { a: '1', b: '2', 'f\u00e9': 'v' });
    assert.equal(await r.hincrby('io:h', 'a', 10), 11);
    assert.deepEqual(await r.hmget('io:h', 'a', 'nope'), ['11', null]);

    assert.equal(await r.rpush('io:l', 'a', 'b', 'c', 'd'), 4);
    assert.deepEqual(await r.lrange('io:l', 0, -1), ['a', 'b', 'c', 'd']);
    assert.equal(await r.lmove('io:l', 'io:l2', 'LEFT', 'RIGHT'), 'a');
    assert.deepEqual(await r.lpos('io:l', 'c'), 1);

    assert.equal(await r.sadd('io:s1', 'a', 'b', 'c'), 3);
    await r.sadd('io:s2', 'b', 'c', 'd');
    assert.deepEqual((await r.sinter('io:s1', 'io:s2')).sort(), ['b', 'c']);
    assert.equal(await r.sismember('io:s1', 'a'), 1);
    assert.deepEqual(await r.smismember('io:s1', 'a', 'z'), [1, 0]);

    assert.equal(await r.zadd('io:z', 1, 'one', 2.5, 'two', 3, 'three'), 3);
    assert.deepEqual(await r.zrange('io:z', '0', '-1', 'WITHSCORES'), ['one', '1', 'two', '2.5', 'three', '3']);
    assert.equal(await r.zincrby('io:z', 0.5, 'two'), '3');
    assert.deepEqual(await r.zrangebyscore('io:z', '(1', '+inf'), ['three', 'two']);
    assert.equal(await r.zscore('io:z', 'one'), '1');
    assert.deepEqual(await r.zpopmin('io:z'), ['one', '1']);
  });

  test('binary keys, fields and values as Buffers', async () => {
    const key = Buffer.from([0xff, 0x00, 0x80, 0x0d, 0x0a]);
    const field = Buffer.from([0xc3, 0x28, 0x00]);
    const val = Buffer.alloc(4096);
    for (let i = 0; i < val.length; i++) val[i] = (i * 31) & 0xff;
    await r.hset(key, field, val);
    const got = await r.hgetallBuffer(key);
    assert.deepEqual(Object.keys(got).length, 1);
    assert.deepEqual(await r.hgetBuffer(key, field), val);
    await r.rpush(Buffer.from('io:binlist'), val, Buffer.from([0]));
    assert.deepEqual(await r.lrangeBuffer('io:binlist', 0, -1), [val, Buffer.from([0])]);
    assert.equal(await r.strlen(key).catch((e: Error) => e.message), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  test('scanStream visits every key exactly once; hscanStream/zscanStream', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 300; i++) p.set(`io:scan:${i}`, i);
    for (let i = 0; i < 200; i++) p.hset('io:bighash', `f${i}`, i);
    for (let i = 0; i < 200; i++) p.zadd('io:bigz', i, `m${i}`);
    await p.exec();
    const seen = new Set<string>();
    const stream = r.scanStream({ match: 'io:scan:*', count: 37 });
    for await (const keys of stream as AsyncIterable<string[]>) for (const k of keys) seen.add(k);
    assert.equal(seen.size, 300);
    const fields = new Set<string>();
    for await (const kv of r.hscanStream('io:bighash', { count: 20 }) as AsyncIterable<string[]>) for (let i = 0; i < kv.length; i += 2) fields.add(kv[i]);
    assert.equal(fields.size, 200);
    const members = new Set<string>();
    for await (const kv of r.zscanStream('io:bigz', { count: 20 }) as AsyncIterable<string[]>) for (let i = 0; i < kv.length; i += 2) members.add(kv[i]);
    assert.equal(members.size, 200);
  });

  test('pub/sub: channel and pattern subscriptions on a subscriber connection', async () => {
    const sub = ioredis();
    await sub.connect();
    try {
      const msgs = new Inbox<[string, string]>();
      const pmsgs = new Inbox<[string, string, string]>();
      const bufs = new Inbox<Buffer>();
      sub.on('message', (ch: string, m: string) => msgs.push([ch, m]));
      sub.on('pmessage', (p: string, ch: string, m: string) => pmsgs.push([p, ch, m]));
      sub.on('messageBuffer', (_ch: Buffer, m: Buffer) => bufs.push(m));
      assert.equal(await sub.subscribe('io:news', 'io:sport'), 2);
      assert.equal(await sub.psubscribe('io:ev.*'), 3);
      assert.equal(await r.publish('io:news', 'hello'), 1);
      assert.equal(await r.publish('io:ev.login', 'user1'), 1);
      assert.equal(await r.publish('io:sport', Buffer.from([0, 255, 10])), 1);
      assert.equal(await r.publish('io:nobody', 'x'), 0);
      assert.deepEqual(await msgs.wait(2), [
        ['io:news', 'hello'],
        ['io:sport', Buffer.from([0, 255, 10]).toString()],
      ]);
      assert.deepEqual(await pmsgs.wait(1), [['io:ev.*', 'io:ev.login', 'user1']]);
      assert.deepEqual((await bufs.wait(2))[1], Buffer.from([0, 255, 10]));
      // PUBSUB introspection from the publisher
      assert.deepEqual((await r.pubsub('CHANNELS', 'io:*')).sort(), ['io:news', 'io:sport']);
      assert.deepEqual(await r.pubsub('NUMSUB', 'io:news', 'io:none'), ['io:news', 1, 'io:none', 0]);
      assert.equal(await r.pubsub('NUMPAT'), 1);
      await sub.unsubscribe('io:news');
      assert.equal(await r.publish('io:news', 'gone'), 0);
    } finally {
      sub.disconnect();
    }
  });

  test('BLPOP times out with null, and is served by a push from another client', async () => {
    const blocker = ioredis();
    await blocker.connect();
    try {
      const t0 = Date.now();
      assert.equal(await blocker.blpop('io:q1', 0.2), null);
      assert.ok(Date.now() - t0 >= 150, 'BLPOP returned before its timeout');
      const pending = blocker.blpop('io:q1', 'io:q2', 5);
      await waitFor(async () => /flags=b/.test(String(await r.client('LIST'))), 10000, 'client blocked');
      await r.rpush('io:q2', 'job1', 'job2');
      assert.deepEqual(await pending, ['io:q2', 'job1']);
      assert.deepEqual(await blocker.brpop('io:q2', 1), ['io:q2', 'job2']);
      assert.deepEqual(await blocker.bzpopmin('io:z', 1), ['io:z', 'three', '3']);
    } finally {
      blocker.disconnect();
    }
  });

  test('reconnects after CLIENT KILL and re-subscribes after CLIENT KILL TYPE pubsub', async () => {
    const victim = ioredis({ retryStrategy: () => 50 });
    await victim.connect();
    const sub = ioredis({ retryStrategy: () => 50 });
    await sub.connect();
    try {
      const id1 = (await victim.client('ID')) as number;
      assert.equal(await r.call('CLIENT', 'KILL', 'ID', String(id1)), 1);
      await once(victim, 'ready');
      const id2 = (await victim.client('ID')) as number;
      assert.notEqual(id2, id1);
      assert.equal(await victim.ping(), 'PONG');

      const msgs = new Inbox<string>();
      sub.on('message', (_c: string, m: string) => msgs.push(m));
      await sub.subscribe('io:resub');
      const killed = (await r.call('CLIENT', 'KILL', 'TYPE', 'pubsub')) as number;
      assert.ok(killed >= 1);
      await once(sub, 'ready');
      await waitFor(async () => (await r.publish('io:resub', 'after')) === 1, 10000, 'resubscribed');
      assert.deepEqual(await msgs.wait(1), ['after']);
    } finally {
      victim.disconnect();
      sub.disconnect();
    }
  });

  test('db option selects a database', async () => {
    const d3 = ioredis({ db: 3 });
    await d3.connect();
    try {
      await d3.set('io:db', 'three');
      assert.equal(await r.get('io:db'), null);
      assert.equal(await r.select(3), 'OK');
      assert.equal(await r.get('io:db'), 'three');
      await r.select(0);
    } finally {
      d3.disconnect();
    }
  });
});

describe('node-redis (RESP3)', () => {
  let c: ReturnType<typeof nodeRedis>;
  before(async () => {
    c = nodeRedis();
    await c.connect();
  });
  after(async () => {
    await c.quit().catch(() => c.destroy());
  });

  test('connects, sets and gets', async () => {
    assert.equal(await c.set('nr:k', 'hello'), 'OK');
    assert.equal(await c.get('nr:k'), 'hello');
    assert.equal(await c.ping(), 'PONG');
    assert.equal(await c.set('nr:k2', 'v', { expiration: { type: 'PX', value: 100000 } }), 'OK');
    assert.ok((await c.pTTL('nr:k2')) > 90000);
  });

  test('RESP3 maps, sets and doubles: HGETALL, SMEMBERS, ZSCORE, CONFIG GET, HELLO', async () => {
    await c.hSet('nr:h', { name: 'tredis', lang: 'ts', n: '1' });
    const h = await c.hGetAll('nr:h');
    assert.deepEqual({ ...h }, { name: 'tredis', lang: 'ts', n: '1' });
    assert.deepEqual(await c.hGetAll('nr:missing'), {});
    await c.sAdd('nr:s', ['x', 'y']);
    assert.deepEqual([...(await c.sMembers('nr:s'))].sort(), ['x', 'y']);
    await c.zAdd('nr:z', [
      { score: 1.5, value: 'a' },
      { score: -2, value: 'b' },
    ]);
    assert.equal(await c.zScore('nr:z', 'a'), 1.5);
    assert.deepEqual(await c.zRangeWithScores('nr:z', 0, -1), [
      { value: 'b', score: -2 },
      { value: 'a', score: 1.5 },
    ]);
    const cfg = await c.configGet('maxmemory-policy');
    assert.deepEqual({ ...cfg }, { 'maxmemory-policy': 'noeviction' });
    const hello = (await c.hello()) as unknown as Record<string, unknown>;
    assert.equal(hello.proto, 3);
    assert.equal(hello.version, '7.0.15');
  });

  test('lists, sets and sorted sets round trip', async () => {
    assert.equal(await c.rPush('nr:l', ['1', '2', '3']), 3);
    assert.deepEqual(await c.lRange('nr:l', 0, -1), ['1', '2', '3']);
    assert.equal(await c.lPop('nr:l'), '1');
    assert.equal(await c.lLen('nr:l'), 2);
    assert.equal(await c.sCard('nr:s'), 2);
    assert.equal(await c.sIsMember('nr:s', 'x'), 1);
    assert.equal(await c.zCard('nr:z'), 2);
    assert.deepEqual(await c.zRangeByScore('nr:z', 0, '+inf'), ['a']);
    assert.deepEqual(await c.zPopMax('nr:z'), { value: 'a', score: 1.5 });
  });

  test('pipelines (multi().execAsPipeline) and MULTI/EXEC', async () => {
    const piped = await c.multi().set('nr:p', '1').incr('nr:p').get('nr:p').execAsPipeline();
    assert.deepEqual(piped, ['OK', 2, '2']);
    const tx = await c.multi().set('nr:t', 'a').append('nr:t', 'b').get('nr:t').exec();
    assert.deepEqual(tx, ['OK', 2, 'ab']);
    // concurrent commands are auto-pipelined on one socket
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => c.incrBy('nr:auto', i)));
    assert.equal(many[199], (199 * 200) / 2);
    // WATCH conflict from another client aborts the transaction
    const other = nodeRedis();
    await other.connect();
    try {
      await c.watch('nr:w');
      await other.set('nr:w', 'theirs');
      await assert.rejects(c.multi().set('nr:w', 'mine').exec(), /WatchError|watch/i);
      assert.equal(await c.get('nr:w'), 'theirs');
    } finally {
      await other.quit();
    }
  });

  test('scanIterator / hScanIterator / sScanIterator visit everything', async () => {
    for (let i = 0; i < 250; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => c.set(`nr:scan:${i + j}`, 'v')));
    }
    await c.sAdd('nr:bigset', Array.from({ length: 300 }, (_, i) => `m${i}`));
    await c.hSet('nr:bighash', Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, String(i)])));
    const keys = new Set<string>();
    for await (const batch of c.scanIterator({ MATCH: 'nr:scan:*', COUNT: 40 })) for (const k of batch) keys.add(k);
    assert.equal(keys.size, 250);
    const members = new Set<string>();
    for await (const batch of c.sScanIterator('nr:bigset', { COUNT: 30 })) for (const m of batch) members.add(m);
    assert.equal(members.size, 300);
    const fields = new Map<string, string>();
    for await (const batch of c.hScanIterator('nr:bighash', { COUNT: 30 })) for (const e of batch) fields.set(e.field, e.value);
    assert.equal(fields.size, 300);
    assert.equal(fields.get('f123'), '123');
  });

  test('pub/sub: subscribe and pSubscribe on a duplicate connection (RESP3 push)', async () => {
    const sub = c.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    try {
      const msgs = new Inbox<[string, string]>();
      const pmsgs = new Inbox<[string, string]>();
      await sub.subscribe('nr:chan', (m, ch) => msgs.push([ch, m]));
      await sub.pSubscribe('nr:ev:*', (m, ch) => pmsgs.push([ch, m]));
      // in RESP3 the subscriber can still run ordinary commands
      assert.equal(await sub.get('nr:k'), 'hello');
      assert.equal(await c.publish('nr:chan', 'one'), 1);
      assert.equal(await c.publish('nr:ev:a', 'two'), 1);
      assert.equal(await c.publish('nr:chan', 'three'), 1);
      assert.deepEqual(await msgs.wait(2), [
        ['nr:chan', 'one'],
        ['nr:chan', 'three'],
      ]);
      assert.deepEqual(await pmsgs.wait(1), [['nr:ev:a', 'two']]);
      await sub.unsubscribe('nr:chan');
      await sub.pUnsubscribe('nr:ev:*');
      assert.equal(await c.publish('nr:chan', 'none'), 0);
    } finally {
      await sub.quit();
    }
  });

  test('BLPOP with a timeout returns null, then serves a push', async () => {
    const b = c.duplicate();
    b.on('error', () => {});
    await b.connect();
    try {
      assert.equal(await b.blPop('nr:q', 0.2), null);
      const pending = b.blPop(['nr:q', 'nr:q2'], 5);
      await waitFor(async () => /flags=b/.test(String(await c.sendCommand(['CLIENT', 'LIST']))), 10000, 'client blocked');
      await c.lPush('nr:q2', 'job');
      assert.deepEqual(await pending, { key: 'nr:q2', element: 'job' });
    } finally {
      await b.quit();
    }
  });

  test('binary values with a Buffer type mapping', async () => {
    const val = Buffer.from([0, 1, 2, 0xfe, 0xff, 13, 10, 0]);
    await c.set(Buffer.from('nr:bin'), val);
    const bc = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    assert.deepEqual(await bc.get('nr:bin'), val);
    await c.hSet('nr:binh', Buffer.from([0xff, 0]), val);
    const h = await bc.hGetAll('nr:binh');
    assert.deepEqual(Object.values(h)[0], val);
  });

  test('reconnects after CLIENT KILL', async () => {
    const v = nodeRedis();
    await v.connect();
    try {
      const id1 = await v.clientId();
      const ready = once(v, 'ready');
      assert.equal(await c.clientKill({ filter: 'ID', id: id1 } as Parameters<typeof c.clientKill>[0]), 1);
      await ready;
      assert.equal(await v.ping(), 'PONG');
      assert.notEqual(await v.clientId(), id1);
    } finally {
      await v.quit().catch(() => v.destroy());
    }
  });

  test('SELECT db from the URL path', async () => {
    const d5 = nodeRedis(`redis://127.0.0.1:${srv.port}/5`);
    await d5.connect();
    try {
      await d5.set('nr:db', 'five');
      assert.equal(await c.get('nr:db'), null);
      const info = await d5.clientInfo();
      assert.equal(info.db, 5);
    } finally {
      await d5.quit();
    }
  });
});

describe('AUTH with requirepass', () => {
  let sec: TredisServer;
  before(async () => {
    sec = await startTredis({ requirepass: 's3cr3t' });
  });
  after(async () => {
    await sec.close();
  });

  test('ioredis with password (HELLO 3 AUTH default ...), and a wrong password fails', async () => {
    const ok = new Redis({ port: sec.port, host: '127.0.0.1', password: 's3cr3t', db: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await ok.connect();
      assert.equal(await ok.set('a', '1'), 'OK');
      assert.equal((await ok.client('INFO')).match(/ db=(\d+)/)?.[1], '2');
    } finally {
      ok.disconnect();
    }
    // RESP2 path: plain AUTH
    const r2 = new Redis({ port: sec.port, host: '127.0.0.1', password: 's3cr3t', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await r2.connect();
      assert.equal(await r2.ping(), 'PONG');
    } finally {
      r2.disconnect();
    }
    const bad = new Redis({ port: sec.port, host: '127.0.0.1', password: 'nope', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const errors: string[] = [];
    bad.on('error', (e: Error) => errors.push(e.message));
    try {
      // as with redis-server: connect() rejects with "Connection is closed." and the reason comes as an 'error' event
      await assert.rejects(bad.connect());
      assert.deepEqual(errors, ['WRONGPASS invalid username-password pair or user is disabled.']);
    } finally {
      bad.disconnect();
    }
    const none = new Redis({ port: sec.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const noAuthErrors: string[] = [];
    none.on('error', (e: Error) => noAuthErrors.push(e.message));
    try {
      await assert.rejects(none.connect());
      // Redis 7.0.15's exact text (its source says "HELLO <proto> AUTH", the binary prints "HELLO AUTH")
      assert.deepEqual(noAuthErrors, [
        'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      ]);
    } finally {
      none.disconnect();
    }
  });

  test('node-redis with password and db in the URL', async () => {
    const c = nodeRedis(`redis://:s3cr3t@127.0.0.1:${sec.port}/4`);
    await c.connect();
    try {
      await c.set('k', 'in4');
      assert.equal((await c.clientInfo()).db, 4);
      assert.equal(await c.get('k'), 'in4');
    } finally {
      await c.quit();
    }
    const userUrl = nodeRedis(`redis://default:s3cr3t@127.0.0.1:${sec.port}`);
    await userUrl.connect();
    try {
      assert.equal(await userUrl.ping(), 'PONG');
    } finally {
      await userUrl.quit();
    }
    const bad = createClient({ url: `redis://:wrong@127.0.0.1:${sec.port}`, socket: { reconnectStrategy: false } });
    bad.on('error', () => {});
    await assert.rejects(bad.connect(), /WRONGPASS/);
    await bad.destroy();
  });
});

describe('redis-cli', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, () => {
  const cli = (...a: string[]) => runTool('redis-cli', ['-p', String(srv.port), ...a], { timeoutMs: 10000 });

  test('one-shot commands', async () => {
    assert.equal((await cli('SET', 'cli:k', 'x')).stdout, 'OK\n');
    assert.equal((await cli('GET', 'cli:k')).stdout, 'x\n');
    assert.equal((await cli('--no-raw', 'GET', 'cli:missing')).stdout, '(nil)\n');
    assert.equal((await cli('-n', '7', 'SET', 'cli:db7', 'y')).stdout, 'OK\n');
    assert.equal((await cli('-n', '7', 'DBSIZE')).stdout, '1\n');
  });

  test('commands from stdin (pipe mode) and --scan', async () => {
    const input = Array.from({ length: 50 }, (_, i) => `SET cli:pipe:${i} ${i}`).join('\n') + '\n';
    const r = await runTool('redis-cli', ['-p', String(srv.port)], { input, timeoutMs: 10000 });
    assert.equal(r.stdout, 'OK\n'.repeat(50));
    const scan = await cli('--scan', '--pattern', 'cli:pipe:*');
    assert.equal(scan.stdout.trim().split('\n').length, 50);
  });
});
