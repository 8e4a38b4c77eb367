/**
 * Lua scripting inside tredis: what a script propagates (one MULTI/EXEC unit
 * of its effects, never the script), keyspace notifications and WATCH
 * invalidation from script writes, MONITOR showing the script's commands as
 * `lua`, EVAL inside MULTI, noscript commands refused, scripts on a read-only
 * replica, the AOF holding the effects, SCRIPT FLUSH, the VM's
 * 5.1 number semantics, ioredis's defineCommand, and busy scripts in the
 * Lua-written library functions (sort comparators, xpcall handlers) answered
 * -BUSY and stopped by SCRIPT KILL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { startTredis, tempDir, waitFor } from '../helpers/servers';
import { startRecording } from '../helpers/compare';
import { TestClient, ReplyError } from '../helpers/resp';

test('a script propagates its effects as one MULTI/EXEC unit, a single write alone, a read-only script nothing', async () => {
  const events: string[] = [];
  const propagated: string[][] = [];
  const { srv, c } = await startRecording({}, events, propagated);
  try {
    await c.call('EVAL', "redis.call('set', KEYS[1], '1') redis.call('incr', KEYS[1]) return 1", '1', 'k');
    assert.deepEqual(propagated, [['MULTI'], ['set', 'k', '1'], ['incr', 'k'], ['EXEC']]);
    propagated.length = 0;
    await c.call('EVAL', "return redis.call('set', 'one', 'x', 'EX', 100)", '0');
    assert.equal(propagated.length, 1);
    assert.deepEqual(propagated[0].slice(0, 3).map((a, i) => (i === 0 ? a.toLowerCase() : a)), ['set', 'one', 'x']);
    assert.equal(propagated[0][3], 'PXAT');
    propagated.length = 0;
    await c.call('EVAL', "return redis.call('get', 'k')", '0');
    await c.call('EVAL', "redis.set_repl(redis.REPL_NONE) return redis.call('set', 'quiet', '1')", '0');
    assert.deepEqual(propagated, []);
    assert.ok(events.includes('set:k') && events.includes('incrby:k'), `keyspace events: ${events}`);
  } finally {
    c.close();
    await srv.close();
  }
});

test('a script write breaks WATCH; MONITOR shows the script then its commands as lua', async () => {
  const srv = await startTredis();
  const a = await TestClient.connect(srv.port);
  const b = await TestClient.connect(srv.port);
  const mon = await TestClient.connect(srv.port);
  try {
    await a.call('WATCH', 'w');
    await b.call('EVAL', "return redis.call('set', 'w', 'changed')", '0');
    await a.call('MULTI');
    await a.call('GET', 'w');
    assert.equal(await a.call('EXEC'), null);
    await mon.call('MONITOR');
    await b.call('EVAL', "return redis.call('get', 'w')", '0');
    const raw = [await mon.nextPush(), await mon.nextPush()].map(String);
    assert.match(raw[0], /\[0 127\.0\.0\.1:\d+\] "EVAL" "return redis\.call\('get', 'w'\)" "0"/);
    assert.match(raw[1], /\[0 lua\] "get" "w"/);
  } finally {
    a.close();
    b.close();
    mon.close();
    await srv.close();
  }
});

test('EVAL inside MULTI; noscript commands (blocking ones too) refused', async () => {
  const srv = await startTredis();
  const c = await TestClient.connect(srv.port);
  try {
    await c.call('MULTI');
    await c.call('EVAL', "return redis.call('incr', 'm')", '0');
    await c.call('EVAL', "return redis.call('incr', 'm')", '0');
    assert.deepEqual(await c.call('EXEC'), [1, 2]);
    // Redis 7.0 flags every blocking list/zset command noscript, as WATCH
    for (const body of ["return redis.call('blpop', 'empty', 0)", "return redis.call('brpoplpush', 'empty', 'x', 0)", "return redis.call('watch', 'x')"]) {
      const e = await c.call('EVAL', body, '0');
      assert.ok(e instanceof ReplyError);
      assert.match(e.message, /^ERR This Redis command is not allowed from script script: [0-9a-f]{40}, on @user_script:1\.$/);
    }
  } finally {
    c.close();
    await srv.close();
  }
});

test('Lua 5.1 numbers: tostring(10/2) is 5, 2^53 in %.14g, 10/4 stored as 2.5, 3.99 replied as 3', async () => {
  const srv = await startTredis();
  const c = await TestClient.connect(srv.port);
  try {
    assert.equal(await c.call('EVAL', 'return tostring(10/2)', '0'), '5');
    assert.equal(await c.call('EVAL', 'return tostring(2^53)', '0'), '9.007199254741e+15');
    assert.equal(await c.call('EVAL', "redis.call('set', 'x', 10/4) return redis.call('get', 'x')", '0'), '2.5');
    assert.equal(await c.call('EVAL', "redis.call('set', 'x', 10/2) return redis.call('get', 'x')", '0'), '5');
    assert.equal(await c.callRaw('EVAL', 'return 3.99', '0'), ':3\r\n');
    assert.equal(await c.callRaw('EVAL', "return string.format('%d', 2^40)", '0'), '$13\r\n1099511627776\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('scripts on a read-only tredis replica: writes refused, reads and no-writes scripts run', async () => {
  const m = await startTredis();
  const r = await startTredis({ replicaof: `127.0.0.1 ${m.port}` });
  const c = await TestClient.connect(r.port);
  try {
    const w = await c.call('EVAL', "return redis.call('set', 'a', '1')", '0');
    assert.ok(w instanceof ReplyError);
    assert.match(w.message, /^READONLY You can't write against a read only replica\. script: [0-9a-f]{40}, on @user_script:1\.$/);
    const sb = await c.call('EVAL', "#!lua\nreturn redis.call('set', 'a', '1')", '0');
    assert.ok(sb instanceof ReplyError);
    assert.equal(sb.message, "READONLY You can't write against a read only replica.");
    assert.equal(await c.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'a')", '0'), null);
    assert.equal(await c.call('EVAL_RO', "return redis.call('exists', 'a')", '0'), 0);
  } finally {
    c.close();
    await r.close();
    await m.close();
  }
});

test('the AOF holds the script effects; they replay at start-up', async () => {
  const dir = tempDir();
  const srv = await startTredis({ dir, appendonly: 'yes' });
  const c = await TestClient.connect(srv.port);
  await c.call('EVAL', "redis.call('set', 'a', '1') redis.call('rpush', 'l', 'x', 'y') return 1", '0');
  c.close();
  await srv.close();
  const incr = fs.readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.endsWith('.incr.aof'));
  assert.ok(incr);
  const text = fs.readFileSync(path.join(dir, 'appendonlydir', incr), 'latin1');
  assert.match(text, /MULTI[\s\S]*set[\s\S]*rpush[\s\S]*EXEC/);
  assert.doesNotMatch(text, /EVAL/i);
  const again = await startTredis({ dir, appendonly: 'yes' });
  const c2 = await TestClient.connect(again.port);
  try {
    assert.equal(await c2.call('GET', 'a'), '1');
    assert.deepEqual(await c2.call('LRANGE', 'l', '0', '-1'), ['x', 'y']);
  } finally {
    c2.close();
    await again.close();
  }
});

test('SCRIPT FLUSH empties the cache and resets the Lua state; used_memory_lua is reported', async () => {
  const srv = await startTredis();
  const c = await TestClient.connect(srv.port);
  try {
    const sha = (await c.call('SCRIPT', 'LOAD', 'return 1')) as string;
    assert.deepEqual(await c.call('SCRIPT', 'EXISTS', sha), [1]);
    assert.equal(await c.call('SCRIPT', 'FLUSH'), 'OK');
    assert.deepEqual(await c.call('SCRIPT', 'EXISTS', sha), [0]);
    const e = await c.call('EVALSHA', sha, '0');
    assert.ok(e instanceof ReplyError && e.message === 'NOSCRIPT No matching script. Please use EVAL.');
  } finally {
    c.close();
    await srv.close();
  }
});

test('ioredis defineCommand runs scripts by EVALSHA (falling back to EVAL)', async () => {
  const srv = await startTredis();
  const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    r.defineCommand('incrCapped', {
      numberOfKeys: 1,
      lua: "local v = redis.call('incr', KEYS[1]) if v > tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end return v",
    });
    const rr = r as unknown as { incrCapped(key: string, cap: number): Promise<number> };
    assert.equal(await rr.incrCapped('cap', 2), 1);
    assert.equal(await rr.incrCapped('cap', 2), 2);
    assert.equal(await rr.incrCapped('cap', 2), 2);
    await r.script('FLUSH');
    assert.equal(await rr.incrCapped('cap', 5), 3);
    const res = await r.pipeline().eval("return {KEYS[1], ARGV[1], 7}", 1, 'k', 'v').exec();
    assert.deepEqual(res, [[null, ['k', 'v', 7]]]);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('function libraries survive an AOF rewrite with and without the RDB preamble, and replay at start-up', async () => {
  for (const preamble of ['yes', 'no']) {
    const dir = tempDir();
    const srv = await startTredis({ dir, appendonly: 'yes', aofUseRdbPreamble: preamble });
    const c = await TestClient.connect(srv.port);
    await c.call('FUNCTION', 'LOAD', "#!lua name=l\nredis.register_function('f', function() return 7 end)");
    await c.call('BGREWRITEAOF');
    await waitForRewrite(c);
    await c.call('FUNCTION', 'LOAD', "#!lua name=l2\nredis.register_function('g', function(keys) return redis.call('incr', keys[1]) end)");
    await c.call('FCALL', 'g', '1', 'n');
    c.close();
    await srv.close();
    const base = fs.readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.includes('.base.'));
    assert.ok(base);
    if (preamble === 'no') assert.match(fs.readFileSync(path.join(dir, 'appendonlydir', base), 'latin1'), /FUNCTION\r\n\$4\r\nLOAD/);
    const again = await startTredis({ dir, appendonly: 'yes', aofUseRdbPreamble: preamble });
    const c2 = await TestClient.connect(again.port);
    try {
      assert.equal(await c2.call('FCALL', 'f', '0'), 7);
      assert.equal(await c2.call('FCALL', 'g', '1', 'n'), 2);
    } finally {
      c2.close();
      await again.close();
    }
  }
});

async function waitForRewrite(c: TestClient): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = String(await c.call('INFO', 'persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('AOF rewrite did not finish');
}

test('redis.log writes into the server log at its level; a slow script is logged as Redis does', async () => {
  const srv = await startTredis();
  const lines: string[] = [];
  srv.server.logger.listeners.push((l) => lines.push(l));
  const c = await TestClient.connect(srv.port);
  try {
    await c.call('EVAL', "redis.log(redis.LOG_WARNING, 'hello', 'from', 'lua') redis.log(redis.LOG_DEBUG, 'not shown') return 1", '0');
    assert.ok(lines.some((l) => / # hello from lua\n$/.test(l)), lines.join(''));
    assert.ok(!lines.some((l) => l.includes('not shown')));
    await c.call('CONFIG', 'SET', 'busy-reply-threshold', '50');
    await c.call('EVAL', 'local i = 0 while i < 2e7 do i = i + 1 end return i', '0');
    assert.ok(
      lines.some((l) => /Slow script detected: still in execution after \d+ milliseconds\. You can try killing the script using the SCRIPT KILL command\. Script name is: [0-9a-f]{40}\./.test(l)),
      lines.join(''),
    );
  } finally {
    c.close();
    await srv.close();
  }
});

test('a script looping in a sort comparator or an xpcall handler: others get -BUSY, SCRIPT KILL stops it, the server goes on', async () => {
  // (redis-server cannot stop the handler loop: its kill error, raised in the handler, goes to the handler again)
  const srv = await startTredis({});
  const a = await TestClient.connect(srv.port);
  const b = await TestClient.connect(srv.port);
  try {
    await b.call('CONFIG', 'SET', 'busy-reply-threshold', '50');
    for (const script of [
      'local t = {} for i = 1, 50 do t[i] = 51 - i end table.sort(t, function(x, y) while true do end end)',
      // (the kill error raised in the handler goes to the handler again, as in Lua 5.1, until xpcall gives up; the
      // error is raised again from the script's next line)
      "xpcall(function() error('e') end, function(m) while true do end end)\nreturn 1",
      "local n = 0 xpcall(function() error('e') end, function(m) n = n + 1 if n < 5 then error('again') end while true do end end)\nreturn n",
      'table.foreach({a = 1}, function() while true do end end)',
    ]) {
      const p = a.callRaw('EVAL', script, '0');
      await waitFor(async () => (await b.callRaw('PING')).startsWith('-BUSY'), 20000, `-BUSY during ${script}`);
      assert.equal(await b.callRaw('SCRIPT', 'KILL'), '+OK\r\n');
      assert.match(await p, /^-ERR Script killed by user with SCRIPT KILL\.\.\./, script);
      assert.equal(await b.callRaw('PING'), '+PONG\r\n');
    }
    // a sort that only takes long finishes with its result; others were answered meanwhile
    const p = a.callRaw('EVAL', 'local t = {} for i = 1, 3000 do t[i] = (i * 7919) % 3001 end local n = 0 table.sort(t, function(x, y) for i = 1, 200 do n = n + 1 end return x < y end) return {t[1], t[2], t[3000]}', '0');
    await waitFor(async () => (await b.callRaw('PING')).startsWith('-BUSY'), 20000, '-BUSY during a long sort');
    assert.deepEqual(parseArray(await p), ['1', '2', '3000']);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

function parseArray(raw: string): string[] {
  return raw
    .split('\r\n')
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1));
}
