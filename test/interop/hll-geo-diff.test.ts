/**
 * Seeded random differential tests for HyperLogLog and geo against
 * redis-server 7.0: the same commands go to both servers and every reply must
 * be byte-identical; for HLL the stored bytes (GET) are compared after every
 * few commands, across the sparse -> dense promotion, corrupt values and
 * changes of hll-sparse-max-bytes. Geo runs every command and option over
 * random points, including STORE/STOREDIST results read back with ZRANGE.
 *
 * Reproduce a failure with HLLGEO_DIFF_SEED=<seed> (printed on failure).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisAvailable, SKIP_NO_REDIS, startRedis, startTredis, type ChildServer } from '../helpers/servers';
import { tredisNode, childNode, waitInSync, digest, type Node } from '../integration/replication-helpers';
import { startDiffServers } from '../helpers/compare';
import { mulberry32 as rng } from '../helpers/prng';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const HAVE_REDIS = redisAvailable();
let tredis: TredisServer;
let redis: ChildServer;

before(async () => {
  if (!HAVE_REDIS) return;
  ({ tredis, redis } = await startDiffServers({}));
});

after(async () => {
  await tredis?.close();
  await redis?.stop();
});

const SEED = Number(process.env.HLLGEO_DIFF_SEED ?? 20261206);

/** Send argv to both servers; replies must be the same bytes. Returns Redis's reply. */
async function both(a: TestClient, b: TestClient, argv: string[], log: string[]): Promise<string> {
  const ra = await a.callRaw(...argv);
  const rb = await b.callRaw(...argv);
  log.push(JSON.stringify(argv));
  if (rb !== ra && process.env.HLLGEO_DEBUG) {
    for (const k of argv.slice(1, 2)) {
      const x = await a.callRaw('GET', k);
      const y = await b.callRaw('GET', k);
      console.log('DEBUG', k, x.length, y.length, JSON.stringify(x.slice(0, 40)), JSON.stringify(y.slice(0, 40)));
    }
  }
  if (log.length > 6) log.shift();
  assert.equal(rb, ra, `seed ${SEED}: ${JSON.stringify(argv)}\nafter:\n${log.join('\n')}`);
  return ra;
}

let closeCompared = 0;
let closeInexact = 0;
after(() => {
  if (process.env.HLLGEO_DEBUG) console.log(`STOREDIST scores compared: ${closeCompared}, not bit-identical: ${closeInexact}`);
});

/** A ZRANGE WITHSCORES of distances: same members in the same order, scores equal to 1e-12. */
async function closeScores(a: TestClient, b: TestClient, argv: string[], log: string[]): Promise<void> {
  const ra = (await a.call(...argv)) as unknown[];
  const rb = (await b.call(...argv)) as unknown[];
  log.push(JSON.stringify(argv));
  const flat = (x: unknown[]): unknown[] => x.flat();
  const fa = flat(ra);
  const fb = flat(rb);
  assert.equal(fb.length, fa.length, `seed ${SEED}: ${JSON.stringify(argv)}`);
  for (let i = 0; i < fa.length; i += 2) {
    assert.equal(fb[i], fa[i], `seed ${SEED}: ${JSON.stringify(argv)} member ${i / 2}`);
    const x = Number(fa[i + 1]);
    const y = Number(fb[i + 1]);
    closeCompared++;
    if (fa[i + 1] !== fb[i + 1]) closeInexact++;
    assert.ok(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x)), `seed ${SEED}: ${JSON.stringify(argv)} score ${x} vs ${y}`);
  }
}

