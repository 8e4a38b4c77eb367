/**
 * tredis-cli's --bigkeys, --memkeys, --latency, --latency-history and --stat
 * against redis-cli 7.0.15's, on the same servers (a redis-server and an
 * embedded tredis); and --help lists only options tredis-cli accepts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, startTredis, startRedis, redisAvailable, hasBinary, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { runTool } from '../helpers/tools';
import { TestClient } from '../helpers/resp';
import { parseOptions, usageText } from '../../src/cli/options';
import type { TredisServer } from '../../src/index';

const CLI = path.join(ROOT, 'bin', 'tredis-cli');
const skip = !(redisAvailable() && hasBinary('redis-cli')) && SKIP_NO_REDIS;
let tredis: TredisServer;
let redis: ChildServer | null = null;

async function fill(port: number): Promise<void> {
  const c = await TestClient.connect(port);
  try {
    await c.call('FLUSHALL');
    for (let i = 0; i < 40; i++) await c.call('SET', `str:${i}`, 'x'.repeat(i * 3));
    await c.call('SET', 'bin\x00\n"key', 'v');
    await c.call('RPUSH', 'list:a', 'a', 'b', 'c');
    await c.call('RPUSH', 'list:b', ...Array.from({ length: 200 }, (_, i) => `e${i}`));
    await c.call('SADD', 'set:a', 'x', 'y');
    await c.call('HSET', 'hash:a', 'f', 'v', 'g', 'w');
    await c.call('ZADD', 'zset:a', '1', 'a', '2', 'b');
  } finally {
    c.close();
  }
}

before(async () => {
  tredis = await startTredis();
  if (!skip) redis = await startRedis();
});
after(async () => {
  await tredis.close();
  if (redis) await redis.stop();
});

test('--bigkeys, --memkeys and --bigkeys --pattern print what redis-cli prints', { skip }, async () => {
  for (const port of [redis!.port, tredis.port]) {
    await fill(port);
    for (const mode of [['--bigkeys'], ['--memkeys'], ['--memkeys-samples', '2'], ['--bigkeys', '--pattern', 'str:1*'], ['--bigkeys', '-i', '0.01']]) {
      const args = ['-p', String(port), ...mode];
      const ref = await runTool('redis-cli', args);
      const got = await runTool(CLI, args);
      assert.equal(ref.status, 0);
      assert.equal(got.stdout, ref.stdout, `${mode.join(' ')} on ${port === tredis.port ? 'tredis' : 'redis'}`);
      assert.equal(got.stderr, ref.stderr);
      assert.equal(got.status, 0);
    }
  }
  const ref = await runTool('redis-cli', ['-p', String(redis!.port), '--bigkeys']);
  assert.match(ref.stdout, /Biggest   list found '"list:b"' has 200 items/);
  assert.match(ref.stdout, /Biggest string found '"str:39"' has 117 bytes/);
});

test('--latency without a terminal samples for the interval and prints one line, as redis-cli', { skip }, async () => {
  for (const [extra, re] of [
    [[], /^\d+ \d+ \d+\.\d\d \d+\n$/],
    [['--csv'], /^\d+,\d+,\d+\.\d\d,\d+\n$/],
    [['--json'], /^\{"min": \d+, "max": \d+, "avg": \d+\.\d\d, "count": \d+\}\n$/],
  ] as const) {
    const args = ['-p', String(tredis.port), '--latency', '-i', '0.3', ...extra];
    const ref = await runTool('redis-cli', args);
    const got = await runTool(CLI, args);
    assert.match(ref.stdout, re);
    assert.match(got.stdout, re, `tredis-cli ${args.join(' ')}`);
    assert.equal(got.status, 0);
    // sampled every 10 ms for 0.3 s
    assert.ok(Number(/(\d+)\D*$/.exec(got.stdout)![1]) >= 3, got.stdout);
  }
});

/** Run a never-ending mode until `done(stdout)` or the timeout, then stop it. */
function runUntil(args: string[], done: (out: string) => boolean, timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`timed out: ${out}`));
    }, timeoutMs);
    p.stdout.setEncoding('latin1');
    p.stdout.on('data', (d: string) => {
      out += d;
      if (done(out)) {
        clearTimeout(t);
        p.kill('SIGKILL');
        resolve(out);
      }
    });
  });
}

