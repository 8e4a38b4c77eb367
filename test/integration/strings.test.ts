/**
 * String and bitmap commands through a real socket against an embedded
 * tredis. The reply tables are exact bytes; when redis-server is installed
 * the same tables are also replayed against it, so every expectation here is
 * checked against the reference too.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildServer } from '../helpers/servers';
import { OK, NIL, int, bulk, err, SYNTAX, NOTINT, WRONGTYPE, replayOn, startPair, stopPair, type Case } from '../helpers/compare';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import { RList } from '../../src/keyspace/types/list';

let srv: TredisServer;
let redis: ChildServer | null = null;
let c: TestClient;
let r: TestClient | null = null;

before(async () => {
  ({ srv, c, redis, r } = await startPair({ notifyKeyspaceEvents: 'KEA', enableDebugCommand: 'yes' }, ['--notify-keyspace-events', 'KEA', '--enable-debug-command', 'yes']));
});

after(async () => {
  await stopPair({ srv, c, redis, r });
});


/** Replay a table on tredis (and on redis-server when present), comparing exact bytes. */
async function replay(name: string, cases: Case[], setup: string[][] = []): Promise<void> {
  const targets: Array<[string, TestClient]> = [['tredis', c]];
  if (r !== null) targets.push(['redis', r]);
  await replayOn(targets, name, cases, setup);
}

/** A list value for WRONGTYPE paths, set directly in both servers' db 0. */
async function makeList(key: string): Promise<void> {
  srv.server.dbs[0].set(key, new RList(['x']));
  if (r !== null) await r.call('RPUSH', key, 'x');
}

const ALL_BYTES = (() => {
  let s = '';
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  return s;
})();

test('GET/SET/APPEND/STRLEN/GETRANGE/MGET are binary safe (bytes 0..255)', async () => {
  const key = 'bin\0\r\n\xff';
  await replay('binary', [
    [['DEL', key, 'b2'], int(0)],
    [['SET', key, ALL_BYTES], OK],
    [['GET', key], bulk(ALL_BYTES)],
    [['STRLEN', key], int(256)],
    [['GETRANGE', key, '10', '13'], bulk('\n\x0b\x0c\r')],
    [['GETRANGE', key, '-3', '-1'], bulk('\xfd\xfe\xff')],
    [['APPEND', key, '\0\0'], int(258)],
    [['GETRANGE', key, '255', '-1'], bulk('\xff\0\0')],
    [['SET', 'b2', '\r\n'], OK],
    [['MGET', key, 'nokey', 'b2'], `*3\r\n${bulk(ALL_BYTES + '\0\0')}${NIL}${bulk('\r\n')}`],
    [['SUBSTR', 'b2', '0', '0'], bulk('\r')],
    [['DEL', key, 'b2'], int(2)],
  ]);
  // the stored bytes are the bytes sent, also through a raw Buffer round trip
  const buf = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) buf[i] = 255 - i;
  await c.call('SET', 'rawbuf', buf);
  assert.equal(await c.call('GET', 'rawbuf'), buf.toString('latin1'));
});

test('short values stored as the value before them keep their own bytes (equal, longer, shorter, NUL, APPEND after)', async () => {
  // storeString shares a short value equal to the previous one: every key must still read back exactly what was set
  const vals = ['v1', 'v1', 'v2', 'v1', 'v1x', 'v1', 'v1\0', 'v1', '', '', 'x'.repeat(32), 'x'.repeat(32), 'x'.repeat(33), 'x'.repeat(33)];
  const keys = vals.map((_, i) => `share:${i}`);
  for (let i = 0; i < vals.length; i++) assert.equal(await c.call('SET', keys[i], vals[i]), 'OK');
  assert.deepEqual(await c.call('MGET', ...keys), vals);
  // changing one key in place leaves the others that held the same value alone
  assert.equal(await c.call('APPEND', keys[0], 'z'), 3);
  assert.equal(await c.call('SETRANGE', keys[1], '0', 'Q'), 2);
  assert.deepEqual(await c.call('MGET', keys[0], keys[1], keys[3], keys[5]), ['v1z', 'Q1', 'v1', 'v1']);
  await c.call('DEL', ...keys);
});