test('HLL: random PFADD/PFCOUNT/PFMERGE/PFDEBUG give the same replies and the same bytes', { skip: !HAVE_REDIS && SKIP_NO_REDIS, timeout: 240_000 }, async () => {
  const a = await TestClient.connect(redis.port);
  const b = await TestClient.connect(tredis.port);
  const r = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const KEYS = ['h0', 'h1', 'h2', 'h3', 'str', 'zs', 'none'];
  const HLLS = ['h0', 'h1', 'h2', 'h3'];
  const log: string[] = [];
  const elem = (): string => {
    const k = Math.floor(r() * 4);
    if (k === 0) return String(Math.floor(r() * 100000));
    if (k === 1) return 'e' + Math.floor(r() * 1e9).toString(36);
    if (k === 2) return String.fromCharCode(...Array.from({ length: Math.floor(r() * 12) }, () => Math.floor(r() * 256)));
    return 'x'.repeat(Math.floor(r() * 40));
  };
  try {
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      await c.call('SET', 'str', 'hello');
      await c.call('ZADD', 'zs', '1', 'a');
    }
    for (let i = 0; i < 1500; i++) {
      const p = r();
      let argv: string[];
      if (p < 0.45) {
        const n = pick([0, 1, 1, 2, 5, 20, 100, 400]);
        argv = ['PFADD', r() < 0.95 ? pick(HLLS) : pick(KEYS), ...Array.from({ length: n }, elem)];
      } else if (p < 0.6) argv = ['PFCOUNT', pick(HLLS)];
      else if (p < 0.68) argv = ['PFCOUNT', ...Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(KEYS))];
      else if (p < 0.74) argv = ['PFMERGE', r() < 0.5 ? pick(HLLS) : 'm' + Math.floor(r() * 3), ...Array.from({ length: Math.floor(r() * 4) }, () => (r() < 0.9 ? pick(HLLS) : pick(KEYS)))];
      else if (p < 0.78) argv = ['PFDEBUG', pick(['GETREG', 'DECODE', 'ENCODING', 'TODENSE', 'encoding', 'nope']), pick(KEYS)];
      else if (p < 0.8) argv = ['CONFIG', 'SET', 'hll-sparse-max-bytes', pick(['0', '50', '300', '3000', '12000'])];
      else if (p < 0.82) argv = ['DEL', pick(HLLS)];
      else if (p < 0.86) {
        // corrupt a copy of an HLL: random bytes at a random offset
        const src = pick(HLLS);
        const copy = 'c' + Math.floor(r() * 3);
        const raw = await both(a, b, ['GET', src], log);
        if (raw.startsWith('$-1')) continue;
        const v = raw.slice(raw.indexOf('\r\n') + 2, -2);
        await both(a, b, ['SET', copy, v], log);
        const off = Math.floor(r() * (v.length + 4));
        const bytes = String.fromCharCode(...Array.from({ length: 1 + Math.floor(r() * 3) }, () => Math.floor(r() * 256)));
        argv = ['SETRANGE', copy, String(off), bytes];
        await both(a, b, argv, log);
        argv = pick([['PFCOUNT', copy], ['PFADD', copy, elem(), elem()], ['PFMERGE', 'm0', copy], ['PFDEBUG', 'GETREG', copy], ['PFCOUNT', copy, 'h0']]);
      } else argv = r() < 0.6 ? ['GET', pick(KEYS)] : ['OBJECT', 'ENCODING', pick([...KEYS, 'm0', 'c0'])];
      await both(a, b, argv, log);
      if (i % 10 === 0) for (const k of [...HLLS, 'm0', 'm1', 'm2', 'c0', 'c1', 'c2']) await both(a, b, ['GET', k], log);
    }
    // settle: every key's bytes equal at the end
    for (const k of [...HLLS, 'm0', 'm1', 'm2', 'c0', 'c1', 'c2']) await both(a, b, ['GET', k], log);
    await both(a, b, ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'], log);
  } finally {
    a.close();
    b.close();
  }
});