test("--stat prints redis-cli's header and columns once per interval", async () => {
  await fill(tredis.port);
  const out = await runUntil(['-p', String(tredis.port), '--stat', '-i', '0.2'], (o) => o.split('\n').length > 5);
  const lines = out.split('\n');
  // redis-cli 7.0.15's header (it buffers a pipe's output, so it is written here as seen on a terminal)
  assert.equal(lines[0], '------- data ------ --------------------- load -------------------- - child -');
  assert.equal(lines[1], 'keys       mem      clients blocked requests            connections          ');
  // printf("%-11s%-8s %-8s%-8s%-19s %-12s"): keys, mem, clients, blocked, "total (+delta)", connections
  const row = /^(\d+) *(\d+(?:\.\d\d[KMGTP]|B)) *(\d+) *(\d+) *(\d+) \(\+(\d+)\) *(\d+) *$/;
  const first = row.exec(lines[2]);
  assert.ok(first, lines[2]);
  assert.equal(first[1], '46');
  assert.equal(lines[2].indexOf(first[2], 11), 11);
  assert.equal(lines[2][19], ' ');
  assert.equal(first[6], '0', 'the first line has no delta');
  const second = row.exec(lines[3]);
  assert.ok(second, lines[3]);
  assert.equal(Number(second[5]) - Number(first[5]), Number(second[6]));
  assert.ok(Number(second[6]) >= 1, 'INFO itself counts');
});

test('--latency-history prints every sample and a "-- N seconds range" line per interval', async () => {
  const out = await runUntil(['-p', String(tredis.port), '--latency-history', '-i', '0.3', '--raw'], (o) => /seconds range\n/.test(o));
  const lines = out.trimEnd().split('\n');
  assert.match(lines[lines.length - 1], /^ -- 0\.[3-9]\d seconds range$|^ -- \d+\.\d\d seconds range$/);
  for (const l of lines.slice(0, -1)) assert.match(l, /^\d+ \d+ \d+\.\d\d \d+$/);
  assert.ok(lines.length >= 3);
});

test('every option --help lists is accepted; the ones it does not implement are not listed', () => {
  const help = usageText();
  const listed = [...help.matchAll(/^ {1,2}(-{1,2}[a-zA-Z0-9-]+)( <[^>]+>)?/gm)].map((m) => [m[1], m[2] !== undefined] as const);
  assert.ok(listed.length > 30);
  for (const [opt, hasValue] of listed) {
    const argv = hasValue ? [opt, opt === '-u' ? 'redis://127.0.0.1:6379' : '1', 'PING'] : [opt, 'PING'];
    const r = parseOptions(argv, { stdoutIsTTY: false }, {});
    if (r.kind === 'exit') {
      assert.ok(r.code === 0 || !/not supported|Unrecognized/.test(r.stderr ?? ''), `${opt}: ${r.stderr}`);
    }
  }
  for (const opt of ['--stat', '--latency', '--latency-history', '--bigkeys', '--memkeys', '--memkeys-samples', '--scan', '--pipe', '--eval']) {
    assert.ok(listed.some(([o]) => o === opt), `${opt} is listed`);
  }
  for (const opt of ['-c', '--rdb', '--replica', '--hotkeys', '--latency-dist', '--cluster', '--tls', '--ldb']) {
    assert.ok(!listed.some(([o]) => o === opt), `${opt} is not listed`);
    const r = parseOptions([opt, 'x', 'PING'], { stdoutIsTTY: false }, {});
    if (opt !== '-c') assert.ok(r.kind === 'exit' && r.code === 1, `${opt} is refused`);
  }
});
