/**
 * Seeded random differential test: the same few thousand string / bitmap /
 * generic-key commands (random keys from a small set, random options,
 * invalid ones included) go to tredis and to redis-server 7.0, and every
 * reply must be byte-identical. Time-dependent replies (TTL family) are
 * compared within a tolerance; KEYS and full SCAN iterations as sets;
 * RANDOMKEY and OBJECT FREQ/IDLETIME are not sent.
 *
 * A second test runs a random write workload on both and compares what tredis
 * propagates with the stream redis-server sends a replica attached by SYNC.
 *
 * Reproduce a failure with DIFF_SEED=<seed> (printed on failure).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { redisAvailable, waitFor, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { startDiffServers } from '../helpers/compare';
import { mulberry32 as rng } from '../helpers/prng';
import { TestClient, type Reply } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const HAVE_REDIS = redisAvailable();
let tredis: TredisServer;
let redis: ChildServer;
let a: TestClient;
let b: TestClient;

before(async () => {
  if (!HAVE_REDIS) return;
  ({ tredis, redis } = await startDiffServers());
  a = await TestClient.connect(tredis.port);
  b = await TestClient.connect(redis.port);
});

after(async () => {
  a?.close();
  b?.close();
  await tredis?.close();
  await redis?.stop();
});

/** How a reply is compared. */
type Mode = 'exact' | 'ttl' | 'pttl' | 'set' | 'scan';

interface Step {
  argv: string[];
  mode: Mode;
}

const BINARY = String.fromCharCode(0, 1, 2, 255, 13, 10, 128, 127);

