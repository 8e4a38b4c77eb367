/**
 * Compact sets (intset) and lists (quicklist of listpack nodes) against
 * redis-server 7.0: the same commands go to both servers, every reply must be
 * byte-identical (unordered replies of hashtable sets compared sorted), and
 * OBJECT ENCODING is checked after every step that can convert: growing and
 * shrinking across set-max-intset-entries, integer width upgrades, CONFIG SET
 * of the thresholds, the STORE commands, SPOP's rebuild, SMOVE, RESTORE and
 * DEBUG RELOAD. DUMP payloads of compact values are compared byte for byte,
 * and RDB files go both ways (redis-server's SAVE loaded by tredis, tredis's
 * SAVE loaded by redis-server) with DEBUG DIGEST-VALUE equal per key.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisAvailable, SKIP_NO_REDIS, startRedis, startTredis, tempDir, type ChildServer } from '../helpers/servers';
import { TestClient, type Reply } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const HAVE_REDIS = redisAvailable();
let tredis: TredisServer;
let redis: ChildServer;
let t: TestClient;
let r: TestClient;

before(async () => {
  if (!HAVE_REDIS) return;
  tredis = await startTredis({ enableDebugCommand: 'yes' });
  redis = await startRedis();
  t = await TestClient.connect(tredis.port);
  r = await TestClient.connect(redis.port);
});

after(async () => {
  t?.close();
  r?.close();
  await tredis?.close();
  await redis?.stop();
});

/** Same command on both: the raw replies must be identical; returns the reply. */
async function both(...argv: string[]): Promise<string> {
  const a = await r.callRaw(...argv);
  const b = await t.callRaw(...argv);
  assert.equal(JSON.stringify(b), JSON.stringify(a), argv.join(' '));
  return a;
}

/** Same command on both: equal as multisets (hashtable order is Redis's own). */
async function bothSorted(...argv: string[]): Promise<void> {
  const norm = (x: Reply): string => JSON.stringify(Array.isArray(x) ? x.map(String).sort() : x);
  assert.equal(norm(await t.call(...argv)), norm(await r.call(...argv)), argv.join(' '));
}

async function encodingIs(key: string, want: string): Promise<void> {
  assert.equal(await both('OBJECT', 'ENCODING', key), `$${want.length}\r\n${want}\r\n`, `encoding of ${key}`);
}

async function config(name: string, value: string): Promise<void> {
  await both('CONFIG', 'SET', name, value);
}

/** DEBUG DIGEST-VALUE of every key equal on both. */
async function sameDigests(keys: string[]): Promise<void> {
  await both('DEBUG', 'DIGEST-VALUE', ...keys);
}

