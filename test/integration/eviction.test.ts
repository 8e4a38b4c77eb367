/**
 * maxmemory and eviction (Redis 7.0's evict.c): used_memory following writes
 * and deletes, each maxmemory-policy evicting the right kind of keys, -OOM for
 * denyoom commands (and in MULTI: EXECABORT) when nothing can be freed,
 * evictions propagated as DEL to replicas and the AOF, replicas not evicting
 * on their own, INFO memory / MEMORY answering, and the heap guard of a
 * server launched with a tiny V8 heap.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, waitFor, freePort, tempDir, ROOT, type ChildServer } from '../helpers/servers';
import { TestClient, ReplyError, type Reply } from '../helpers/resp';
import { parseInfo } from '../helpers/info';
import type { TredisServer } from '../../src/index';
import { keyBytes } from '../../src/keyspace/memory-size';

const haveRedis = redisAvailable();
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

async function server(opts: Record<string, unknown> = {}): Promise<{ s: TredisServer; c: TestClient }> {
  const s = await startTredis({ enableDebugCommand: 'yes', ...opts });
  const c = await TestClient.connect(s.port);
  cleanups.push(async () => {
    c.close();
    await s.close();
  });
  return { s, c };
}

async function info(c: TestClient, section: string): Promise<Map<string, string>> {
  return parseInfo((await c.call('INFO', section)) as string);
}

async function num(c: TestClient, field: string, section = 'memory'): Promise<number> {
  return Number((await info(c, section)).get(field));
}

/** Set maxmemory to what is used now plus `budget` bytes. */
async function limitTo(c: TestClient, budget: number, policy: string): Promise<number> {
  const used = await num(c, 'used_memory');
  const max = used + budget;
  assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', policy, 'maxmemory', String(max)), 'OK');
  return max;
}

/** `n` keys `${prefix}:i` with 100-byte values, those with a TTL when ttl > 0 (seconds). */
async function fill(c: TestClient, prefix: string, n: number, ttl = 0): Promise<void> {
  const v = 'x'.repeat(100);
  const ps: Array<Promise<Reply>> = [];
  for (let i = 0; i < n; i++) ps.push(ttl > 0 ? c.call('SET', `${prefix}:${i}`, v, 'EX', String(ttl)) : c.call('SET', `${prefix}:${i}`, v));
  const rs = await Promise.all(ps);
  for (const r of rs) if (r instanceof ReplyError) throw new Error(`fill ${prefix}: ${r.message}`);
}

async function count(c: TestClient, pattern: string): Promise<number> {
  return ((await c.call('KEYS', pattern)) as string[]).length;
}

test('used_memory follows writes and deletes at once; MEMORY USAGE costs a key', async () => {
  const { c } = await server();
  const before = await num(c, 'used_memory');
  await c.call('SET', 'big', 'x'.repeat(100_000));
  const withBig = await num(c, 'used_memory');
  assert.ok(withBig - before >= 100_000 && withBig - before < 101_000, `grew by ${withBig - before}`);
  const usage = (await c.call('MEMORY', 'USAGE', 'big')) as number;
  assert.ok(usage >= 100_000 && usage < 100_500, String(usage));
  await c.call('DEL', 'big');
  assert.equal(await num(c, 'used_memory'), before);
  // in-place growth of an aggregate counts too
  for (let i = 0; i < 200; i++) await c.call('RPUSH', 'list', 'y'.repeat(1000));
  const withList = await num(c, 'used_memory');
  assert.ok(withList - before > 200 * 1000, `list: ${withList - before}`);
  assert.ok(((await c.call('MEMORY', 'USAGE', 'list', 'SAMPLES', '0')) as number) > 200 * 1000);
  await c.call('LTRIM', 'list', 0, 9);
  const trimmed = await num(c, 'used_memory');
  assert.ok(trimmed - before < 15_000, `after LTRIM: ${trimmed - before}`);
  await c.call('FLUSHALL');
  assert.equal(await num(c, 'used_memory'), before);
  assert.equal(await c.call('MEMORY', 'USAGE', 'nokey'), null);
});

