/**
 * Persistence (RDB): restart keeps everything, corrupt files are refused
 * without being overwritten, BGSAVE writes the dataset as it was when it
 * started, SAVE/BGSAVE/LASTSAVE replies, save points, MISCONF after a
 * failed BGSAVE, FLUSHALL and DEBUG RELOAD, INFO persistence.
 * Real tredis-server processes for restarts, embedded servers otherwise.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startTredis, startTredisProcess, tempDir, waitFor, ROOT, type ChildServer } from '../helpers/servers';
import { TestClient, ReplyError } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import { Crc64, parseRdbBuffer } from '../../src/persistence/rdb/index';
import { assertSameData, trackServers, fingerprint, info, ok, pipeline, populate, serverLog, shutdown, waitBgDone, waitExit } from './persistence-helpers';

const { children, embedded, proc, connect } = trackServers();

async function embed(opts: Record<string, unknown> = {}): Promise<{ t: TredisServer; c: TestClient }> {
  const t = await startTredis({ enableDebugCommand: 'yes', ...opts });
  embedded.push(t);
  return { t, c: await connect(t.port) };
}

describe('RDB: restart keeps everything', () => {
  test('SHUTDOWN with save points saves; the restarted server has the same data', async () => {
    const dir = tempDir();
    const s1 = await proc(['--save', '3600 1'], dir);
    const c1 = await connect(s1.port);
    await populate(c1);
    const before = await fingerprint(c1);
    assert.equal(await shutdown(c1), 'closed');
    assert.equal(await waitExit(s1), 0);
    const log1 = serverLog(dir);
    assert.match(log1, /Saving the final RDB snapshot before exiting\./);
    assert.match(log1, /DB saved on disk/);
    const s2 = await proc([], dir);
    const c2 = await connect(s2.port);
    assertSameData(before, await fingerprint(c2));
    const log2 = serverLog(dir);
    assert.match(log2, /Loading RDB produced by version 7\.0\.15/);
    assert.match(log2, /RDB age \d+ seconds/);
    assert.match(log2, /RDB memory usage when created [\d.]+ Mb/);
    const total = Object.values(before.dbs).reduce((a, b) => a + b, 0);
    assert.match(log2, new RegExp(`Done loading RDB, keys loaded: ${total}, keys expired: 0\\.`));
    assert.match(log2, /DB loaded from disk: \d+\.\d{3} seconds/);
    const m = await info(c2);
    assert.equal(m.get('rdb_last_load_keys_loaded'), String(total));
    assert.equal(m.get('rdb_changes_since_last_save'), '0');
  });

  /**
   * Start the binary on `dir` and PING it from the moment it listens: the
   * replies seen until PONG, and the start-up log of that run.
   */
  async function pingWhileStarting(dir: string, port: number, extra: string[], then: () => Promise<void>): Promise<{ replies: string[]; log: string }> {
    const args = [path.join(ROOT, 'bin', 'tredis-server'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', path.join(dir, 'server.log'), ...extra];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    try {
      const replies: string[] = [];
      const deadline = Date.now() + 30000;
      while (Date.now() < deadline && replies[replies.length - 1] !== 'PONG') {
        try {
          const c = await TestClient.connect(port);
          try {
            for (let i = 0; i < 5000 && replies[replies.length - 1] !== 'PONG'; i++) {
              const r = await c.call('PING');
              replies.push(r instanceof ReplyError ? r.message : String(r));
            }
          } finally {
            c.close();
          }
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      if (replies[replies.length - 1] === 'PONG') await then();
      const log = serverLog(dir);
      return { replies, log: log.slice(log.lastIndexOf('Redis is starting')) };
    } finally {
      child.kill('SIGKILL');
    }
  }

  function assertLoadingSeen(replies: string[], log: string, loaded: RegExp): void {
    assert.equal(replies[replies.length - 1], 'PONG');
    assert.ok(replies.includes('LOADING Redis is loading the dataset in memory'), replies.slice(0, 5).join(' / '));
    const order = [/Running mode=standalone/, /Server initialized/, loaded, /Ready to accept connections/].map((re) => log.search(re));
    assert.ok(order.every((p, i) => p >= 0 && (i === 0 || p > order[i - 1])), `log order: ${order.join(' ')}`);
  }

  test('while the dump loads at start-up the server listens and answers -LOADING, as Redis', async () => {
    const dir = tempDir();
    const s1 = await proc([], dir);
    const c1 = await connect(s1.port);
    assert.equal(await c1.call('DEBUG', 'POPULATE', '100000', 'load', '20'), 'OK');
    assert.equal(await c1.call('SAVE'), 'OK');
    await s1.kill9();
    // a small events interval: many turns of the event loop while loading
    const { replies, log } = await pingWhileStarting(dir, s1.port, ['--loading-process-events-interval-bytes', '1024'], async () => {
      const c2 = await connect(s1.port);
      assert.equal(await c2.call('DBSIZE'), 100000);
    });
    assertLoadingSeen(replies, log, /DB loaded from disk/);
    assert.ok(log.search(/Server initialized/) < log.search(/Loading RDB produced by version/));
  });

  test('while the AOF replays at start-up the server answers -LOADING too', async () => {
    const dir = tempDir();
    const s1 = await proc(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'], dir);
    const c1 = await connect(s1.port);
    for (let b = 0; b < 10; b++) await pipeline(c1, Array.from({ length: 5000 }, (_, i) => ['SET', `aof:${b}:${i}`, 'v']));
    await s1.kill9();
    const { replies, log } = await pingWhileStarting(dir, s1.port, ['--appendonly', 'yes'], async () => {
      const c2 = await connect(s1.port);
      assert.equal(await c2.call('DBSIZE'), 50000);
    });
    assertLoadingSeen(replies, log, /DB loaded from append only file/);
  });

  test('SIGTERM saves when save points exist; SHUTDOWN NOSAVE does not', async () => {
    const dir = tempDir();
    const s1 = await proc(['--save', '900 1'], dir);
    const c1 = await connect(s1.port);
    await populate(c1, 'sig');
    const before = await fingerprint(c1);
    await s1.stop();
    assert.equal(s1.proc.exitCode, 0);
    assert.match(serverLog(dir), /Received SIGTERM scheduling shutdown/);
    const s2 = await proc(['--save', '900 1'], dir);
    const c2 = await connect(s2.port);
    assertSameData(before, await fingerprint(c2));
    await ok(c2, 'SET', 'added-after', '1');
    assert.equal(await shutdown(c2, 'NOSAVE'), 'closed');
    await waitExit(s2);
    const s3 = await proc([], dir);
    const c3 = await connect(s3.port);
    assert.equal(await c3.call('EXISTS', 'added-after'), 0);
    assertSameData(before, await fingerprint(c3));
  });

  test('expired keys are dropped when a master loads, counted as expired', async () => {
    const dir = tempDir();
    const s1 = await proc([], dir);
    const c1 = await connect(s1.port);
    await pipeline(c1, [
      // no active expiry: 'short' must still be there at the SAVE, however slow the machine
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'short', 'v', 'PX', 300],
      ['SET', 'long', 'v', 'EX', 3600],
      ['SET', 'plain', 'v'],
    ]);
    assert.equal(await c1.call('SAVE'), 'OK');
    await s1.kill9();
    await new Promise((r) => setTimeout(r, 400));
    const s2 = await proc([], dir);
    const c2 = await connect(s2.port);
    assert.match(serverLog(dir), /Done loading RDB, keys loaded: 2, keys expired: 1\./);
    assert.equal(await c2.call('DBSIZE'), 2);
    const m = await info(c2);
    assert.equal(m.get('rdb_last_load_keys_expired'), '1');
  });
});

describe('RDB: corrupt files are refused at start-up', () => {
  async function goodDump(): Promise<{ dir: string; bytes: Buffer }> {
    const dir = tempDir();
    const s = await proc([], dir);
    const c = await connect(s.port);
    await ok(c, 'DEBUG', 'POPULATE', 3000, 'key', 100);
    await populate(c);
    assert.equal(await c.call('SAVE'), 'OK');
    await s.kill9();
    return { dir, bytes: fs.readFileSync(path.join(dir, 'dump.rdb')) };
  }

  async function startFails(dir: string): Promise<string> {
    const err = await startTredisProcess([], { dir }).then(
      (s) => {
        children.push(s);
        return null;
      },
      (e: Error) => e,
    );
    assert.ok(err !== null, 'the server must refuse to start');
    assert.match(err.message, /server exited with 1/);
    // only this run's lines (earlier runs logged to the same file)
    const log = serverLog(dir);
    return log.slice(log.lastIndexOf('Redis is starting'));
  }

  test('truncated file: short read, exit 1, file untouched', async () => {
    const { dir, bytes } = await goodDump();
    const file = path.join(dir, 'dump.rdb');
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
    fs.writeFileSync(file, cut);
    const log = await startFails(dir);
    assert.match(log, /Short read or OOM loading DB\. Unrecoverable error, aborting now\./);
    assert.match(log, /Internal error in RDB reading offset \d+ -> Unexpected EOF reading RDB file/);
    assert.doesNotMatch(log, /Ready to accept connections/);
    assert.deepEqual(fs.readFileSync(file), cut);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('temp-')), []);
  });

  test('wrong checksum: refused with both checksums, file untouched', async () => {
    const { dir, bytes } = await goodDump();
    const file = path.join(dir, 'dump.rdb');
    const bad = Buffer.from(bytes);
    bad[bad.length - 1] ^= 0xff;
    fs.writeFileSync(file, bad);
    const log = await startFails(dir);
    assert.match(log, /Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\./);
    assert.match(log, /RDB CRC error/);
    assert.deepEqual(fs.readFileSync(file), bad);
  });

  test('corrupt content and bad signature: refused with the offset', async () => {
    const { dir, bytes } = await goodDump();
    const file = path.join(dir, 'dump.rdb');
    // an unknown type byte right after the first SELECTDB/RESIZEDB
    const bad = Buffer.from(bytes);
    const sel = bad.indexOf(0xfe);
    const resize = bad.indexOf(0xfb, sel);
    let p = resize + 1;
    for (let i = 0; i < 2; i++) {
      const t = bad[p] >> 6;
      p += t === 0 ? 1 : t === 1 ? 2 : bad[p] === 0x80 ? 5 : 9;
    }
    bad[p] = 0x63;
    fs.writeFileSync(file, bad);
    const log = await startFails(dir);
    assert.match(log, new RegExp(`Internal error in RDB reading offset ${p} -> Unknown RDB type or opcode 99`));
    assert.match(log, /Terminating server after rdb file reading failure\./);
    assert.deepEqual(fs.readFileSync(file), bad);

    const sig = Buffer.from(bytes);
    sig.write('XEDIS', 0, 'latin1');
    fs.writeFileSync(file, sig);
    const log2 = await startFails(dir);
    assert.match(log2, /Wrong signature trying to load DB from file/);
    assert.match(log2, /Fatal error loading the DB: Invalid argument\. Exiting\./);
    assert.deepEqual(fs.readFileSync(file), sig);
  });
});