describe('sets: intset and hashtable', { skip: HAVE_REDIS ? false : SKIP_NO_REDIS }, () => {
  test('grow and shrink across set-max-intset-entries, one-way conversion', async () => {
    await both('FLUSHALL');
    await config('set-max-intset-entries', '4');
    for (const m of ['3', '1', '2', '4']) {
      await both('SADD', 's', m);
      await encodingIs('s', 'intset');
    }
    await both('SMEMBERS', 's');
    await both('DUMP', 's');
    await both('SADD', 's', '5');
    await encodingIs('s', 'hashtable');
    await both('SREM', 's', '5', '4');
    await encodingIs('s', 'hashtable');
    await bothSorted('SMEMBERS', 's');
    // a variadic SADD converts once past the limit
    await both('SADD', 'v', '1', '2', '3', '4', '5', '6');
    await encodingIs('v', 'hashtable');
    // a non-integer member converts; removing it does not convert back
    await both('SADD', 'n', '10', '-20');
    await encodingIs('n', 'intset');
    for (const bad of ['01', '-0', '+1', ' 1', '1.0', '9223372036854775808', 'a']) {
      await both('SADD', 'x', '1');
      await encodingIs('x', 'intset');
      await both('SADD', 'x', bad);
      await encodingIs('x', 'hashtable');
      await both('DEL', 'x');
    }
    await both('SADD', 'n', 'abc');
    await encodingIs('n', 'hashtable');
    await both('SREM', 'n', 'abc');
    await encodingIs('n', 'hashtable');
    // raising the limit does not convert back; a new key uses it
    await config('set-max-intset-entries', '512');
    await encodingIs('s', 'hashtable');
    await both('SADD', 'big', ...Array.from({ length: 512 }, (_, i) => String(i * 7 - 1000)));
    await encodingIs('big', 'intset');
    await both('SMEMBERS', 'big');
    await both('DUMP', 'big');
    await both('SADD', 'big', '100000');
    await encodingIs('big', 'hashtable');
    // lowering the limit converts on the next add only
    await both('SADD', 'low', '1', '2', '3');
    await config('set-max-intset-entries', '2');
    await encodingIs('low', 'intset');
    await both('SADD', 'low', '2');
    await encodingIs('low', 'intset');
    await both('SADD', 'low', '9');
    await encodingIs('low', 'hashtable');
    await config('set-max-intset-entries', '512');
  });

  test('integer widths upgrade (16, 32, 64 bits), extremes, membership and DUMP bytes', async () => {
    await both('FLUSHALL');
    const steps = ['5', '-32768', '32767', '32768', '-2147483648', '2147483647', '2147483648', '-2147483649', '9223372036854775807', '-9223372036854775808', '4503599627370497', '-4503599627370497', '0'];
    for (const m of steps) {
      await both('SADD', 'w', m);
      await encodingIs('w', 'intset');
      await both('SMEMBERS', 'w');
      await both('DUMP', 'w');
      await both('SISMEMBER', 'w', m);
    }
    await both('SMISMEMBER', 'w', '5', '6', '9223372036854775807', '9223372036854775806', '-9223372036854775808', 'abc', '05', '');
    await both('SADD', 'up', '1', '2');
    await both('SADD', 'up', '-100000');
    await both('DUMP', 'up');
    await both('SADD', 'up2', '1', '2', '100000');
    await both('DUMP', 'up2');
    for (const m of ['-9223372036854775808', '2147483648', '1', '0', '7']) {
      await both('SREM', 'w', m);
      await both('SMEMBERS', 'w');
      await both('DUMP', 'w');
    }
    await both('SCARD', 'w');
    await both('SSCAN', 'w', '0');
    await both('SSCAN', 'w', '0', 'MATCH', '*7*');
    await both('SRANDMEMBER', 'w', '100');
    await both('SORT', 'w');
    await both('SORT', 'w', 'ALPHA', 'DESC', 'LIMIT', '1', '3');
    // deleting the last member deletes the key
    await both('SADD', 'one', '42');
    await both('SREM', 'one', '42');
    await both('EXISTS', 'one');
    // SPOP of everything
    await both('SADD', 'all', '1', '2', '3');
    await both('SPOP', 'all', '3');
    await both('EXISTS', 'all');
  });

  test('STORE results, SMOVE, SPOP rebuild, COPY, RESTORE and DEBUG RELOAD recompute encodings', async () => {
    await both('FLUSHALL');
    await config('set-max-intset-entries', '4');
    await both('SADD', 'a', '1', '2', '3', 'x');
    await both('SADD', 'b', '1', '2', '3', '4');
    await both('SADD', 'c', '5', '6');
    await encodingIs('a', 'hashtable');
    await both('SINTERSTORE', 'i', 'a', 'b');
    await encodingIs('i', 'intset');
    await both('SMEMBERS', 'i');
    await both('SUNIONSTORE', 'u', 'b', 'c');
    await encodingIs('u', 'hashtable');
    await both('SUNIONSTORE', 'u2', 'i', 'c');
    await encodingIs('u2', 'hashtable');
    await both('SDIFFSTORE', 'd', 'a', 'c');
    await encodingIs('d', 'hashtable');
    await both('SDIFFSTORE', 'd2', 'b', 'c');
    await encodingIs('d2', 'intset');
    await both('SMEMBERS', 'd2');
    await both('SINTERCARD', '2', 'a', 'b');
    await both('SINTER', 'b', 'd2');
    await bothSorted('SUNION', 'a', 'c');
    await bothSorted('SDIFF', 'a', 'b');
    // SMOVE creates the destination with the member's encoding
    await both('SMOVE', 'b', 'm1', '4');
    await encodingIs('m1', 'intset');
    await both('SMOVE', 'a', 'm2', 'x');
    await encodingIs('m2', 'hashtable');
    await both('SMOVE', 'd2', 'm1', '3');
    await encodingIs('m1', 'intset');
    await both('SMEMBERS', 'm1');
    // a hashtable of integers shrunk by SPOP <count> comes back as an intset (the survivors form a new set)
    const members = Array.from({ length: 40 }, (_, i) => String(i));
    await both('SADD', 'p', ...members);
    await encodingIs('p', 'hashtable');
    await t.call('SPOP', 'p', '38');
    await r.call('SPOP', 'p', '38');
    await encodingIs('p', 'intset');
    await both('SCARD', 'p');
    // COPY keeps the encoding
    await both('COPY', 'u', 'ucopy');
    await encodingIs('ucopy', 'hashtable');
    await both('COPY', 'i', 'icopy');
    await encodingIs('icopy', 'intset');
    // RESTORE: Redis's DUMP of an intset restores as an intset; a hashtable of few integers too
    await both('SREM', 'u', '5', '6');
    await encodingIs('u', 'hashtable');
    const dumpU = (await r.call('DUMP', 'u')) as string;
    const dumpI = (await r.call('DUMP', 'i')) as string;
    for (const c of [t, r]) {
      await c.call('RESTORE', 'ru', '0', dumpU);
      await c.call('RESTORE', 'ri', '0', dumpI);
    }
    await encodingIs('ru', 'intset');
    await encodingIs('ri', 'intset');
    await both('SMEMBERS', 'ru');
    // a restored intset over the limit becomes a hashtable
    await both('SADD', 'five', '1', '2', '3', '4');
    await config('set-max-intset-entries', '512');
    await both('SADD', 'five', '5');
    const dump5 = (await r.call('DUMP', 'five')) as string;
    await config('set-max-intset-entries', '4');
    for (const c of [t, r]) await c.call('RESTORE', 'r5', '0', dump5);
    await encodingIs('r5', 'hashtable');
    // DEBUG RELOAD recomputes: u (hashtable of 2 ints) comes back as an intset
    await both('DEBUG', 'RELOAD');
    for (const k of ['a', 'b', 'c', 'i', 'u', 'u2', 'd', 'd2', 'm1', 'm2', 'p', 'ru', 'ri', 'r5', 'five']) {
      const raw = await r.callRaw('OBJECT', 'ENCODING', k);
      assert.equal(await t.callRaw('OBJECT', 'ENCODING', k), raw, `encoding of ${k} after DEBUG RELOAD`);
    }
    await sameDigests(['a', 'b', 'c', 'i', 'u', 'u2', 'd', 'd2', 'm1', 'm2', 'ru', 'ri', 'r5', 'five']);
    await config('set-max-intset-entries', '512');
  });

  test('DUMP/RESTORE across servers keeps contents, WRONGTYPE and corrupt intset payloads rejected', async () => {
    await both('FLUSHALL');
    await both('SADD', 's', '1', '-70000', '9223372036854775807');
    await both('SADD', 'h', 'a', '1');
    for (const k of ['s', 'h']) {
      const fromRedis = (await r.call('DUMP', k)) as string;
      const fromTredis = (await t.call('DUMP', k)) as string;
      await t.call('RESTORE', k + ':r', '0', fromRedis);
      await r.call('RESTORE', k + ':t', '0', fromTredis);
      await r.call('RESTORE', k + ':r', '0', fromRedis);
      await t.call('RESTORE', k + ':t', '0', fromTredis);
    }
    await sameDigests(['s', 'h', 's:r', 's:t', 'h:r', 'h:t']);
    await encodingIs('s:t', 'intset');
    // an intset payload with its members out of order: both refuse it
    const good = Buffer.from((await r.call('DUMP', 's')) as string, 'latin1');
    const bad = Buffer.from(good);
    const at = bad.indexOf(Buffer.from([0x08, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00]));
    assert.ok(at > 0, 'intset header in the payload');
    bad[at + 8] ^= 0x7f; // first member bigger than the second: not sorted
    const badStr = bad.toString('latin1');
    const ra = await r.callRaw('RESTORE', 'bad', '0', badStr);
    const rb = await t.callRaw('RESTORE', 'bad', '0', badStr);
    assert.equal(rb, ra);
    await both('EXISTS', 'bad');
  });
});