test('commands that re-cost their own keys (CommandSpec.costed) leave used_memory exact', async () => {
  const { s, c } = await server();
  const db = s.server.dbs[0];
  const recount = (): number => {
    let n = 0;
    for (let i = 0; i < db.table.end; i++) {
      const k = db.table.keyAt(i);
      if (k !== null) n += keyBytes(k, db.table.rawValueAt(i)!);
    }
    return n;
  };
  // each costed command, over a missing key, an existing string and (where it may) another type
  const runs: Array<Array<string | number>> = [
    ['SET', 'a', 'x'.repeat(50)],
    ['SET', 'a', 'short'],
    ['SET', 'a', 'y'.repeat(300), 'KEEPTTL'],
    ['SET', 'a', 'z', 'GET'],
    ['SET', 'a', 'e'.repeat(40), 'EX', 100],
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['SET', 'l', 'replaces a list'],
    ['SETNX', 'b', 'v'.repeat(30)],
    ['SETNX', 'b', 'ignored'],
    ['GETSET', 'b', 'w'.repeat(70)],
    ['GETSET', 'new', '1'],
    ['GETDEL', 'new'],
    ['MSET', 'm1', 'one', 'm2', 'two'.repeat(20), 'a', 'again'],
    ['MSETNX', 'm3', 'three', 'm4', 'four'.repeat(10)],
    ['MSETNX', 'm3', 'x', 'm5', 'y'],
    ['APPEND', 'ap', 'start'],
    ['APPEND', 'ap', 'q'.repeat(500)],
    ['INCR', 'n'],
    ['INCR', 'n'],
    ['DECR', 'n'],
    ['INCRBY', 'n', 123456789012],
    ['DECRBY', 'n', 5],
    ['DECR', 'd'],
    // a count kept as a number (Database.setIntAt): number to number, then back to a string
    ['INCR', 'd'],
    ['INCR', 'd'],
    ['APPEND', 'd', 'x'.repeat(40)],
    ['SET', 'd', '5'],
    ['INCRBY', 'd', 1000000],
    ['INCRBY', 'd', 1000000],
    ['INCRBY', 'i', -7],
    ['DECRBY', 'j', 9],
    ['INCRBYFLOAT', 'f', '1.5'],
    ['INCRBYFLOAT', 'f', '10.25'],
    ['SET', 'big', String(2 ** 62)],
    ['INCR', 'big'],
  ];
  const seen = new Set<string>();
  for (const argv of runs) {
    await c.call(...argv);
    seen.add(String(argv[0]).toLowerCase());
    assert.equal(db.memBytes, recount(), `used_memory's dataset share after ${argv.join(' ')}`);
  }
  // every command that skips the executor's re-costing is driven here
  const costed = [...s.server.commands.values()].filter((cm) => cm.costed).map((cm) => cm.name);
  assert.ok(costed.length >= 10, costed.join(' '));
  for (const name of costed) assert.ok(seen.has(name), `${name} is costed but not exercised`);
});

