/**
 * Multi-part AOF interop with Debian's redis-server 7.0: an appendonlydir
 * written by Redis (RDB or command base, rewrites, transactions, timestamp
 * annotations) loads into tredis with the same DEBUG DIGEST; one written by
 * tredis passes redis-check-aof and loads into Redis with the same digest.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { redisAvailable, SKIP_NO_REDIS, startRedis, startTredisProcess, tempDir, type ChildServer } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { assertSameData, fingerprint, ok, pipeline, populate, waitBgDone } from '../integration/persistence-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;
const children: ChildServer[] = [];
const clients: TestClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  for (const s of children) await s.kill9();
});

type Starter = (extra: string[], opts: { dir?: string }) => Promise<ChildServer>;

async function start(starter: Starter, extra: string[], dir?: string): Promise<{ s: ChildServer; c: TestClient }> {
  const s = await starter(extra, { dir });
  children.push(s);
  const c = await TestClient.connect(s.port);
  clients.push(c);
  return { s, c };
}

/** Writes covering base + incr: a populate, a rewrite, more writes, a transaction, a FLUSHDB. */
async function workload(c: TestClient): Promise<void> {
  await populate(c, 'a');
  assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
  await waitBgDone(c);
  await populate(c, 'b');
  await ok(c, 'MULTI');
  await ok(c, 'INCR', 'counter');
  await ok(c, 'SELECT', 9);
  await ok(c, 'DEL', 'd9a:list-big');
  await ok(c, 'SADD', 'added', 'x', 'y');
  await ok(c, 'EXEC');
  await ok(c, 'SELECT', 1);
  await pipeline(c, [['FLUSHDB'], ['SET', 'db1-after-flush', 'v'], ['PEXPIRE', 'db1-after-flush', 3_600_000], ['SELECT', 0]]);
}

const redisStarter: Starter = (extra, opts) => startRedis(extra, opts);
const tredisStarter: Starter = (extra, opts) => startTredisProcess(extra, opts);

describe('appendonlydir between redis-server and tredis', { skip }, () => {
  for (const variant of [[], ['--aof-use-rdb-preamble', 'no', '--aof-timestamp-enabled', 'yes']]) {
    const label = variant.join(' ') || 'defaults';
    test(`redis-server's AOF loads into tredis (${label})`, async () => {
      const r = await start(redisStarter, ['--appendonly', 'yes', ...variant]);
      await workload(r.c);
      const before = await fingerprint(r.c);
      await r.s.kill9();
      const dir = tempDir();
      fs.cpSync(path.join(r.s.dir, 'appendonlydir'), path.join(dir, 'appendonlydir'), { recursive: true });
      const t = await start(tredisStarter, ['--appendonly', 'yes'], dir);
      assertSameData(before, await fingerprint(t.c));
    });

    test(`tredis's AOF passes redis-check-aof and loads into redis-server (${label})`, async () => {
      const t = await start(tredisStarter, ['--appendonly', 'yes', ...variant]);
      await workload(t.c);
      const before = await fingerprint(t.c);
      await t.s.kill9();
      const aofDir = path.join(t.s.dir, 'appendonlydir');
      const check = spawnSync('redis-check-aof', [path.join(aofDir, 'appendonly.aof.manifest')], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /All AOF files and manifest are valid/);
      const dir = tempDir();
      fs.cpSync(aofDir, path.join(dir, 'appendonlydir'), { recursive: true });
      const r = await start(redisStarter, ['--appendonly', 'yes'], dir);
      assertSameData(before, await fingerprint(r.c));
    });
  }

  test('the same files and manifest as Redis for the same history', async () => {
    const names: string[][] = [];
    const manifests: string[] = [];
    for (const starter of [redisStarter, tredisStarter]) {
      const n = await start(starter, ['--appendonly', 'yes']);
      await ok(n.c, 'SET', 'k', 'v');
      await ok(n.c, 'BGREWRITEAOF');
      await waitBgDone(n.c);
      await ok(n.c, 'CONFIG', 'SET', 'appendonly', 'no');
      await ok(n.c, 'CONFIG', 'SET', 'appendonly', 'yes');
      await waitBgDone(n.c);
      await ok(n.c, 'SET', 'k2', 'v2');
      const d = path.join(n.s.dir, 'appendonlydir');
      names.push(fs.readdirSync(d).sort());
      manifests.push(fs.readFileSync(path.join(d, 'appendonly.aof.manifest'), 'latin1'));
      // the incr file holds the same bytes
      const incr = fs.readdirSync(d).find((f) => f.endsWith('.incr.aof'));
      assert.ok(incr);
      manifests.push(fs.readFileSync(path.join(d, incr), 'latin1'));
    }
    assert.deepEqual(names[1], names[0]);
    assert.deepEqual(manifests.slice(2), manifests.slice(0, 2));
  });
});
