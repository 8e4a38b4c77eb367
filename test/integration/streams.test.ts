/**
 * Stream commands through a real socket: replies as Redis 7.0, what is
 * propagated (XADD * with its id, `~` trims as exact ones, XREADGROUP as
 * XCLAIM ... LASTID plus XGROUP SETID / CREATECONSUMER), keyspace events,
 * WATCH, TYPE / OBJECT ENCODING / SCAN TYPE, COPY and RENAME, and blocking
 * XREAD / XREADGROUP (woken by XADD in blocking order, by a destroyed group or
 * a deleted key, timeouts, CLIENT UNBLOCK, MULTI).
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { WRONGTYPE, bulks, expectRaw, startRecording } from '../helpers/compare';
import { TestClient } from '../helpers/resp';
import { waitFor } from '../helpers/servers';
import type { TredisServer } from '../../src/index';
import { crc64 } from '../../src/persistence/rdb/crc64';

let srv: TredisServer;
let c: TestClient;
const events: string[] = [];
const propagated: string[][] = [];

before(async () => {
  ({ srv, c } = await startRecording({ 'notify-keyspace-events': 'KEA' }, events, propagated));
});

after(async () => {
  c?.close();
  await srv?.close();
});

beforeEach(async () => {
  await c.call('FLUSHALL');
  events.length = 0;
  propagated.length = 0;
});

/** What was propagated, without the MULTI/EXEC wrapping. */
const props = (): string[][] => propagated.filter((p) => p[0] !== 'MULTI' && p[0] !== 'EXEC');
const entry = (id: string, ...fv: string[]): string => `*2\r\n$${id.length}\r\n${id}\r\n` + bulks(...fv);

test('XADD ids: explicit, ms-*, *, and every id error', async () => {
  await expectRaw(c, ['XADD', 's', '5-1', 'a', '1'], '$3\r\n5-1\r\n');
  await expectRaw(c, ['XADD', 's', '5-*', 'a', '2'], '$3\r\n5-2\r\n');
  await expectRaw(c, ['XADD', 's', '5', 'a', '3'], '-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n');
  await expectRaw(c, ['XADD', 's', '0-0', 'a', '3'], '-ERR The ID specified in XADD must be greater than 0-0\r\n');
  await expectRaw(c, ['XADD', 's', 'x-1', 'a', '3'], '-ERR Invalid stream ID specified as stream command argument\r\n');
  await expectRaw(c, ['XADD', 's', '6-1', 'a'], "-ERR wrong number of arguments for 'xadd' command\r\n");
  await expectRaw(c, ['XADD', 's', '18446744073709551615-18446744073709551615', 'a', '1'], '$41\r\n18446744073709551615-18446744073709551615\r\n');
  await expectRaw(c, ['XADD', 's', '*', 'a', '1'], '-ERR The stream has exhausted the last possible ID, unable to add more items\r\n');
  await expectRaw(c, ['XADD', 'nope', 'NOMKSTREAM', '*', 'a', '1'], '$-1\r\n');
  await expectRaw(c, ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'a', '1'], '-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n');
  await expectRaw(c, ['XADD', 's', 'MAXLEN', '1', 'LIMIT', '1', '*', 'a', '1'], '-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n');
  await c.call('SET', 'str', 'x');
  await expectRaw(c, ['XADD', 'str', '*', 'a', '1'], WRONGTYPE);
  const before = Date.now();
  const id = (await c.call('XADD', 't', '*', 'f', 'v')) as string;
  const [ms, seq] = id.split('-').map(Number);
  assert.ok(ms >= before - 1 && ms <= Date.now() + 1 && seq === 0, id);
});

test('XADD propagates the generated id and ~ trims as exact ones; events xadd and xtrim', async () => {
  await c.call('CONFIG', 'SET', 'stream-node-max-entries', '2');
  for (let i = 1; i <= 5; i++) await c.call('XADD', 's', `${i}-0`, 'f', String(i));
  events.length = 0;
  propagated.length = 0;
  const id = (await c.call('XADD', 's', 'MAXLEN', '~', '2', '*', 'f', 'x')) as string;
  // nodes of 2 entries: [1 2] [3 4] [5 6]; ~2 drops the first two whole nodes
  assert.deepEqual(propagated, [['XADD', 's', 'MAXLEN', '=', '2', id, 'f', 'x']]);
  assert.deepEqual(events, ['xadd:s', 'xtrim:s']);
  propagated.length = 0;
  for (let i = 1; i <= 5; i++) await c.call('XADD', 't', `${i}-0`, 'f', String(i));
  propagated.length = 0;
  // [1 2] [3 4] [5]: MINID ~ 4 drops [1 2] only
  assert.equal(await c.call('XTRIM', 't', 'MINID', '~', '4'), 2);
  assert.deepEqual(propagated, [['XTRIM', 't', 'MINID', '=', '3-0']]);
  assert.equal(await c.call('XTRIM', 's', 'MAXLEN', '100'), 0);
  await c.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
});