function generator(seed: number, extraTypes: string[]) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const now = Date.now();
  const keys = ['k1', 'k2', 'k3', 'k4', 'bin\0key', '\xff\xfe', 'num', 'bits'];
  const values = [
    '', '0', '1', '-1', '7', '123', '10000', '9999', '007', '-0', '+5', ' 5', '3.5', '1e3', '-2.25', 'inf', 'nan', 'foo', 'bar', 'hello world',
    '9223372036854775807', '-9223372036854775808', '9223372036854775808', '12345678901234567890', 'x'.repeat(44), 'y'.repeat(45),
    BINARY, '\xff\x00\xff', 'ohmytext', 'mynewtext',
  ];
  const ints = ['0', '1', '-1', '2', '5', '-5', '10', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775806', 'x', '1.5', '', '01'];
  const floats = ['0', '1', '-1', '0.1', '1.5', '-2.75', '1e2', '3e-2', 'inf', '-inf', 'nan', 'abc', '1e400', '', ' 1', '5.0e3', '0x10'];
  // relative times are long enough that no key expires between the two servers' views of it
  const expires = (kind: 'EX' | 'PX' | 'EXAT' | 'PXAT'): string => {
    const common = ['0', '-5', 'abc', '1.5', '', '9223372036854775807', '9223372036854776'];
    if (kind === 'EX') return pick([...common, '100', '1000', '86400', '9223370399119966', '-9223372036854776', '10000000000000000']);
    if (kind === 'PX') return pick([...common, '200000', '1000000', '9223372036854770000']);
    if (kind === 'EXAT') return pick([...common, String(Math.floor(now / 1000) + 5000), String(Math.floor(now / 1000) - 100), '1']);
    return pick([...common, String(now + 5000000), String(now - 10000), '1', '9223372036854770000', '-9223372036854770000']);
  };
  const key = () => pick(keys);
  const value = () => pick(values);
  const idx = () => pick(['0', '1', '2', '-1', '-2', '-100', '3', '5', '100', '9223372036854775807', '-9223372036854775808', 'a']);
  const junk = () => pick(['foo', 'NXX', 'ex', 'px', 'EX', 'get', 'KEEPTTL', 'nx', 'XX', 'persist', 'PXAT', 'exat']);

  const setOptions = (): string[] => {
    const out: string[] = [];
    const n = int(0, 3);
    for (let i = 0; i < n; i++) {
      const o = pick(['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX', 'EXAT', 'PXAT', 'ex', 'get', 'junk']);
      if (o === 'junk') out.push(junk());
      else if (o === 'EX' || o === 'PX' || o === 'EXAT' || o === 'PXAT' || o === 'ex') {
        out.push(o);
        if (r() > 0.05) out.push(expires(o === 'ex' ? 'EX' : o));
      } else out.push(o);
    }
    return out;
  };
  const getexOptions = (): string[] => {
    const o = pick(['', '', 'EX', 'PX', 'EXAT', 'PXAT', 'PERSIST', 'persist', 'junk', 'EX+PX']);
    if (o === '') return [];
    if (o === 'junk') return [junk()];
    if (o === 'PERSIST' || o === 'persist') return r() < 0.2 ? [o, 'EX', '100'] : [o];
    if (o === 'EX+PX') return ['EX', '100', 'PX', '100000'];
    return [o, expires(o as 'EX' | 'PX' | 'EXAT' | 'PXAT')];
  };
  const expireFlags = (): string[] => {
    const n = pick([0, 0, 0, 1, 1, 2]);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(pick(['NX', 'XX', 'GT', 'LT', 'nx', 'gt', 'bogus']));
    return out;
  };
  const bitType = () => pick(['u1', 'u8', 'i8', 'u16', 'i5', 'i64', 'u63', 'u64', 'i65', 'x8', 'u0', 'i']);
  const bitOffset = () => pick(['0', '1', '7', '8', '13', '64', '100', '#1', '#3', '-1', 'x', '4294967296']);

  const mk = (argv: string[], mode: Mode = 'exact'): Step => ({ argv, mode });

  const gens: Array<() => Step> = [
    () => mk(['SET', key(), value(), ...setOptions()]),
    () => mk(['SET', key(), value()]),
    () => mk(['GET', key()]),
    () => mk(['GETEX', key(), ...getexOptions()]),
    () => mk(['GETDEL', key()]),
    () => mk(['GETSET', key(), value()]),
    () => mk(['SETNX', key(), value()]),
    () => mk(['SETEX', key(), expires('EX'), value()]),
    () => mk(['PSETEX', key(), expires('PX'), value()]),
    () => mk(['MGET', key(), key(), key()]),
    () => mk(['MSET', key(), value(), ...(r() < 0.5 ? [key(), value()] : r() < 0.2 ? [key()] : [])]),
    () => mk(['MSETNX', key(), value(), ...(r() < 0.5 ? [key(), value()] : [])]),
    () => mk(['APPEND', key(), value()]),
    () => mk(['STRLEN', key()]),
    () => mk([pick(['GETRANGE', 'SUBSTR']), key(), idx(), idx()]),
    () => mk(['SETRANGE', key(), pick(['0', '1', '3', '10', '-1', 'x', '536870912']), pick(['', 'ab', 'XYZ', BINARY])]),
    () => mk(['INCR', key()]),
    () => mk(['DECR', key()]),
    () => mk(['INCRBY', key(), pick(ints)]),
    () => mk(['DECRBY', key(), pick(ints)]),
    () => mk(['INCRBY', 'num', pick(ints)]),
    () => mk(['INCRBYFLOAT', key(), pick(floats)]),
    () => mk(['INCRBYFLOAT', 'num', pick(floats)]),
    () => mk(['LCS', key(), key(), ...pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', pick(['0', '2', '-1', 'x'])], ['LEN', 'IDX'], ['foo'], ['MINMATCHLEN']])]),
    () => mk(['SETBIT', pick(['bits', key()]), pick(['0', '1', '7', '9', '31', '100', '-1', 'x', '4294967296']), pick(['0', '1', '1', '2', '-1', 'x'])]),
    () => mk(['GETBIT', pick(['bits', key()]), pick(['0', '1', '7', '9', '100', '-1', 'x'])]),
    () => mk(['BITCOUNT', pick(['bits', key()]), ...pick([[], [idx()], [idx(), idx()], [idx(), idx(), pick(['BIT', 'BYTE', 'bit', 'foo'])], [idx(), idx(), 'BIT', 'x']])]),
    () => mk(['BITPOS', pick(['bits', key()]), pick(['0', '1', '2', 'x']), ...pick([[], [idx()], [idx(), idx()], [idx(), idx(), pick(['BIT', 'BYTE', 'foo'])], [idx(), idx(), 'BIT', 'x']])]),
    () => mk(['BITOP', pick(['AND', 'OR', 'XOR', 'NOT', 'and', 'nand']), pick(['bits', key()]), key(), ...(r() < 0.6 ? [key()] : [])]),
    () => {
      const ops: string[] = [];
      const n = int(1, 3);
      for (let i = 0; i < n; i++) {
        const op = pick(['GET', 'SET', 'INCRBY', 'OVERFLOW', 'get', 'bad']);
        if (op === 'OVERFLOW') ops.push(op, pick(['WRAP', 'SAT', 'FAIL', 'sat', 'nope']));
        else if (op === 'GET' || op === 'get') ops.push(op, bitType(), bitOffset());
        else if (op === 'bad') ops.push(op);
        else ops.push(op, bitType(), bitOffset(), pick(ints));
        if (r() < 0.05) ops.pop();
      }
      return mk([pick(['BITFIELD', 'BITFIELD', 'BITFIELD_RO']), pick(['bits', key()]), ...ops]);
    },
    () => mk([pick(['DEL', 'UNLINK']), key(), ...(r() < 0.4 ? [key()] : [])]),
    () => mk(['EXISTS', key(), key(), key()]),
    () => mk(['TYPE', key()]),
    () => mk([pick(['RENAME', 'RENAMENX']), key(), key()]),
    () => mk(['COPY', key(), key(), ...pick([[], ['REPLACE'], ['DB', '1'], ['DB', '1', 'REPLACE'], ['DB', '0'], ['DB', '99'], ['DB', 'x'], ['DB'], ['foo'], ['DB', '99999999999']])]),
    () => mk(['MOVE', key(), pick(['1', '0', '99', 'x', '-1', '99999999999'])]),
    () => mk(['SELECT', pick(['0', '0', '0', '1'])]),
    () => mk(['KEYS', pick(['*', 'k*', 'k?', 'k[12]', 'k[^1]', '*e*', 'b*', '\\*', '[a-z]*', 'num', 'x*', '*\0*'])], 'set'),
    () => mk(['SCAN', '0', ...pick([[], ['MATCH', 'k*'], ['COUNT', '2'], ['TYPE', 'string'], ['TYPE', 'list'], ['MATCH', '*', 'COUNT', '1'], ['COUNT', '0'], ['COUNT', 'x'], ['foo'], ['MATCH']])], 'scan'),
    () => {
      const [name, kind] = pick([['EXPIRE', 'EX'], ['PEXPIRE', 'PX'], ['EXPIREAT', 'EXAT'], ['PEXPIREAT', 'PXAT']] as const);
      return mk([name, key(), expires(kind), ...expireFlags()]);
    },
    () => mk(['EXPIRE', key(), pick(['100', '200', '50']), ...expireFlags()]),
    () => mk(['TTL', key()], 'ttl'),
    () => mk(['PTTL', key()], 'pttl'),
    () => mk(['EXPIRETIME', key()], 'ttl'),
    () => mk(['PEXPIRETIME', key()], 'pttl'),
    () => mk(['PERSIST', key()]),
    () => mk(['TOUCH', key(), key()]),
    () => mk(['OBJECT', pick(['ENCODING', 'REFCOUNT', 'encoding', 'NOPE']), key()]),
  ];
  for (const t of extraTypes) {
    if (t === 'rpush') gens.push(() => mk(['RPUSH', key(), value()]));
    if (t === 'sadd') gens.push(() => mk(['SADD', key(), value()]));
    if (t === 'hset') gens.push(() => mk(['HSET', key(), 'f', value()]));
  }
  return (): Step => pick(gens)();
}

function show(x: string): string {
  return JSON.stringify(x).slice(0, 300);
}

/** All keys of a full SCAN iteration with the given options (sorted). */
async function fullScan(c: TestClient, opts: string[]): Promise<string[] | string> {
  const seen = new Set<string>();
  let cursor = '0';
  for (let i = 0; i < 10000; i++) {
    const r: Reply = await c.call('SCAN', cursor, ...opts);
    if (!Array.isArray(r)) return String(r);
    cursor = String(r[0]);
    for (const k of r[1] as string[]) seen.add(k);
    if (cursor === '0') break;
  }
  return [...seen].sort();
}

function parseInt_(raw: string): number | null {
  return raw.startsWith(':') ? Number(raw.slice(1, -2)) : null;
}

/**
 * Fixed seeds keep CI deterministic (12 runs in RESP3); DIFF_SEED=<n> runs one
 * chosen seed, DIFF_STEPS=<n> changes the length.
 */
const SEEDS = process.env.DIFF_SEED ? [Number(process.env.DIFF_SEED)] : [7, 12];

for (const seed of SEEDS) {
  test(`random string and key commands reply byte-identically to redis-server 7.0 (seed ${seed})`, { skip: !HAVE_REDIS && SKIP_NO_REDIS, timeout: 180000 }, async () => {
    await runDiff(seed);
  });
}

async function runDiff(seed: number): Promise<void> {
  const steps = process.env.DIFF_STEPS ? Number(process.env.DIFF_STEPS) : 4000;
  // feature-detect the other families so WRONGTYPE paths get exercised once they exist
  const extra: string[] = [];
  for (const [name, argv] of [
    ['rpush', ['RPUSH', '__probe', 'x']],
    ['sadd', ['SADD', '__probe2', 'x']],
    ['hset', ['HSET', '__probe3', 'f', 'x']],
  ] as const) {
    const r = await a.callRaw(...argv);
    if (!r.startsWith('-')) extra.push(name);
  }
  // start from empty dbs 0 and 1 (KEYS + DEL: only this family's commands are relied upon)
  for (const c of [a, b]) {
    for (const db of ['1', '0']) {
      await c.call('SELECT', db);
      const ks = (await c.call('KEYS', '*')) as string[];
      if (ks.length > 0) await c.call('DEL', ...ks);
    }
  }
  // every third seed speaks RESP3 (null, map and double shapes differ)
  const resp3 = seed % 3 === 0;
  await Promise.all([a.call('HELLO', resp3 ? '3' : '2'), b.call('HELLO', resp3 ? '3' : '2')]);
  const next = generator(seed, extra);
  const history: string[] = [];
  // DIFF_STATS=1 prints which reply kinds each command produced (to check the generator's reach)
  const stats = process.env.DIFF_STATS ? new Map<string, number>() : null;
  for (let i = 0; i < steps; i++) {
    const step = next();
    history.push(JSON.stringify(step.argv));
    if (history.length > 25) history.shift();
    const ctx = () => `seed=${seed} step=${i} resp${resp3 ? 3 : 2}\nrecent commands:\n  ${history.join('\n  ')}`;
    if (step.mode === 'scan') {
      const opts = step.argv.slice(2);
      const [x, y] = await Promise.all([fullScan(a, opts), fullScan(b, opts)]);
      assert.deepEqual(x, y, ctx());
      continue;
    }
    const [x, y] = await Promise.all([a.callRaw(...step.argv), b.callRaw(...step.argv)]);
    if (stats !== null) {
      const k = `${step.argv[0]} ${y[0] === '-' ? y.slice(0, 40).trim() : y[0]}`;
      stats.set(k, (stats.get(k) ?? 0) + 1);
    }
    if (step.mode === 'exact') {
      assert.equal(show(x), show(y), ctx());
    } else if (step.mode === 'set') {
      const [px, py] = await Promise.all([a.call(...step.argv), b.call(...step.argv)]);
      const norm = (v: Reply) => (Array.isArray(v) ? (v as string[]).slice().sort() : v);
      assert.deepEqual(norm(px), norm(py), ctx());
    } else {
      const nx = parseInt_(x);
      const ny = parseInt_(y);
      if (nx === null || ny === null || nx < 0 || ny < 0) assert.equal(show(x), show(y), ctx());
      else {
        // expire times beyond 2^53 ms (year 287396) are kept as doubles: only approximately equal
        const slack = ny > 2 ** 50 ? 4096 : step.mode === 'ttl' ? 1 : 250;
        assert.ok(Math.abs(nx - ny) <= slack, `${show(x)} vs ${show(y)}\n${ctx()}`);
      }
    }
  }
  if (stats !== null) console.log([...stats].sort().map(([k, n]) => `${n}\t${k}`).join('\n'));
}

// ---------------------------------------------------------------------------
// propagation: the replication stream of a random write workload

/** Attach to a redis-server as a replica (SYNC) and collect the command stream after the RDB. */
function syncStream(port: number): Promise<{ text: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let state = 0;
    let left = 0;
    const chunks: Buffer[] = [];
    const api = { text: () => Buffer.concat(chunks).toString('latin1'), close: () => sock.destroy() };
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (state === 0) {
          while (buf.length > 0 && buf[0] === 10) buf = buf.subarray(1);
          const nl = buf.indexOf('\r\n');
          if (nl < 0) return;
          left = Number(buf.toString('latin1', 1, nl));
          buf = buf.subarray(nl + 2);
          state = 1;
        } else if (state === 1) {
          if (buf.length < left) return;
          buf = buf.subarray(left);
          state = 2;
          resolve(api);
        } else {
          chunks.push(buf);
          buf = Buffer.alloc(0);
          return;
        }
      }
    });
    sock.write('SYNC\r\n');
  });
}