test('SET options, conflicts and errors', async () => {
  await replay('set options', [
    [['DEL', 's'], int(0)],
    [['SET', 's', 'v', 'XX'], NIL],
    [['SET', 's', 'v', 'NX'], OK],
    [['SET', 's', 'w', 'NX'], NIL],
    [['SET', 's', 'w', 'NX', 'GET'], bulk('v')],
    [['SET', 's', 'w', 'XX', 'GET'], bulk('v')],
    [['SET', 's', 'x', 'get', 'GET'], bulk('w')],
    [['SET', 'nos', 'x', 'GET'], NIL],
    [['SET', 's', 'v', 'NX', 'XX'], SYNTAX],
    [['SET', 's', 'v', 'EX', '10', 'PX', '100'], SYNTAX],
    [['SET', 's', 'v', 'EX', '10', 'KEEPTTL'], SYNTAX],
    [['SET', 's', 'v', 'KEEPTTL', 'EXAT', '10'], SYNTAX],
    [['SET', 's', 'v', 'PXAT', '10', 'EXAT', '10'], SYNTAX],
    [['SET', 's', 'v', 'EX'], SYNTAX],
    [['SET', 's', 'v', 'PERSIST'], SYNTAX],
    [['SET', 's', 'v', 'EX', '10', 'EX', '20'], OK],
    [['SET', 's', 'v', 'foo'], SYNTAX],
    [['SET', 's', 'v', 'EX', 'x'], NOTINT],
    [['SET', 's', 'v', 'EX', '0'], err("ERR invalid expire time in 'set' command")],
    [['SET', 's', 'v', 'PX', '-1'], err("ERR invalid expire time in 'set' command")],
    [['SET', 's', 'v', 'EX', '9223372036854776'], err("ERR invalid expire time in 'set' command")],
    [['SET', 's', 'v', 'PX', '9223372036854775807'], err("ERR invalid expire time in 'set' command")],
    [['SETEX', 's', '0', 'v'], err("ERR invalid expire time in 'setex' command")],
    [['PSETEX', 's', '-5', 'v'], err("ERR invalid expire time in 'psetex' command")],
    [['SET', 's'], err("ERR wrong number of arguments for 'set' command")],
    [['SETNX', 's', 'v'], int(0)],
    [['SETNX', 'nos2', 'v'], int(1)],
    [['GETSET', 'nos2', 'w'], bulk('v')],
    [['GETDEL', 'nos2'], bulk('w')],
    [['GETDEL', 'nos2'], NIL],
    [['GETEX', 's', 'KEEPTTL'], SYNTAX],
    [['GETEX', 's', 'NX'], SYNTAX],
    [['GETEX', 's', 'EX', '0'], err("ERR invalid expire time in 'getex' command")],
    [['GETEX', 'nokey', 'EX', '0'], NIL],
    [['GETEX', 's', 'PERSIST', 'EX', '10'], SYNTAX],
    [['MSET', 'a'], err("ERR wrong number of arguments for 'mset' command")],
    [['MSET', 'a', '1', 'b'], err("ERR wrong number of arguments for 'mset' command")],
    [['MSETNX', 'a', '1', 'b'], err("ERR wrong number of arguments for 'msetnx' command")],
    [['DEL', 'a', 'b', 'c'], int(0)],
    [['MSETNX', 'a', '1', 'b', '2'], int(1)],
    [['MSETNX', 'c', '1', 'b', '2'], int(0)],
    [['MSET', 'a', 'x', 'c', 'y'], OK],
    [['MGET', 'a', 'b', 'c'], `*3\r\n${bulk('x')}${bulk('2')}${bulk('y')}`],
    [['DEL', 's', 'nos', 'a', 'b', 'c'], int(5)],
  ]);
});

