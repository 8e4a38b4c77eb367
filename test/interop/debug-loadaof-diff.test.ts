/**
 * DEBUG LOADAOF, tredis against redis-server 7.0.15: the same reply, the
 * same log lines, the same dataset (DEBUG DIGEST) and AOF sizes after
 * reloading an RDB-preamble base plus an incr file holding every type, a
 * function library, TTLs and a transaction. Where Redis exits (an AOF that
 * cannot be loaded), tredis answers an error and keeps its dataset whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { redisAvailable, SKIP_NO_REDIS, startRedis, startTredisProcess, waitFor, type ChildServer } from '../helpers/servers';
import { TestClient, ReplyError } from '../helpers/resp';
import { ok, writeEveryType, liveWrites } from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

type Kind = 'redis' | 'tredis';

async function withServer<T>(kind: Kind, fn: (s: ChildServer, c: TestClient) => Promise<T>): Promise<T> {
  const args = ['--appendonly', 'yes', '--appendfsync', 'always'];
  const s = kind === 'redis' ? await startRedis(args) : await startTredisProcess(args);
  const c = await TestClient.connect(s.port);
  try {
    return await fn(s, c);
  } finally {
    c.close();
    await s.stop();
  }
}

/** The log lines from `from` on, without pid/time prefixes and machine-dependent figures. */
function logLinesAfter(log: string, from: number): string[] {
  return log
    .slice(from)
    .split('\n')
    .filter((l) => /^\d+:[MSCX] /.test(l))
    .map((l) =>
      l
        .replace(/^\d+:([MSCX]) \d+ \w+ \d+ [\d:.]+ /, '$1 ')
        .replace(/: \d+\.\d+ seconds/, ': <t> seconds')
        .replace(/RDB age \d+ seconds/, 'RDB age <n> seconds')
        .replace(/when created [\d.]+ Mb/, 'when created <n> Mb'),
    );
}

async function persistenceFields(c: TestClient): Promise<Record<string, string>> {
  const text = String(await c.call('INFO', 'persistence'));
  const out: Record<string, string> = {};
  const field = (f: string): number => Number((text.match(new RegExp(`${f}:(\\d+)`)) ?? [])[1]);
  // the base is an RDB whose AUX fields (used-mem) differ by machine: compare the incr part
  out.aof_incr_size = String(field('aof_current_size') - field('aof_base_size'));
  out.rdb_changes_since_last_save = String(field('rdb_changes_since_last_save'));
  return out;
}

async function scenario(kind: Kind): Promise<Record<string, unknown>> {
  return withServer(kind, async (s, c) => {
    await writeEveryType(c);
    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitFor(async () => /aof_rewrite_in_progress:0/.test(String(await c.call('INFO', 'persistence'))) && /aof_rewrite_scheduled:0/.test(String(await c.call('INFO', 'persistence'))), 10000, 'rewrite done');
    await liveWrites(c);
    await ok(c, 'FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
    const digest = await c.call('DEBUG', 'DIGEST');
    const before = await persistenceFields(c);
    // a key that only lives in memory (not in the AOF): the reload drops it
    await ok(c, 'CONFIG', 'SET', 'appendonly', 'no');
    await ok(c, 'SET', 'not-in-aof', '1');
    await ok(c, 'CONFIG', 'SET', 'appendonly', 'yes');
    await waitFor(async () => /aof_rewrite_in_progress:0/.test(String(await c.call('INFO', 'persistence'))), 10000, 'rewrite done');
    await ok(c, 'DEL', 'not-in-aof');
    await ok(c, 'SET', 'memory-only-gone', 'x');
    // the absolute expire time, not TTL: TTL's seconds depend on how long the scenario took (999 on a loaded machine)
    const expireAt = await c.call('PEXPIRETIME', 'ttl');
    const logFrom = s.log().length;
    const reply = await c.call('DEBUG', 'LOADAOF');
    const after = {
      reply,
      digestSame: (await c.call('DEBUG', 'DIGEST')) === digest,
      memoryOnly: await c.call('GET', 'memory-only-gone'),
      functions: await c.call('FUNCTION', 'LIST'),
      dbsize: await c.call('DBSIZE'),
      ttlKept: typeof expireAt === 'number' && expireAt > Date.now() && (await c.call('PEXPIRETIME', 'ttl')) === expireAt,
    };
    await waitFor(() => /Append Only File loaded by DEBUG LOADAOF/.test(s.log().slice(logFrom)), 5000, 'the log line');
    const fields = await persistenceFields(c);
    return { after, log: logLinesAfter(s.log(), logFrom), before, fields };
  });
}

test('DEBUG LOADAOF: same reply, log lines, dataset and AOF sizes as redis-server', { skip }, async () => {
  const r = await scenario('redis');
  const t = await scenario('tredis');
  assert.equal((r.after as { reply: unknown }).reply, 'OK');
  assert.equal((r.after as { ttlKept: unknown }).ttlKept, true, 'the TTL survives the reload');
  assert.deepEqual(t.after, r.after);
  assert.deepEqual(t.log, r.log);
  assert.equal((t.fields as Record<string, string>).rdb_changes_since_last_save, '0');
  assert.deepEqual(t.fields, r.fields);
});

test('DEBUG LOADAOF of an AOF that cannot load: redis-server exits, tredis answers an error and keeps its data', { skip }, async () => {
  for (const kind of ['redis', 'tredis'] as const) {
    await withServer(kind, async (s, c) => {
      await ok(c, 'SET', 'a', '1');
      await ok(c, 'RPUSH', 'l', 'x', 'y');
      await ok(c, 'SET', 'b', '2');
      const digest = await c.call('DEBUG', 'DIGEST');
      // a bad byte in the middle of the incr file: a format error, not a truncated tail
      const dir = path.join(s.dir, 'appendonlydir');
      const incr = fs.readdirSync(dir).find((f) => f.endsWith('.incr.aof'))!;
      const file = path.join(dir, incr);
      const bytes = fs.readFileSync(file);
      const at = bytes.indexOf('*4\r\n$5\r\nRPUSH');
      assert.ok(at > 0, 'the RPUSH in the incr file');
      bytes[at] = 0x21; // '!'
      fs.writeFileSync(file, bytes);
      const logFrom = s.log().length;
      if (kind === 'redis') {
        await c.call('DEBUG', 'LOADAOF').catch(() => undefined);
        await waitFor(() => s.proc.exitCode !== null, 10000, 'redis-server exit');
        assert.equal(s.proc.exitCode, 1);
        assert.match(s.log().slice(logFrom), /Bad file format reading the append only file/);
        return;
      }
      const r = await c.call('DEBUG', 'LOADAOF');
      assert.ok(r instanceof ReplyError);
      assert.equal(r.message, 'ERR Error trying to load the AOF files');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest, 'the dataset is unchanged');
      assert.deepEqual(await c.call('LRANGE', 'l', 0, -1), ['x', 'y']);
      const log = s.log().slice(logFrom);
      assert.match(log, /Bad file format reading the append only file/);
      assert.match(log, /DEBUG LOADAOF failed: the dataset was kept as it was/);
      // the server still writes its AOF
      await ok(c, 'SET', 'after', 'yes');
      assert.equal(await c.call('GET', 'after'), 'yes');
    });
  }
});