/** Split a RESP command stream into argv lists. */
function parseStream(s: string): string[][] {
  const out: string[][] = [];
  let p = 0;
  while (p < s.length) {
    if (s[p] !== '*') {
      p++;
      continue;
    }
    let nl = s.indexOf('\r\n', p);
    const n = Number(s.slice(p + 1, nl));
    p = nl + 2;
    const argv: string[] = [];
    for (let k = 0; k < n; k++) {
      nl = s.indexOf('\r\n', p);
      const len = Number(s.slice(p + 1, nl));
      p = nl + 2;
      argv.push(s.slice(p, p + len));
      p += len + 2;
    }
    out.push(argv);
  }
  return out;
}

test('the propagated stream of random writes matches what redis-server sends its replicas', { skip: !HAVE_REDIS && SKIP_NO_REDIS, timeout: 120000 }, async () => {
  for (const c of [a, b]) {
    await c.call('HELLO', '2');
    for (const db of ['1', '0']) {
      await c.call('SELECT', db);
      const ks = (await c.call('KEYS', '*')) as string[];
      if (ks.length > 0) await c.call('DEL', ...ks);
    }
  }
  // only lazy expiry, so both sides reclaim keys at the same commands
  await b.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  tredis.server.cron.activeExpireEnabled = false;
  const fed: string[][] = [];
  let lastDb = -1;
  // the same SELECT insertion a replica link does
  const sink = {
    feed: (db: number, argv: string[]) => {
      if (db !== lastDb) fed.push(['SELECT', String(db)]);
      lastDb = db;
      fed.push(argv.slice());
    },
  };
  tredis.server.propagation.listeners.push(sink);
  const replica = await syncStream(redis.port);
  try {
    const r = rng(4242);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const now = Date.now();
    const sec = String(Math.floor(now / 1000) + 1000);
    const k = () => pick(['k1', 'k2', 'k3', 'n']);
    const v = () => pick(['1', 'abc', '10', '-3', '2.5', '']);
    const gens: Array<() => string[]> = [
      () => ['SET', k(), v(), ...pick([[], ['NX'], ['XX'], ['GET'], ['EX', '100'], ['PX', '200000', 'GET'], ['KEEPTTL'], ['EXAT', sec], ['PXAT', '5'], ['EX', '0']])],
      () => ['GETEX', k(), ...pick([[], ['PERSIST'], ['EX', '100'], ['PXAT', '5'], ['EXAT', sec]])],
      () => ['GETDEL', k()],
      () => ['GETSET', k(), v()],
      () => ['SETNX', k(), v()],
      () => ['SETEX', k(), '100', v()],
      () => ['PSETEX', k(), '100000', v()],
      () => ['MSET', k(), v(), k(), v()],
      () => ['MSETNX', k(), v(), k(), v()],
      () => ['APPEND', k(), pick(['', 'x'])],
      () => ['SETRANGE', k(), pick(['0', '2']), pick(['', 'ab'])],
      () => ['INCR', k()],
      () => ['DECRBY', k(), '2'],
      () => ['INCRBYFLOAT', k(), pick(['1.5', '0', 'x'])],
      () => ['SETBIT', k(), pick(['0', '1', '7', '30']), pick(['0', '1'])],
      () => ['BITFIELD', k(), 'SET', 'u8', '0', pick(['49', '50', '0'])],
      () => ['BITOP', pick(['AND', 'OR', 'NOT']), k(), k()],
      () => ['DEL', k(), k()],
      () => ['UNLINK', k()],
      () => ['RENAME', k(), k()],
      () => ['RENAMENX', k(), k()],
      () => ['COPY', k(), k(), ...pick([[], ['REPLACE'], ['DB', '1']])],
      () => ['MOVE', k(), '1'],
      () => ['EXPIRE', k(), pick(['100', '-1', '200']), ...pick([[], ['NX'], ['GT'], ['LT'], ['XX']])],
      () => ['PEXPIREAT', k(), pick([String(now + 1e6), '5'])],
      () => ['EXPIREAT', k(), pick([sec, '5'])],
      () => ['PERSIST', k()],
      () => ['GET', k()],
      () => ['SCAN', '0'],
      () => ['MGET', k(), k()],
      () => ['SELECT', pick(['0', '0', '1'])],
    ];
    for (let i = 0; i < 2000; i++) {
      const argv = pick(gens)();
      await Promise.all([a.callRaw(...argv), b.callRaw(...argv)]);
    }
    await a.call('SELECT', '0');
    await b.call('SELECT', '0');
    // let the last commands reach the replica link
    await waitFor(() => parseStream(replica.text()).filter((x) => x[0].toLowerCase() !== 'ping').length >= fed.length, 5000, 'replication stream').catch(() => undefined);
    // SET ... EX and friends carry absolute times that differ by a few ms between the servers
    const norm = (x: string[]) => JSON.stringify(x).replace(/"1[0-9]{12}"/g, '"<ms>"');
    const got = fed.map(norm);
    const want = parseStream(replica.text())
      .filter((x) => x[0].toLowerCase() !== 'ping')
      .map(norm);
    for (let i = 0; i < Math.max(got.length, want.length); i++) {
      if (got[i] !== want[i]) assert.fail(`stream differs at ${i}\n tredis: ${got.slice(Math.max(0, i - 4), i + 4).join(' ')}\n redis:  ${want.slice(Math.max(0, i - 4), i + 4).join(' ')}`);
    }
  } finally {
    replica.close();
    tredis.server.propagation.listeners.splice(tredis.server.propagation.listeners.indexOf(sink), 1);
    tredis.server.cron.activeExpireEnabled = true;
    await b.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  }
});

