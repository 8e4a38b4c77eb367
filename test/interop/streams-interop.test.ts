/**
 * Streams between tredis and redis-server 7.0: RDB files both ways
 * (RDB_TYPE_STREAM_LISTPACKS_2 written, loaded by Redis; Redis's loaded by
 * tredis), DUMP/RESTORE payloads both ways, and replication both ways with
 * consumer groups in use (full sync, live writes, partial resync). Streams
 * must come out equal: DEBUG DIGEST, every entry, XINFO STREAM FULL (groups,
 * PELs, consumers; clock readings masked where the replica legitimately
 * stamps its own time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTredis, startRedis, startTredisProcess, redisAvailable, SKIP_NO_REDIS, tempDir, type ChildServer } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import { RStream, encodeIdBytes } from '../../src/keyspace/types/stream';
import { Crc64 } from '../../src/persistence/rdb/crc64';
import { tredisNode, childNode, waitInSync, digest, killMasterLink, type Node } from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;
const KEYS = ['st:big', 'st:groups', 'st:empty', 'st:trimmed', 'st:live'];

/** Streams exercising node splits, tombstones, groups, PELs, NOACK, claims, XSETID and an empty stream with a group. */
async function streamWorkload(c: TestClient): Promise<void> {
  const big: Array<Promise<unknown>> = [];
  for (let i = 1; i <= 700; i++) {
    const fv = i % 50 === 0 ? ['other', 'x'.repeat(i % 300), 'n', String(i)] : ['user', String(i * 7), 'action', i % 3 ? 'click' : 'view'];
    big.push(c.call('XADD', 'st:big', `${1000 + i}-${i % 4}`, ...fv));
  }
  await Promise.all(big);
  await c.call('XDEL', 'st:big', '1010-2', '1011-3', '1500-0');
  await c.call('XADD', 'st:big', '18446744073709551615-5', 'max', 'id');
  for (let i = 1; i <= 30; i++) await c.call('XADD', 'st:groups', `${i}-0`, 'f', String(i), ...(i % 5 ? [] : ['g', 'extra']));
  await c.call('XGROUP', 'CREATE', 'st:groups', 'g1', '0');
  await c.call('XGROUP', 'CREATE', 'st:groups', 'g2', '$', 'ENTRIESREAD', '30');
  await c.call('XGROUP', 'CREATE', 'st:groups', 'a-group', '10-0');
  await c.call('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '8', 'STREAMS', 'st:groups', '>');
  await c.call('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '5', 'STREAMS', 'st:groups', '>');
  await c.call('XREADGROUP', 'GROUP', 'g1', 'carol', 'NOACK', 'COUNT', '3', 'STREAMS', 'st:groups', '>');
  await c.call('XREADGROUP', 'GROUP', 'a-group', 'zed', 'STREAMS', 'st:groups', '>');
  await c.call('XACK', 'st:groups', 'g1', '2-0', '3-0', '9-0');
  await c.call('XCLAIM', 'st:groups', 'g1', 'dave', '0', '4-0', '5-0', 'RETRYCOUNT', '3');
  await c.call('XAUTOCLAIM', 'st:groups', 'a-group', 'yan', '0', '20-0', 'COUNT', '4');
  await c.call('XGROUP', 'CREATECONSUMER', 'st:groups', 'g2', 'idle-one');
  await c.call('XDEL', 'st:groups', '6-0', '12-0');
  await c.call('XGROUP', 'CREATE', 'st:empty', 'g', '$', 'MKSTREAM');
  await c.call('XSETID', 'st:empty', '77-7', 'ENTRIESADDED', '12', 'MAXDELETEDID', '70-0');
  for (let i = 1; i <= 300; i++) await c.call('XADD', 'st:trimmed', 'MAXLEN', '~', '120', `${i}-1`, 'v', String(i));
  await c.call('XTRIM', 'st:trimmed', 'MINID', '150');
}

/** Writes to replay live on a master with groups in use. */
async function liveStreamWrites(c: TestClient): Promise<void> {
  await c.call('XGROUP', 'CREATE', 'st:live', 'g', '$', 'MKSTREAM');
  for (let i = 0; i < 60; i++) {
    await c.call('XADD', 'st:live', i % 7 === 0 ? 'MAXLEN' : '*', ...(i % 7 === 0 ? ['~', '20', '*'] : []), 'i', String(i));
    if (i % 4 === 0) await c.call('XREADGROUP', 'GROUP', 'g', `c${i % 3}`, 'COUNT', '2', 'STREAMS', 'st:live', '>');
    if (i % 9 === 0) await c.call('XREADGROUP', 'GROUP', 'g', 'nack', 'NOACK', 'COUNT', '1', 'STREAMS', 'st:live', '>');
  }
  const pend = (await c.call('XPENDING', 'st:live', 'g', '-', '+', '100')) as string[][];
  if (pend.length > 2) await c.call('XACK', 'st:live', 'g', pend[0][0], pend[1][0]);
  await c.call('XAUTOCLAIM', 'st:live', 'g', 'claimer', '0', '0', 'COUNT', '3');
  if (pend.length > 4) await c.call('XCLAIM', 'st:live', 'g', 'other', '0', pend[4][0], 'JUSTID');
  await c.call('XGROUP', 'SETID', 'st:live', 'g', '0');
  await c.call('XGROUP', 'DELCONSUMER', 'st:live', 'g', 'c1');
  await c.call('XREADGROUP', 'GROUP', 'g1', 'erin', 'STREAMS', 'st:groups', '>');
  await c.call('XDEL', 'st:groups', '20-0');
  await c.call('XAUTOCLAIM', 'st:groups', 'g1', 'fred', '0', '0');
  await c.call('XTRIM', 'st:big', 'MAXLEN', '~', '300');
  await c.call('XSETID', 'st:empty', '80-0');
}

const maskTimes = (s: string): string => s.replace(/:\d{12,14}\r\n/g, ':T\r\n');
/**
 * A Redis 7.0 replica does not advance a group's entries-read from the
 * XCLAIM ... LASTID its master propagates for XREADGROUP (only XGROUP SETID
 * carries it), so entries-read and lag legitimately differ from the master's.
 */
const maskGroupCounters = (s: string): string => s.replace(/(entries-read\r\n)(:-?\d+|\$-1|_)\r\n(\$3\r\nlag\r\n)(:-?\d+|\$-1|_)\r\n/g, '$1R$3L');

/** Every stream's entries, XINFO STREAM FULL and groups, as raw bytes. */
async function streamState(c: TestClient, mask: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const k of KEYS) {
    let s = k + (await c.callRaw('TYPE', k));
    if (s.endsWith('+stream\r\n')) {
      s += await c.callRaw('XRANGE', k, '-', '+');
      s += await c.callRaw('XINFO', 'STREAM', k, 'FULL', 'COUNT', '0');
      s += await c.callRaw('DEBUG', 'DIGEST-VALUE', k);
    }
    out.push(mask ? maskTimes(s) : s);
  }
  return out;
}

async function sameStreams(a: TestClient, b: TestClient, mask: boolean, what: string, counters = false): Promise<void> {
  let [sa, sb] = [await streamState(a, mask), await streamState(b, mask)];
  if (counters) [sa, sb] = [sa.map(maskGroupCounters), sb.map(maskGroupCounters)];
  for (let i = 0; i < sa.length; i++) {
    if (sa[i] === sb[i]) continue;
    let j = 0;
    while (sa[i][j] === sb[i][j]) j++;
    assert.fail(`${KEYS[i]} differs (${what}) at byte ${j}:\n  want ${JSON.stringify(sa[i].slice(Math.max(0, j - 150), j + 100))}\n  got  ${JSON.stringify(sb[i].slice(Math.max(0, j - 150), j + 100))}`);
  }
  assert.equal(await b.call('DEBUG', 'DIGEST'), await a.call('DEBUG', 'DIGEST'), `DEBUG DIGEST: ${what}`);
}

test('RDB: redis-server 7.0 loads a tredis dump with streams; tredis loads redis-server\'s dump', { skip, timeout: 60000 }, async () => {
  const dir = tempDir('streams-rdb-');
  let t: TredisServer | undefined;
  let r: ChildServer | undefined;
  let t2: ChildServer | undefined;
  const cs: TestClient[] = [];
  try {
    t = await startTredis({ dir, enableDebugCommand: 'yes' });
    const tc = await TestClient.connect(t.port);
    cs.push(tc);
    await streamWorkload(tc);
    assert.equal(await tc.call('SAVE'), 'OK');
    const want = await streamState(tc, false);
    r = await startRedis([], { dir });
    const rc = await TestClient.connect(r.port);
    cs.push(rc);
    const got = await streamState(rc, false);
    for (let i = 0; i < want.length; i++) assert.equal(JSON.stringify(got[i]), JSON.stringify(want[i]), `redis loaded ${KEYS[i]} differently`);
    assert.equal(await rc.call('DEBUG', 'DIGEST'), await tc.call('DEBUG', 'DIGEST'));
    // and back: redis-server writes its own dump, a tredis process loads it
    await rc.call('XADD', 'st:big', '18446744073709551615-6', 'from', 'redis');
    assert.equal(await rc.call('SAVE'), 'OK');
    const dir2 = tempDir('streams-rdb2-');
    fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(dir2, 'dump.rdb'));
    t2 = await startTredisProcess([], { dir: dir2 });
    const t2c = await TestClient.connect(t2.port);
    cs.push(t2c);
    await sameStreams(rc, t2c, false, 'tredis loading redis-server\'s dump');
  } finally {
    for (const c of cs) c.close();
    await t?.close();
    await r?.stop();
    await t2?.stop();
  }
});

