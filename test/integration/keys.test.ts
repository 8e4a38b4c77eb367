/**
 * Generic key commands through a real socket against an embedded tredis:
 * DEL/UNLINK/EXISTS/TYPE, RENAME/COPY/MOVE, KEYS/SCAN/RANDOMKEY, the EXPIRE
 * and TTL families, PERSIST, TOUCH, OBJECT, keyspace events and active
 * expiry. Exact-reply tables are also replayed against redis-server when it
 * is installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, type ChildServer } from '../helpers/servers';
import { OK, NIL, int, bulk, err, SYNTAX, NOTINT, replayOn, startPair, stopPair, type Case } from '../helpers/compare';
import { TestClient, type Reply } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import { RList } from '../../src/keyspace/types/list';
import { RHash } from '../../src/keyspace/types/hash';

let srv: TredisServer;
let redis: ChildServer | null = null;
let c: TestClient;
let r: TestClient | null = null;

before(async () => {
  ({ srv, c, redis, r } = await startPair({ notifyKeyspaceEvents: 'KEA' }));
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

/** A list value in db 0 of both servers (set directly in tredis: no dependency on the list family). */
async function makeList(key: string, items: string[] = ['x']): Promise<void> {
  srv.server.dbs[0].set(key, new RList(items));
  if (r !== null) {
    await r.call('DEL', key);
    await r.call('RPUSH', key, ...items);
  }
}

test('DEL, UNLINK, EXISTS, TYPE', async () => {
  await makeList('l');
  await replay('del/exists/type', [
    [['MSET', 'a', '1', 'b', '2'], OK],
    [['EXISTS', 'a', 'a', 'nokey', 'b'], int(3)],
    [['TYPE', 'a'], '+string\r\n'],
    [['TYPE', 'l'], '+list\r\n'],
    [['TYPE', 'nokey'], '+none\r\n'],
    [['DEL', 'a', 'a', 'nokey'], int(1)],
    [['UNLINK', 'b', 'l'], int(2)],
    [['EXISTS', 'a', 'b', 'l'], int(0)],
    [['DEL'], err("ERR wrong number of arguments for 'del' command")],
  ]);
});

test('RENAME and RENAMENX keep value and TTL', async () => {
  await replay('rename', [
    [['DEL', 'src', 'dst'], int(0)],
    [['RENAME', 'src', 'dst'], err('ERR no such key')],
    [['RENAMENX', 'src', 'dst'], err('ERR no such key')],
    [['SET', 'src', 'v', 'EX', '100'], OK],
    [['RENAME', 'src', 'src'], OK],
    [['RENAMENX', 'src', 'src'], int(0)],
    [['RENAME', 'src', 'dst'], OK],
    [['EXISTS', 'src'], int(0)],
    [['GET', 'dst'], bulk('v')],
  ]);
  assert.ok(Number(await c.call('TTL', 'dst')) > 98);
  await replay('renamenx', [
    [['SET', 'other', 'o'], OK],
    [['RENAMENX', 'dst', 'other'], int(0)],
    [['RENAME', 'dst', 'other'], OK],
    [['GET', 'other'], bulk('v')],
    [['SET', 'x', '1'], OK],
    [['RENAMENX', 'other', 'fresh'], int(1)],
    [['DEL', 'fresh', 'x'], int(2)],
  ]);
});