/** The geo command generator over a few clustered point sets. */
function geoGenerator(r: () => number): () => string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const KEYS = ['g0', 'g1', 'g2', 'str', 'none'];
  const GEOS = ['g0', 'g1', 'g2'];
  const CENTERS: Array<[number, number]> = [[13.36, 38.11], [-122.27, 37.8], [0, 0], [179.9, -84.9], [-179.99, 85], [2.35, 48.85]];
  const members = Array.from({ length: 60 }, (_, i) => 'm' + i);
  const num = (x: number): string => (r() < 0.5 ? String(x) : x.toFixed(Math.floor(r() * 8)));
  const near = (): [string, string] => {
    const [cx, cy] = pick(CENTERS);
    const spread = pick([0, 0.0001, 0.01, 0.5, 3]);
    const x = Math.max(-180, Math.min(180, cx + (r() - 0.5) * spread));
    const y = Math.max(-85.05112878, Math.min(85.05112878, cy + (r() - 0.5) * spread));
    return [num(x), num(y)];
  };
  const unit = (): string => (r() < 0.95 ? pick(['m', 'km', 'ft', 'mi', 'KM', 'Mi']) : pick(['parsec', '']));
  const radius = (): string => (r() < 0.95 ? pick(['0', '1', '10', '100', '500', '1000', '5000', '20000', '100000', '1000000', '25000000']) : pick(['-1', 'abc', 'inf']));
  const opts = (search: boolean): string[] => {
    const o: string[] = [];
    if (r() < 0.4) o.push('WITHDIST');
    if (r() < 0.3) o.push('WITHCOORD');
    if (r() < 0.2) o.push('WITHHASH');
    if (r() < 0.4) o.push(pick(['ASC', 'DESC', 'asc']));
    if (r() < 0.4) {
      o.push('COUNT', pick(['1', '2', '3', '5', '8', '20', '0', '-1', 'x']));
      if (r() < 0.3) o.push('ANY');
    } else if (r() < 0.03) o.push('ANY');
    if (!search && r() < 0.03) o.push(pick(['FROMMEMBER', 'BYBOX', 'bogus']));
    for (let i = o.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [o[i], o[j]] = [o[j], o[i]];
    }
    return o;
  };
  const from = (): string[] => (r() < 0.5 ? ['FROMMEMBER', pick(members)] : ['FROMLONLAT', ...near()]);
  const by = (): string[] => (r() < 0.5 ? ['BYRADIUS', radius(), unit()] : ['BYBOX', radius(), radius(), unit()]);
  return () => {
    const p = r();
    const key = r() < 0.93 ? pick(GEOS) : pick(KEYS);
    if (p < 0.3) {
      const flags = r() < 0.2 ? [pick(['NX', 'XX', 'CH', 'ch', 'NX', 'XX'])] : [];
      const n = 1 + Math.floor(r() * 6);
      const pts: string[] = [];
      for (let i = 0; i < n; i++) {
        const xy = r() < 0.97 ? near() : [pick(['181', '-181', 'abc', '0']), pick(['86', '0', 'x'])];
        pts.push(...xy, pick(members));
      }
      return ['GEOADD', key, ...flags, ...pts];
    }
    if (p < 0.4) return ['GEORADIUS', key, ...near(), radius(), unit(), ...opts(false)];
    if (p < 0.47) return ['GEORADIUSBYMEMBER', key, pick(members), radius(), unit(), ...opts(false)];
    if (p < 0.5) return [pick(['GEORADIUS_RO', 'GEORADIUS']), key, ...near(), radius(), unit(), ...opts(false), ...(r() < 0.5 ? [pick(['STORE', 'STOREDIST']), 'dst'] : [])];
    if (p < 0.53) return ['GEORADIUSBYMEMBER', key, pick(members), radius(), unit(), pick(['STORE', 'STOREDIST', 'store']), 'dst', ...(r() < 0.7 ? ['COUNT', pick(['1', '3', '10'])] : []), ...(r() < 0.3 ? [pick(['ASC', 'DESC'])] : [])];
    if (p < 0.68) {
      const parts = r() < 0.95 ? [...from(), ...by()] : r() < 0.5 ? from() : by();
      return ['GEOSEARCH', key, ...parts, ...opts(true)];
    }
    if (p < 0.75) {
      const parts = [...from(), ...by()];
      const extra = r() < 0.5 ? ['STOREDIST'] : [];
      const o = opts(true).filter((x) => r() < 0.95 || !x.startsWith('WITH'));
      return ['GEOSEARCHSTORE', 'dst', key, ...parts, ...extra, ...o.filter((x) => !x.startsWith('WITH') || r() < 0.1)];
    }
    if (p < 0.8) return ['GEODIST', key, pick(members), pick(members), ...(r() < 0.6 ? [unit()] : [])];
    if (p < 0.85) return ['GEOPOS', key, ...Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(members))];
    if (p < 0.9) return ['GEOHASH', key, ...Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(members))];
    if (p < 0.94) return ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'];
    if (p < 0.95) return ['OBJECT', 'ENCODING', pick(['dst', ...GEOS])];
    return ['ZREM', key, pick(members)];
  };
}

for (const proto of [2, 3]) {
  test(`geo: random commands give byte-identical replies (RESP${proto})`, { skip: !HAVE_REDIS && SKIP_NO_REDIS, timeout: 240_000 }, async () => {
    const a = await TestClient.connect(redis.port);
    const b = await TestClient.connect(tredis.port);
    const log: string[] = [];
    try {
      for (const c of [a, b]) {
        if (proto === 3) await c.call('HELLO', '3');
        await c.call('FLUSHALL');
        await c.call('SET', 'str', 'x');
        await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '16');
      }
      const gen = geoGenerator(rng(SEED + proto));
      // STOREDIST stores full-precision haversine distances: glibc's sin/cos/asin
      // (what redis-server uses) and V8's can differ in the last bit, so those
      // scores are compared to 1e-12 (relative); everything else byte for byte.
      let dstHasDistances = false;
      for (let i = 0; i < 2500; i++) {
        const argv = gen();
        if (argv[0] === 'ZRANGE' && dstHasDistances) {
          await closeScores(a, b, argv, log);
          continue;
        }
        const reply = await both(a, b, argv, log);
        const stores = argv[0] === 'GEOSEARCHSTORE' || argv.some((x) => /^store(dist)?$/i.test(x));
        if (stores && !reply.startsWith('-')) dstHasDistances = argv.some((x) => /^storedist$/i.test(x)) && !reply.startsWith(':0');
      }
      for (const k of ['g0', 'g1', 'g2']) await both(a, b, ['ZRANGE', k, '0', '-1', 'WITHSCORES'], log);
      await closeScores(a, b, ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], log);
    } finally {
      for (const c of [a, b]) await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
      a.close();
      b.close();
    }
  });
}

