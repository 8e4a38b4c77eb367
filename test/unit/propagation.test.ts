/**
 * What each string / key write propagates (to the AOF and replicas), checked
 * through a sink on server.propagation.listeners of an embedded server with an
 * injected clock. Expectations are Redis 7.0.15's stream as seen by a
 * replica (recorded with SYNC against redis-server).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const T0 = 1_700_000_000_000;
let now = T0;
let srv: TredisServer;
let c: TestClient;
let fed: Array<[number, string[]]> = [];

before(async () => {
  srv = await startTredis({ clock: () => now });
  // expiry must only happen lazily here, when the test asks for it
  srv.server.cron.activeExpireEnabled = false;
  srv.server.propagation.listeners.push({ feed: (db, argv) => fed.push([db, argv.slice()]) });
  c = await TestClient.connect(srv.port);
});

after(async () => {
  c?.close();
  await srv?.close();
});

/** Run a command; return [raw reply, what it propagated (argv lists; db shown when not 0)]. */
async function run(...argv: string[]): Promise<[string, Array<string[]>]> {
  fed = [];
  const reply = await c.callRaw(...argv);
  return [reply, fed.map(([db, a]) => (db === 0 ? a : [`db${db}`, ...a]))];
}

async function props(...argv: string[]): Promise<Array<string[]>> {
  return (await run(...argv))[1];
}

test('SET with EX/PX/EXAT/PXAT becomes SET k v PXAT <abs ms>, GET is dropped', async () => {
  now = T0;
  assert.deepEqual(await props('SET', 'k', 'v', 'EX', '100'), [['SET', 'k', 'v', 'PXAT', String(T0 + 100000)]]);
  assert.deepEqual(await props('set', 'k', 'v', 'px', '5000', 'xx'), [['SET', 'k', 'v', 'PXAT', String(T0 + 5000)]]);
  assert.deepEqual(await props('SET', 'k', 'v', 'EXAT', String(T0 / 1000 + 10)), [['SET', 'k', 'v', 'PXAT', String(T0 + 10000)]]);
  assert.deepEqual(await props('SET', 'k', 'v', 'PXAT', String(T0 + 7)), [['SET', 'k', 'v', 'PXAT', String(T0 + 7)]]);
  assert.deepEqual(await props('SET', 'k', 'v2', 'GET', 'EX', '10'), [['SET', 'k', 'v2', 'PXAT', String(T0 + 10000)]]);
  // without a TTL the command keeps its own words, minus every GET
  assert.deepEqual(await props('set', 'k', 'v3', 'get', 'XX', 'KEEPTTL', 'GET'), [['set', 'k', 'v3', 'XX', 'KEEPTTL']]);
  assert.deepEqual(await props('SET', 'k', 'plain'), [['SET', 'k', 'plain']]);
  // nothing written, nothing propagated
  assert.deepEqual(await run('SET', 'k', 'v', 'NX'), ['$-1\r\n', []]);
  assert.deepEqual(await run('SET', 'k', 'v', 'EX', '0'), ["-ERR invalid expire time in 'set' command\r\n", []]);
  // an EXAT in the past still sets (and the key is then expired): propagated as given
  assert.deepEqual(await props('SET', 'past', 'v', 'PXAT', '1000'), [['SET', 'past', 'v', 'PXAT', '1000']]);
  assert.deepEqual(await props('GET', 'past'), [['DEL', 'past']]);
});

test('SETEX, PSETEX, SETNX, GETSET, MSET', async () => {
  now = T0;
  assert.deepEqual(await props('SETEX', 'a', '10', 'v'), [['SET', 'a', 'v', 'PXAT', String(T0 + 10000)]]);
  assert.deepEqual(await props('PSETEX', 'a', '1500', 'v'), [['SET', 'a', 'v', 'PXAT', String(T0 + 1500)]]);
  assert.deepEqual(await props('SETNX', 'a', 'x'), []);
  assert.deepEqual(await props('SETNX', 'b', 'x'), [['SETNX', 'b', 'x']]);
  assert.deepEqual(await props('GETSET', 'b', 'y'), [['SET', 'b', 'y']]);
  assert.deepEqual(await props('MSET', 'a', '1', 'b', '2'), [['MSET', 'a', '1', 'b', '2']]);
  assert.deepEqual(await props('MSETNX', 'a', '1', 'zz', '2'), []);
});