describe('sets and lists: RDB files both ways', { skip: HAVE_REDIS ? false : SKIP_NO_REDIS }, () => {
  /** Fills a server with compact and big sets and lists (the same commands on both). */
  async function fill(c: TestClient): Promise<string[]> {
    const keys: string[] = [];
    const add = async (k: string, ...argv: string[]): Promise<void> => {
      await c.call(...argv);
      keys.push(k);
    };
    await add('is16', 'SADD', 'is16', '1', '2', '-3');
    await add('is32', 'SADD', 'is32', '1', '100000', '-3');
    await add('is64', 'SADD', 'is64', '1', '9223372036854775807', '-9223372036854775808');
    await add('hs', 'SADD', 'hs', 'a', 'b', '1');
    await add('hsint', 'SADD', 'hsint', ...Array.from({ length: 600 }, (_, i) => String(i)));
    await add('l1', 'RPUSH', 'l1', 'a', '1', '-5', '');
    await add('lint', 'RPUSH', 'lint', ...Array.from({ length: 300 }, (_, i) => String(i * 1000003 - 7)));
    await add('lbig', 'RPUSH', 'lbig', ...Array.from({ length: 2000 }, (_, i) => 'item:' + i + ':' + 'x'.repeat(i % 50)));
    await add('llarge', 'RPUSH', 'llarge', 'small', 'y'.repeat(9000), 'small2', 'z'.repeat(70000));
    return keys;
  }

  test('redis-server SAVE -> tredis loads: same digests and encodings; tredis SAVE -> redis-server loads', async () => {
    const red = await startRedis(['--list-compress-depth', '1']);
    const rc = await TestClient.connect(red.port);
    let tr: TredisServer | undefined;
    let tc: TestClient | undefined;
    let red2: ChildServer | undefined;
    let rc2: TestClient | undefined;
    try {
      const keys = await fill(rc);
      await rc.call('SAVE');
      const tdir = tempDir();
      copyFileSync(join(red.dir, 'dump.rdb'), join(tdir, 'dump.rdb'));
      tr = await startTredis({ dir: tdir, enableDebugCommand: 'yes', listCompressDepth: '1' });
      tc = await TestClient.connect(tr.port);
      for (const k of keys) {
        assert.equal(await tc.callRaw('DEBUG', 'DIGEST-VALUE', k), await rc.callRaw('DEBUG', 'DIGEST-VALUE', k), `digest of ${k} loaded by tredis`);
        assert.equal(await tc.callRaw('OBJECT', 'ENCODING', k), await rc.callRaw('OBJECT', 'ENCODING', k), `encoding of ${k} loaded by tredis`);
      }
      for (const k of ['is16', 'is32', 'is64', 'l1', 'lint']) {
        assert.equal(await tc.callRaw('DUMP', k), await rc.callRaw('DUMP', k), `DUMP of ${k}`);
      }
      assert.equal(await tc.callRaw('DEBUG', 'DIGEST'), await rc.callRaw('DEBUG', 'DIGEST'));
      // and back: tredis's SAVE loaded by a fresh redis-server
      await tc.call('SAVE');
      const rdir = tempDir('redis-test-');
      copyFileSync(join(tdir, 'dump.rdb'), join(rdir, 'dump.rdb'));
      red2 = await startRedis(['--list-compress-depth', '1'], { dir: rdir });
      rc2 = await TestClient.connect(red2.port);
      for (const k of keys) {
        assert.equal(await rc2.callRaw('DEBUG', 'DIGEST-VALUE', k), await rc.callRaw('DEBUG', 'DIGEST-VALUE', k), `digest of ${k} loaded back by redis-server`);
        assert.equal(await rc2.callRaw('OBJECT', 'ENCODING', k), await rc.callRaw('OBJECT', 'ENCODING', k), `encoding of ${k} loaded back by redis-server`);
      }
      // compact values keep their bytes (a hashtable's order is its own)
      for (const k of keys.filter((x) => x !== 'hs' && x !== 'hsint')) {
        assert.equal(await rc2.callRaw('DUMP', k), await rc.callRaw('DUMP', k), `DUMP of ${k} after the round trip`);
      }
    } finally {
      tc?.close();
      rc.close();
      rc2?.close();
      await tr?.close();
      await red.stop();
      await red2?.stop();
    }
  });
});