test('COPY (DB, REPLACE) makes an independent deep copy; MOVE', async () => {
  await makeList('cl', ['a', 'b']);
  await replay('copy/move', [
    [['DEL', 'c1', 'c2'], int(0)],
    [['COPY', 'nokey', 'c2'], int(0)],
    [['SET', 'c1', 'v', 'EX', '100'], OK],
    [['COPY', 'c1', 'c1'], err('ERR source and destination objects are the same')],
    [['COPY', 'c1', 'c2'], int(1)],
    [['COPY', 'c1', 'c2'], int(0)],
    [['COPY', 'c1', 'c2', 'REPLACE'], int(1)],
    [['COPY', 'c1', 'c1', 'DB', '1'], int(1)],
    [['COPY', 'c1', 'c1', 'DB', '1'], int(0)],
    [['COPY', 'c1', 'c2', 'DB', '99'], err('ERR DB index is out of range')],
    [['COPY', 'c1', 'c2', 'DB', 'x'], NOTINT],
    [['COPY', 'c1', 'c2', 'DB', '99999999999'], err('ERR value is out of range, value must between -2147483648 and 2147483647')],
    [['COPY', 'c1', 'c2', 'DB'], SYNTAX],
    [['COPY', 'c1', 'c2', 'foo'], SYNTAX],
    [['COPY', 'cl', 'cl2'], int(1)],
    [['TYPE', 'cl2'], '+list\r\n'],
    [['MOVE', 'c2', '0'], err('ERR source and destination objects are the same')],
    [['MOVE', 'c2', '99'], err('ERR DB index is out of range')],
    [['MOVE', 'c2', 'x'], NOTINT],
    [['MOVE', 'nokey', '1'], int(0)],
    [['MOVE', 'c1', '1'], int(0)],
    [['MOVE', 'c2', '1'], int(1)],
    [['EXISTS', 'c2'], int(0)],
    [['SELECT', '1'], OK],
    [['GET', 'c2'], bulk('v')],
    [['DEL', 'c1', 'c2'], int(2)],
    [['SELECT', '0'], OK],
    [['DEL', 'c1', 'cl', 'cl2'], int(3)],
  ]);
  // deep copy: the structures are distinct objects
  const db = srv.server.dbs[0];
  const h = new RHash();
  h.set('f', 'v');
  db.set('h', h);
  assert.equal(await c.call('COPY', 'h', 'h2'), 1);
  const h2 = db.peek('h2') as RHash;
  assert.notEqual(h2, h);
  h2.set('g', 'w');
  assert.equal(h.size, 1);
  assert.equal(h2.size, 2);
  assert.equal(await c.call('DEL', 'h', 'h2'), 2);
  // TTLs travel with COPY and MOVE
  await c.call('SET', 't', 'v', 'EX', '100');
  await c.call('COPY', 't', 't2', 'DB', '2');
  await c.call('MOVE', 't', '3');
  for (const dbi of ['2', '3']) {
    await c.call('SELECT', dbi);
    const k = dbi === '2' ? 't2' : 't';
    assert.ok(Number(await c.call('TTL', k)) > 98, `db ${dbi}`);
    await c.call('DEL', k);
  }
  await c.call('SELECT', '0');
});

test('KEYS with glob patterns; expired keys are not listed', async () => {
  await c.call('MSET', 'k:1', 'a', 'k:2', 'b', 'k:10', 'c', 'other', 'd', 'k\0bin', 'e');
  await c.call('SET', 'k:gone', 'x', 'PXAT', '1');
  const sorted = async (p: string) => ((await c.call('KEYS', p)) as string[]).slice().sort();
  assert.deepEqual(await sorted('k:?'), ['k:1', 'k:2'].sort());
  assert.deepEqual(await sorted('k:*'), ['k:1', 'k:10', 'k:2'].sort());
  assert.deepEqual(await sorted('k[:\0]*'), ['k:1', 'k:10', 'k:2', 'k\0bin'].sort());
  assert.deepEqual(await sorted('*'), ['k:1', 'k:10', 'k:2', 'k\0bin', 'other'].sort());
  assert.deepEqual(await sorted('k:[^1]*'), ['k:2']);
  assert.deepEqual(await sorted('nomatch*'), []);
  await c.call('DEL', 'k:1', 'k:2', 'k:10', 'other', 'k\0bin', 'k:gone');
});

