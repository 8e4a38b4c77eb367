/**
 * RDB interop with Debian's redis-server 7.0: dump.rdb written by Redis
 * (every type and encoding, compressed or not, checksummed or not) loads
 * into tredis with the same DEBUG DIGEST, tredis's dump.rdb passes
 * redis-check-rdb and loads into Redis with the same digest, DUMP/RESTORE
 * payloads go both ways (byte-identical for the compact encodings), a
 * restarted tredis master keeps its replication id so a Redis replica
 * partially resyncs, and MISCONF / INFO persistence match Redis.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { freePort, redisAvailable, SKIP_NO_REDIS, startRedis, startTredisProcess, tempDir, waitFor, type ChildServer } from '../helpers/servers';
import { TestClient, ReplyError } from '../helpers/resp';
import { assertSameData, fingerprint, info, ok, populate, serverLog, shutdown, waitBgDone, waitExit } from '../integration/persistence-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;
const children: ChildServer[] = [];
const clients: TestClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  for (const s of children) await s.kill9();
});

async function redis(extra: string[] = [], dir?: string, port?: number): Promise<{ s: ChildServer; c: TestClient }> {
  const s = await startRedis(extra, { dir, port });
  children.push(s);
  const c = await TestClient.connect(s.port);
  clients.push(c);
  return { s, c };
}

async function tredis(extra: string[] = [], dir?: string, port?: number): Promise<{ s: ChildServer; c: TestClient }> {
  const s = await startTredisProcess(extra, { dir, port });
  children.push(s);
  const c = await TestClient.connect(s.port);
  clients.push(c);
  return { s, c };
}

describe('RDB files between redis-server and tredis', { skip }, () => {
  for (const variant of [[], ['--rdbcompression', 'no', '--rdbchecksum', 'no'], ['--list-max-listpack-size', '4', '--hash-max-listpack-entries', '4', '--set-max-intset-entries', '10']]) {
    test(`redis-server's dump.rdb loads into tredis (${variant.join(' ') || 'defaults'})`, async () => {
      const { s, c } = await redis(variant);
      await populate(c);
      const before = await fingerprint(c);
      assert.equal(await c.call('SAVE'), 'OK');
      const dir = tempDir();
      fs.copyFileSync(path.join(s.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
      const t = await tredis(variant, dir);
      assertSameData(before, await fingerprint(t.c));
      assert.match(serverLog(dir), /Loading RDB produced by version 7\.0\.15/);
    });
  }

  for (const how of ['SAVE', 'BGSAVE', 'SHUTDOWN']) {
    test(`tredis's dump.rdb (${how}) passes redis-check-rdb and loads into redis-server`, async () => {
      const { s, c } = await tredis(['--save', '3600 1']);
      await populate(c);
      const before = await fingerprint(c);
      if (how === 'SAVE') assert.equal(await c.call('SAVE'), 'OK');
      else if (how === 'BGSAVE') {
        assert.equal(await c.call('BGSAVE'), 'Background saving started');
        await waitBgDone(c);
      } else {
        assert.equal(await shutdown(c), 'closed');
        await waitExit(s);
      }
      const file = path.join(s.dir, 'dump.rdb');
      const check = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /RDB looks OK!/);
      const dir = tempDir();
      fs.copyFileSync(file, path.join(dir, 'dump.rdb'));
      const r = await redis([], dir);
      assertSameData(before, await fingerprint(r.c));
    });
  }
});

describe('DUMP / RESTORE between redis-server and tredis', { skip }, () => {
  test('payloads go both ways; compact encodings are byte-identical', async () => {
    const r = await redis();
    const t = await tredis();
    await populate(r.c);
    await populate(t.c);
    for (const db of [0, 1, 9]) {
      await ok(r.c, 'SELECT', db);
      await ok(t.c, 'SELECT', db);
      const keys = (await ok(r.c, 'KEYS', '*')) as string[];
      for (const k of keys) {
        const fromRedis = (await ok(r.c, 'DUMP', k)) as string;
        const fromTredis = (await ok(t.c, 'DUMP', k)) as string;
        const type = String(await r.c.call('TYPE', k));
        const enc = String(await r.c.call('OBJECT', 'ENCODING', k));
        // hash tables iterate in an implementation-defined order; everything else must match byte for byte
        if (enc !== 'hashtable') assert.equal(Buffer.from(fromTredis, 'latin1').toString('hex'), Buffer.from(fromRedis, 'latin1').toString('hex'), `${type} ${enc} ${k}`);
        assert.equal(await t.c.call('RESTORE', `r:${k}`, 0, Buffer.from(fromRedis, 'latin1')), 'OK');
        assert.equal(await r.c.call('RESTORE', `t:${k}`, 0, Buffer.from(fromTredis, 'latin1')), 'OK');
        const [dr] = (await ok(r.c, 'DEBUG', 'DIGEST-VALUE', `t:${k}`)) as string[];
        const [dt] = (await ok(t.c, 'DEBUG', 'DIGEST-VALUE', `r:${k}`)) as string[];
        const [orig] = (await ok(r.c, 'DEBUG', 'DIGEST-VALUE', k)) as string[];
        if (Number(await r.c.call('PTTL', k)) < 0) assert.equal(dr, orig, k);
        assert.equal(dt, dr, k);
        assert.equal(String(await t.c.call('OBJECT', 'ENCODING', `r:${k}`)), String(await r.c.call('OBJECT', 'ENCODING', `t:${k}`)), `encoding of ${k}`);
      }
    }
    // the same errors
    for (const args of [
      ['RESTORE', 'x', 0, 'garbage'],
      ['RESTORE', 'x', -5, 'garbage'],
      ['RESTORE', 'd9:str', 0, 'garbage'],
    ]) {
      const a = await r.c.call(...args);
      const b = await t.c.call(...args);
      assert.ok(a instanceof ReplyError && b instanceof ReplyError);
      assert.equal(b.message, a.message, args.join(' '));
    }
  });
});

describe('replication id across a restart, MISCONF and INFO like Redis', { skip }, () => {
  test('a tredis master restarted from its dump.rdb lets its Redis replica partially resync', async () => {
    const dir = tempDir();
    const port = await freePort();
    const m1 = await tredis(['--save', '3600 1'], dir, port);
    const rep = await redis(['--replicaof', '127.0.0.1', String(port)]);
    await ok(m1.c, 'SET', 'a', '1');
    await waitFor(async () => (await rep.c.call('GET', 'a')) === '1', 15000, 'replica sync');
    const replid = (await info(m1.c, 'replication')).get('master_replid');
    assert.equal(await shutdown(m1.c), 'closed');
    await waitExit(m1.s);
    const m2 = await tredis([], dir, port);
    const i2 = await info(m2.c, 'replication');
    assert.equal(i2.get('master_replid2'), replid);
    await waitFor(async () => (await info(m2.c, 'replication')).get('connected_slaves') === '1', 20000, 'replica reconnect');
    const st = await info(m2.c, 'stats');
    assert.equal(st.get('sync_partial_ok'), '1');
    assert.equal(st.get('sync_full'), '0');
    await ok(m2.c, 'SET', 'b', '2');
    await waitFor(async () => (await rep.c.call('GET', 'b')) === '2', 15000, 'stream after psync');
  });

  test('MISCONF after a failed BGSAVE, and INFO persistence fields, as Redis', async () => {
    const r = await redis(['--save', '3600 1']);
    const t = await tredis(['--save', '3600 1']);
    for (const n of [r, t]) {
      fs.mkdirSync(path.join(n.s.dir, 'dump.rdb'));
      await ok(n.c, 'SET', 'k', 'v');
      assert.equal(await n.c.call('BGSAVE'), 'Background saving started');
      await waitFor(async () => (await info(n.c)).get('rdb_last_bgsave_status') === 'err', 15000, 'bgsave error');
    }
    const a = await r.c.call('SET', 'k', 'v2');
    const b = await t.c.call('SET', 'k', 'v2');
    assert.ok(a instanceof ReplyError && b instanceof ReplyError);
    assert.equal(b.message, a.message);
    const ir = await info(r.c);
    const it = await info(t.c);
    assert.deepEqual([...it.keys()], [...ir.keys()]);
    for (const k of ['rdb_bgsave_in_progress', 'rdb_last_bgsave_status', 'aof_enabled', 'aof_last_bgrewrite_status', 'rdb_saves']) assert.equal(it.get(k), ir.get(k), k);
    // and with the AOF on, the extra aof_* fields
    await ok(r.c, 'CONFIG', 'SET', 'appendonly', 'yes');
    await ok(t.c, 'CONFIG', 'SET', 'appendonly', 'yes');
    await waitBgDone(r.c);
    await waitBgDone(t.c);
    assert.deepEqual([...(await info(t.c)).keys()], [...(await info(r.c)).keys()]);
  });
});