test('OBJECT FREQ under an LFU policy counts accesses as redis-server (lfu-log-factor 0: every access counts)', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const script: string[][] = [
    ['SELECT', '9'],
    // with a maxmemory an LFU policy gives every INCR result its own object (no shared integers, whose counters Redis reads off its LRU clock)
    ['CONFIG', 'SET', 'maxmemory', '1gb', 'maxmemory-policy', 'allkeys-lfu'],
    ['SET', 'lfu:s', 'v'],
    ['OBJECT', 'FREQ', 'lfu:s'],
    ['GET', 'lfu:s'],
    ['OBJECT', 'FREQ', 'lfu:s'],
    ['CONFIG', 'SET', 'lfu-log-factor', '0'],
  ];
  for (let i = 0; i < 30; i++) script.push(['GET', 'lfu:s'], ['INCR', 'lfu:n'], ['HSET', 'lfu:h', 'f', String(i)], ['LPUSH', 'lfu:l', 'x']);
  script.push(['OBJECT', 'FREQ', 'lfu:s'], ['OBJECT', 'FREQ', 'lfu:n'], ['OBJECT', 'FREQ', 'lfu:h'], ['OBJECT', 'FREQ', 'lfu:l']);
  script.push(['SET', 'lfu:s', 'w'], ['OBJECT', 'FREQ', 'lfu:s'], ['TOUCH', 'lfu:s', 'nokey'], ['OBJECT', 'FREQ', 'lfu:s']);
  // OBJECT, TYPE, EXISTS and TTL do not count as accesses
  script.push(['TYPE', 'lfu:s'], ['EXISTS', 'lfu:s'], ['TTL', 'lfu:s'], ['OBJECT', 'FREQ', 'lfu:s']);
  for (let i = 0; i < 260; i++) script.push(['GET', 'lfu:s']);
  script.push(['OBJECT', 'FREQ', 'lfu:s']);
  script.push(['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'], ['OBJECT', 'FREQ', 'lfu:s'], ['CONFIG', 'SET', 'lfu-log-factor', '10'], ['FLUSHDB'], ['SELECT', '0']);
  const got: string[] = [];
  const want: string[] = [];
  for (const argv of script) {
    got.push(await a.callRaw(...argv));
    want.push(await b.callRaw(...argv));
  }
  assert.deepEqual(got, want);
  // the script really exercised the counter
  assert.ok(want.includes(':6\r\n') && want.includes(':255\r\n'), want.join(''));
});

test('cluster client commands (READONLY, READWRITE, ASKING) answer as redis-server without cluster mode', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const script = [['READONLY'], ['READWRITE'], ['ASKING'], ['READONLY', 'x'], ['COMMAND', 'INFO', 'readonly', 'readwrite', 'asking'], ['COMMAND', 'DOCS', 'asking']];
  for (const argv of script) assert.equal(await a.callRaw(...argv), await b.callRaw(...argv), argv.join(' '));
});