/** Every key of a full SCAN iteration. */
async function scanAll(cl: TestClient, ...opts: string[]): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const res = (await cl.call('SCAN', cursor, ...opts)) as [string, string[]];
    cursor = res[0];
    out.push(...res[1]);
  } while (cursor !== '0');
  return out;
}

test('SCAN: MATCH, COUNT, TYPE, cursor errors, and the full-iteration guarantee', async () => {
  const keys: string[] = [];
  for (let i = 0; i < 300; i++) keys.push(`s:${i}`);
  await c.call('MSET', ...keys.flatMap((k) => [k, 'v']));
  await makeList('s:list');
  const all = await scanAll(c, 'COUNT', '7');
  assert.deepEqual([...new Set(all)].sort(), [...keys, 's:list'].sort());
  assert.deepEqual((await scanAll(c, 'MATCH', 's:1?')).sort(), ['s:10', 's:11', 's:12', 's:13', 's:14', 's:15', 's:16', 's:17', 's:18', 's:19']);
  assert.deepEqual(await scanAll(c, 'TYPE', 'list'), ['s:list']);
  assert.deepEqual(await scanAll(c, 'TYPE', 'LIST'), ['s:list']);
  assert.deepEqual(await scanAll(c, 'TYPE', 'nosuchtype'), []);
  // keys present for the whole iteration are all returned while others come and go
  const seen = new Set<string>();
  let cursor = '0';
  let round = 0;
  do {
    const res = (await c.call('SCAN', cursor, 'COUNT', '10')) as [string, string[]];
    cursor = res[0];
    for (const k of res[1]) seen.add(k);
    await c.call('SET', `s:new${round}`, 'x');
    await c.call('DEL', `s:new${round - 1}`);
    round++;
  } while (cursor !== '0');
  for (const k of keys) assert.ok(seen.has(k), k);
  await c.call('DEL', `s:new${round - 1}`);
  await replay('scan errors', [
    [['SCAN', 'x'], err('ERR invalid cursor')],
    [['SCAN', ' 0'], err('ERR invalid cursor')],
    [['SCAN', '18446744073709551616'], err('ERR invalid cursor')],
    [['SCAN', '0', 'COUNT', '0'], SYNTAX],
    [['SCAN', '0', 'COUNT', 'x'], NOTINT],
    [['SCAN', '0', 'MATCH'], SYNTAX],
    [['SCAN', '0', 'foo', 'bar'], SYNTAX],
    [['SCAN'], err("ERR wrong number of arguments for 'scan' command")],
  ]);
  await c.call('DEL', ...keys, 's:list');
  assert.deepEqual(await c.call('SCAN', '0'), ['0', []]);
});

test('RANDOMKEY returns a live key, null when empty', async () => {
  await c.call('SELECT', '5');
  try {
    assert.equal(await c.callRaw('RANDOMKEY'), NIL);
    await c.call('SET', 'only', '1');
    await c.call('SET', 'dead', '1', 'PXAT', '1');
    for (let i = 0; i < 20; i++) assert.equal(await c.call('RANDOMKEY'), 'only');
    await c.call('DEL', 'only');
    assert.equal(await c.callRaw('RANDOMKEY'), NIL);
  } finally {
    await c.call('SELECT', '0');
  }
});