test('DUMP / RESTORE of streams between tredis and redis-server, both ways', { skip, timeout: 60000 }, async () => {
  let t: TredisServer | undefined;
  let r: ChildServer | undefined;
  const cs: TestClient[] = [];
  try {
    t = await startTredis({ enableDebugCommand: 'yes' });
    r = await startRedis();
    const tc = await TestClient.connect(t.port);
    const rc = await TestClient.connect(r.port);
    cs.push(tc, rc);
    await streamWorkload(tc);
    for (const k of KEYS.slice(0, 4)) {
      const payload = (await tc.call('DUMP', k)) as string;
      assert.equal(await rc.call('RESTORE', k, '0', payload), 'OK', k);
    }
    await sameStreams(tc, rc, false, 'RESTORE into redis-server of tredis DUMPs');
    await tc.call('FLUSHALL');
    for (const k of KEYS.slice(0, 4)) {
      const payload = (await rc.call('DUMP', k)) as string;
      assert.equal(await tc.call('RESTORE', k, '0', payload), 'OK', k);
      // the uncompressed payloads are byte-identical (LZF output may legitimately differ)
      await tc.call('CONFIG', 'SET', 'rdbcompression', 'no');
      await rc.call('CONFIG', 'SET', 'rdbcompression', 'no');
      assert.equal(await tc.call('DUMP', k), await rc.call('DUMP', k), `tredis DUMPs ${k} byte for byte as redis-server`);
      await tc.call('CONFIG', 'SET', 'rdbcompression', 'yes');
      await rc.call('CONFIG', 'SET', 'rdbcompression', 'yes');
    }
    await sameStreams(rc, tc, false, 'RESTORE into tredis of redis-server DUMPs');
  } finally {
    for (const c of cs) c.close();
    await t?.close();
    await r?.stop();
  }
});