test('TTLs set by SET/SETEX/GETEX and kept by KEEPTTL, INCR, APPEND', async () => {
  const ttl = async (k: string) => Number(await c.call('PTTL', k));
  await c.call('SET', 't', 'v', 'EX', '100');
  assert.ok((await ttl('t')) > 99000);
  await c.call('SET', 't', 'w', 'KEEPTTL');
  assert.ok((await ttl('t')) > 99000);
  await c.call('SET', 't', 'x');
  assert.equal(await ttl('t'), -1);
  await c.call('SETEX', 't', '50', '1');
  await c.call('INCR', 't');
  await c.call('APPEND', 't', '0');
  await c.call('SETRANGE', 't', '0', '3');
  assert.ok((await ttl('t')) > 49000);
  assert.equal(await c.call('GET', 't'), '30');
  await c.call('INCRBYFLOAT', 't', '0.5');
  assert.ok((await ttl('t')) > 49000);
  await c.call('GETSET', 't', 'y');
  assert.equal(await ttl('t'), -1);
  await c.call('PSETEX', 't', '100000', 'v');
  assert.equal(await c.call('GETEX', 't', 'PERSIST'), 'v');
  assert.equal(await ttl('t'), -1);
  assert.equal(await c.call('GETEX', 't', 'PXAT', String(Date.now() + 60000)), 'v');
  assert.ok((await ttl('t')) > 59000);
  assert.equal(await c.call('GETEX', 't', 'EXAT', '1'), 'v');
  assert.equal(await c.call('EXISTS', 't'), 0);
  // SET with a PXAT in the past stores a key that is already expired
  assert.equal(await c.call('SET', 't', 'v', 'PXAT', '1'), 'OK');
  assert.equal(await c.call('GET', 't'), null);
});

test('INCR/DECR family: int64 exact, overflow and parse errors', async () => {
  await makeList('lst');
  await replay('counters', [
    [['DEL', 'n'], int(0)],
    [['INCR', 'n'], int(1)],
    [['INCRBY', 'n', '-5'], int(-4)],
    [['DECRBY', 'n', '-10'], int(6)],
    [['DECR', 'n'], int(5)],
    [['SET', 'n', '9223372036854775806'], OK],
    [['INCR', 'n'], int('9223372036854775807')],
    [['INCR', 'n'], err('ERR increment or decrement would overflow')],
    [['GET', 'n'], bulk('9223372036854775807')],
    [['INCRBY', 'n', '-9223372036854775807'], int(0)],
    [['DECRBY', 'n', '9223372036854775807'], int('-9223372036854775807')],
    [['DECR', 'n'], int('-9223372036854775808')],
    [['DECR', 'n'], err('ERR increment or decrement would overflow')],
    [['DECRBY', 'n', '-9223372036854775808'], err('ERR decrement would overflow')],
    [['INCRBY', 'n', '9223372036854775808'], NOTINT],
    [['SET', 'n', '9007199254740993'], OK],
    [['INCR', 'n'], int('9007199254740994')],
    [['INCRBY', 'n', '9007199254740993'], int('18014398509481987')],
    ...[' 1', '1 ', '01', '+1', '1.0', '', '-0', '0x1', '99999999999999999999'].map((v): Case[] => [
      [['SET', 'n', v], OK],
      [['INCR', 'n'], NOTINT],
    ]).flat(),
    [['SET', 'n', '-0'], OK],
    [['INCRBY', 'n', '-0'], NOTINT],
    [['INCR', 'lst'], WRONGTYPE],
    [['INCRBYFLOAT', 'lst', '1'], WRONGTYPE],
    [['DEL', 'n'], int(1)],
  ]);
});