test('EXPIRE family: NX/XX/GT/LT, errors, past times delete', async () => {
  await replay('expire', [
    [['DEL', 'e'], int(0)],
    [['EXPIRE', 'e', '100'], int(0)],
    [['SET', 'e', 'v'], OK],
    [['EXPIRE', 'e', '100', 'XX'], int(0)],
    [['EXPIRE', 'e', '100', 'GT'], int(0)],
    [['EXPIRE', 'e', '100', 'LT'], int(1)],
    [['EXPIRE', 'e', '200', 'NX'], int(0)],
    [['EXPIRE', 'e', '200', 'LT'], int(0)],
    [['EXPIRE', 'e', '200', 'GT'], int(1)],
    [['PEXPIRE', 'e', '300000', 'xx', 'gt'], int(1)],
    [['EXPIRE', 'e', '100', 'NX', 'XX'], err('ERR NX and XX, GT or LT options at the same time are not compatible')],
    [['EXPIRE', 'e', '100', 'NX', 'GT'], err('ERR NX and XX, GT or LT options at the same time are not compatible')],
    [['EXPIRE', 'e', '100', 'GT', 'LT'], err('ERR GT and LT options at the same time are not compatible')],
    [['EXPIRE', 'e', '100', 'bogus'], err('ERR Unsupported option bogus')],
    [['EXPIRE', 'e', 'x'], NOTINT],
    [['EXPIRE', 'e', '9223372036854776'], err("ERR invalid expire time in 'expire' command")],
    [['EXPIRE', 'e', '-9223372036854776'], err("ERR invalid expire time in 'expire' command")],
    [['PEXPIRE', 'e', '9223372036854770000'], err("ERR invalid expire time in 'pexpire' command")],
    [['EXPIREAT', 'e', '9223372036854775807'], err("ERR invalid expire time in 'expireat' command")],
    [['PEXPIREAT', 'e', '9223372036854770000'], int(1)],
    [['PERSIST', 'e'], int(1)],
    [['PERSIST', 'e'], int(0)],
    [['TTL', 'e'], int(-1)],
    [['PTTL', 'e'], int(-1)],
    [['EXPIRETIME', 'e'], int(-1)],
    [['PEXPIRETIME', 'e'], int(-1)],
    [['TTL', 'nokey'], int(-2)],
    [['PEXPIRETIME', 'nokey'], int(-2)],
    [['EXPIREAT', 'e', '1700000000'], int(1)],
    [['EXISTS', 'e'], int(0)],
    [['SET', 'e', 'v'], OK],
    [['PEXPIREAT', 'e', '-9223372036854770000'], int(1)],
    [['TTL', 'e'], int(-2)],
    [['SET', 'e', 'v'], OK],
    [['EXPIRE', 'e', '-1'], int(1)],
    [['EXISTS', 'e'], int(0)],
    [['SET', 'e', 'v'], OK],
    [['PEXPIREAT', 'e', '4102444800123'], int(1)],
    [['PEXPIRETIME', 'e'], int(4102444800123)],
    [['EXPIRETIME', 'e'], int(4102444800)],
    [['EXPIREAT', 'e', '4102444801'], int(1)],
    [['EXPIRETIME', 'e'], int(4102444801)],
    [['DEL', 'e'], int(1)],
  ]);
  await c.call('SET', 'e', 'v', 'PX', '100400');
  const pttl = Number(await c.call('PTTL', 'e'));
  assert.ok(pttl > 99000 && pttl <= 100400);
  // TTL rounds to the nearest second: (ms + 500) / 1000
  assert.equal(await c.call('TTL', 'e'), 100);
  const at = Number(await c.call('PEXPIRETIME', 'e'));
  assert.ok(Math.abs(at - (Date.now() + 100400)) < 2000);
  await c.call('DEL', 'e');
});