test('XRANGE / XREVRANGE with exclusive ranges and COUNT, XLEN, XDEL', async () => {
  for (let i = 1; i <= 4; i++) await c.call('XADD', 's', `${i}-0`, 'f', String(i));
  await expectRaw(c, ['XRANGE', 's', '(1', '3', 'COUNT', '1'], '*1\r\n' + entry('2-0', 'f', '2'));
  await expectRaw(c, ['XREVRANGE', 's', '+', '(3-0'], '*1\r\n' + entry('4-0', 'f', '4'));
  await expectRaw(c, ['XRANGE', 's', '-', '+', 'COUNT', '0'], '*-1\r\n');
  await expectRaw(c, ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'], '-ERR invalid start ID for the interval\r\n');
  await expectRaw(c, ['XRANGE', 's', '-', '(0-0'], '-ERR invalid end ID for the interval\r\n');
  await expectRaw(c, ['XDEL', 's', '2-0', '9-0'], ':1\r\n');
  await expectRaw(c, ['XLEN', 's'], ':3\r\n');
  assert.ok(events.includes('xdel:s'));
  await expectRaw(c, ['XRANGE', 'missing', '-', '+'], '*0\r\n');
});

test('TYPE, OBJECT ENCODING, SCAN TYPE, COPY, RENAME, DEL know streams', async () => {
  await c.call('XADD', 's', '1-0', 'a', '1');
  await c.call('SET', 'str', 'v');
  await expectRaw(c, ['TYPE', 's'], '+stream\r\n');
  await expectRaw(c, ['OBJECT', 'ENCODING', 's'], '$6\r\nstream\r\n');
  assert.deepEqual(await c.call('SCAN', '0', 'TYPE', 'stream'), ['0', ['s']]);
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>');
  assert.equal(await c.call('COPY', 's', 's2'), 1);
  await c.call('XACK', 's', 'g', '1-0');
  // the copy keeps its own PEL
  assert.deepEqual(((await c.call('XPENDING', 's2', 'g')) as unknown[])[0], 1);
  assert.deepEqual(((await c.call('XPENDING', 's', 'g')) as unknown[])[0], 0);
  await c.call('RENAME', 's2', 's3');
  assert.equal(await c.call('XLEN', 's3'), 1);
  assert.equal(await c.call('DEL', 's3'), 1);
  assert.ok(((await c.call('MEMORY', 'USAGE', 's')) as number) > 0);
});

test('XREADGROUP propagates XCLAIM ... LASTID per entry and XGROUP SETID with NOACK', async () => {
  await c.call('XADD', 's', '1-0', 'a', '1');
  await c.call('XADD', 's', '2-0', 'a', '2');
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  assert.deepEqual(events.slice(-1), ['xgroup-create:s']);
  propagated.length = 0;
  events.length = 0;
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>');
  assert.deepEqual(events, ['xgroup-createconsumer:s']);
  assert.equal(propagated.length, 1);
  const p = propagated[0];
  assert.deepEqual([...p.slice(0, 7), ...p.slice(8)], ['XCLAIM', 's', 'g', 'alice', '0', '1-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-0']);
  propagated.length = 0;
  await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>');
  assert.deepEqual(props(), [
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'],
    ['XGROUP', 'SETID', 's', 'g', '2-0', 'ENTRIESREAD', '2'],
  ]);
  propagated.length = 0;
  // reading history propagates nothing new about the group
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0');
  assert.deepEqual(propagated, []);
  await expectRaw(c, ['XREADGROUP', 'GROUP', 'nog', 'x', 'STREAMS', 's', '>'], "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n");
});

test('XCLAIM / XAUTOCLAIM claim, report deleted entries and propagate', async () => {
  for (let i = 1; i <= 3; i++) await c.call('XADD', 's', `${i}-0`, 'f', String(i));
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
  await c.call('XDEL', 's', '2-0');
  propagated.length = 0;
  await expectRaw(c, ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '10', 'JUSTID'], '*3\r\n$3\r\n0-0\r\n' + bulks('1-0', '3-0') + bulks('2-0'));
  assert.deepEqual(propagated[0], ['MULTI']);
  assert.deepEqual(props().map((p) => p[5]), ['1-0', '2-0', '3-0']);
  await expectRaw(c, ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'RETRYCOUNT', '7', 'JUSTID'], bulks('1-0'));
  const ext = (await c.call('XPENDING', 's', 'g', '-', '+', '10', 'carol')) as unknown[][];
  assert.deepEqual([ext[0][0], ext[0][1], ext[0][3]], ['1-0', 'carol', 7]);
  await expectRaw(c, ['XCLAIM', 's', 'g', 'carol', 'x', '1-0'], '-ERR Invalid min-idle-time argument for XCLAIM\r\n');
  await expectRaw(c, ['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'BOGUS'], "-ERR Unrecognized XCLAIM option 'BOGUS'\r\n");
});

test('XSETID, XINFO STREAM / GROUPS / CONSUMERS fields of 7.0', async () => {
  await c.call('XADD', 's', '1-0', 'a', '1');
  await c.call('XADD', 's', '2-0', 'a', '2');
  await c.call('XDEL', 's', '1-0');
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  const info = (await c.call('XINFO', 'STREAM', 's')) as unknown[];
  assert.deepEqual(info.filter((_, i) => i % 2 === 0), ['length', 'radix-tree-keys', 'radix-tree-nodes', 'last-generated-id', 'max-deleted-entry-id', 'entries-added', 'recorded-first-entry-id', 'groups', 'first-entry', 'last-entry']);
  assert.deepEqual(info.slice(7, 14), ['2-0', 'max-deleted-entry-id', '1-0', 'entries-added', 2, 'recorded-first-entry-id', '2-0']);
  const groups = (await c.call('XINFO', 'GROUPS', 's')) as unknown[][];
  // no tombstone after the first entry: the lag is entries-added minus what precedes the first entry
  assert.deepEqual(groups[0], ['name', 'g', 'consumers', 0, 'pending', 0, 'last-delivered-id', '0-0', 'entries-read', null, 'lag', 1]);
  await expectRaw(c, ['XSETID', 's', '1-0'], '-ERR The ID specified in XSETID is smaller than the target stream top item\r\n');
  await expectRaw(c, ['XSETID', 's', '5-0', 'ENTRIESADDED', '9', 'MAXDELETEDID', '4-0'], '+OK\r\n');
  assert.ok(events.includes('xsetid:s'));
  await expectRaw(c, ['XINFO', 'CONSUMERS', 's', 'nog'], "-NOGROUP No such consumer group 'nog' for key name 's'\r\n");
  await expectRaw(c, ['XINFO', 'STREAM', 'missing'], '-ERR no such key\r\n');
});

test('WATCH is broken by XADD but not by XGROUP CREATE / XREADGROUP (as Redis)', async () => {
  await c.call('XADD', 's', '1-0', 'a', '1');
  const c2 = await TestClient.connect(srv.port);
  try {
    await c.call('WATCH', 's');
    await c2.call('XGROUP', 'CREATE', 's', 'g', '0');
    await c2.call('XREADGROUP', 'GROUP', 'g', 'x', 'STREAMS', 's', '>');
    await c.call('MULTI');
    await c.call('XLEN', 's');
    assert.deepEqual(await c.call('EXEC'), [1]);
    await c.call('WATCH', 's');
    await c2.call('XADD', 's', '2-0', 'a', '1');
    await c.call('MULTI');
    await c.call('XLEN', 's');
    assert.equal(await c.call('EXEC'), null);
  } finally {
    c2.close();
  }
});

// ---------------------------------------------------------------- blocking

async function blockedCount(n: number): Promise<void> {
  await waitFor(() => srv.server.blocking.blockedClients.size === n, 5000, `${n} blocked clients`);
}

test('XREAD BLOCK on $ is woken by XADD; several readers served in blocking order', async () => {
  await c.call('XADD', 's', '1-0', 'a', '1');
  const r1 = await TestClient.connect(srv.port);
  const r2 = await TestClient.connect(srv.port);
  try {
    const p1 = r1.callRaw('XREAD', 'BLOCK', '0', 'STREAMS', 'other', 's', '$', '$');
    await blockedCount(1);
    const p2 = r2.callRaw('XREAD', 'COUNT', '5', 'BLOCK', '5000', 'STREAMS', 's', '$');
    await blockedCount(2);
    await c.call('XADD', 's', '2-0', 'b', '2');
    const want = '*1\r\n*2\r\n$1\r\ns\r\n*1\r\n' + entry('2-0', 'b', '2');
    assert.equal(await p1, want);
    assert.equal(await p2, want);
    await blockedCount(0);
  } finally {
    r1.close();
    r2.close();
  }
});

test('XREADGROUP BLOCK on >: one consumer per entry in blocking order; propagated as XCLAIM', async () => {
  await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const r1 = await TestClient.connect(srv.port);
  const r2 = await TestClient.connect(srv.port);
  try {
    const p1 = r1.callRaw('XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>');
    await blockedCount(1);
    const p2 = r2.callRaw('XREADGROUP', 'GROUP', 'g', 'c2', 'BLOCK', '0', 'STREAMS', 's', '>');
    await blockedCount(2);
    propagated.length = 0;
    await c.call('XADD', 's', '1-0', 'a', '1');
    assert.equal(await p1, '*1\r\n*2\r\n$1\r\ns\r\n*1\r\n' + entry('1-0', 'a', '1'));
    await blockedCount(1);
    // the consumer's creation travels inside the XCLAIM (Redis propagates CREATECONSUMER only with NOACK)
    assert.deepEqual(props().map((p) => p[0]), ['XADD', 'XCLAIM']);
    await c.call('XADD', 's', '2-0', 'a', '2');
    assert.equal(await p2, '*1\r\n*2\r\n$1\r\ns\r\n*1\r\n' + entry('2-0', 'a', '2'));
  } finally {
    r1.close();
    r2.close();
  }
});

test('blocked XREADGROUP: a destroyed group and a deleted key unblock with errors; timeouts; CLIENT UNBLOCK; MULTI', async () => {
  await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const r1 = await TestClient.connect(srv.port);
  try {
    let p = r1.callRaw('XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>');
    await blockedCount(1);
    await c.call('XGROUP', 'DESTROY', 's', 'g');
    assert.equal(await p, '-NOGROUP the consumer group this client was blocked on no longer exists\r\n');
    await c.call('XGROUP', 'CREATE', 's', 'g', '$');
    p = r1.callRaw('XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>');
    await blockedCount(1);
    await c.call('DEL', 's');
    assert.equal(await p, '-UNBLOCKED the stream key no longer exists\r\n');
    assert.equal(await r1.callRaw('XREAD', 'BLOCK', '20', 'STREAMS', 's', '$'), '*-1\r\n');
    p = r1.callRaw('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await blockedCount(1);
    const id = (await c.call('CLIENT', 'LIST')) as string;
    const rid = /id=(\d+) .*cmd=xread/.exec(id)?.[1] as string;
    assert.equal(await c.call('CLIENT', 'UNBLOCK', rid), 1);
    assert.equal(await p, '*-1\r\n');
    await r1.call('MULTI');
    await r1.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    assert.equal(await r1.callRaw('EXEC'), '*1\r\n*-1\r\n');
    await expectRaw(r1, ['XREAD', 'BLOCK', '-1', 'STREAMS', 's', '$'], '-ERR timeout is negative\r\n');
  } finally {
    r1.close();
  }
});

test('RESTORE refuses a stream whose group has a pending entry no consumer owns (Redis checks it under sanitize-dump-payload yes and crashes on XINFO FULL without)', async () => {
  await c.call('DEL', 'pst', 'bad');
  await c.call('XADD', 'pst', '1-1', 'f', 'v');
  await c.call('XGROUP', 'CREATE', 'pst', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'consumerXYZ', 'STREAMS', 'pst', '>');
  const raw = Buffer.from((await c.call('DUMP', 'pst')) as string, 'latin1');
  // the consumer's PEL: count 1 and one 16-byte id after its name and 8-byte seen time -> count 0
  const at = raw.indexOf('consumerXYZ') + 'consumerXYZ'.length + 8;
  assert.equal(raw[at], 1);
  const body = Buffer.concat([raw.subarray(0, at), Buffer.from([0]), raw.subarray(at + 17, raw.length - 8)]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body));
  const bad = Buffer.concat([body, crc]).toString('latin1');
  for (const sanitize of ['yes', 'no']) {
    await c.call('CONFIG', 'SET', 'sanitize-dump-payload', sanitize);
    await expectRaw(c, ['RESTORE', 'bad', '0', bad], '-ERR Bad data format\r\n');
  }
  await c.call('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
  assert.equal(await c.call('EXISTS', 'bad'), 0);
});
