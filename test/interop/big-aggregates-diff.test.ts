/**
 * Big hashes, sets and sorted sets (hashtable / skiplist encodings: the
 * StringIndex-based tables and the chunked zset order) against redis-server
 * 7.0: seeded random writes go to both servers in pipelined batches; after
 * each batch DEBUG DIGEST-VALUE of every key must be equal, and so must the
 * replies of the order-defined reads (ZRANGE by rank/score/lex with LIMIT,
 * ZRANK, ZCOUNT, ZLEXCOUNT, HGET, SMISMEMBER...). Replies whose order Redis
 * leaves to its hash table (HGETALL, SMEMBERS, SINTER, full H/S/ZSCAN
 * iterations) are compared as multisets; random picks (SPOP, SRANDMEMBER,
 * HRANDFIELD, ZRANDMEMBER) are checked for membership and distinctness, and
 * SPOP's victims are removed from redis-server with SREM to stay in step.
 *
 * Reproduce a failure with BIG_DIFF_SEED=<seed> (printed on failure).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisAvailable, SKIP_NO_REDIS, startRedis, startTredis, type ChildServer } from '../helpers/servers';
import { mulberry32 as rng } from '../helpers/prng';
import { TestClient, type Reply } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const HAVE_REDIS = redisAvailable();
let tredis: TredisServer;
let redis: ChildServer;
let t: TestClient;
let r: TestClient;

before(async () => {
  if (!HAVE_REDIS) return;
  tredis = await startTredis({ enableDebugCommand: 'yes' });
  redis = await startRedis();
  t = await TestClient.connect(tredis.port);
  r = await TestClient.connect(redis.port);
});

after(async () => {
  t?.close();
  r?.close();
  await tredis?.close();
  await redis?.stop();
});

/** Send a batch pipelined to one client; the raw replies. */
function batch(c: TestClient, cmds: string[][]): Promise<string[]> {
  return Promise.all(cmds.map((argv) => c.callRaw(...argv)));
}

const sortedJson = (x: Reply): string => JSON.stringify(Array.isArray(x) ? x.map(String).sort() : x);

/** Every element of a full SCAN-family iteration (cursor until 0), as sorted strings; bounded. */
async function scanAll(c: TestClient, cmd: string, key: string, pairs: boolean): Promise<string[]> {
  const seen = new Map<string, string>();
  let cursor = '0';
  for (let k = 0; k < 100000; k++) {
    const [next, items] = (await c.call(cmd, key, cursor, 'COUNT', String(50 + (k % 7) * 20))) as [string, string[]];
    if (pairs) for (let i = 0; i + 1 < items.length; i += 2) seen.set(items[i], items[i + 1]);
    else for (const m of items) seen.set(m, '');
    cursor = String(next);
    if (cursor === '0') break;
  }
  return [...seen].map(([a, b]) => a + '\0' + b).sort();
}

