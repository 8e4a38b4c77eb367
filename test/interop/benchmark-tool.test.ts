/**
 * redis-benchmark (Debian's, from Redis 7.0) against tredis: the default test
 * set and pipelined runs finish without any error line, every test prints its
 * requests-per-second line, and the data the benchmark wrote is what Redis
 * would hold afterwards.
 *
 * The tool runs asynchronously (runTool): the server is embedded in this
 * process, so spawnSync would block the event loop it needs to answer.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, redisAvailable, SKIP_NO_REDIS } from '../helpers/servers';
import { runTool, type ToolResult } from '../helpers/tools';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const skip = !redisAvailable() && SKIP_NO_REDIS;

/** The tests redis-benchmark 7.0 runs without -t, in order. */
const DEFAULT_TESTS = [
  'PING_INLINE',
  'PING_MBULK',
  'SET',
  'GET',
  'INCR',
  'LPUSH',
  'RPUSH',
  'LPOP',
  'RPOP',
  'SADD',
  'HSET',
  'SPOP',
  'ZADD',
  'ZPOPMIN',
  'LPUSH (needed to benchmark LRANGE)',
  'LRANGE_100 (first 100 elements)',
  'LRANGE_300 (first 300 elements)',
  'LRANGE_500 (first 500 elements)',
  'LRANGE_600 (first 600 elements)',
  'MSET (10 keys)',
];

/** The final line of each test (-q prints progress lines separated by \r, then the result). */
function resultLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.split('\r').pop()!.trim())
    .filter((l) => l !== '');
}

function assertClean(r: ToolResult, names: string[]): void {
  const all = r.stdout + r.stderr;
  assert.equal(r.timedOut, false, `redis-benchmark timed out:\n${all}`);
  assert.equal(r.status, 0, all);
  // "Error from server: ...", "WARNING: Could not fetch server CONFIG", "ERROR: ..."
  assert.doesNotMatch(all, /error|warning|unknown command/i, all);
  const lines = resultLines(r.stdout);
  assert.deepEqual(
    lines.map((l) => l.slice(0, l.lastIndexOf(':'))),
    names,
    all,
  );
  for (const l of lines) assert.match(l, /: \d+(\.\d+)? requests per second, p50=\d+\.\d+ msec$/, l);
}

describe('redis-benchmark', { skip }, () => {
  let srv: TredisServer;
  let c: TestClient;
  const bench = (args: string[], timeoutMs = 90000) => runTool('redis-benchmark', ['-h', '127.0.0.1', '-p', String(srv.port), ...args], { timeoutMs });

  before(async () => {
    srv = await startTredis();
    c = await TestClient.connect(srv.port);
  });
  after(async () => {
    c?.close();
    await srv?.close();
  });

  test('default test set (-q -n 2000 -c 10): no error, one requests-per-second line per test', async () => {
    const r = await bench(['-q', '-n', '2000', '-c', '10']);
    assertClean(r, DEFAULT_TESTS);
    // what it left behind, as on redis-server: 2000 INCRs of one counter, lists/sets/zset/hash keys
    assert.equal(await c.call('GET', 'counter:__rand_int__'), '2000');
    assert.equal(await c.call('TYPE', 'mylist'), 'list');
    assert.equal(await c.call('HSTRLEN', 'myhash', 'element:__rand_int__'), 3); // -d 3: 3 random bytes
    assert.equal(await c.call('STRLEN', 'key:__rand_int__'), 3);
    assert.equal(await c.call('LLEN', 'mylist'), 2000); // LPUSH + RPUSH - LPOP - RPOP = 0, then 2000 LPUSHes for LRANGE
    assert.equal(await c.call('EXISTS', 'myset', 'myzset'), 0); // SPOP/ZPOPMIN emptied them
  });

  test('pipelined: -t set,get,incr,ping -P 16', async () => {
    await c.call('FLUSHALL');
    const r = await bench(['-q', '-n', '4000', '-c', '10', '-P', '16', '-t', 'set,get,incr,ping']);
    assertClean(r, ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR']);
    assert.equal(await c.call('GET', 'counter:__rand_int__'), '4000');
  });

  test('random keys, 1 KB values, RESP3 (-3), and a custom command', async () => {
    await c.call('FLUSHALL');
    const r = await bench(['-q', '-n', '2000', '-c', '8', '-r', '100', '-d', '1024', '-3', '-t', 'set,lpush']);
    assertClean(r, ['SET', 'LPUSH']);
    const n = (await c.call('DBSIZE')) as number;
    assert.ok(n > 50 && n <= 101, `keys: ${n}`); // key:000000000000..099 plus mylist
    assert.equal(await c.call('STRLEN', 'key:000000000042'), 1024);
    const custom = await bench(['-q', '-n', '1000', '-c', '5', '-r', '10', 'HINCRBY', 'bench:h', 'f:__rand_int__', '1']);
    assert.equal(custom.status, 0, custom.stdout + custom.stderr);
    assert.doesNotMatch(custom.stdout + custom.stderr, /error/i);
    assert.match(resultLines(custom.stdout)[0], /^HINCRBY bench:h f:__rand_int__ 1: \d+(\.\d+)? requests per second/);
    const h = (await c.call('HGETALL', 'bench:h')) as string[];
    let sum = 0;
    for (let i = 1; i < h.length; i += 2) sum += Number(h[i]);
    assert.equal(sum, 1000);
  });

  test('--threads 2 with 20 clients', async () => {
    const r = await bench(['-q', '-n', '2000', '-c', '20', '--threads', '2', '-t', 'get,set']);
    assertClean(r, ['SET', 'GET']);
  });
});
