/**
 * SORT and SORT_RO through a real socket: numeric and ALPHA order, ASC/DESC,
 * LIMIT, BY patterns (including constant "nosort" patterns and hash fields),
 * GET patterns, STORE, errors, over lists, sets and sorted sets, as Redis 7.0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis } from '../helpers/servers';
import { bulks, expectRaw } from '../helpers/compare';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
let c: TestClient;
const propagated: string[][] = [];

before(async () => {
  srv = await startTredis();
  srv.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
  c = await TestClient.connect(srv.port);
  await c.call('RPUSH', 'o:l', '3', '1', '2', '10');
  await c.call('RPUSH', 'o:la', 'b', 'a', 'c', '');
  await c.call('MSET', 'w_1', '30', 'w_2', '20', 'w_3', '10', 'w_10', '5');
  await c.call('HSET', 'hw_1', 'f', '3');
  await c.call('HSET', 'hw_2', 'f', '1');
  await c.call('HSET', 'hw_3', 'f', '2');
  await c.call('SADD', 'o:s', 'c', 'a', 'b');
  await c.call('SADD', 'o:si', '5', '-1', '3');
  await c.call('SET', 'o:str', 'x');
});

after(async () => {
  c?.close();
  await srv?.close();
});

async function expect(argv: string[], reply: string): Promise<void> {
  await expectRaw(c, argv, reply);
}

test('numeric and ALPHA order, ASC/DESC, LIMIT', async () => {
  await expect(['SORT', 'o:l'], bulks('1', '2', '3', '10'));
  await expect(['SORT', 'o:l', 'DESC'], bulks('10', '3', '2', '1'));
  await expect(['SORT', 'o:l', 'ALPHA'], bulks('1', '10', '2', '3'));
  await expect(['SORT', 'o:l', 'LIMIT', '1', '2'], bulks('2', '3'));
  await expect(['SORT', 'o:l', 'desc', 'limit', '1', '2'], bulks('3', '2'));
  await expect(['SORT', 'o:l', 'LIMIT', '-5', '2'], bulks('1', '2'));
  await expect(['SORT', 'o:l', 'LIMIT', '2', '-1'], bulks('3', '10'));
  await expect(['SORT', 'o:l', 'LIMIT', '10', '2'], '*0\r\n');
  await expect(['SORT', 'o:l', 'LIMIT', '0', '0'], '*0\r\n');
  await expect(['SORT', 'o:la', 'ALPHA'], bulks('', 'a', 'b', 'c'));
  await expect(['SORT', 'o:si'], bulks('-1', '3', '5'));
  await expect(['SORT', 'o:s', 'ALPHA', 'DESC'], bulks('c', 'b', 'a'));
  await expect(['SORT_RO', 'o:l', 'DESC'], bulks('10', '3', '2', '1'));
  await expect(['SORT', 'o:none'], '*0\r\n');
});

test('BY patterns, constant BY, GET patterns with # and ->field', async () => {
  await expect(['SORT', 'o:l', 'BY', 'w_*'], bulks('10', '3', '2', '1'));
  await expect(['SORT', 'o:l', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*'], bulks('10', '5', '3', '10', '2', '20', '1', '30'));
  await expect(['SORT', 'o:l', 'BY', 'hw_*->f', 'GET', 'hw_*->f'], bulks(null, '1', '2', '3'));
  await expect(['SORT', 'o:l', 'BY', 'w_*', 'ALPHA', 'DESC'], bulks('10', '1', '2', '3'));
  await expect(['SORT', 'o:l', 'BY', 'nosort'], bulks('3', '1', '2', '10'));
  await expect(['SORT', 'o:l', 'BY', 'nosort', 'DESC'], bulks('10', '2', '1', '3'));
  await expect(['SORT', 'o:l', 'BY', 'nosort', 'LIMIT', '1', '2'], bulks('1', '2'));
  await expect(['SORT', 'o:l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'], bulks('2', '1'));
  await expect(['SORT', 'o:si', 'BY', 'nosort', 'DESC'], bulks('-1', '3', '5'));
  await expect(['SORT', 'o:l', 'GET', 'nostar'], bulks(null, null, null, null));
  await expect(['SORT', 'o:l', 'GET', 'hw_*->', 'LIMIT', '0', '1'], bulks(null));
  await expect(['SORT', 'o:l', 'GET', 'o:str*', 'LIMIT', '0', '1'], bulks(null));
  await expect(['SORT', 'o:l', 'BY', 'missing_*'], bulks('1', '10', '2', '3'));
});

test('errors: syntax, LIMIT, WRONGTYPE, scores that are not numbers, STORE in SORT_RO', async () => {
  await expect(['SORT', 'o:la'], "-ERR One or more scores can't be converted into double\r\n");
  // BY keys of the wrong type weigh 0: ties fall back to comparing the elements as bytes
  await expect(['SORT', 'o:l', 'BY', 'hw_*'], bulks('1', '10', '2', '3'));
  await expect(['SORT', 'o:l', 'LIMIT', 'a', 'b'], '-ERR value is not an integer or out of range\r\n');
  await expect(['SORT', 'o:l', 'LIMIT', '1'], '-ERR syntax error\r\n');
  await expect(['SORT', 'o:l', 'FOO'], '-ERR syntax error\r\n');
  await expect(['SORT_RO', 'o:l', 'STORE', 'x'], '-ERR syntax error\r\n');
  await expect(['SORT', 'o:str'], '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
  await c.call('HSET', 'o:h', 'a', '1');
  await expect(['SORT', 'o:h'], '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
  await expect(['SORT'], "-ERR wrong number of arguments for 'sort' command\r\n");
});

test('STORE writes a list (or deletes the target when empty) and is propagated as sent', async () => {
  propagated.length = 0;
  await expect(['SORT', 'o:l', 'STORE', 'o:dst'], ':4\r\n');
  await expect(['LRANGE', 'o:dst', '0', '-1'], bulks('1', '2', '3', '10'));
  await expect(['SORT', 'o:l', 'BY', 'w_*', 'GET', 'hw_*->f', 'STORE', 'o:dst'], ':4\r\n');
  await expect(['LRANGE', 'o:dst', '0', '-1'], bulks('', '2', '1', '3'));
  // a set sorted into a key is always sorted (ALPHA), even with a constant BY
  await expect(['SORT', 'o:s', 'BY', 'nosort', 'STORE', 'o:dst2'], ':3\r\n');
  await expect(['LRANGE', 'o:dst2', '0', '-1'], bulks('a', 'b', 'c'));
  await expect(['SORT', 'o:none', 'STORE', 'o:dst2'], ':0\r\n');
  await expect(['EXISTS', 'o:dst2'], ':0\r\n');
  await expect(['SORT', 'o:l', 'STORE', 'o:str2'], ':4\r\n');
  await expect(['TYPE', 'o:str2'], '+list\r\n');
  assert.deepEqual(propagated, [
    ['SORT', 'o:l', 'STORE', 'o:dst'],
    ['SORT', 'o:l', 'BY', 'w_*', 'GET', 'hw_*->f', 'STORE', 'o:dst'],
    ['SORT', 'o:s', 'BY', 'nosort', 'STORE', 'o:dst2'],
    ['SORT', 'o:none', 'STORE', 'o:dst2'],
    ['SORT', 'o:l', 'STORE', 'o:str2'],
  ]);
});

test('sorted sets: native order with a constant BY, and converted to skiplist', async (t) => {
  const z = await c.callRaw('ZADD', 'o:z', '1', 'c', '2', 'b', '3', 'a');
  if (!z.startsWith(':')) {
    t.skip('ZADD not available');
    return;
  }
  await expect(['OBJECT', 'ENCODING', 'o:z'], '$8\r\nlistpack\r\n');
  await expect(['SORT', 'o:z', 'BY', 'nosort'], bulks('c', 'b', 'a'));
  await expect(['SORT', 'o:z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '1'], bulks('b'));
  await expect(['SORT', 'o:z', 'ALPHA'], bulks('a', 'b', 'c'));
  await expect(['SORT', 'o:z'], "-ERR One or more scores can't be converted into double\r\n");
  await expect(['OBJECT', 'ENCODING', 'o:z'], '$8\r\nskiplist\r\n');
});

test('COMMAND GETKEYS-style key positions: SORT counts its STORE key', async () => {
  const cmd = srv.server.commands.get('sort')!;
  assert.deepEqual(cmd.keys(['SORT', 'k', 'BY', 'store', 'LIMIT', '0', '1', 'STORE', 'dst']), ['k', 'dst']);
  assert.deepEqual(cmd.keys(['SORT', 'k', 'GET', 'store']), ['k']);
  assert.deepEqual(srv.server.commands.get('sort_ro')!.keys(['SORT_RO', 'k', 'STORE', 'x']), ['k']);
});