test('in-place writes pipelined to one key are re-costed once per run, and used_memory is exact after the batch', async () => {
  const { s, c } = await server();
  const dbs = [s.server.dbs[0], s.server.dbs[1]];
  const recount = (db: (typeof dbs)[number]): number => {
    let n = 0;
    for (let i = 0; i < db.table.end; i++) {
      const k = db.table.keyAt(i);
      if (k !== null) n += keyBytes(k, db.table.rawValueAt(i)!);
    }
    return n;
  };
  // runs on one key (left unsettled until the run ends), keys interleaved, a key deleted and one re-created
  // inside a run, another database, FLUSHDB in the middle: one write, one batch
  const frames: string[][] = [];
  for (let i = 0; i < 20; i++) frames.push(['LPUSH', 'l', 'x'.repeat(i)]);
  for (let i = 0; i < 10; i++) frames.push(['HSET', 'h', `f${i}`, 'v'.repeat(i * 3)]);
  for (let i = 0; i < 10; i++) frames.push(['SADD', i % 2 === 0 ? 's1' : 's2', `m${i}`]);
  frames.push(['LPUSH', 'gone', 'a'], ['LPUSH', 'gone', 'b'], ['DEL', 'gone'], ['LPUSH', 'gone', 'cc'], ['LPUSH', 'gone', 'ddd']);
  frames.push(['SELECT', '1'], ['RPUSH', 'other', 'a'], ['RPUSH', 'other', 'bb'], ['SELECT', '0']);
  frames.push(['ZADD', 'z', '1', 'a'], ['ZADD', 'z', '2', 'bb'], ['SELECT', '1'], ['RPUSH', 'other', 'ccc']);
  c.write(frames.map((a) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')).join(''));
  await c.readReplies(frames.length);
  // the batch's own database is settled at its end; another one when used_memory is next read
  assert.equal(dbs[1].memBytes, recount(dbs[1]), 'db 1 (the batch ended there)');
  s.server.memory.dataset();
  assert.equal(dbs[0].memBytes, recount(dbs[0]), 'db 0 (settled by the used_memory read)');
  c.write('*1\r\n$7\r\nFLUSHDB\r\n*3\r\n$5\r\nLPUSH\r\n$1\r\nl\r\n$1\r\na\r\n*3\r\n$5\r\nLPUSH\r\n$1\r\nl\r\n$1\r\nb\r\n');
  await c.readReplies(3);
  assert.equal(dbs[1].memBytes, recount(dbs[1]), 'after FLUSHDB and a new run');
  assert.ok(dbs[1].memBytes > 0);
});

test('a pipelined batch shares one clock read only within 1 ms: a command after a slow one reads the clock again', async () => {
  const { c } = await server();
  const t0 = Date.now();
  // one write: the three commands run in one batch of the connection's input, the SET 50 ms after its start
  c.write('*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$4\r\n0.05\r\n*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nPX\r\n$6\r\n100000\r\n*2\r\n$11\r\nPEXPIRETIME\r\n$1\r\nk\r\n');
  const [slept, set, at] = await c.readReplies(3);
  const t1 = Date.now();
  assert.equal(slept, 'OK');
  assert.equal(set, 'OK');
  assert.ok((at as number) >= t0 + 50 + 100000 && (at as number) <= t1 + 100000, `PEXPIRETIME ${at}, client clock ${t0}..${t1}`);
});

test('a batch shares a clock read made inside an EXEC only as of the EXEC\'s start', async () => {
  const { c } = await server();
  const t0 = Date.now();
  // MULTI; SET x PX (reads the clock); DEBUG SLEEP 0.05; PING; EXEC; then SET k PX and PEXPIRETIME k in the same batch:
  // k's time must be read after the EXEC's 50 ms, not taken from the read made at its start
  const frames = [
    ['MULTI'],
    ['SET', 'x', 'v', 'PX', '100000'],
    ['DEBUG', 'SLEEP', '0.05'],
    ['PING'],
    ['EXEC'],
    ['SET', 'k', 'v', 'PX', '100000'],
    ['PEXPIRETIME', 'k'],
  ];
  c.write(frames.map((a) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')).join(''));
  const replies = await c.readReplies(frames.length);
  const t1 = Date.now();
  assert.deepEqual(replies.slice(0, 4), ['OK', 'QUEUED', 'QUEUED', 'QUEUED']);
  assert.deepEqual(replies[4], ['OK', 'OK', 'PONG']);
  const at = replies[6] as number;
  assert.ok(at >= t0 + 50 + 100000 && at <= t1 + 100000, `PEXPIRETIME ${at}, client clock ${t0}..${t1}`);
});

test('noeviction: denyoom commands get -OOM, reads and deletes still work', async () => {
  const { c } = await server();
  await fill(c, 'k', 50);
  await limitTo(c, 0, 'noeviction');
  await c.call('CONFIG', 'SET', 'maxmemory', String((await num(c, 'used_memory')) - 1));
  const r = await c.call('SET', 'new', 'v');
  assert.ok(r instanceof ReplyError);
  assert.equal(r.message, "OOM command not allowed when used memory > 'maxmemory'.");
  assert.ok((await c.call('GET', 'k:1')) !== null);
  assert.equal(await c.call('DEL', 'k:1', 'k:2'), 2);
  assert.equal(await num(c, 'evicted_keys', 'stats'), 0);
  assert.match((await c.call('INFO', 'errorstats')) as string, /errorstat_OOM:count=1/);
  // under the limit again, writes are accepted
  await c.call('CONFIG', 'SET', 'maxmemory', '0');
  assert.equal(await c.call('SET', 'new', 'v'), 'OK');
});

for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
  test(`${policy} evicts only keys with a TTL`, async () => {
    const { c } = await server({ maxmemorySamples: 10 });
    await fill(c, 'persistent', 100);
    await fill(c, 'volatile', 100, 100000);
    const max = await limitTo(c, 10_000, policy);
    await fill(c, 'more', 100);
    const evicted = await num(c, 'evicted_keys', 'stats');
    assert.ok(evicted > 0, 'something was evicted');
    assert.equal(await count(c, 'persistent:*'), 100);
    assert.equal(await count(c, 'more:*'), 100);
    assert.equal(await count(c, 'volatile:*'), 100 - evicted);
    assert.ok((await num(c, 'used_memory')) <= max);
  });
}

for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random']) {
  test(`${policy} evicts any key and keeps used_memory under maxmemory`, async () => {
    const { c } = await server();
    await fill(c, 'persistent', 200);
    const max = await limitTo(c, 5_000, policy);
    await fill(c, 'more', 200);
    const evicted = await num(c, 'evicted_keys', 'stats');
    assert.ok(evicted >= 150, `evicted ${evicted}`);
    assert.equal((await count(c, '*')) + evicted, 400);
    assert.ok((await num(c, 'used_memory')) <= max);
  });
}

test('volatile-* with no volatile key cannot free anything: -OOM', async () => {
  const { c } = await server();
  await fill(c, 'persistent', 50);
  await limitTo(c, 0, 'volatile-lru');
  await c.call('CONFIG', 'SET', 'maxmemory', String((await num(c, 'used_memory')) - 1));
  const r = await c.call('SET', 'x', 'y');
  assert.ok(r instanceof ReplyError && r.message.startsWith('OOM '));
  assert.equal(await count(c, 'persistent:*'), 50);
});

test('allkeys-lru keeps recently used keys, allkeys-lfu frequently used ones, volatile-ttl the longest TTLs', async () => {
  {
    const { c } = await server({ maxmemorySamples: 10 });
    await fill(c, 'cold', 150);
    await fill(c, 'hot', 50);
    // the LRU clock ticks in seconds, as Redis's (LRU_CLOCK_RESOLUTION 1000 ms)
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 0; i < 50; i++) await c.call('GET', `hot:${i}`);
    await limitTo(c, 0, 'allkeys-lru');
    await fill(c, 'new', 60);
    assert.ok((await num(c, 'evicted_keys', 'stats')) >= 40);
    assert.equal(await count(c, 'hot:*'), 50, 'recently used keys survive');
  }
  {
    const { c } = await server({ maxmemorySamples: 10, lfuLogFactor: 0 });
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    await fill(c, 'rare', 150);
    await fill(c, 'hot', 50);
    for (let round = 0; round < 20; round++) for (let i = 0; i < 50; i++) void c.call('GET', `hot:${i}`);
    await c.call('PING');
    assert.ok(((await c.call('OBJECT', 'FREQ', 'hot:0')) as number) > 10);
    await limitTo(c, 0, 'allkeys-lfu');
    await fill(c, 'new', 60);
    assert.ok((await num(c, 'evicted_keys', 'stats')) >= 40);
    assert.equal(await count(c, 'hot:*'), 50, 'frequently used keys survive');
  }
  {
    const { c } = await server({ maxmemorySamples: 10 });
    await fill(c, 'soon', 150, 1000);
    await fill(c, 'late', 50, 1000000);
    await limitTo(c, 0, 'volatile-ttl');
    await fill(c, 'new', 60);
    assert.ok((await num(c, 'evicted_keys', 'stats')) >= 40);
    assert.equal(await count(c, 'late:*'), 50, 'keys expiring last survive');
  }
});

test('evictions are notified as `evicted` and tenacity 0 still evicts, finishing from the timer', async () => {
  const { s, c } = await server();
  const sub = await TestClient.connect(s.port);
  cleanups.push(() => sub.close());
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee', 'maxmemory-eviction-tenacity', '0');
  await sub.call('SUBSCRIBE', '__keyevent@0__:evicted');
  await fill(c, 'k', 300);
  // lower the limit by much at once: one call may only work a little, the timer does the rest
  await limitTo(c, -40_000, 'allkeys-random');
  await waitFor(async () => (await num(c, 'used_memory')) <= Number((await c.call('CONFIG', 'GET', 'maxmemory') as string[])[1]), 5000, 'under the limit');
  const evicted = await num(c, 'evicted_keys', 'stats');
  assert.ok(evicted > 0);
  const msg = (await sub.nextPush()) as unknown as { data: Reply[] } | Reply[];
  const arr = Array.isArray(msg) ? msg : (msg as { data: Reply[] }).data;
  assert.equal(arr[0], 'message');
  assert.equal(arr[1], '__keyevent@0__:evicted');
  assert.match(String(arr[2]), /^k:\d+$/);
  const stats = await info(c, 'stats');
  assert.ok(stats.has('total_eviction_exceeded_time') && stats.has('current_eviction_exceeded_time'));
});

test('OOM inside MULTI: queued commands refused, EXEC aborts (and EXEC of queued denyoom commands aborts when over the limit)', async () => {
  const { s, c } = await server();
  await fill(c, 'k', 20);
  await limitTo(c, 0, 'noeviction');
  await c.call('CONFIG', 'SET', 'maxmemory', String((await num(c, 'used_memory')) - 1));
  assert.equal(await c.call('MULTI'), 'OK');
  const q = await c.call('GET', 'k:1');
  assert.ok(q instanceof ReplyError && q.message.startsWith('OOM '), 'even a read is refused while queuing');
  const e = await c.call('EXEC');
  assert.ok(e instanceof ReplyError);
  assert.equal(e.message, 'EXECABORT Transaction discarded because of previous errors.');
  // queued while under the limit, over it at EXEC
  await c.call('CONFIG', 'SET', 'maxmemory', '0');
  assert.equal(await c.call('MULTI'), 'OK');
  assert.equal(await c.call('SET', 'a', 'b'), 'QUEUED');
  const other = await TestClient.connect(s.port);
  cleanups.push(() => other.close());
  await other.call('CONFIG', 'SET', 'maxmemory', '1');
  const e2 = await c.call('EXEC');
  assert.ok(e2 instanceof ReplyError);
  assert.equal(e2.message, "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.");
  // EXEC of reads only is not refused
  await other.call('CONFIG', 'SET', 'maxmemory', '0');
  await c.call('MULTI');
  await c.call('GET', 'k:1');
  await other.call('CONFIG', 'SET', 'maxmemory', '1');
  assert.deepEqual(await c.call('EXEC'), ['x'.repeat(100)]);
});

test('OOM replies byte-identical to redis-server (noeviction, MULTI, EXECABORT)', { skip: !haveRedis && SKIP_NO_REDIS }, async () => {
  const { c } = await server();
  const r = await startRedis();
  cleanups.push(() => r.kill9());
  const rc = await TestClient.connect(r.port);
  cleanups.push(() => rc.close());
  const script: Array<Array<string>> = [
    ['SET', 'a', '1'],
    ['CONFIG', 'SET', 'maxmemory', '1'],
    ['SET', 'b', '2'],
    ['GET', 'a'],
    ['INCR', 'a'],
    ['DEL', 'a'],
    ['MULTI'],
    ['GET', 'a'],
    ['PING'],
    ['EXEC'],
    ['MULTI'],
    ['DISCARD'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['MULTI'],
    ['SET', 'c', '3'],
    ['CONFIG', 'SET', 'maxmemory', '1'],
    ['EXEC'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['SET', 'd', '4'],
  ];
  for (const cmd of script) {
    const want = await rc.callRaw(...cmd);
    const got = await c.callRaw(...cmd);
    assert.equal(got, want, cmd.join(' '));
  }
});

test('INFO memory has Redis 7.0 fields in order, with maxmemory, maxmemory_human, maxmemory_policy', async () => {
  const { c } = await server({ maxmemory: 104857600, maxmemoryPolicy: 'allkeys-lru' });
  const m = await info(c, 'memory');
  assert.equal(m.get('maxmemory'), '104857600');
  assert.equal(m.get('maxmemory_human'), '100.00M');
  assert.equal(m.get('maxmemory_policy'), 'allkeys-lru');
  for (const f of ['used_memory', 'used_memory_startup', 'used_memory_dataset', 'mem_not_counted_for_evict', 'mem_replication_backlog', 'mem_aof_buffer', 'mem_clients_normal']) {
    assert.match(m.get(f) ?? '', /^\d+$/, f);
  }
  if (haveRedis) {
    const r = await startRedis();
    cleanups.push(() => r.kill9());
    const rc = await TestClient.connect(r.port);
    cleanups.push(() => rc.close());
    const theirs = [...(await info(rc, 'memory')).keys()];
    assert.deepEqual([...m.keys()], theirs);
    const stats = [...(await info(c, 'stats')).keys()].filter((k) => k.includes('evict'));
    assert.deepEqual(stats, [...(await info(rc, 'stats')).keys()].filter((k) => k.includes('evict')));
  }
  const st = (await c.call('MEMORY', 'STATS')) as Reply[];
  const map = new Map<string, Reply>();
  for (let i = 0; i < st.length; i += 2) map.set(st[i] as string, st[i + 1]);
  assert.ok(typeof map.get('total.allocated') === 'number' && typeof map.get('keys.count') === 'number');
  assert.ok(typeof map.get('dataset.bytes') === 'number');
  assert.match((await c.call('MEMORY', 'DOCTOR')) as string, /Sam/);
  assert.equal(await c.call('MEMORY', 'PURGE'), 'OK');
});

test('evictions reach a replica and the AOF as DEL; the replica does not evict on its own', async () => {
  const mdir = tempDir();
  const { s: m, c: mc } = await server({ dir: mdir, appendonly: true, replDisklessSyncDelay: 0 });
  const { s: r, c: rc } = await server({ maxmemory: 1, maxmemoryPolicy: 'allkeys-random' });
  assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
  await waitFor(async () => (await info(rc, 'replication')).get('master_link_status') === 'up', 10000, 'link up');
  await fill(mc, 'k', 200);
  await waitFor(async () => (await rc.call('DBSIZE')) === 200, 10000, 'replica has every key although over its maxmemory');
  assert.equal(await num(rc, 'evicted_keys', 'stats'), 0);
  await limitTo(mc, -10_000, 'allkeys-lru');
  await mc.call('SET', 'trigger', 'v');
  const evicted = await num(mc, 'evicted_keys', 'stats');
  assert.ok(evicted > 0);
  const left = (await mc.call('DBSIZE')) as number;
  await waitFor(async () => (await rc.call('DBSIZE')) === left, 10000, 'replica applied the DELs');
  assert.equal(await num(rc, 'evicted_keys', 'stats'), 0);
  const digest = async (c: TestClient) => c.call('DEBUG', 'DIGEST');
  assert.equal(await digest(rc), await digest(mc));
  // the AOF holds the DELs
  await waitFor(() => m.server.persistence.aof.bufferLength === 0, 5000, 'AOF written');
  const aofDir = path.join(mdir, 'appendonlydir');
  const text = fs
    .readdirSync(aofDir)
    .filter((f) => f.endsWith('.incr.aof'))
    .map((f) => fs.readFileSync(path.join(aofDir, f), 'latin1'))
    .join('');
  const dels = text.split('*2\r\n$3\r\nDEL\r\n').length - 1;
  assert.equal(dels, evicted);
  void r;
});

/** Start bin/tredis-server with a forced V8 heap size (MB). */
async function startWithHeap(mb: number): Promise<{ proc: ChildProcess; port: number; dir: string }> {
  const port = await freePort();
  const dir = tempDir();
  const proc = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'tredis-server'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', path.join(dir, 'server.log'), '--enable-debug-command', 'yes'],
    { env: { ...process.env, TREDIS_MAX_OLD_SPACE_SIZE: String(mb) }, stdio: 'ignore' },
  );
  cleanups.push(() => {
    proc.kill('SIGKILL');
  });
  await waitFor(async () => TestClient.connect(port).then((c) => (c.close(), true)).catch(() => false), 20000, 'server up');
  return { proc, port, dir };
}

test('heap guard: a server with a tiny heap refuses writes with -OOM instead of dying, and recovers', async () => {
  const { proc, port, dir } = await startWithHeap(96);
  const c = await TestClient.connect(port);
  cleanups.push(() => c.close());
  const jmap = (await c.call('DEBUG', 'JMAP')) as string;
  const limit = Number(/heap_size_limit:(\d+)/.exec(jmap)![1]);
  assert.ok(limit < 200 * 1024 * 1024, `heap limit ${limit}`);
  let refused: ReplyError | null = null;
  for (let i = 0; i < 200 && refused === null; i++) {
    const r = await c.call('DEBUG', 'POPULATE', '20000', `p${i}`, '64');
    if (r instanceof ReplyError) refused = r;
  }
  assert.ok(refused !== null, 'writes were refused');
  assert.equal(refused.message, "OOM command not allowed when used memory > 'maxmemory'.");
  const r = await c.call('SET', 'one-more', 'v');
  assert.ok(r instanceof ReplyError && r.message.startsWith('OOM '), String(r));
  assert.equal(await c.call('PING'), 'PONG');
  assert.ok(((await c.call('DBSIZE')) as number) > 0);
  assert.equal(proc.exitCode, null, 'still running');
  const log = fs.readFileSync(path.join(dir, 'server.log'), 'latin1');
  assert.match(log, /# WARNING: the heap is near its limit \([\d.]+M used of [\d.]+M\): refusing write commands with -OOM/);
  // freeing memory lets writes in again
  assert.equal(await c.call('FLUSHALL'), 'OK');
  await waitFor(async () => (await c.call('SET', 'again', 'v')) === 'OK', 15000, 'writes accepted again');
});

test('replica-ignore-maxmemory no: the replica evicts on its own while applying its master stream', async () => {
  const { s: m, c: mc } = await server({ replDisklessSyncDelay: 0 });
  const { c: rc } = await server({ replicaIgnoreMaxmemory: 'no', maxmemoryPolicy: 'allkeys-random' });
  assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
  await waitFor(async () => (await info(rc, 'replication')).get('master_link_status') === 'up', 10000, 'link up');
  await rc.call('CONFIG', 'SET', 'maxmemory', String((await num(rc, 'used_memory')) + 10_000));
  await fill(mc, 'k', 200);
  await waitFor(async () => (await num(rc, 'evicted_keys', 'stats')) > 0, 10000, 'replica evicted');
  assert.ok(((await rc.call('DBSIZE')) as number) < 200);
  assert.equal(await mc.call('DBSIZE'), 200);
});

// GC-bound: a 96 MB heap loading a 300 MB dataset either aborts at once or grinds in garbage collection for
// minutes on a loaded machine (seen in 1 of 3 runs beside other work), so it is a stress run, not a CI test:
// TREDIS_STRESS=1 node scripts/run-tests.js integration/eviction
const STRESS = process.env.TREDIS_STRESS === '1' ? false : 'tiny-heap full sync is a stress run: set TREDIS_STRESS=1';

test('a replica whose master dataset does not fit in its heap aborts the sync, logs why, backs off and syncs once it fits', { skip: STRESS }, async () => {
  const { s: m, c: mc } = await server({ replDisklessSyncDelay: 0 });
  assert.equal(await mc.call('DEBUG', 'POPULATE', '700000', 'big', '10'), 'OK');
  const { proc, port, dir } = await startWithHeap(96);
  const rc = await TestClient.connect(port);
  cleanups.push(() => rc.close());
  assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
  const logFile = path.join(dir, 'server.log');
  await waitFor(() => /aborting the synchronization: the master's dataset does not fit in this replica's memory\. Retrying in 5 seconds\./.test(fs.readFileSync(logFile, 'latin1')), 60000, 'sync aborted');
  assert.equal(await rc.call('PING'), 'PONG');
  assert.equal(proc.exitCode, null, 'the replica is still running');
  assert.equal((await info(rc, 'replication')).get('master_link_status'), 'down');
  // once the master's dataset fits, the next attempt succeeds
  await mc.call('FLUSHALL');
  await mc.call('SET', 'small', 'fits');
  await waitFor(async () => (await rc.call('GET', 'small')) === 'fits', 60000, 'synced after the backoff');
  assert.ok(fs.readFileSync(logFile, 'latin1').includes('MASTER <-> REPLICA sync: Finished with success'));
});