// ---------------------------------------------------------------- replication

/** HLL and geo writes, including the PFCOUNTs that write the cache back (and are propagated). */
async function hllGeoWrites(c: TestClient, seed: number, prefix: string): Promise<void> {
  const r = rng(seed);
  for (let i = 0; i < 40; i++) {
    const key = `${prefix}h${i % 4}`;
    await c.call('PFADD', key, ...Array.from({ length: 1 + Math.floor(r() * (i < 20 ? 20 : 400)) }, () => String(r())));
    if (i % 3 === 0) await c.call('PFCOUNT', key);
  }
  await c.call('PFMERGE', `${prefix}m`, `${prefix}h0`, `${prefix}h1`);
  await c.call('PFCOUNT', `${prefix}m`);
  await c.call('PFADD', `${prefix}d`, 'a', 'b');
  await c.call('PFDEBUG', 'TODENSE', `${prefix}d`);
  await c.call('PFDEBUG', 'GETREG', `${prefix}h3`);
  const pts: string[] = [];
  for (let i = 0; i < 60; i++) pts.push(String(13 + r() * 4), String(36 + r() * 3), `p${i}`);
  await c.call('GEOADD', `${prefix}geo`, ...pts);
  await c.call('GEOADD', `${prefix}geo`, 'CH', 'XX', '15', '37', 'p1', '1', '1', 'nope');
  await c.call('GEORADIUS', `${prefix}geo`, '15', '37', '100', 'km', 'STORE', `${prefix}s1`, 'COUNT', '7');
  await c.call('GEORADIUSBYMEMBER', `${prefix}geo`, 'p3', '150', 'km', 'STORE', `${prefix}s2`, 'DESC');
  await c.call('GEOSEARCHSTORE', `${prefix}s3`, `${prefix}geo`, 'FROMLONLAT', '15', '37', 'BYBOX', '300', '200', 'km', 'COUNT', '10', 'ANY');
  await c.call('GEORADIUS', `${prefix}geo`, '0', '0', '1', 'km', 'STORE', `${prefix}s2`);
}

async function hllGeoKeysEqual(a: Node, b: Node, prefix: string): Promise<void> {
  for (const k of ['h0', 'h1', 'h2', 'h3', 'm', 'd']) assert.equal(await b.c.callRaw('GET', prefix + k), await a.c.callRaw('GET', prefix + k), prefix + k);
  for (const k of ['geo', 's1', 's2', 's3']) assert.equal(await b.c.callRaw('ZRANGE', prefix + k, '0', '-1', 'WITHSCORES'), await a.c.callRaw('ZRANGE', prefix + k, '0', '-1', 'WITHSCORES'), prefix + k);
}

