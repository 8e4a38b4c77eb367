/**
 * Seeded random differential test for streams and consumer groups: thousands
 * of random stream commands (valid and invalid ids and options, wrong types,
 * trimming exact and approximate, groups, PELs, claims) go to tredis and to
 * redis-server 7.0 with small stream nodes, and every reply must match byte
 * for byte. Time-dependent numbers (idle times, delivery and seen times) are
 * masked; ids are explicit or `ms-*` so both servers generate the same ones.
 * Every 40 commands every stream is compared whole (XRANGE, XINFO STREAM
 * FULL, XINFO GROUPS / CONSUMERS, DEBUG DIGEST-VALUE). A second run repeats
 * this over RESP3.
 *
 * Reproduce a failure with STREAMS_DIFF_SEED=<seed> (printed on failure).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisAvailable, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { startDiffServers } from '../helpers/compare';
import { mulberry32 as rng } from '../helpers/prng';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const HAVE_REDIS = redisAvailable();
const LIMITS = { 'stream-node-max-entries': '7', 'stream-node-max-bytes': '300', 'enable-debug-command': 'yes' };
let tredis: TredisServer;
let redis: ChildServer;

before(async () => {
  if (!HAVE_REDIS) return;
  ({ tredis, redis } = await startDiffServers(LIMITS));
});

after(async () => {
  await tredis?.close();
  await redis?.stop();
});

const SKEYS = ['x0', 'x1', 'x2'];
const ALL_KEYS = [...SKEYS, 'str', 'none'];
const FIELDS = ['a', 'b', 'c', 'f', 'name', '1', 'long-field-name-over-16', ''];
const VALUES = ['1', '2', '-7', '0', 'v', 'hello', '3.25', '9223372036854775807', '-9223372036854775808', '18446744073709551615', 'w'.repeat(70), '', 'n\x00ul', '\xe9t\xe9', '123456789012'];
const GROUPS = ['g1', 'g2', 'G'];
const CONSUMERS = ['alice', 'bob', 'carol', 'Bob'];
const BAD_IDS = ['abc', '-1', '1-', '-', '+', '1-x', '18446744073709551616', '1--1', ' 1', '+1', '1.5', '', '0-0', '01-1'];

type Gen = { argv: string[]; time?: boolean };

function generator(seed: number): () => Gen {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number): boolean => r() < p;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  let clock = 1;
  const recent: string[] = [];
  const known = (): string => (recent.length > 0 && chance(0.85) ? recent[recent.length - 1 - Math.floor(r() * Math.min(recent.length, 30))] : `${int(1, clock)}-${int(0, 2)}`);
  const key = (): string => (chance(0.93) ? pick(SKEYS) : pick(ALL_KEYS));
  const anyId = (): string => {
    const x = r();
    if (x < 0.55) return `${int(1, clock + 2)}-${int(0, 3)}`;
    if (x < 0.7) return String(int(1, clock + 2));
    if (x < 0.8) return pick(['0-0', '0-1', '18446744073709551615-18446744073709551615', '18446744073709551615', '18446744073709551614-5']);
    return pick(BAD_IDS);
  };
  const rangeId = (lowEnd: boolean): string => {
    const x = r();
    if (x < 0.3) return lowEnd ? '-' : '+';
    if (x < 0.45) return '(' + anyId();
    return anyId();
  };
  const fieldValues = (): string[] => {
    const n = chance(0.95) ? int(1, 3) : 0;
    const out: string[] = [];
    const same = chance(0.6);
    for (let i = 0; i < n; i++) out.push(same ? ['a', 'b', 'c'][i] : pick(FIELDS), pick(VALUES));
    if (chance(0.03)) out.push('dangling');
    return out;
  };
  const trim = (): string[] => {
    const strat = chance(0.6) ? 'MAXLEN' : 'MINID';
    const out = [chance(0.9) ? strat : strat.toLowerCase()];
    const mod = r();
    if (mod < 0.4) out.push('~');
    else if (mod < 0.55) out.push('=');
    out.push(strat === 'MAXLEN' ? pick(['0', '1', '3', '5', '10', '20', '-1', 'x']) : chance(0.9) ? `${int(1, clock + 1)}-0` : pick(BAD_IDS));
    if (chance(0.2)) out.push('LIMIT', pick(['0', '1', '5', '10', '-1', 'y']));
    return out;
  };
  const gens: Array<() => Gen> = [
    () => {
      // XADD with a fresh increasing id most of the time
      clock += int(0, 2);
      const argv = ['XADD', key()];
      if (chance(0.1)) argv.push('NOMKSTREAM');
      if (chance(0.25)) argv.push(...trim());
      const x = r();
      const id = x < 0.6 ? `${clock}-${int(0, 2)}` : x < 0.85 ? `${clock}-*` : x < 0.92 ? String(clock) : anyId();
      argv.push(id);
      if (id.endsWith('-*')) recent.push(`${clock}-0`, `${clock}-1`);
      else if (/^\d+-\d+$/.test(id)) recent.push(id);
      else if (/^\d+$/.test(id)) recent.push(id + '-0');
      argv.push(...fieldValues());
      return { argv };
    },
    () => {
      clock += 1;
      return { argv: ['XADD', key(), `${clock}-*`, ...fieldValues()] };
    },
    () => {
      const argv = [pick(['XRANGE', 'XREVRANGE']), key(), rangeId(true), rangeId(false)];
      if (argv[0] === 'XREVRANGE') [argv[2], argv[3]] = [argv[3] === '+' ? '+' : argv[3], argv[2] === '-' ? '-' : argv[2]];
      if (argv[0] === 'XREVRANGE' && chance(0.7)) [argv[2], argv[3]] = ['+', '-'];
      if (chance(0.4)) argv.push(pick(['COUNT', 'count']), pick(['0', '1', '2', '5', '-1', 'x']));
      if (chance(0.03)) argv.push('BOGUS');
      return { argv };
    },
    () => ({ argv: ['XLEN', key()] }),
    () => ({ argv: ['XDEL', key(), ...Array.from({ length: int(1, 3) }, () => (chance(0.8) ? known() : anyId()))] }),
    () => ({ argv: ['XTRIM', key(), ...(chance(0.95) ? trim() : [pick(['LIMIT', 'FOO'])])] }),
    () => {
      const argv = ['XSETID', key(), chance(0.8) ? `${clock + int(0, 3)}-${int(0, 5)}` : anyId()];
      if (chance(0.3)) argv.push('ENTRIESADDED', pick(['0', '5', '100', '-1', 'x']));
      if (chance(0.3)) argv.push('MAXDELETEDID', chance(0.8) ? `${int(1, clock)}-0` : anyId());
      return { argv };
    },
    () => {
      const argv = ['XGROUP', 'CREATE', key(), pick(GROUPS), pick(['$', '0', '0-0', `${int(1, clock)}-0`, 'bad'])];
      if (chance(0.3)) argv.push('MKSTREAM');
      if (chance(0.2)) argv.push('ENTRIESREAD', pick(['0', '3', '-1', '-2', 'x']));
      return { argv };
    },
    () => ({ argv: ['XGROUP', 'SETID', key(), pick(GROUPS), pick(['$', '0', `${int(1, clock)}-0`, 'bad']), ...(chance(0.3) ? ['ENTRIESREAD', pick(['0', '2', '-1'])] : [])] }),
    () => ({ argv: chance(0.3) ? ['XGROUP', pick(['DESTROY', 'destroy']), key(), pick(GROUPS)] : ['XGROUP', 'CREATE', pick(SKEYS), pick(GROUPS), pick(['0', '$']), 'MKSTREAM'] }),
    () => ({ argv: ['XGROUP', pick(['CREATECONSUMER', 'DELCONSUMER']), key(), pick(GROUPS), pick(CONSUMERS)] }),
    () => ({ argv: ['XGROUP', pick(['HELP', 'NOPE', 'CREATE'])] }),
    () => {
      const argv = ['XREADGROUP', 'GROUP', pick(GROUPS), pick(CONSUMERS)];
      if (chance(0.5)) argv.push('COUNT', pick(['1', '2', '3', '0', '-1']));
      if (chance(0.2)) argv.push('NOACK');
      const keys = chance(0.8) ? [pick(SKEYS)] : [pick(SKEYS), pick(ALL_KEYS)];
      argv.push('STREAMS', ...keys, ...keys.map(() => (chance(0.75) ? '>' : chance(0.7) ? pick(['0', '0-0', `${int(1, clock)}-0`]) : pick(['$', 'bad']))));
      return { argv };
    },
    () => {
      const argv = ['XREAD'];
      if (chance(0.5)) argv.push('COUNT', pick(['1', '2', '0', '-3']));
      const keys = chance(0.7) ? [key()] : [key(), key()];
      argv.push('STREAMS', ...keys, ...keys.map(() => (chance(0.8) ? pick(['0', '0-0', `${int(1, clock)}-0`, '$']) : anyId())));
      if (chance(0.03)) argv.pop();
      return { argv };
    },
    () => ({ argv: ['XACK', key(), pick(GROUPS), ...Array.from({ length: int(1, 3) }, () => (chance(0.9) ? known() : anyId()))] }),
    () => ({ argv: ['XPENDING', key(), pick(GROUPS)] }),
    () => {
      const argv = ['XPENDING', key(), pick(GROUPS)];
      if (chance(0.3)) argv.push('IDLE', pick(['0', '3600000', 'x']));
      argv.push(rangeId(true), rangeId(false), pick(['10', '1', '0', '-1', 'x']));
      if (chance(0.4)) argv.push(pick(CONSUMERS));
      return { argv, time: true };
    },
    () => {
      const argv = ['XCLAIM', key(), pick(GROUPS), pick(CONSUMERS), pick(['0', '0', '3600000', '-5', 'x'])];
      for (let i = int(1, 3); i > 0; i--) argv.push(chance(0.9) ? known() : anyId());
      if (chance(0.3)) argv.push('IDLE', pick(['0', '10000000', 'x']));
      if (chance(0.15)) argv.push('TIME', pick(['1000', '99999999999999', 'x']));
      if (chance(0.2)) argv.push('RETRYCOUNT', pick(['0', '5', 'x']));
      if (chance(0.3)) argv.push('FORCE');
      if (chance(0.4)) argv.push('JUSTID');
      if (chance(0.15)) argv.push('LASTID', chance(0.8) ? `${int(1, clock + 3)}-0` : anyId());
      if (chance(0.03)) argv.push('BOGUS');
      return { argv };
    },
    () => {
      const argv = ['XAUTOCLAIM', key(), pick(GROUPS), pick(CONSUMERS), pick(['0', '0', '3600000', '-1', 'x']), rangeId(true)];
      if (chance(0.4)) argv.push('COUNT', pick(['1', '2', '10', '0', '-1', 'x']));
      if (chance(0.4)) argv.push('JUSTID');
      return { argv };
    },
    () => ({ argv: ['XINFO', 'STREAM', key(), ...(chance(0.3) ? ['FULL', ...(chance(0.5) ? ['COUNT', pick(['0', '1', '3', '-1'])] : [])] : [])], time: true }),
    () => ({ argv: ['XINFO', 'GROUPS', key()] }),
    () => ({ argv: ['XINFO', 'CONSUMERS', key(), pick(GROUPS)], time: true }),
    () => ({ argv: ['XINFO', pick(['HELP', 'BOGUS'])] }),
    () => ({ argv: [pick(['TYPE', 'OBJECT']), ...(chance(0.5) ? ['ENCODING'] : []), key()].filter((x) => x !== 'OBJECT' || true) }),
    () => ({ argv: chance(0.3) ? ['DEL', pick(SKEYS)] : ['XREADGROUP', 'GROUP', pick(GROUPS), pick(CONSUMERS), 'COUNT', '3', 'STREAMS', pick(SKEYS), '>'] }),
    // BLOCK: invalid timeouts, data already there (served at once), or 1 ms with nothing new (a timeout)
    () => {
      const argv = chance(0.5) ? ['XREAD', 'BLOCK', pick(['1', '1', 'x', '-1', '1.5'])] : ['XREADGROUP', 'GROUP', pick(GROUPS), pick(CONSUMERS), 'BLOCK', pick(['1', '1', 'x', '-1'])];
      if (chance(0.3)) argv.push('COUNT', pick(['1', '2']));
      argv.push('STREAMS', pick(SKEYS), argv[0] === 'XREAD' ? pick(['$', '0', `${int(1, clock)}-0`]) : '>');
      return { argv };
    },
  ];
  const weights = [8, 6, 5, 1, 2, 2, 1, 3, 1, 1, 2, 1, 6, 2, 3, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 2];
  const total = weights.reduce((a, b) => a + b, 0);
  return () => {
    let x = r() * total;
    for (let i = 0; i < gens.length; i++) {
      x -= weights[i];
      if (x < 0) {
        const g = gens[i]();
        if (g.argv[0] === 'OBJECT' && g.argv.length === 2) g.argv.splice(1, 0, 'ENCODING');
        return g;
      }
    }
    return gens[0]();
  };
}

/** Mask what depends on the clock: epoch milliseconds, idle times. */
function maskTime(s: string): string {
  return s
    .replace(/:\d{12,14}\r\n/g, ':T\r\n')
    .replace(/(idle\r\n):\d+\r\n/g, '$1:I\r\n')
    .replace(/(\*4\r\n\$\d+\r\n[0-9]+-[0-9]+\r\n\$\d+\r\n[^\r]*\r\n):\d+(\r\n:\d+\r\n)/g, '$1:I$2');
}