async function withNodes(fn: (track: { t: TredisServer[]; r: ChildServer[]; n: Node[] }) => Promise<void>): Promise<void> {
  const track = { t: [] as TredisServer[], r: [] as ChildServer[], n: [] as Node[] };
  try {
    await fn(track);
  } finally {
    for (const n of track.n) n.c.close();
    for (const r of track.r) await r.stop();
    for (const t of track.t) await t.close();
  }
}

test('replication: a redis-server replica of a tredis master stays equal with consumer groups in use', { skip, timeout: 60000 }, async () => {
  await withNodes(async (tr) => {
    const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0 });
    tr.t.push(m);
    const M = await tredisNode(m);
    tr.n.push(M);
    await streamWorkload(M.c);
    const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port)]);
    tr.r.push(r);
    const R = await childNode(r.port);
    tr.n.push(R);
    await waitInSync(M, R);
    await sameStreams(M.c, R.c, false, 'after full sync');
    await liveStreamWrites(M.c);
    await waitInSync(M, R);
    await sameStreams(M.c, R.c, true, 'after live writes', true);
    await R.c.call('CLIENT', 'KILL', 'TYPE', 'master');
    await M.c.call('XADD', 'st:live', '*', 'after', 'reconnect');
    await M.c.call('XREADGROUP', 'GROUP', 'g', 'late', 'STREAMS', 'st:live', '>');
    await waitInSync(M, R);
    await sameStreams(M.c, R.c, true, 'after a partial resync', true);
    assert.equal(await digest(R), await digest(M));
  });
});