test('a counter INCR keeps as a number reads as its text everywhere (int32 edges, TTL, RDB reload, DUMP, cost)', async () => {
  const db = srv.server.dbs[0];
  const kept = (key: string): string => typeof db.table.rawValueAt(db.slotOf(key));
  await replay('int-kept', [
    [['DEL', 'ic', 'ic2', 'ic3'], int(0)],
    [['INCR', 'ic'], int(1)],
    [['INCRBY', 'ic', '99999'], int(100000)],
    [['GET', 'ic'], bulk('100000')],
    [['MGET', 'ic', 'nokey'], `*2\r\n${bulk('100000')}${NIL}`],
    [['STRLEN', 'ic'], int(6)],
    [['GETRANGE', 'ic', '1', '3'], bulk('000')],
    [['BITCOUNT', 'ic'], int(13)],
    [['OBJECT', 'ENCODING', 'ic'], bulk('int')],
    [['OBJECT', 'REFCOUNT', 'ic'], int(1)],
  ]);
  assert.equal(kept('ic'), 'number', 'INCR keeps an int32 result as a number');
  // what it costs is what a number costs: less than the same text SET as a string
  const viaSet = 'id';
  await c.call('SET', viaSet, '100000');
  assert.ok(Number(await c.call('MEMORY', 'USAGE', 'ic')) < Number(await c.call('MEMORY', 'USAGE', viaSet)));
  await c.call('DEL', viaSet);
  await replay('int-kept-edges', [
    [['APPEND', 'ic', 'x'], int(7)],
    [['GET', 'ic'], bulk('100000x')],
    [['INCR', 'ic'], NOTINT],
    [['SET', 'ic', '2147483645'], OK],
    [['INCR', 'ic'], int(2147483646)],
    [['INCR', 'ic'], int(2147483647)],
    [['GET', 'ic'], bulk('2147483647')],
    [['INCR', 'ic'], int('2147483648')],
    [['GET', 'ic'], bulk('2147483648')],
    [['DECR', 'ic'], int(2147483647)],
    [['INCRBY', 'ic', '-4294967295'], int(-2147483648)],
    [['GET', 'ic'], bulk('-2147483648')],
    [['DECR', 'ic'], int('-2147483649')],
    [['INCRBY', 'ic', '2147483649'], int(0)],
    [['DECRBY', 'ic', '0'], int(0)],
    [['GET', 'ic'], bulk('0')],
    [['INCRBY', 'ic', '-7'], int(-7)],
    [['DECR', 'ic'], int(-8)],
    [['GET', 'ic'], bulk('-8')],
    [['INCRBYFLOAT', 'ic', '1.5'], bulk('-6.5')],
    [['SET', 'ic', '41'], OK],
    [['INCR', 'ic'], int(42)],
    [['INCR', 'ic'], int(43)],
    [['SETRANGE', 'ic', '1', '9'], int(2)],
    [['GET', 'ic'], bulk('49')],
    [['INCR', 'ic'], int(50)],
    [['INCR', 'ic'], int(51)],
    [['GETSET', 'ic', '7'], bulk('51')],
    [['INCR', 'ic'], int(8)],
    [['INCR', 'ic'], int(9)],
    [['COPY', 'ic', 'ic2'], int(1)],
    [['GET', 'ic2'], bulk('9')],
    [['SET', 'ic3', '10', 'EX', '1000'], OK],
    [['INCR', 'ic3'], int(11)],
    [['INCR', 'ic3'], int(12)],
    [['TTL', 'ic3'], int(1000)],
    [['DEBUG', 'RELOAD'], OK],
    [['MGET', 'ic', 'ic2', 'ic3'], `*3\r\n${bulk('9')}${bulk('9')}${bulk('12')}`],
    [['TTL', 'ic3'], int(1000)],
    [['INCR', 'ic3'], int(13)],
    [['INCR', 'ic3'], int(14)],
    [['GETDEL', 'ic3'], bulk('14')],
  ]);
  // DUMP's payload of a number-kept value is the int encoding's, as Redis's
  await c.call('SET', 'ic', '123455');
  await c.call('INCR', 'ic');
  assert.equal(kept('ic'), 'number');
  const dumped = await c.call('DUMP', 'ic');
  if (r !== null) {
    await r.call('SET', 'ic', '123455');
    await r.call('INCR', 'ic');
    assert.deepEqual(dumped, await r.call('DUMP', 'ic'));
  }
  assert.equal(await c.call('RESTORE', 'ic4', '0', dumped as string), 'OK');
  assert.equal(await c.call('GET', 'ic4'), '123456');
  await c.call('DEL', 'ic', 'ic2', 'ic4');
  if (r !== null) await r.call('DEL', 'ic', 'ic2');
});

