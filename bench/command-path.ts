/**
 * CPU per command on the server's command path, in process: a pipelined
 * buffer of one command is fed to a client the way socket reads are
 * (parser, executor gate, handler, reply), without sockets or redis-benchmark,
 * so two builds can be compared when the machine is too loaded for
 * throughput figures to mean anything. Each build runs in its own process,
 * builds alternating, several times; the minimum of each is the figure.
 *
 *   node dist/bench/command-path.js                             # this build: set get incr lpush
 *   node dist/bench/command-path.js --other old=/tmp/old/dist   # side by side with another build
 *   node dist/bench/command-path.js --tests set,get --n 300000 --runs 3
 *   node dist/bench/command-path.js --tests xadd,xrange --n 100000     # XADD *, XRANGE of 100 entries
 *   node dist/bench/command-path.js --tests evalsha,get         # a two-command script against a plain command
 *   node dist/bench/command-path.js --tests hget,sismember,zrank --n 50000   # big hash/set/zset (50000 members, made untimed first)
 *   node dist/bench/command-path.js --tests rb-hset,rb-incr,rb-lpush  # redis-benchmark's requests (one key, no -r)
 *   node dist/bench/command-path.js --tests rb-incr --batch 16    # 16 commands a read, as redis-benchmark -P 16 sends them
 *   node dist/bench/command-path.js --tests rb-incr-r,rb-hset-r --batch 16   # -r 1000000: a million keys / members made first
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { arg } from './util';

/** The script of the evalsha test (as npm run bench's). */
const EVALSHA_SCRIPT = "redis.call('set', KEYS[1], 'v') return redis.call('get', KEYS[1])";
const EVALSHA_SHA = createHash('sha1').update(EVALSHA_SCRIPT).digest('hex');
const EVALSHA0_SCRIPT = 'return KEYS[1]';
const EVALSHA0_SHA = createHash('sha1').update(EVALSHA0_SCRIPT).digest('hex');

/** The argv of request i of a test. */
function request(test: string, i: number): string[] {
  const key = 'key:' + String(i % 10000).padStart(6, '0');
  switch (test) {
    case 'set':
      return ['SET', key, 'xxx'];
    case 'get':
      return ['GET', key];
    case 'ping':
      return ['PING'];
    case 'incr':
      return ['INCR', 'counter' + (i % 100)];
    case 'lpush':
      return ['LPUSH', 'list', 'v'];
    case 'rpush':
      return ['RPUSH', 'rlist', 'element:' + (i % 1000)];
    case 'queue':
      // a queue of about 500 elements: LPUSH in, RPOP out
      return i % 2 === 0 || i < 1000 ? ['LPUSH', 'queue', 'job:' + i] : ['RPOP', 'queue'];
    case 'stack':
      return i % 2 === 0 || i < 1000 ? ['RPUSH', 'stack', 'item:' + i] : ['RPOP', 'stack'];
    case 'lrange':
      return i < 100 ? ['RPUSH', 'range', 'el:' + i] : ['LRANGE', 'range', '0', '9'];
    case 'append':
      // 10000 keys growing to a few hundred bytes
      return ['APPEND', 'app:' + String(i % 10000), 'abc'];
    case 'hset':
      return ['HSET', 'h' + (i % 1000), 'f' + (i % 10), 'v'];
    // redis-benchmark's own requests (no -r: one key, the same value each time)
    case 'rb-hset':
      return ['HSET', 'myhash', 'element:__rand_int__', 'VXK'];
    case 'rb-set':
      return ['SET', 'key:__rand_int__', 'VXK'];
    case 'rb-incr':
      return ['INCR', 'counter:__rand_int__'];
    case 'rb-lpush':
      return ['LPUSH', 'mylist', 'VXK'];
    case 'rb-sadd':
      return ['SADD', 'myset', 'element:__rand_int__'];
    case 'rb-zadd':
      return ['ZADD', 'myzset', '0', 'element:__rand_int__'];
    // redis-benchmark -r 1000000 (setup() made the million keys / members first, as a warm-up run would have)
    case 'rb-set-r':
      return ['SET', 'key:' + rand12(i), 'VXK'];
    case 'rb-get-r':
      return ['GET', 'key:' + rand12(i)];
    case 'rb-incr-r':
      return ['INCR', 'counter:' + rand12(i)];
    case 'rb-hset-r':
      return ['HSET', 'myhash', 'element:' + rand12(i), 'VXK'];
    case 'rb-sadd-r':
      return ['SADD', 'myset', 'element:' + rand12(i)];
    case 'rb-zadd-r':
      return ['ZADD', 'myzset', String(i % 1000), 'element:' + rand12(i)];
    case 'xadd':
      return ['XADD', 'stream', '*', 'field', 'value'];
    case 'xrange':
      // 100 entries (setup)
      return ['XRANGE', 's100', '-', '+'];
    case 'evalsha':
      // npm run bench's EVALSHA script (a write and a read)
      return ['EVALSHA', EVALSHA_SHA, '1', key];
    case 'evalsha0':
      // the cost of running a script at all: one that calls nothing
      return ['EVALSHA', EVALSHA0_SHA, '1', key];
    default:
      return bigRequest(test, i);
  }
}