test('replication: a redis-server master with a tredis and a redis replica, HLL and geo in use, digests equal; PFCOUNT on the replicas writes the same cache', { skip: !HAVE_REDIS && SKIP_NO_REDIS, timeout: 120_000 }, async () => {
  const m = await startRedis(['--repl-diskless-sync-delay', '0']);
  const nodes: Node[] = [];
  let t: TredisServer | undefined;
  let r2: ChildServer | undefined;
  try {
    const M = await childNode(m.port);
    nodes.push(M);
    await hllGeoWrites(M.c, 1, 'a:');
    t = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}` });
    r2 = await startRedis(['--replicaof', '127.0.0.1', String(m.port)]);
    const T = await tredisNode(t);
    const R = await childNode(r2.port);
    nodes.push(T, R);
    await waitInSync(M, T);
    await waitInSync(M, R);
    assert.equal(await digest(T), await digest(M), 'after full sync');
    await hllGeoWrites(M.c, 2, 'b:');
    await waitInSync(M, T);
    await waitInSync(M, R);
    assert.equal(await digest(T), await digest(M), 'after live writes');
    await hllGeoKeysEqual(M, T, 'a:');
    await hllGeoKeysEqual(M, T, 'b:');
    // a client's PFCOUNT on a read-only replica rewrites the cache there only
    await M.c.call('PFADD', 'fresh', 'x', 'y', 'z');
    await waitInSync(M, T);
    await waitInSync(M, R);
    for (const n of [T, R]) assert.equal(await n.c.callRaw('PFCOUNT', 'fresh'), ':3\r\n');
    assert.equal(await T.c.callRaw('GET', 'fresh'), await R.c.callRaw('GET', 'fresh'));
    assert.notEqual(await T.c.callRaw('GET', 'fresh'), await M.c.callRaw('GET', 'fresh'));
    assert.equal(await digest(T), await digest(R), 'replicas agree after their own PFCOUNT');
    assert.notEqual(await digest(T), await digest(M), 'the master did not see the replicas\' cache writes');
    assert.equal(await T.c.callRaw('GEORADIUS', 'b:geo', '15', '37', '10', 'km'), await R.c.callRaw('GEORADIUS', 'b:geo', '15', '37', '10', 'km'));
  } finally {
    for (const n of nodes) n.c.close();
    await r2?.stop();
    await t?.close();
    await m.stop();
  }
});

test('replication: a redis-server replica of a tredis master stays DEBUG DIGEST equal with HLL and geo in use', { skip: !HAVE_REDIS && SKIP_NO_REDIS, timeout: 120_000 }, async () => {
  const t = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0 });
  const nodes: Node[] = [];
  let r: ChildServer | undefined;
  try {
    const M = await tredisNode(t);
    nodes.push(M);
    await hllGeoWrites(M.c, 3, 'a:');
    r = await startRedis(['--replicaof', '127.0.0.1', String(t.port)]);
    const R = await childNode(r.port);
    nodes.push(R);
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M), 'after full sync');
    await hllGeoWrites(M.c, 4, 'b:');
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M), 'after live writes');
    await hllGeoKeysEqual(M, R, 'a:');
    await hllGeoKeysEqual(M, R, 'b:');
  } finally {
    for (const n of nodes) n.c.close();
    await r?.stop();
    await t.close();
  }
});

test('geo: COUNT below the number found (Redis\'s partial quicksort) over hundreds of points with many equal distances', { skip: !HAVE_REDIS && SKIP_NO_REDIS, timeout: 120_000 }, async () => {
  const a = await TestClient.connect(redis.port);
  const b = await TestClient.connect(tredis.port);
  const r = rng(SEED + 17);
  const log: string[] = [];
  try {
    for (const c of [a, b]) await c.call('DEL', 'many');
    const pts: string[] = [];
    for (let i = 0; i < 400; i++) {
      // a third share one point, a third sit on a few rings, the rest are scattered
      const k = i % 3;
      const x = k === 0 ? 2.35 : k === 1 ? 2.35 + 0.01 * Math.floor(r() * 4) : 2.2 + r() * 0.3;
      const y = k === 0 ? 48.85 : k === 1 ? 48.85 : 48.7 + r() * 0.3;
      pts.push(String(x), String(y), `p${i}`);
    }
    await both(a, b, ['GEOADD', 'many', ...pts], log);
    for (let i = 0; i < 300; i++) {
      const count = String(1 + Math.floor(r() * 150));
      const order = r() < 0.5 ? ['ASC'] : r() < 0.5 ? ['DESC'] : [];
      const center = r() < 0.5 ? ['FROMLONLAT', '2.35', '48.85'] : r() < 0.5 ? ['FROMMEMBER', `p${Math.floor(r() * 400)}`] : ['FROMLONLAT', String(2.2 + r() * 0.3), String(48.7 + r() * 0.3)];
      const by = r() < 0.5 ? ['BYRADIUS', String(1 + Math.floor(r() * 30)), 'km'] : ['BYBOX', String(1 + Math.floor(r() * 40)), String(1 + Math.floor(r() * 40)), 'km'];
      await both(a, b, ['GEOSEARCH', 'many', ...center, ...by, 'COUNT', count, ...order, ...(r() < 0.3 ? ['WITHDIST'] : [])], log);
      if (i % 5 === 0) await both(a, b, ['GEOSEARCHSTORE', 'mdst', 'many', ...center, ...by, 'COUNT', count, ...order], log);
      if (i % 5 === 0) await both(a, b, ['ZRANGE', 'mdst', '0', '-1'], log);
    }
  } finally {
    a.close();
    b.close();
  }
});