test('INCRBYFLOAT formats like long double %.17Lf', async () => {
  await replay('incrbyfloat', [
    [['DEL', 'f'], int(0)],
    [['SET', 'f', '10.50'], OK],
    [['INCRBYFLOAT', 'f', '0.1'], bulk('10.6')],
    // long double arithmetic shows through %.17Lf
    [['INCRBYFLOAT', 'f', '-5.0e3'], bulk('-4989.39999999999999991')],
    [['SET', 'f', '5.0e3'], OK],
    [['INCRBYFLOAT', 'f', '2.0e2'], bulk('5200')],
    [['INCRBYFLOAT', 'f', '1.1'], bulk('5201.10000000000000009')],
    [['SET', 'f', '3'], OK],
    [['INCRBYFLOAT', 'f', '0'], bulk('3')],
    [['OBJECT', 'ENCODING', 'f'], bulk('embstr')],
    [['INCRBYFLOAT', 'f', 'inf'], err('ERR increment would produce NaN or Infinity')],
    [['INCRBYFLOAT', 'f', 'abc'], err('ERR value is not a valid float')],
    [['INCRBYFLOAT', 'f', ''], err('ERR value is not a valid float')],
    [['INCRBYFLOAT', 'f', ' 1'], err('ERR value is not a valid float')],
    [['SET', 'f', 'abc'], OK],
    [['INCRBYFLOAT', 'f', '1'], err('ERR value is not a valid float')],
    [['SET', 'f', '0.1'], OK],
    [['INCRBYFLOAT', 'f', '0.2'], bulk('0.3')],
    [['INCRBYFLOAT', 'f', '1e17'], bulk('100000000000000000.296875')],
    [['DEL', 'f'], int(1)],
  ]);
});

test('SETRANGE and GETRANGE', async () => {
  await makeList('lst');
  await replay('ranges', [
    [['DEL', 'r'], int(0)],
    [['SETRANGE', 'r', '0', ''], int(0)],
    [['EXISTS', 'r'], int(0)],
    [['SETRANGE', 'r', '5', 'ab'], int(7)],
    [['GET', 'r'], bulk('\0\0\0\0\0ab')],
    [['SETRANGE', 'r', '1', 'XYZ'], int(7)],
    [['GET', 'r'], bulk('\0XYZ\0ab')],
    [['SETRANGE', 'r', '0', ''], int(7)],
    [['SETRANGE', 'r', '-1', 'x'], err('ERR offset is out of range')],
    [['SETRANGE', 'r', 'x', 'x'], NOTINT],
    [['SETRANGE', 'r', '536870911', 'xx'], err('ERR string exceeds maximum allowed size (proto-max-bulk-len)')],
    [['SETRANGE', 'lst', '0', 'x'], WRONGTYPE],
    [['SET', 'r', 'Hello World'], OK],
    [['GETRANGE', 'r', '0', '4'], bulk('Hello')],
    [['GETRANGE', 'r', '-5', '-1'], bulk('World')],
    [['GETRANGE', 'r', '-1', '-5'], bulk('')],
    [['GETRANGE', 'r', '5', '3'], bulk('')],
    [['GETRANGE', 'r', '0', '-100'], bulk('H')],
    [['GETRANGE', 'r', '-100', '100'], bulk('Hello World')],
    [['GETRANGE', 'r', '100', '200'], bulk('')],
    [['GETRANGE', 'nokey', '0', '1'], bulk('')],
    [['GETRANGE', 'r', 'a', '1'], NOTINT],
    [['GETRANGE', 'lst', '0', '1'], WRONGTYPE],
    [['SET', 'r', '1234'], OK],
    [['GETRANGE', 'r', '1', '2'], bulk('23')],
    [['DEL', 'r'], int(1)],
  ]);
});