/** Keys of the -r tests (redis-benchmark -r 1000000). */
const RANDOM_KEYS = 1_000_000;

/** Request i's __rand_int__ of a -r test: a fixed pseudo-random number below RANDOM_KEYS, as 12 digits. */
function rand12(i: number): string {
  return String((Math.imul(i + 1, 0x9e3779b1) >>> 0) % RANDOM_KEYS).padStart(12, '0');
}

/** Members of the big aggregates a setup() fills (hashtable/skiplist encodings). */
const BIG = 50000;

/** Commands run once before the passes of a test (untimed). */
function setup(test: string): string[][] {
  const out: string[][] = [];
  if (test === 'evalsha') out.push(['SCRIPT', 'LOAD', EVALSHA_SCRIPT]);
  if (test === 'evalsha0') out.push(['SCRIPT', 'LOAD', EVALSHA0_SCRIPT]);
  const fill = (cmd: string, key: string, item: (j: number) => string[]): void => {
    for (let i = 0; i < BIG; i += 100) {
      const argv = [cmd, key];
      for (let j = i; j < i + 100; j++) argv.push(...item(j));
      out.push(argv);
    }
  };
  if (test.startsWith('rb-') && test.endsWith('-r')) {
    // every key or member of the -r range present, as after redis-benchmark's warm-up
    const item = (j: number) => String(j).padStart(12, '0');
    const batch = (make: (j: number) => string[], head: string[]) => {
      for (let i = 0; i < RANDOM_KEYS; i += 1000) {
        const argv = [...head];
        for (let j = i; j < i + 1000; j++) argv.push(...make(j));
        out.push(argv);
      }
    };
    if (test === 'rb-set-r' || test === 'rb-get-r') batch((j) => ['key:' + item(j), 'VXK'], ['MSET']);
    if (test === 'rb-incr-r') batch((j) => ['counter:' + item(j), String(j & 0xffff)], ['MSET']);
    if (test === 'rb-hset-r') batch((j) => ['element:' + item(j), 'VXK'], ['HSET', 'myhash']);
    if (test === 'rb-sadd-r') batch((j) => ['element:' + item(j)], ['SADD', 'myset']);
    if (test === 'rb-zadd-r') batch((j) => [String(j % 1000), 'element:' + item(j)], ['ZADD', 'myzset']);
    return out;
  }
  if (test === 'xrange') for (let i = 1; i <= 100; i++) out.push(['XADD', 's100', `${i}-0`, 'field', 'value-' + i]);
  if (test.startsWith('h')) fill('HSET', 'bh', (j) => ['field:' + j, 'value:' + j]);
  if (test.startsWith('s')) {
    fill('SADD', 'bs', (j) => ['member:' + j]);
    out.push(['SADD', 'small', ...Array.from({ length: 100 }, (_, j) => 'member:' + j * 7)]);
  }
  if (test.startsWith('z')) {
    fill('ZADD', 'bz', (j) => [String(j * 1.5), 'member:' + j]);
    fill('ZADD', 'bl', (j) => ['0', 'm:' + String(j).padStart(6, '0')]);
  }
  return out;
}

/** The big-aggregate tests (after setup()): each keeps its aggregate's size steady. */
function bigRequest(test: string, i: number): string[] {
  const k = (i * 7919) % BIG;
  const odd = (i & 1) === 1;
  switch (test) {
    case 'hsetbig':
      return ['HSET', 'bh', 'field:' + k, 'v' + (i & 7)];
    case 'hget':
      return ['HGET', 'bh', 'field:' + k];
    case 'hdel':
      return odd ? ['HSET', 'bh', 'field:' + ((i - 1) * 7919) % BIG, 'x'] : ['HDEL', 'bh', 'field:' + k];
    case 'hrandfield':
      return ['HRANDFIELD', 'bh', '5', 'WITHVALUES'];
    case 'hscan':
      return ['HSCAN', 'bh', String(k + 1), 'COUNT', '10'];
    case 'sadd':
      return ['SADD', 'bs', 'member:' + ((i * 7919) % (BIG + 5000))];
    case 'sismember':
      return ['SISMEMBER', 'bs', 'member:' + k];
    case 'srem':
      return odd ? ['SADD', 'bs', 'member:' + ((i - 1) * 7919) % BIG] : ['SREM', 'bs', 'member:' + k];
    case 'spop':
      return odd ? ['SADD', 'bs', 'new:' + i] : ['SPOP', 'bs'];
    case 'srandmember':
      return ['SRANDMEMBER', 'bs', '5'];
    case 'sscan':
      return ['SSCAN', 'bs', String(k + 1), 'COUNT', '10'];
    case 'sinter':
      return ['SINTER', 'small', 'bs'];
    case 'zadd':
      return ['ZADD', 'bz', String(k * 1.5 + (i % 3)), 'member:' + k];
    case 'zscore':
      return ['ZSCORE', 'bz', 'member:' + k];
    case 'zrank':
      return ['ZRANK', 'bz', 'member:' + k];
    case 'zrange':
      return ['ZRANGE', 'bz', String(k), String(k + 9)];
    case 'zrangebyscore':
      return ['ZRANGE', 'bz', String(k), String(k + 15), 'BYSCORE'];
    case 'zrangebylex':
      return ['ZRANGE', 'bl', '[m:' + String(k).padStart(6, '0'), '+', 'BYLEX', 'LIMIT', '0', '10'];
    case 'zrem':
      return odd ? ['ZADD', 'bz', String(((i - 1) * 7919) % BIG * 1.5), 'member:' + ((i - 1) * 7919) % BIG] : ['ZREM', 'bz', 'member:' + k];
    case 'zpopmin':
      return odd ? ['ZADD', 'bz', String(k * 1.5), 'member:' + k] : ['ZPOPMIN', 'bz'];
    case 'zrandmember':
      return ['ZRANDMEMBER', 'bz', '5', 'WITHSCORES'];
    case 'zscan':
      return ['ZSCAN', 'bz', String(k + 1), 'COUNT', '10'];
    default:
      throw new Error(`unknown test ${test}`);
  }
}