test('TOUCH counts existing keys; OBJECT subcommands', async () => {
  await makeList('ol');
  await replay('touch/object', [
    [['MSET', 'o1', '1', 'o2', 'x'], OK],
    [['TOUCH', 'o1', 'o2', 'nokey', 'o1'], int(3)],
    [['OBJECT', 'ENCODING', 'ol'], bulk('quicklist')],
    [['OBJECT', 'REFCOUNT', 'ol'], int(1)],
    [['OBJECT', 'IDLETIME', 'nokey'], NIL],
    [['OBJECT', 'FREQ', 'o1'], err('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.')],
    [['OBJECT', 'foo', 'o1'], err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")],
    [['OBJECT', 'ENCODING'], err("ERR wrong number of arguments for 'object|encoding' command")],
    [['OBJECT', 'ENCODING', 'o1', 'extra'], err("ERR wrong number of arguments for 'object|encoding' command")],
    [['DEL', 'o1', 'o2', 'ol'], int(3)],
  ]);
  const help = (await c.call('OBJECT', 'HELP')) as string[];
  assert.equal(help[0], 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.equal(help[help.length - 1], '    Prints this help.');
  if (r !== null) assert.equal(await c.callRaw('OBJECT', 'HELP'), await r.callRaw('OBJECT', 'HELP'));
  await c.call('SET', 'idle', 'v');
  assert.equal(await c.call('OBJECT', 'IDLETIME', 'idle'), 0);
  await c.call('DEL', 'idle');
});

test('generic keyspace events', async () => {
  const seen: string[] = [];
  const hub = srv.server.pubsub;
  const orig = hub.publish.bind(hub);
  hub.publish = (channel: string, message: string, shard?: boolean) => {
    const m = /^__keyevent@(\d+)__:(.*)$/.exec(channel);
    if (m) seen.push(`${m[1]} ${m[2]} ${message}`);
    return orig(channel, message, shard);
  };
  try {
    await c.call('SET', 'ga', '1');
    seen.length = 0;
    await c.call('EXPIRE', 'ga', '100');
    await c.call('PERSIST', 'ga');
    await c.call('RENAME', 'ga', 'gb');
    await c.call('COPY', 'gb', 'gc', 'DB', '1');
    await c.call('MOVE', 'gb', '2');
    await c.call('SELECT', '1');
    await c.call('DEL', 'gc');
    await c.call('SELECT', '2');
    await c.call('EXPIRE', 'gb', '-1');
    await c.call('SET', 'gd', '1', 'PX', '1');
    await new Promise((res) => setTimeout(res, 5));
    await c.call('GET', 'gd');
    await c.call('SELECT', '0');
    assert.deepEqual(seen, [
      '0 expire ga',
      '0 persist ga',
      '0 rename_from ga',
      '0 rename_to gb',
      '1 copy_to gc',
      '0 move_from gb',
      '2 move_to gb',
      '1 del gc',
      '2 del gb',
      '2 set gd',
      '2 expire gd',
      '2 expired gd',
    ]);
  } finally {
    hub.publish = orig;
  }
});

test('active expiry reclaims keys with a TTL that nobody touches', async () => {
  const dels: string[] = [];
  srv.server.propagation.listeners.push({ feed: (_db, argv) => argv[0] === 'DEL' && dels.push(argv[1]) });
  await c.call('SELECT', '7');
  try {
    const n = 200;
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(`ae:${i}`, 'v');
    await c.call('MSET', ...args);
    for (let i = 0; i < n; i++) await c.call('PEXPIRE', `ae:${i}`, String(50 + (i % 50)));
    await c.call('SET', 'ae:keep', 'v');
    const db = srv.server.dbs[7];
    assert.equal(db.size, n + 1);
    await waitFor(() => db.size === 1, 10000, 'active expiry');
    assert.equal(db.expiresSize, 0);
    assert.equal(dels.filter((k) => k.startsWith('ae:')).length, n);
    assert.deepEqual(await c.call('KEYS', '*'), ['ae:keep']);
    await c.call('DEL', 'ae:keep');
  } finally {
    await c.call('SELECT', '0');
  }
});

test('RESP3 null shapes', async () => {
  const c3 = await TestClient.connect(srv.port);
  try {
    await c3.call('HELLO', '3');
    assert.equal(await c3.callRaw('OBJECT', 'ENCODING', 'nokey'), '_\r\n');
    assert.equal(await c3.callRaw('GET', 'nokey'), '_\r\n');
    await c3.call('SELECT', '9');
    assert.equal(await c3.callRaw('RANDOMKEY'), '_\r\n');
    const reply: Reply = await c3.call('SCAN', '0', 'MATCH', 'nomatch*');
    assert.deepEqual(reply, ['0', []]);
  } finally {
    c3.close();
  }
});