test('EXPIRE family becomes PEXPIREAT (flags kept); a time in the past becomes DEL', async () => {
  now = T0;
  await run('SET', 'e', 'v');
  assert.deepEqual(await props('EXPIRE', 'e', '100'), [['PEXPIREAT', 'e', String(T0 + 100000)]]);
  assert.deepEqual(await props('pexpire', 'e', '200000', 'gt'), [['PEXPIREAT', 'e', String(T0 + 200000), 'gt']]);
  assert.deepEqual(await props('EXPIREAT', 'e', String(T0 / 1000 + 500)), [['PEXPIREAT', 'e', String(T0 + 500000)]]);
  assert.deepEqual(await props('pexpireat', 'e', String(T0 + 600000)), [['pexpireat', 'e', String(T0 + 600000)]]);
  assert.deepEqual(await props('EXPIRE', 'e', '100', 'NX'), []);
  assert.deepEqual(await props('EXPIRE', 'missing', '100'), []);
  assert.deepEqual(await run('EXPIRE', 'e', '-1'), [':1\r\n', [['DEL', 'e']]]);
  await run('SET', 'e', 'v');
  assert.deepEqual(await props('EXPIREAT', 'e', '1'), [['DEL', 'e']]);
  await run('SET', 'e', 'v', 'EX', '100');
  assert.deepEqual(await props('PERSIST', 'e'), [['PERSIST', 'e']]);
  assert.deepEqual(await props('PERSIST', 'e'), []);
  srv.server.config.setRaw('lazyfree-lazy-expire', true);
  try {
    assert.deepEqual(await props('PEXPIRE', 'e', '-5'), [['UNLINK', 'e']]);
  } finally {
    srv.server.config.setRaw('lazyfree-lazy-expire', false);
  }
});

test('GETEX, GETDEL, INCRBYFLOAT rewrites', async () => {
  now = T0;
  await run('SET', 'g', '1.5');
  assert.deepEqual(await props('GETEX', 'g'), []);
  assert.deepEqual(await props('GETEX', 'g', 'EX', '100'), [['PEXPIREAT', 'g', String(T0 + 100000)]]);
  assert.deepEqual(await props('GETEX', 'g', 'PXAT', String(T0 + 5)), [['PEXPIREAT', 'g', String(T0 + 5)]]);
  assert.deepEqual(await props('GETEX', 'g', 'PERSIST'), [['PERSIST', 'g']]);
  assert.deepEqual(await props('GETEX', 'g', 'PERSIST'), []);
  assert.deepEqual(await run('INCRBYFLOAT', 'g', '1'), ['$3\r\n2.5\r\n', [['SET', 'g', '2.5', 'KEEPTTL']]]);
  assert.deepEqual(await run('GETEX', 'g', 'EXAT', '1'), ['$3\r\n2.5\r\n', [['DEL', 'g']]]);
  await run('SET', 'g', 'x');
  assert.deepEqual(await run('GETDEL', 'g'), ['$1\r\nx\r\n', [['DEL', 'g']]]);
  assert.deepEqual(await props('GETDEL', 'g'), []);
});

test('writes that change nothing are not propagated', async () => {
  now = T0;
  await run('SET', 'bits', '1'); // 0x31
  assert.deepEqual(await props('SETBIT', 'bits', '0', '0'), []);
  assert.deepEqual(await props('SETBIT', 'bits', '7', '1'), []);
  assert.deepEqual(await props('BITFIELD', 'bits', 'SET', 'u8', '0', '49'), []);
  assert.deepEqual(await props('BITFIELD', 'bits', 'SET', 'u8', '0', '50'), [['BITFIELD', 'bits', 'SET', 'u8', '0', '50']]);
  assert.deepEqual(await props('SETBIT', 'bits', '7', '1'), [['SETBIT', 'bits', '7', '1']]);
  // growing the string is a change even when the bit stays 0
  assert.deepEqual(await props('SETBIT', 'bits', '20', '0'), [['SETBIT', 'bits', '20', '0']]);
  assert.deepEqual(await props('SETRANGE', 'bits', '0', ''), []);
  assert.deepEqual(await props('APPEND', 'bits', ''), [['APPEND', 'bits', '']]);
  assert.deepEqual(await props('DEL', 'nothing', 'here'), []);
  assert.deepEqual(await props('RENAMENX', 'bits', 'bits'), []);
});