/** Child mode: measure one build, print microseconds per command (best of 5 passes). */
async function measure(dist: string, test: string, n: number, batch: number): Promise<void> {
  const { createServer } = require(path.join(dist, 'src', 'index.js')) as typeof import('../src/index');
  const { Client } = require(path.join(dist, 'src', 'server', 'client.js')) as typeof import('../src/server/client');
  const t = await createServer({ port: 0 });
  const s = t.server;
  const c = new Client(s, null, { fake: false });
  s.clients.set(c.id, c);
  // builds before the Server was split into parts read on the server itself
  const old = s as unknown as { onData?: (c: unknown, b: Buffer) => void; connections?: { onData(c: unknown, b: Buffer): void } };
  const feed = old.connections !== undefined ? (b: Buffer) => old.connections!.onData(c, b) : (b: Buffer) => old.onData!(c, b);
  const feedAll = (b: Buffer): void => {
    for (let o = 0; o < b.length; o += 65536) feed(b.subarray(o, Math.min(b.length, o + 65536)));
  };
  const toResp = (argv: string[]): string => `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
  let text = '';
  for (const argv of setup(test)) text += toResp(argv);
  if (text !== '') feedAll(Buffer.from(text, 'latin1'));
  text = '';
  // batch > 0: reads of `batch` commands each (a pipelining client's), else 64 KB reads
  const bounds: number[] = [0];
  for (let i = 0; i < n; i++) {
    const argv = request(test, i);
    text += toResp(argv);
    if (batch > 0 && (i + 1) % batch === 0) bounds.push(text.length);
  }
  const buf = Buffer.from(text, 'latin1');
  const pass = (): void => {
    if (batch <= 0) {
      feedAll(buf);
      return;
    }
    for (let j = 1; j < bounds.length; j++) feed(buf.subarray(bounds[j - 1], bounds[j]));
  };
  pass();
  pass();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const u0 = process.cpuUsage();
    pass();
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / n);
  }
  process.stdout.write(`${best}\n`);
  await t.close();
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return measure(process.argv[3], process.argv[4], Number(process.argv[5]), Number(process.argv[6]));
  const builds: Array<[string, string]> = [['tredis', path.resolve(__dirname, '..')]];
  for (let i = 0; i < process.argv.length - 1; i++) {
    if (process.argv[i] !== '--other') continue;
    const spec = process.argv[i + 1];
    const eq = spec.indexOf('=');
    builds.push([spec.slice(0, eq), path.resolve(spec.slice(eq + 1))]);
  }
  const tests = arg('tests', 'set,get,incr,lpush').split(',');
  const n = Number(arg('n', '200000'));
  const runs = Number(arg('runs', '3'));
  const batch = Number(arg('batch', '0'));
  console.log(`CPU microseconds per command, in process (best of ${runs} runs x 5 passes of ${n} pipelined commands, ${batch > 0 ? batch + ' a read' : '64 KB reads'})`);
  console.log(['test', ...builds.map((b) => b[0])].map((x) => x.padEnd(12)).join(''));
  for (const test of tests) {
    const best = builds.map(() => Infinity);
    for (let r = 0; r < runs; r++) {
      builds.forEach(([, dist], j) => {
        const out = spawnSync(process.execPath, [__filename, '--child', dist, test, String(n), String(batch)], { encoding: 'utf8', timeout: 300_000 });
        const v = Number(out.stdout.trim());
        if (Number.isFinite(v)) best[j] = Math.min(best[j], v);
        else process.stderr.write(out.stderr);
      });
    }
    console.log([test, ...best.map((v) => v.toFixed(3))].map((x) => x.padEnd(12)).join(''));
  }
}

void main();