describe('BGSAVE', () => {
  test('the file holds the dataset as it was when BGSAVE started', async () => {
    const dir = tempDir();
    const s = await proc([], dir);
    const c = await connect(s.port);
    const N = 200000;
    await ok(c, 'DEBUG', 'POPULATE', N, 'key', 32);
    const orig = (await ok(c, 'MGET', ...Array.from({ length: 2000 }, (_, i) => `key:${i}`))) as string[];
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    // everything below happens while the snapshot walks the keyspace
    const writes: Array<Array<string | number>> = [];
    for (let i = 0; i < 1000; i++) writes.push(['SET', `key:${i}`, `new-${i}`]);
    for (let i = 1000; i < 2000; i++) writes.push(['DEL', `key:${i}`]);
    for (let i = 0; i < 1000; i++) writes.push(['SET', `fresh:${i}`, 'x']);
    const replies = await pipeline(c, [...writes, ['INFO', 'persistence']]);
    const during = String(replies[replies.length - 1]);
    assert.match(during, /rdb_bgsave_in_progress:1/, 'the writes must overlap the save');
    // a FLUSHDB makes the snapshot finish its walk first
    await pipeline(c, [['FLUSHDB'], ['SET', 'after-flush', '1']]);
    const m = await waitBgDone(c);
    assert.equal(m.get('rdb_last_bgsave_status'), 'ok');
    const parsed = parseRdbBuffer(fs.readFileSync(path.join(dir, 'dump.rdb')));
    assert.equal(parsed.keys.length, N);
    const byKey = new Map(parsed.keys.map((k) => [k.key, k.value]));
    for (let i = 0; i < 2000; i++) assert.deepEqual(byKey.get(`key:${i}`), { type: 'string', value: orig[i] }, `key:${i}`);
    assert.equal(byKey.has('fresh:0'), false);
    assert.equal(byKey.has('after-flush'), false);
    const log = serverLog(dir);
    assert.match(log, /\d+:M .* \* Background saving started by pid \d+/);
    assert.match(log, /\d+:C .* \* DB saved on disk/);
    assert.match(log, /\d+:M .* \* Background saving terminated with success/);
    assert.ok(Number(m.get('rdb_changes_since_last_save')) > 3000, 'changes made during the save remain');
  });

  test('replies: already in progress, SCHEDULE while an AOF rewrite runs, LASTSAVE', async () => {
    const { c } = await embed();
    await ok(c, 'DEBUG', 'POPULATE', 300000, 'k', 16);
    const last0 = Number(await c.call('LASTSAVE'));
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    const again = await c.call('BGSAVE');
    assert.ok(again instanceof ReplyError);
    assert.equal(again.message, 'ERR Background save already in progress');
    const save = await c.call('SAVE');
    assert.ok(save instanceof ReplyError);
    assert.equal(save.message, 'ERR Background save already in progress');
    assert.equal((await info(c)).get('rdb_bgsave_in_progress'), '1');
    await waitBgDone(c);
    assert.ok(Number(await c.call('LASTSAVE')) >= last0);

    assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    const busy = await c.call('BGSAVE');
    assert.ok(busy instanceof ReplyError);
    assert.equal(busy.message, "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    assert.equal(await c.call('BGSAVE', 'SCHEDULE'), 'Background saving scheduled');
    const dup = await c.call('BGREWRITEAOF');
    assert.ok(dup instanceof ReplyError);
    assert.equal(dup.message, 'ERR Background append only file rewriting already in progress');
    const saves = Number((await info(c)).get('rdb_saves'));
    await waitFor(async () => Number((await info(c)).get('rdb_saves')) === saves + 1, 20000, 'scheduled BGSAVE');
    await waitBgDone(c);
    const bad = await c.call('BGSAVE', 'NOW');
    assert.ok(bad instanceof ReplyError);
    assert.equal(bad.message, 'ERR syntax error');
    // inside MULTI, BGSAVE is only scheduled
    await ok(c, 'MULTI');
    await ok(c, 'BGSAVE');
    assert.deepEqual(await c.call('EXEC'), ['Background saving scheduled']);
    await waitBgDone(c);
  });

  test('save points trigger a BGSAVE from the cron', async () => {
    const { t, c } = await embed({ save: '1 2' });
    await pipeline(c, [
      ['SET', 'a', 1],
      ['SET', 'b', 2],
      ['SET', 'c', 3],
    ]);
    const lines: string[] = [];
    t.server.logger.listeners.push((l) => lines.push(l));
    await waitFor(() => lines.some((l) => l.includes('Background saving terminated with success')), 10000, 'save point BGSAVE');
    assert.ok(lines.some((l) => /\* 2 changes in 1 seconds\. Saving\.\.\./.test(l)));
    assert.ok(fs.existsSync(path.join(t.dir, 'dump.rdb')));
    assert.equal((await info(c)).get('rdb_changes_since_last_save'), '0');
  });
});

describe('MISCONF, FLUSHALL, DEBUG RELOAD, INFO', () => {
  test('a failed BGSAVE stops writes with Redis MISCONF error until fixed', async () => {
    const { t, c } = await embed({ save: '3600 1' });
    // a directory where dump.rdb should go makes the final rename fail
    fs.mkdirSync(path.join(t.dir, 'dump.rdb'));
    await ok(c, 'SET', 'k', 'v');
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    await waitFor(async () => (await info(c)).get('rdb_last_bgsave_status') === 'err', 10000, 'bgsave error');
    const r = await c.call('SET', 'k', 'v2');
    assert.ok(r instanceof ReplyError);
    assert.equal(
      r.message,
      "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
    );
    assert.equal(await c.call('GET', 'k'), 'v', 'reads still work');
    const ping = await c.call('PING');
    assert.ok(ping instanceof ReplyError && ping.message.startsWith('MISCONF '), 'PING is refused too, as Redis');
    const save = await c.call('SAVE');
    assert.ok(save instanceof ReplyError);
    assert.equal(save.message, 'ERR');
    await ok(c, 'CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    assert.equal(await c.call('SET', 'k', 'v3'), 'OK');
    await ok(c, 'CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    assert.ok((await c.call('SET', 'k', 'v4')) instanceof ReplyError);
    fs.rmdirSync(path.join(t.dir, 'dump.rdb'));
    assert.equal(await c.call('SAVE'), 'OK');
    assert.equal(await c.call('SET', 'k', 'v5'), 'OK');
    assert.equal(await c.call('PING'), 'PONG');
  });

  test('FLUSHALL rewrites the dump when save points exist', async () => {
    const { t, c } = await embed({ save: '3600 1' });
    await populate(c);
    assert.equal(await c.call('SAVE'), 'OK');
    const file = path.join(t.dir, 'dump.rdb');
    assert.ok(parseRdbBuffer(fs.readFileSync(file)).keys.length > 0);
    await ok(c, 'FLUSHALL');
    assert.equal(parseRdbBuffer(fs.readFileSync(file)).keys.length, 0);
  });

  test('FLUSHALL and the unsaved-changes count: as redis-server 7.0.15, and always propagated', async () => {
    // figures read off redis-server 7.0.15: MSET a b c, FLUSHALL, FLUSHALL
    for (const [save, want] of [
      ['3600 1', ['3', '0', '0']],
      ['', ['3', '6', '6']],
    ] as const) {
      const { t, c } = await embed({ save });
      const propagated: string[] = [];
      t.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv.join(' ')) });
      const changes = async (): Promise<string> => (await info(c)).get('rdb_changes_since_last_save') as string;
      await ok(c, 'MSET', 'a', '1', 'b', '2', 'c', '3');
      const got = [await changes()];
      await ok(c, 'FLUSHALL');
      got.push(await changes());
      await ok(c, 'FLUSHALL');
      got.push(await changes());
      assert.deepEqual(got, want, `save '${save}'`);
      // every FLUSHALL reaches the AOF and replicas, even when it zeroed the count or flushed nothing
      assert.deepEqual(propagated, ['MSET a 1 b 2 c 3', 'FLUSHALL', 'FLUSHALL']);
    }
  });

  test('DEBUG RELOAD saves and loads back the same dataset', async () => {
    const { t, c } = await embed();
    await populate(c);
    const before = await fingerprint(c);
    assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK');
    assertSameData(before, await fingerprint(c));
    assert.ok(fs.existsSync(path.join(t.dir, 'dump.rdb')));
    fs.unlinkSync(path.join(t.dir, 'dump.rdb'));
    const r = await c.call('DEBUG', 'RELOAD', 'NOSAVE');
    assert.ok(r instanceof ReplyError);
    assert.equal(r.message, 'ERR Error trying to load the RDB dump');
    // the failed load leaves the dataset as it was (Redis 7.0.15 would have emptied it first)
    assertSameData(before, await fingerprint(c));
  });

  test('DEBUG RELOAD of a truncated or corrupt dump never serves half a dataset', async () => {
    const { t, c } = await embed();
    await populate(c);
    const before = await fingerprint(c);
    assert.equal(await c.call('SAVE'), 'OK');
    const file = path.join(t.dir, 'dump.rdb');
    const whole = fs.readFileSync(file);
    for (const cut of [whole.length - 1, Math.floor(whole.length / 2), 20]) {
      fs.writeFileSync(file, whole.subarray(0, cut));
      const r = await c.call('DEBUG', 'RELOAD', 'NOSAVE');
      assert.ok(r instanceof ReplyError, `cut at ${cut}`);
      assert.equal(r.message, 'ERR Error trying to load the RDB dump');
      assertSameData(before, await fingerprint(c));
    }
    // NOFLUSH adds the dump's keys to what is there
    fs.writeFileSync(file, whole);
    assert.equal(await c.call('FLUSHALL'), 'OK');
    assert.equal(await c.call('SET', 'only-here', '1'), 'OK');
    assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'), 'OK');
    assert.equal(await c.call('GET', 'only-here'), '1');
    assert.equal(await c.call('DEL', 'only-here'), 1);
    assertSameData(before, await fingerprint(c));
  });

  test('INFO persistence has Redis 7.0 fields in order', async () => {
    const { c } = await embed();
    const m = await info(c);
    assert.deepEqual(
      [...m.keys()],
      [
        'loading',
        'async_loading',
        'current_cow_peak',
        'current_cow_size',
        'current_cow_size_age',
        'current_fork_perc',
        'current_save_keys_processed',
        'current_save_keys_total',
        'rdb_changes_since_last_save',
        'rdb_bgsave_in_progress',
        'rdb_last_save_time',
        'rdb_last_bgsave_status',
        'rdb_last_bgsave_time_sec',
        'rdb_current_bgsave_time_sec',
        'rdb_saves',
        'rdb_last_cow_size',
        'rdb_last_load_keys_expired',
        'rdb_last_load_keys_loaded',
        'aof_enabled',
        'aof_rewrite_in_progress',
        'aof_rewrite_scheduled',
        'aof_last_rewrite_time_sec',
        'aof_current_rewrite_time_sec',
        'aof_last_bgrewrite_status',
        'aof_rewrites',
        'aof_rewrites_consecutive_failures',
        'aof_last_write_status',
        'aof_last_cow_size',
        'module_fork_in_progress',
        'module_fork_last_cow_size',
      ],
    );
    assert.equal(m.get('rdb_last_bgsave_time_sec'), '-1');
    assert.equal(m.get('current_fork_perc'), '0.00');
  });
});