test('replication: a tredis replica of a redis-server master stays equal with consumer groups in use', { skip, timeout: 60000 }, async () => {
  await withNodes(async (tr) => {
    const r = await startRedis();
    tr.r.push(r);
    const M = await childNode(r.port);
    tr.n.push(M);
    await streamWorkload(M.c);
    const t = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${r.port}` });
    tr.t.push(t);
    const T = await tredisNode(t);
    tr.n.push(T);
    // a redis-server replica of the same master: the tredis replica must match it exactly
    const r2 = await startRedis(['--replicaof', '127.0.0.1', String(r.port)]);
    tr.r.push(r2);
    const R2 = await childNode(r2.port);
    tr.n.push(R2);
    await waitInSync(M, T);
    await sameStreams(M.c, T.c, false, 'after full sync');
    await liveStreamWrites(M.c);
    await waitInSync(M, T);
    await waitInSync(M, R2);
    await sameStreams(R2.c, T.c, true, 'after live writes, against a redis-server replica');
    await sameStreams(M.c, T.c, true, 'after live writes, against the master', true);
    await killMasterLink(T);
    await M.c.call('XADD', 'st:live', '*', 'after', 'reconnect');
    await M.c.call('XREADGROUP', 'GROUP', 'g', 'late', 'STREAMS', 'st:live', '>');
    await waitInSync(M, T);
    await waitInSync(M, R2);
    await sameStreams(R2.c, T.c, true, 'after a partial resync, against a redis-server replica');
    const unapplied = (await T.c.call('INFO', 'replication')) as string;
    assert.doesNotMatch(unapplied, /master_failed_commands:[1-9]/);
  });
});

/** rdbSaveLen */
function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}
const rdbStr = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([rdbLen(b.length), b]);
};
const ms8 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
};

test('the older RDB_TYPE_STREAM_LISTPACKS (Redis 5/6) loads in tredis as in redis-server', { skip, timeout: 60000 }, async () => {
  const s = new RStream();
  for (let i = 1; i <= 5; i++) s.append(['f', String(i)], { ms: 10 + i, seq: 0 }, true, 0, { maxBytes: 4096, maxEntries: 100 });
  s.deleteId({ ms: 11, seq: 0 });
  const parts: Buffer[] = [Buffer.from([15]), rdbLen(s.nodes.length)];
  for (const n of s.nodes) parts.push(rdbStr(encodeIdBytes(n.master)), rdbStr(n.toListpack()));
  const key13 = encodeIdBytes({ ms: 13, seq: 0 });
  const key14 = encodeIdBytes({ ms: 14, seq: 0 });
  parts.push(rdbLen(s.length), rdbLen(15), rdbLen(0)); // length, last id
  parts.push(rdbLen(1), rdbStr('grp'), rdbLen(14), rdbLen(0)); // one group at 14-0 (no entries-read in v1)
  parts.push(rdbLen(2), key13, ms8(1700000000000), rdbLen(3), key14, ms8(1700000000500), rdbLen(1)); // group PEL
  parts.push(rdbLen(1), rdbStr('cons'), ms8(1700000001000), rdbLen(2), key13, key14); // one consumer owning both
  const body = Buffer.concat([...parts, Buffer.from([10, 0])]);
  const payload = Buffer.concat([body, new Crc64().update(body).toBufferLE()]).toString('latin1');
  let t: TredisServer | undefined;
  let r: ChildServer | undefined;
  const cs: TestClient[] = [];
  try {
    t = await startTredis({ enableDebugCommand: 'yes' });
    r = await startRedis();
    const tc = await TestClient.connect(t.port);
    const rc = await TestClient.connect(r.port);
    cs.push(tc, rc);
    assert.equal(await rc.call('RESTORE', 'st:big', '0', payload), 'OK');
    assert.equal(await tc.call('RESTORE', 'st:big', '0', payload), 'OK');
    await sameStreams(rc, tc, false, 'a v1 stream payload');
    const info = (await tc.call('XINFO', 'STREAM', 'st:big')) as unknown[];
    assert.equal(info[info.indexOf('entries-added') + 1], 4);
  } finally {
    for (const c of cs) c.close();
    await t?.close();
    await r?.stop();
  }
});

test('AOF rewrite of streams with groups, consumers and PELs, loaded back by tredis and by redis-server', { skip, timeout: 60000 }, async () => {
  const dir = tempDir('streams-aof-');
  let t: ChildServer | undefined;
  let t2: ChildServer | undefined;
  let r: ChildServer | undefined;
  const cs: TestClient[] = [];
  try {
    t = await startTredisProcess(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'], { dir });
    const tc = await TestClient.connect(t.port);
    cs.push(tc);
    await streamWorkload(tc);
    await liveStreamWrites(tc);
    assert.equal(await tc.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    for (let i = 0; i < 200; i++) {
      const inf = (await tc.call('INFO', 'persistence')) as string;
      if (/aof_rewrite_in_progress:0/.test(inf) && /aof_rewrite_scheduled:0/.test(inf)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    await tc.call('XADD', 'st:live', '*', 'after', 'rewrite');
    const entries = async (c: TestClient): Promise<string[]> => Promise.all(KEYS.map((k) => c.callRaw('XRANGE', k, '-', '+')));
    const before = await entries(tc);
    const digestBefore = await tc.call('DEBUG', 'DIGEST');
    tc.close();
    await t.stop();
    const dir2 = tempDir('streams-aof2-');
    fs.cpSync(dir, dir2, { recursive: true });
    t2 = await startTredisProcess(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'], { dir });
    r = await startRedis(['--appendonly', 'yes'], { dir: dir2 });
    const t2c = await TestClient.connect(t2.port);
    const rc = await TestClient.connect(r.port);
    cs.push(t2c, rc);
    assert.deepEqual(await entries(t2c), before);
    assert.equal(await t2c.call('DEBUG', 'DIGEST'), digestBefore);
    // the same AOF loaded by redis-server and by tredis: the same streams, groups and PELs
    await sameStreams(rc, t2c, true, 'the rewritten AOF loaded by both');
  } finally {
    for (const c of cs) c.close();
    await t?.stop();
    await t2?.stop();
    await r?.stop();
  }
});

test('never diverge silently: a command the replica cannot apply from a real master link is logged with the command and counted in INFO', { skip, timeout: 60000 }, async () => {
  let r: ChildServer | undefined;
  let t: ChildServer | undefined;
  const cs: TestClient[] = [];
  try {
    r = await startRedis();
    const M = await childNode(r.port);
    cs.push(M.c);
    await M.c.call('XADD', 's', '1-0', 'a', '1');
    // this replica does not know XSETID (renamed away), so the master's XSETID cannot be applied
    t = await startTredisProcess(['--replicaof', '127.0.0.1', String(r.port), '--rename-command', 'XSETID', 'xsetid-renamed-away']);
    const T = await childNode(t.port);
    cs.push(T.c);
    await waitInSync(M, T);
    assert.equal(await M.c.call('XSETID', 's', '5-0'), 'OK');
    await M.c.call('XADD', 's', '6-0', 'a', '2');
    await waitInSync(M, T);
    const log = t.log();
    assert.match(log, /# == CRITICAL == This replica is sending an error to its master: 'ERR unknown command 'XSETID', with args beginning with: 's' '5-0' ' after processing the command '<unknown>'/);
    assert.match(log, /# Latest backlog is: '.*\*3\\r\\n\$6\\r\\nXSETID\\r\\n\$1\\r\\ns\\r\\n\$3\\r\\n5-0\\r\\n'/);
    const stats = (await T.c.call('INFO', 'stats')) as string;
    assert.match(stats, /unexpected_error_replies:1\r\n/);
    const errs = (await T.c.call('INFO', 'errorstats')) as string;
    assert.match(errs, /errorstat_ERR:count=1/);
    // the rest of the stream is applied, and the divergence is visible: last-generated-id differs
    assert.equal(await T.c.call('XLEN', 's'), 2);
  } finally {
    for (const c of cs) c.close();
    await t?.stop();
    await r?.stop();
  }
});