test('LCS, with LEN, IDX, MINMATCHLEN, WITHMATCHLEN', async () => {
  await makeList('lst');
  const idx =
    '*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n';
  const idxMin = '*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n';
  await replay(
    'lcs',
    [
      [['LCS', 'key1', 'key2'], bulk('mytext')],
      [['LCS', 'key1', 'key2', 'LEN'], int(6)],
      [['LCS', 'key1', 'key2', 'IDX'], idx],
      [['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'], idxMin],
      [['LCS', 'key1', 'nokey'], bulk('')],
      [['LCS', 'key1', 'nokey', 'IDX'], '*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n'],
      [['LCS', 'key1', 'key2', 'LEN', 'IDX'], err('ERR If you want both the length and indexes, please just use IDX.')],
      [['LCS', 'key1', 'key2', 'MINMATCHLEN'], SYNTAX],
      [['LCS', 'key1', 'key2', 'MINMATCHLEN', 'x'], NOTINT],
      [['LCS', 'key1', 'lst'], err('ERR The specified keys must contain string values')],
    ],
    [['MSET', 'key1', 'ohmytext', 'key2', 'mynewtext']],
  );
  // RESP3: IDX is a map
  const c3 = await TestClient.connect(srv.port);
  try {
    await c3.call('HELLO', '3');
    assert.equal(await c3.callRaw('LCS', 'key1', 'nokey', 'IDX'), '%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n');
  } finally {
    c3.close();
  }
});

test('SETBIT, GETBIT, BITCOUNT, BITPOS', async () => {
  await makeList('lst');
  await replay('bits', [
    [['DEL', 'bm'], int(0)],
    [['SETBIT', 'bm', '7', '1'], int(0)],
    [['SETBIT', 'bm', '7', '1'], int(1)],
    [['GET', 'bm'], bulk('\x01')],
    [['SETBIT', 'bm', '100', '1'], int(0)],
    [['STRLEN', 'bm'], int(13)],
    [['GETBIT', 'bm', '100'], int(1)],
    [['GETBIT', 'bm', '99'], int(0)],
    [['GETBIT', 'bm', '10000'], int(0)],
    [['GETBIT', 'nokey', '0'], int(0)],
    [['SETBIT', 'bm', '-1', '1'], err('ERR bit offset is not an integer or out of range')],
    [['SETBIT', 'bm', '4294967296', '1'], err('ERR bit offset is not an integer or out of range')],
    [['SETBIT', 'bm', '1', '2'], err('ERR bit is not an integer or out of range')],
    [['SETBIT', 'bm', '1', '-1'], err('ERR bit is not an integer or out of range')],
    [['SETBIT', 'lst', '1', '1'], WRONGTYPE],
    [['SET', 'bc', 'foobar'], OK],
    [['BITCOUNT', 'bc'], int(26)],
    [['BITCOUNT', 'bc', '0', '0'], int(4)],
    [['BITCOUNT', 'bc', '1', '1'], int(6)],
    [['BITCOUNT', 'bc', '1', '1', 'BYTE'], int(6)],
    [['BITCOUNT', 'bc', '5', '30', 'BIT'], int(17)],
    [['BITCOUNT', 'bc', '-1', '-5'], int(0)],
    [['BITCOUNT', 'bc', '0'], SYNTAX],
    [['BITCOUNT', 'bc', '0', '1', 'foo'], SYNTAX],
    [['BITCOUNT', 'bc', 'a', 'b'], NOTINT],
    [['BITCOUNT', 'nokey', 'a', 'b'], int(0)],
    [['BITCOUNT', 'lst'], WRONGTYPE],
    [['SET', 'bp', '\xff\xf0\x00'], OK],
    [['BITPOS', 'bp', '0'], int(12)],
    [['SET', 'bp', '\x00\xff\xf0'], OK],
    [['BITPOS', 'bp', '1', '0'], int(8)],
    [['BITPOS', 'bp', '1', '2'], int(16)],
    [['BITPOS', 'bp', '1', '2', '-1', 'BYTE'], int(16)],
    [['BITPOS', 'bp', '1', '7', '15', 'BIT'], int(8)],
    [['BITPOS', 'bp', '1', '7', '-3', 'BIT'], int(8)],
    [['SET', 'bp', '\x00\x00\x00'], OK],
    [['BITPOS', 'bp', '1'], int(-1)],
    [['BITPOS', 'nokey', '1'], int(-1)],
    [['BITPOS', 'nokey', '0'], int(0)],
    [['SET', 'bp', '\xff\xff\xff'], OK],
    [['BITPOS', 'bp', '0'], int(24)],
    [['BITPOS', 'bp', '0', '0'], int(24)],
    [['BITPOS', 'bp', '0', '0', '-1'], int(-1)],
    [['BITPOS', 'bp', '2'], err('ERR The bit argument must be 1 or 0.')],
    [['BITPOS', 'bp', '1', '0', '1', 'foo'], SYNTAX],
    [['BITPOS', 'lst', '1'], WRONGTYPE],
    [['DEL', 'bm', 'bc', 'bp'], int(3)],
  ]);
});