test('an expired key is deleted (DEL) before the command, MULTI/EXEC-wrapped with its write', async () => {
  now = T0;
  await run('SET', 'x', '1', 'PX', '100');
  await run('SET', 'y', '1', 'PX', '100');
  now = T0 + 200;
  assert.deepEqual(await props('SET', 'x', 'v'), [['MULTI'], ['DEL', 'x'], ['SET', 'x', 'v'], ['EXEC']]);
  assert.deepEqual(await props('INCR', 'y'), [['MULTI'], ['DEL', 'y'], ['INCR', 'y'], ['EXEC']]);
  // a read that reclaims one key propagates the lone DEL
  await run('SET', 'z', '1', 'PX', '100');
  now = T0 + 400;
  assert.deepEqual(await run('GET', 'z'), ['$-1\r\n', [['DEL', 'z']]]);
  // a read reclaiming two keys wraps both DELs
  await run('SET', 'm1', '1', 'PX', '100');
  await run('SET', 'm2', '1', 'PX', '100');
  now = T0 + 600;
  assert.deepEqual(await props('MGET', 'm1', 'm2'), [['MULTI'], ['DEL', 'm1'], ['DEL', 'm2'], ['EXEC']]);
  // DEL of an expired key: only the expiry's DEL
  await run('SET', 'w', '1', 'PX', '100');
  now = T0 + 800;
  assert.deepEqual(await run('DEL', 'w'), [':0\r\n', [['DEL', 'w']]]);
  // SCAN touches arbitrary keys: its DELs are not wrapped
  await run('SET', 's1', '1', 'PX', '100');
  await run('SET', 's2', '1', 'PX', '100');
  now = T0 + 1000;
  const scanned = await props('SCAN', '0', 'COUNT', '1000');
  assert.deepEqual(scanned.map((a) => a.join(' ')).sort(), ['DEL s1', 'DEL s2']);
  // and the flag does not leak into the next command
  await run('SET', 'm1', '1', 'PX', '100');
  await run('SET', 'm2', '1', 'PX', '100');
  now = T0 + 1200;
  assert.deepEqual(await props('MGET', 'm1', 'm2'), [['MULTI'], ['DEL', 'm1'], ['DEL', 'm2'], ['EXEC']]);
});

test('commands in other dbs are fed with their db; MOVE and COPY propagate as sent', async () => {
  now = T0;
  await run('SELECT', '1');
  assert.deepEqual(await props('SET', 'q', '1'), [['db1', 'SET', 'q', '1']]);
  assert.deepEqual(await props('MOVE', 'q', '0'), [['db1', 'MOVE', 'q', '0']]);
  await run('SELECT', '0');
  assert.deepEqual(await props('COPY', 'q', 'q2', 'DB', '1'), [['COPY', 'q', 'q2', 'DB', '1']]);
  assert.deepEqual(await props('RENAME', 'q', 'q3'), [['RENAME', 'q', 'q3']]);
  // an expired key in the target db: MULTI and the DEL go to db 1, MOVE and EXEC to db 0
  await run('SELECT', '1');
  await run('SET', 'mv', 'old', 'PX', '100');
  await run('SELECT', '0');
  await run('SET', 'mv', 'new');
  now = T0 + 500;
  assert.deepEqual(await props('MOVE', 'mv', '1'), [['db1', 'MULTI'], ['db1', 'DEL', 'mv'], ['MOVE', 'mv', '1'], ['EXEC']]);
});