test('big hashes, sets and zsets: random writes, equal digests and read replies', { skip: HAVE_REDIS ? false : SKIP_NO_REDIS, timeout: 300_000 }, async () => {
  const seed = Number(process.env.BIG_DIFF_SEED ?? Date.now() % 1_000_000);
  const rnd = rng(seed);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[ri(xs.length)];
  const NAMES = 6000;
  const member = (): string => (ri(50) === 0 ? pick(['', '\x00', 'x'.repeat(80), '\xff\xfe', '-1', '42']) : 'm:' + String(ri(NAMES)).padStart(5, '0'));
  const score = (): string => pick(['0', '1', '-1', '2.5', 'inf', '-inf', '-0', String(ri(1000)), String(ri(100000) / 16), String(ri(5))]);
  const bound = (): string => pick(['-inf', '+inf', '(' + ri(1000), String(ri(1000)), String(ri(5)), '(0']);
  const lexb = (): string => pick(['-', '+', '[m:' + String(ri(NAMES)).padStart(5, '0'), '(m:' + String(ri(NAMES)).padStart(5, '0')]);
  const HK = ['h0', 'h1'];
  const SK = ['s0', 's1', 's2'];
  const ZK = ['z0', 'z1'];
  const LK = 'zl'; // all scores 0: lex ranges are meaningful
  const keys = [...HK, ...SK, ...ZK, LK];

  const write = (): string[] => {
    const k = ri(14);
    if (k < 3) {
      const argv = ['HSET', pick(HK)];
      for (let i = ri(20) + 1; i > 0; i--) argv.push(member(), 'v' + ri(100000));
      return argv;
    }
    if (k === 3) return ['HDEL', pick(HK), member(), member(), member()];
    if (k === 4) return ['HINCRBY', pick(HK), member(), String(ri(100) - 50)];
    if (k < 8) {
      const argv = ['SADD', pick(SK)];
      for (let i = ri(20) + 1; i > 0; i--) argv.push(member());
      return argv;
    }
    if (k === 8) return ['SREM', pick(SK), member(), member(), member()];
    if (k < 11) {
      const argv = ['ZADD', pick(ZK), ...(ri(4) === 0 ? [pick(['NX', 'XX', 'GT', 'LT', 'CH'])] : [])];
      for (let i = ri(60) + 1; i > 0; i--) argv.push(score(), member());
      return argv;
    }
    if (k === 11) {
      const m = ri(6);
      if (m === 0) return ['ZREM', pick(ZK), member(), member()];
      if (m === 1) return ['ZINCRBY', pick(ZK), String(ri(20) - 10), member()];
      if (m === 2) {
        const lo = 10 + ri(6000);
        return ['ZREMRANGEBYSCORE', pick(ZK), String(lo), '(' + String(lo + ri(3))];
      }
      if (m === 3) {
        const a = ri(5000);
        return ['ZREMRANGEBYRANK', pick(ZK), String(a), String(a + ri(20))];
      }
      if (m === 4) return [pick(['ZPOPMIN', 'ZPOPMAX']), pick(ZK), String(ri(10))];
      const a = ri(NAMES);
      return ['ZREMRANGEBYLEX', LK, '[m:' + String(a).padStart(5, '0'), '(m:' + String(a + ri(40)).padStart(5, '0')];
    }
    const argv = ['ZADD', LK];
    for (let i = ri(30) + 1; i > 0; i--) argv.push('0', member());
    return argv;
  };

  const reads = (): string[][] => {
    const out: string[][] = [];
    for (const z of [...ZK, LK]) {
      const a = ri(6000) - 100;
      out.push(['ZRANGE', z, String(a), String(a + ri(40)), 'WITHSCORES']);
      out.push(['ZRANGE', z, String(-1 - ri(50)), '-1', 'REV']);
      out.push(['ZRANGE', z, bound(), bound(), 'BYSCORE', 'LIMIT', String(ri(20)), String(ri(30) - 1), 'WITHSCORES']);
      out.push(['ZRANGE', z, bound(), bound(), 'BYSCORE', 'REV', 'LIMIT', String(ri(20)), String(ri(30))]);
      out.push(['ZCOUNT', z, bound(), bound()]);
      out.push(['ZCARD', z]);
      const m = member();
      out.push(['ZRANK', z, m], ['ZREVRANK', z, m], ['ZSCORE', z, m], ['ZMSCORE', z, member(), member()]);
    }
    out.push(['ZRANGE', LK, lexb(), lexb(), 'BYLEX', 'LIMIT', String(ri(10)), String(ri(40) - 1)]);
    out.push(['ZRANGE', LK, lexb(), lexb(), 'BYLEX', 'REV', 'LIMIT', String(ri(10)), String(ri(40))]);
    out.push(['ZLEXCOUNT', LK, lexb(), lexb()]);
    out.push(['ZRANGEBYLEX', LK, '-', '+', 'LIMIT', String(ri(3000)), '25']);
    for (const h of HK) out.push(['HLEN', h], ['HGET', h, member()], ['HMGET', h, member(), member(), member()], ['HEXISTS', h, member()], ['HSTRLEN', h, member()]);
    for (const s of SK) out.push(['SCARD', s], ['SISMEMBER', s, member()], ['SMISMEMBER', s, member(), member(), member()]);
    out.push(['SINTERCARD', '2', 's0', 's1'], ['OBJECT', 'ENCODING', pick(keys)]);
    return out;
  };

  try {
    for (let round = 0; round < 24; round++) {
      const cmds: string[][] = [];
      for (let i = 0; i < 400; i++) cmds.push(write());
      const [a, b] = await Promise.all([batch(r, cmds), batch(t, cmds)]);
      for (let i = 0; i < cmds.length; i++) assert.equal(JSON.stringify(b[i]), JSON.stringify(a[i]), cmds[i].join(' '));
      // SPOP on tredis; its victims leave redis-server too
      const s = pick(SK);
      const popped = (await t.call('SPOP', s, String(ri(20)))) as string[];
      assert.equal(sortedJson(await r.call('SMISMEMBER', s, ...popped, 'never')), sortedJson([...popped.map(() => 1), 0]));
      if (popped.length > 0) await r.call('SREM', s, ...popped);
      for (const p of popped) assert.equal(await t.call('SISMEMBER', s, p), 0);

      assert.equal(JSON.stringify(await t.call('DEBUG', 'DIGEST-VALUE', ...keys)), JSON.stringify(await r.call('DEBUG', 'DIGEST-VALUE', ...keys)), `digests after round ${round}`);
      const rd = reads();
      const [ra, rb] = await Promise.all([batch(r, rd), batch(t, rd)]);
      for (let i = 0; i < rd.length; i++) assert.equal(JSON.stringify(rb[i]), JSON.stringify(ra[i]), rd[i].join(' '));

      if (round % 6 === 5) {
        for (const h of HK) {
          assert.equal(sortedJson(await t.call('HGETALL', h)), sortedJson(await r.call('HGETALL', h)), 'HGETALL ' + h);
          assert.deepEqual(await scanAll(t, 'HSCAN', h, true), await scanAll(r, 'HSCAN', h, true));
          const fields = (await t.call('HRANDFIELD', h, '30', 'WITHVALUES')) as string[];
          for (let i = 0; i < fields.length; i += 2) assert.equal(await r.call('HGET', h, fields[i]), fields[i + 1]);
          assert.equal(new Set(fields.filter((_, i) => i % 2 === 0)).size, fields.length / 2);
        }
        for (const k of SK) {
          assert.equal(sortedJson(await t.call('SMEMBERS', k)), sortedJson(await r.call('SMEMBERS', k)), 'SMEMBERS ' + k);
          assert.deepEqual(await scanAll(t, 'SSCAN', k, false), await scanAll(r, 'SSCAN', k, false));
          const some = (await t.call('SRANDMEMBER', k, '-40')) as string[];
          assert.equal(sortedJson(await r.call('SMISMEMBER', k, ...some)), sortedJson(some.map(() => 1)));
        }
        assert.equal(sortedJson(await t.call('SINTER', 's0', 's1')), sortedJson(await r.call('SINTER', 's0', 's1')));
        assert.equal(sortedJson(await t.call('SUNION', 's1', 's2')), sortedJson(await r.call('SUNION', 's1', 's2')));
        for (const z of [...ZK, LK]) {
          assert.deepEqual(await scanAll(t, 'ZSCAN', z, true), await scanAll(r, 'ZSCAN', z, true));
          const some = (await t.call('ZRANDMEMBER', z, '25', 'WITHSCORES')) as string[];
          for (let i = 0; i < some.length; i += 2) assert.equal(await r.call('ZSCORE', z, some[i]), some[i + 1]);
          assert.equal(new Set(some.filter((_, i) => i % 2 === 0)).size, some.length / 2);
        }
      }
    }
    // the encodings are the big ones (with thousands of elements: many zset chunks), and the whole dataset matches
    for (const [cmd, k] of [['HLEN', 'h0'], ['SCARD', 's0'], ['ZCARD', 'z0'], ['ZCARD', LK]]) {
      const n = Number(await t.call(cmd, k));
      assert.ok(n > 1500, `${cmd} ${k}: ${n}`);
    }
    for (const k of [...HK, ...SK]) assert.equal(await t.call('OBJECT', 'ENCODING', k), 'hashtable');
    for (const k of [...ZK, LK]) assert.equal(await t.call('OBJECT', 'ENCODING', k), 'skiplist');
    assert.equal(await t.call('DEBUG', 'DIGEST'), await r.call('DEBUG', 'DIGEST'));
    // and survive a reload
    await t.call('DEBUG', 'RELOAD');
    assert.equal(await t.call('DEBUG', 'DIGEST'), await r.call('DEBUG', 'DIGEST'));
  } catch (e) {
    (e as Error).message += ` (BIG_DIFF_SEED=${seed})`;
    throw e;
  }
});