describe('DUMP / RESTORE', () => {
  test('round trip of every type, digests equal', async () => {
    const { c } = await embed();
    await populate(c);
    const keys = (await ok(c, 'KEYS', '*')) as string[];
    assert.ok(keys.length > 20);
    for (const k of keys) {
      const payload = await ok(c, 'DUMP', k);
      assert.equal(typeof payload, 'string');
      assert.equal(await c.call('RESTORE', `copy:${k}`, 0, Buffer.from(payload as string, 'latin1')), 'OK');
      const [a, b] = (await ok(c, 'DEBUG', 'DIGEST-VALUE', k, `copy:${k}`)) as string[];
      // the original may have a TTL (part of the digest); compare through a TTL-less copy
      const [ta] = (await pipeline(c, [['PTTL', k]])) as number[];
      if (ta < 0) assert.equal(b, a, k);
      assert.equal(await c.call('TYPE', `copy:${k}`), await c.call('TYPE', k));
    }
    assert.equal(await c.call('DUMP', 'nope'), null);
  });

  test('errors and options as Redis', async () => {
    const { t, c } = await embed();
    await ok(c, 'SET', 'src', 'value');
    const payload = Buffer.from((await ok(c, 'DUMP', 'src')) as string, 'latin1');
    const err = async (p: Promise<unknown>, msg: string) => {
      const r = await p;
      assert.ok(r instanceof ReplyError, `expected ${msg}, got ${String(r)}`);
      assert.equal(r.message, msg);
    };
    await err(c.call('RESTORE', 'src', 0, payload), 'BUSYKEY Target key name already exists.');
    await err(c.call('RESTORE', 'x', -1, payload), 'ERR Invalid TTL value, must be >= 0');
    await err(c.call('RESTORE', 'x', 'abc', payload), 'ERR value is not an integer or out of range');
    const badCrc = Buffer.from(payload);
    badCrc[badCrc.length - 1] ^= 1;
    await err(c.call('RESTORE', 'x', 0, badCrc), 'ERR DUMP payload version or checksum are wrong');
    await err(c.call('RESTORE', 'x', 0, 'short'), 'ERR DUMP payload version or checksum are wrong');
    // valid footer, garbage body
    const body = Buffer.from([0x63, 1, 2, 3, 10, 0]);
    const crc = Buffer.alloc(8);
    new Crc64().update(body, 0, body.length).writeLE(crc, 0);
    await err(c.call('RESTORE', 'x', 0, Buffer.concat([body, crc])), 'ERR Bad data format');
    await err(c.call('RESTORE', 'x', 0, payload, 'FOO'), 'ERR syntax error');
    await err(c.call('RESTORE', 'x', 0, payload, 'IDLETIME', -1), 'ERR Invalid IDLETIME value, must be >= 0');
    await err(c.call('RESTORE', 'x', 0, payload, 'FREQ', 256), 'ERR Invalid FREQ value, must be >= 0 and <= 255');
    await err(c.call('RESTORE', 'x', 0, payload, 'IDLETIME', 1, 'FREQ', 1), 'ERR syntax error');
    await err(c.call('RESTORE', 'x'), "ERR wrong number of arguments for 'restore' command");

    // REPLACE, IDLETIME
    await ok(c, 'SET', 'dst', 'old');
    assert.equal(await c.call('RESTORE', 'dst', 0, payload, 'REPLACE', 'IDLETIME', 1000), 'OK');
    assert.ok(Number(await c.call('OBJECT', 'IDLETIME', 'dst')) >= 1000);
    assert.equal(await c.call('GET', 'dst'), 'value');

    // a relative TTL is propagated as an absolute one with ABSTTL
    const seen: string[][] = [];
    t.server.propagation.listeners.push({ feed: (_db, argv) => seen.push(argv) });
    const t0 = Date.now();
    assert.equal(await c.call('RESTORE', 'ttl', 5000, payload), 'OK');
    const t1 = Date.now();
    // the absolute expire time, bounded by the clock around the call (PTTL would depend on how fast the next call runs)
    const at = Number(await c.call('PEXPIRETIME', 'ttl'));
    assert.ok(at >= t0 + 5000 && at <= t1 + 5000, `${at} in [${t0 + 5000}, ${t1 + 5000}]`);
    const prop = seen.find((a) => a[0].toLowerCase() === 'restore');
    assert.ok(prop);
    assert.equal(prop.length, 5);
    assert.equal(prop[4], 'ABSTTL');
    assert.equal(Number(prop[2]), at, 'propagated with the key\'s own expire time');
    // ABSTTL in the past: nothing created; with REPLACE the old key is deleted (propagated as DEL)
    assert.equal(await c.call('RESTORE', 'gone', 1000, payload, 'ABSTTL'), 'OK');
    assert.equal(await c.call('EXISTS', 'gone'), 0);
    seen.length = 0;
    assert.equal(await c.call('RESTORE', 'dst', 1000, payload, 'ABSTTL', 'REPLACE'), 'OK');
    assert.equal(await c.call('EXISTS', 'dst'), 0);
    assert.deepEqual(seen, [['DEL', 'dst']]);
  });
});