test('BITOP and BITFIELD', async () => {
  await makeList('lst');
  await replay('bitop', [
    [['DEL', 'd'], int(0)],
    [['MSET', 'x', '\xff\x0f', 'y', '\x0f'], OK],
    [['BITOP', 'AND', 'd', 'x', 'y'], int(2)],
    [['GET', 'd'], bulk('\x0f\x00')],
    [['BITOP', 'OR', 'd', 'x', 'y'], int(2)],
    [['GET', 'd'], bulk('\xff\x0f')],
    [['BITOP', 'XOR', 'd', 'x', 'y'], int(2)],
    [['GET', 'd'], bulk('\xf0\x0f')],
    [['BITOP', 'NOT', 'd', 'x'], int(2)],
    [['GET', 'd'], bulk('\x00\xf0')],
    [['BITOP', 'NOT', 'd', 'x', 'y'], err('ERR BITOP NOT must be called with a single source key.')],
    [['BITOP', 'NAND', 'd', 'x'], SYNTAX],
    [['BITOP', 'AND', 'd', 'x', 'lst'], WRONGTYPE],
    [['BITOP', 'OR', 'd', 'nokey1', 'nokey2'], int(0)],
    [['EXISTS', 'd'], int(0)],
    [['DEL', 'bf'], int(0)],
    [['BITFIELD', 'bf', 'INCRBY', 'i5', '100', '1', 'GET', 'u4', '0'], '*2\r\n:1\r\n:0\r\n'],
    [['BITFIELD', 'bf', 'SET', 'i8', '#0', '100', 'SET', 'i8', '#1', '200'], '*2\r\n:0\r\n:0\r\n'],
    [['BITFIELD', 'bf', 'GET', 'i8', '#0', 'GET', 'u8', '8', 'GET', 'i8', '8'], '*3\r\n:100\r\n:200\r\n:-56\r\n'],
    [['BITFIELD', 'bf', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'], '*2\r\n:1\r\n:1\r\n'],
    [['BITFIELD', 'mykey', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '102', '5'], '*1\r\n$-1\r\n'],
    [['BITFIELD', 'ov', 'SET', 'u8', '0', '255', 'INCRBY', 'u8', '0', '10', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300'], '*3\r\n:0\r\n:9\r\n:255\r\n'],
    [['BITFIELD', 'ov', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-1000', 'GET', 'i8', '0'], '*2\r\n:-1\r\n:-128\r\n'],
    [['BITFIELD', 'ov', 'SET', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1'], '*2\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n'],
    [['BITFIELD', 'ov', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1'], '*1\r\n:-9223372036854775808\r\n'],
    [['BITFIELD', 'bf', 'GET', 'u64', '0'], err('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.')],
    [['BITFIELD', 'bf', 'GET', 'i8', '-1'], err('ERR bit offset is not an integer or out of range')],
    [['BITFIELD', 'bf', 'OVERFLOW', 'MAYBE'], err('ERR Invalid OVERFLOW type specified')],
    [['BITFIELD', 'bf', 'GET', 'i8'], SYNTAX],
    [['BITFIELD', 'bf', 'SET', 'i8', '0', 'x'], NOTINT],
    [['BITFIELD', 'bf'], '*0\r\n'],
    [['BITFIELD_RO', 'bf', 'GET', 'u8', '8'], '*1\r\n:200\r\n'],
    [['BITFIELD_RO', 'bf', 'SET', 'u8', '8', '1'], err('ERR BITFIELD_RO only supports the GET subcommand')],
    [['BITFIELD_RO', 'nokey', 'GET', 'u8', '8'], '*1\r\n:0\r\n'],
    [['BITFIELD', 'lst', 'GET', 'u8', '0'], WRONGTYPE],
    // the FAIL-ed BITFIELD still created its key
    [['DEL', 'x', 'y', 'bf', 'mykey', 'ov'], int(5)],
  ]);
});

test('OBJECT ENCODING / REFCOUNT of strings follow how the value was written', async () => {
  await replay('encodings', [
    [['SET', 'e', '123'], OK],
    [['OBJECT', 'ENCODING', 'e'], bulk('int')],
    [['OBJECT', 'REFCOUNT', 'e'], int(2147483647)],
    [['SET', 'e', '12345'], OK],
    [['OBJECT', 'REFCOUNT', 'e'], int(1)],
    [['APPEND', 'e', '6'], int(6)],
    [['OBJECT', 'ENCODING', 'e'], bulk('raw')],
    [['INCR', 'e'], int(123457)],
    [['OBJECT', 'ENCODING', 'e'], bulk('int')],
    [['SET', 'e', 'x'.repeat(44)], OK],
    [['OBJECT', 'ENCODING', 'e'], bulk('embstr')],
    [['SET', 'e', 'x'.repeat(45)], OK],
    [['OBJECT', 'ENCODING', 'e'], bulk('raw')],
    [['SET', 'e', '007'], OK],
    [['OBJECT', 'ENCODING', 'e'], bulk('embstr')],
    [['SET', 'e', '5'], OK],
    [['SETBIT', 'e', '0', '0'], int(0)],
    [['OBJECT', 'ENCODING', 'e'], bulk('raw')],
    [['SETRANGE', 'e2', '0', 'ab'], int(2)],
    [['OBJECT', 'ENCODING', 'e2'], bulk('raw')],
    [['SET', 'e2', 'ab'], OK],
    [['OBJECT', 'ENCODING', 'e2'], bulk('embstr')],
    [['SET', 'e3', '42'], OK],
    [['COPY', 'e3', 'e4'], int(1)],
    [['OBJECT', 'REFCOUNT', 'e4'], int(1)],
    [['OBJECT', 'ENCODING', 'e4'], bulk('int')],
    [['RENAME', 'e', 'e5'], OK],
    [['OBJECT', 'ENCODING', 'e5'], bulk('raw')],
    [['OBJECT', 'ENCODING', 'nokey'], NIL],
    [['DEL', 'e2', 'e3', 'e4', 'e5'], int(4)],
  ]);
});

test('keyspace events: names and classes as Redis', async () => {
  const seen: string[] = [];
  const hub = srv.server.pubsub;
  const orig = hub.publish.bind(hub);
  hub.publish = (channel: string, message: string, shard?: boolean) => {
    if (channel.startsWith('__keyevent@0__:')) seen.push(`${channel.slice(15)} ${message}`);
    return orig(channel, message, shard);
  };
  try {
    await c.call('DEL', 'ev', 'ev2');
    seen.length = 0;
    await c.call('SET', 'ev', '1', 'EX', '100');
    await c.call('INCRBY', 'ev', '2');
    await c.call('INCRBYFLOAT', 'ev', '1.5');
    await c.call('APPEND', 'ev', '0');
    await c.call('SETRANGE', 'ev', '0', 'x');
    await c.call('SETBIT', 'ev', '0', '1');
    await c.call('GETEX', 'ev', 'PERSIST');
    await c.call('MSET', 'ev', '1', 'ev2', '2');
    await c.call('GETDEL', 'ev2');
    await c.call('BITFIELD', 'ev', 'SET', 'u8', '0', '7');
    await c.call('BITOP', 'NOT', 'ev2', 'ev');
    await c.call('GETSET', 'ev2', 'z');
    await c.call('DEL', 'ev2');
    assert.deepEqual(seen, [
      'set ev',
      'expire ev',
      'incrby ev',
      'incrbyfloat ev',
      'append ev',
      'setrange ev',
      'setbit ev',
      'persist ev',
      'set ev',
      'set ev2',
      'del ev2',
      'setbit ev',
      'set ev2',
      'set ev2',
      'del ev2',
    ]);
  } finally {
    hub.publish = orig;
    await c.call('DEL', 'ev');
  }
});
