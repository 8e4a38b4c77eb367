/**
 * The multi-part AOF: restart after kill -9 keeps everything (rewrites and
 * MULTI/EXEC included), appendfsync always loses no acknowledged write,
 * CONFIG SET appendonly yes writes a base first, the manifest and file
 * names are Redis 7.0's, aof-use-rdb-preamble no, aof-load-truncated,
 * automatic rewrites, bad manifests and the old single-file layout.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTredis, startTredisProcess, tempDir, waitFor, type ChildServer } from '../helpers/servers';
import { TestClient, ReplyError } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import { assertSameData, trackServers, fingerprint, info, listDir, ok, pipeline, populate, serverLog, waitBgDone } from './persistence-helpers';

const { children, embedded, proc, connect } = trackServers();

function lastRun(dir: string): string {
  const log = serverLog(dir);
  return log.slice(log.lastIndexOf('Redis is starting'));
}

const AOF = ['--appendonly', 'yes'];

describe('AOF: restart keeps everything', () => {
  test('kill -9 with appendfsync always, across a rewrite and transactions', async () => {
    const dir = tempDir();
    const s1 = await proc([...AOF, '--appendfsync', 'always'], dir);
    const c1 = await connect(s1.port);
    assert.match(lastRun(dir), /Creating AOF base file appendonly\.aof\.1\.base\.rdb on server start/);
    assert.match(lastRun(dir), /Creating AOF incr file appendonly\.aof\.1\.incr\.aof on server start/);
    await populate(c1, 'a');
    assert.equal(await c1.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    // writes while the base is being written go to the new incr file
    await populate(c1, 'b');
    await ok(c1, 'MULTI');
    await ok(c1, 'INCR', 'counter');
    await ok(c1, 'LPUSH', 'd0a:list-small', 'pushed');
    await ok(c1, 'DEL', 'd0a:str');
    await ok(c1, 'SELECT', 1);
    await ok(c1, 'HSET', 'in-db1', 'f', 'v');
    await ok(c1, 'EXPIRE', 'd1b:str', 5000);
    assert.equal((await ok(c1, 'EXEC')) instanceof Array, true);
    await ok(c1, 'SELECT', 0);
    await waitBgDone(c1);
    await pipeline(c1, [
      ['INCRBYFLOAT', 'float', '1.5'],
      ['SPOP', 'd0b:set-small-str'],
      ['SET', 'ex', 'v', 'EX', 1000],
      ['ZINCRBY', 'd0b:zset-small', 3, 'one'],
      ['FLUSHDB'],
      ['SET', 'after-flush', 'yes'],
    ]);
    await ok(c1, 'SELECT', 9);
    await ok(c1, 'SET', 'last', 'write');
    const before = await fingerprint(c1);
    const dirFiles = listDir(path.join(dir, 'appendonlydir'));
    assert.deepEqual(dirFiles, ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    assert.equal(
      fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'),
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
    );
    await s1.kill9();
    const s2 = await proc(AOF, dir);
    const c2 = await connect(s2.port);
    assertSameData(before, await fingerprint(c2));
    const log = lastRun(dir);
    assert.match(log, /Reading RDB base file on AOF loading\.\.\./);
    assert.match(log, /RDB is base AOF/);
    assert.match(log, /DB loaded from base file appendonly\.aof\.2\.base\.rdb: \d+\.\d{3} seconds/);
    assert.match(log, /DB loaded from incr file appendonly\.aof\.2\.incr\.aof: \d+\.\d{3} seconds/);
    assert.match(log, /DB loaded from append only file: \d+\.\d{3} seconds/);
    assert.match(log, /Opening AOF incr file appendonly\.aof\.2\.incr\.aof on server start/);
    const m = await info(c2);
    assert.equal(m.get('aof_enabled'), '1');
    assert.ok(Number(m.get('aof_current_size')) > Number(m.get('aof_base_size')));
    // commands loaded from the AOF are not counted as executed
    const stats = String(await c2.call('INFO', 'commandstats'));
    assert.doesNotMatch(stats, /cmdstat_hset/);
  });

  test('kill -9 under write load with appendfsync always loses no acknowledged write', async () => {
    const dir = tempDir();
    const s1 = await proc([...AOF, '--appendfsync', 'always'], dir);
    const acked: number[] = [0, 0, 0, 0];
    let stop = false;
    const workers = acked.map(async (_, w) => {
      const c = await connect(s1.port);
      for (let i = 1; !stop; i++) {
        try {
          const r = await c.call('SET', `w${w}:${i}`, `v${i}`);
          if (r !== 'OK') break;
          acked[w] = i;
          if (i % 3 === 0) {
            const r2 = await c.call('RPUSH', `list${w}`, i);
            if (typeof r2 !== 'number') break;
          }
        } catch {
          break; // connection dropped by the kill
        }
      }
    });
    // killed mid-stream once every worker got a fair share of writes acknowledged (a count, not a time: a loaded machine writes slower)
    await waitFor(() => acked.every((n) => n > 100), 60000, 'writes acknowledged to every worker');
    await s1.kill9();
    stop = true;
    await Promise.all(workers);
    assert.ok(acked.every((n) => n > 100), `too few writes: ${acked.join(',')}`);
    const s2 = await proc(AOF, dir);
    const c2 = await connect(s2.port);
    for (let w = 0; w < acked.length; w++) {
      const keys = Array.from({ length: acked[w] }, (_, i) => `w${w}:${i + 1}`);
      const vals = (await ok(c2, 'MGET', ...keys)) as Array<string | null>;
      vals.forEach((v, i) => assert.equal(v, `v${i + 1}`, `w${w}:${i + 1} was acknowledged`));
      assert.ok(Number(await c2.call('LLEN', `list${w}`)) >= Math.floor(acked[w] / 3) - 1);
    }
  });
});

describe('AOF: enabling, layout, options', () => {
  test('CONFIG SET appendonly yes writes a base first, then appends', async () => {
    const t = await startTredis({ enableDebugCommand: 'yes' });
    embedded.push(t);
    const c = await connect(t.port);
    await populate(c);
    const lines: string[] = [];
    t.server.logger.listeners.push((l) => lines.push(l));
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    assert.equal((await info(c)).get('aof_enabled'), '1');
    await ok(c, 'SET', 'during-or-after', '1');
    await waitBgDone(c);
    await ok(c, 'SET', 'after', '2');
    const dir = path.join(t.dir, 'appendonlydir');
    assert.deepEqual(listDir(dir), ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
    assert.equal(fs.readFileSync(path.join(dir, 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const text = lines.join('');
    assert.match(text, /Creating AOF incr file temp-appendonly\.aof\.incr on background rewrite/);
    assert.match(text, /Background append only file rewriting started by pid/);
    assert.match(text, /Successfully renamed the temporary AOF base file temp-rewriteaof-bg-\d+\.aof into appendonly\.aof\.1\.base\.rdb/);
    assert.match(text, /Successfully renamed the temporary AOF incr file temp-appendonly\.aof\.incr into appendonly\.aof\.1\.incr\.aof/);
    assert.match(text, /Background AOF rewrite finished successfully/);
    const incr = fs.readFileSync(path.join(dir, 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.ok(incr.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n'), JSON.stringify(incr.slice(0, 40)));
    assert.ok(incr.includes('$5\r\nafter\r\n'));
    // turning it off stops appending
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    await ok(c, 'SET', 'not-logged', '1');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!fs.readFileSync(path.join(dir, 'appendonly.aof.1.incr.aof'), 'latin1').includes('not-logged'));
    assert.equal((await info(c)).get('aof_enabled'), '0');
  });

  test('aof-use-rdb-preamble no: a command base file, loaded back', async () => {
    const dir = tempDir();
    const s1 = await proc([...AOF, '--aof-use-rdb-preamble', 'no', '--aof-timestamp-enabled', 'yes'], dir);
    const c1 = await connect(s1.port);
    await populate(c1);
    assert.equal(await c1.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitBgDone(c1);
    await ok(c1, 'SET', 'tail', '1');
    const before = await fingerprint(c1);
    const aofDir = path.join(dir, 'appendonlydir');
    assert.deepEqual(listDir(aofDir), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    const base = fs.readFileSync(path.join(aofDir, 'appendonly.aof.2.base.aof'), 'latin1');
    assert.match(base, /^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n/);
    assert.ok(base.includes('$9\r\nPEXPIREAT\r\n'));
    assert.ok(base.includes('$5\r\nHMSET\r\n'));
    await s1.kill9();
    const s2 = await proc(AOF, dir);
    const c2 = await connect(s2.port);
    assertSameData(before, await fingerprint(c2));
  });

  test('aof-load-truncated: a cut last command is dropped with a warning, or refused', async () => {
    const dir = tempDir();
    const s1 = await proc(AOF, dir);
    const c1 = await connect(s1.port);
    await pipeline(c1, [
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SET', 'c', 'a-long-value-to-cut'],
    ]);
    await new Promise((r) => setTimeout(r, 50));
    await s1.kill9();
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const full = fs.readFileSync(incr);
    fs.writeFileSync(incr, full.subarray(0, full.length - 8));
    const err = await startTredisProcess([...AOF, '--aof-load-truncated', 'no'], { dir }).then(
      (s) => (children.push(s), null),
      (e: Error) => e,
    );
    assert.ok(err, 'must refuse');
    assert.match(lastRun(dir), /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\. You can: 1\) Make a backup/);
    // redis-server exit(1)s right after that message: no further line of ours
    assert.match(lastRun(dir), /and restart the server\.\n$/);
    assert.equal(fs.statSync(incr).size, full.length - 8, 'the file is not touched');
    const s2 = await proc(AOF, dir);
    const c2 = await connect(s2.port);
    const log = lastRun(dir);
    assert.match(log, /!!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!/);
    assert.match(log, /!!! Truncating the AOF appendonly\.aof\.1\.incr\.aof at offset \d+ !!!/);
    assert.match(log, /AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled/);
    assert.deepEqual(await c2.call('MGET', 'a', 'b', 'c'), ['1', '2', null]);
    // the file was cut at the last complete command, and appending goes on from there
    await ok(c2, 'SET', 'c', 'again');
    await s2.kill9();
    const s3 = await proc(AOF, dir);
    const c3 = await connect(s3.port);
    assert.deepEqual(await c3.call('MGET', 'a', 'b', 'c'), ['1', '2', 'again']);
  });

  test('a bad manifest stops the start-up', async () => {
    const dir = tempDir();
    const aofDir = path.join(dir, 'appendonlydir');
    fs.mkdirSync(aofDir);
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type x\n');
    const err = await startTredisProcess(AOF, { dir }).then(
      (s) => (children.push(s), null),
      (e: Error) => e,
    );
    assert.ok(err);
    const log = lastRun(dir);
    assert.match(log, /\*\*\* FATAL AOF MANIFEST FILE ERROR \*\*\*/);
    assert.match(log, /Reading the manifest file, at line 2/);
    assert.match(log, />>> 'file appendonly\.aof\.1\.incr\.aof seq 1 type x'/);
    assert.match(log, /Unknown AOF file type/);
  });

  test('an old-style appendonly.aof is moved into the AOF directory', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nstyle\r\n');
    const s = await proc(AOF, dir);
    const c = await connect(s.port);
    assert.equal(await c.call('GET', 'old'), 'style');
    assert.match(lastRun(dir), /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./);
    assert.equal(fs.existsSync(path.join(dir, 'appendonly.aof')), false);
    assert.equal(
      fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'),
      'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
  });

  test('automatic rewrite on growth; BGREWRITEAOF with AOF off writes a base only', async () => {
    const t = await startTredis({ appendonly: 'yes', autoAofRewriteMinSize: '1kb', autoAofRewritePercentage: 100 });
    embedded.push(t);
    const c = await connect(t.port);
    const lines: string[] = [];
    t.server.logger.listeners.push((l) => lines.push(l));
    const cmds: Array<Array<string | number>> = [];
    for (let i = 0; i < 200; i++) cmds.push(['SET', `k${i}`, 'x'.repeat(20)]);
    await pipeline(c, cmds);
    await waitFor(() => lines.some((l) => /Starting automatic rewriting of AOF on \d+% growth/.test(l)), 10000, 'automatic rewrite');
    await waitBgDone(c);
    assert.equal((await info(c)).get('aof_rewrites'), '1');

    const t2 = await startTredis({});
    embedded.push(t2);
    const c2 = await connect(t2.port);
    await ok(c2, 'SET', 'k', 'v');
    assert.equal(await c2.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitBgDone(c2);
    const dir = path.join(t2.dir, 'appendonlydir');
    assert.deepEqual(listDir(dir), ['appendonly.aof.1.base.rdb', 'appendonly.aof.manifest']);
    assert.equal(fs.readFileSync(path.join(dir, 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof.1.base.rdb seq 1 type b\n');
    const r = await c2.call('BGREWRITEAOF');
    assert.ok(!(r instanceof ReplyError));
    await waitBgDone(c2);
  });
});

describe('AOF: one write per event-loop turn', () => {
  test('a pipeline of writes is one write(2), done before any of its replies leave', async () => {
    const t = await startTredis({ appendonly: 'yes', appendfsync: 'no' });
    embedded.push(t);
    const c = await connect(t.port);
    await ok(c, 'SET', 'warm', 'up');
    const aofDir = path.join(t.server.config.settings.dir, 'appendonlydir');
    const incr = (): string => {
      const f = listDir(aofDir).find((n) => n.endsWith('.incr.aof'))!;
      return fs.readFileSync(path.join(aofDir, f), 'latin1');
    };
    // count the AOF's write(2) calls while a pipeline of 16 writes is served
    // the CommonJS module object (the ESM namespace's bindings are read-only): what aof.ts calls through
    const fsm = require('node:fs') as { writeSync: typeof fs.writeSync };
    const real = fsm.writeSync;
    let writes = 0;
    let contentAtFirstReply: string | null = null;
    fsm.writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
      const data = args[1];
      if (Buffer.isBuffer(data) && data.includes('\r\nSET\r\n')) writes++;
      return (real as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync;
    try {
      const cmds: Array<Array<string | number>> = [];
      for (let i = 0; i < 16; i++) cmds.push(['SET', `k${i}`, `v${i}`]);
      const first = c.call('SET', 'first', 'x').then((r) => {
        contentAtFirstReply = incr();
        return r;
      });
      const rest = pipeline(c, cmds);
      await first;
      await rest;
    } finally {
      fsm.writeSync = real;
    }
    assert.ok(writes >= 1 && writes <= 2, `AOF write(2) calls for 17 pipelined writes: ${writes}`);
    // the reply to the first write left after its command was in the file
    assert.match(contentAtFirstReply!, /\$5\r\nfirst\r\n/);
    assert.match(incr(), /\$3\r\nk15\r\n\$3\r\nv15\r\n/);
  });
});