async function dump(c: TestClient): Promise<string[]> {
  const out: string[] = [];
  for (const k of ALL_KEYS) {
    const t = await c.callRaw('TYPE', k);
    let line = `${k} ${t}`;
    if (t === '+stream\r\n') {
      line += await c.callRaw('XRANGE', k, '-', '+');
      line += maskTime(await c.callRaw('XINFO', 'STREAM', k, 'FULL', 'COUNT', '0'));
      line += await c.callRaw('XINFO', 'GROUPS', k);
      line += await c.callRaw('DEBUG', 'DIGEST-VALUE', k);
    }
    out.push(line);
  }
  return out;
}

async function compareKeyspace(a: TestClient, b: TestClient, what: string): Promise<void> {
  const [da, db] = [await dump(a), await dump(b)];
  for (let i = 0; i < da.length; i++) assert.equal(JSON.stringify(db[i]), JSON.stringify(da[i]), `key ${ALL_KEYS[i]} differs, ${what}`);
}

async function run(seed: number, commands: number, resp3: boolean): Promise<void> {
  const a = await TestClient.connect(redis.port);
  const b = await TestClient.connect(tredis.port);
  try {
    for (const c of [a, b]) {
      await c.call('SELECT', '0');
      for (const k of ALL_KEYS) await c.call('DEL', k);
      await c.call('SET', 'str', 'text');
      if (resp3) await c.call('HELLO', '3');
    }
    const next = generator(seed);
    const history: string[] = [];
    for (let i = 0; i < commands; i++) {
      const g = next();
      history.push(g.argv.map((x) => JSON.stringify(x)).join(' '));
      const [ra, rb] = await Promise.all([a.callRaw(...g.argv), b.callRaw(...g.argv)]);
      const what = `seed ${seed} command #${i}: ${history[history.length - 1]}\nlast commands:\n${history.slice(-8).join('\n')}`;
      if (g.time) assert.equal(maskTime(rb), maskTime(ra), what);
      else assert.equal(rb, ra, what);
      if (i % CHECK_EVERY === CHECK_EVERY - 1) await compareKeyspace(a, b, `after ${what}`);
    }
    await compareKeyspace(a, b, `at the end, seed ${seed}`);
  } finally {
    a.close();
    b.close();
  }
}

const CHECK_EVERY = Number(process.env.STREAMS_DIFF_EVERY ?? 40);
const SEED = process.env.STREAMS_DIFF_SEED ? Number(process.env.STREAMS_DIFF_SEED) : 20261206;

test('stream commands: identical replies to redis-server 7.0 (RESP2)', { skip: HAVE_REDIS ? false : SKIP_NO_REDIS, timeout: 180000 }, async () => {
  await run(SEED, 4000, false);
});

test('stream commands: identical replies to redis-server 7.0 (RESP3)', { skip: HAVE_REDIS ? false : SKIP_NO_REDIS, timeout: 180000 }, async () => {
  await run(SEED + 1, 2000, true);
});
