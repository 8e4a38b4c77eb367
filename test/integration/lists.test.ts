/**
 * List commands through a real socket: replies byte for byte as Redis 7.0,
 * every error text, RESP3 null forms, deletion of emptied lists, keyspace
 * events and what gets propagated.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { WRONGTYPE, bulks, expectRaw, startRecording } from '../helpers/compare';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
let c: TestClient;
const events: string[] = [];
const propagated: string[][] = [];

before(async () => {
  ({ srv, c } = await startRecording({}, events, propagated));
});

after(async () => {
  c?.close();
  await srv?.close();
});

beforeEach(() => {
  events.length = 0;
  propagated.length = 0;
});

async function expect(argv: string[], reply: string): Promise<void> {
  await expectRaw(c, argv, reply);
}

test('LPUSH/RPUSH/LRANGE/LLEN and pops with and without count', async () => {
  await expect(['RPUSH', 'l:a', 'a', 'b', 'c'], ':3\r\n');
  await expect(['LPUSH', 'l:a', 'x', 'y'], ':5\r\n');
  await expect(['LRANGE', 'l:a', '0', '-1'], bulks('y', 'x', 'a', 'b', 'c'));
  await expect(['LRANGE', 'l:a', '-2', '100'], bulks('b', 'c'));
  await expect(['LRANGE', 'l:a', '3', '1'], '*0\r\n');
  await expect(['LRANGE', 'l:missing', '0', '-1'], '*0\r\n');
  await expect(['LLEN', 'l:a'], ':5\r\n');
  await expect(['LLEN', 'l:missing'], ':0\r\n');
  await expect(['LPOP', 'l:a'], '$1\r\ny\r\n');
  await expect(['RPOP', 'l:a'], '$1\r\nc\r\n');
  await expect(['RPOP', 'l:a', '2'], bulks('b', 'a'));
  await expect(['LPOP', 'l:a', '0'], '*0\r\n');
  await expect(['LPOP', 'l:a', '5'], bulks('x'));
  await expect(['EXISTS', 'l:a'], ':0\r\n');
  await expect(['LPOP', 'l:a'], '$-1\r\n');
  await expect(['LPOP', 'l:a', '1'], '*-1\r\n');
  await expect(['LPOP', 'l:a', '0'], '*-1\r\n');
  await expect(['LPOP', 'l:a', '-1'], '-ERR value is out of range, must be positive\r\n');
  await expect(['LPOP', 'l:a', 'x'], '-ERR value is out of range, must be positive\r\n');
  await expect(['LPOP', 'l:a', '1', '2'], "-ERR wrong number of arguments for 'lpop' command\r\n");
  await expect(['RPOP', 'l:a', '1', '2'], "-ERR wrong number of arguments for 'rpop' command\r\n");
  await expect(['LPUSH', 'l:a'], "-ERR wrong number of arguments for 'lpush' command\r\n");
});

test('LPUSHX/RPUSHX only touch existing lists', async () => {
  await expect(['LPUSHX', 'l:x', 'a'], ':0\r\n');
  await expect(['EXISTS', 'l:x'], ':0\r\n');
  await expect(['RPUSH', 'l:x', 'a'], ':1\r\n');
  await expect(['LPUSHX', 'l:x', 'b', 'c'], ':3\r\n');
  await expect(['RPUSHX', 'l:x', 'd'], ':4\r\n');
  await expect(['LRANGE', 'l:x', '0', '-1'], bulks('c', 'b', 'a', 'd'));
});

test('RESP3 null forms of the pops', async () => {
  const d = await TestClient.connect(srv.port);
  try {
    await d.call('HELLO', '3');
    assert.equal(await d.callRaw('LPOP', 'l:none'), '_\r\n');
    assert.equal(await d.callRaw('LPOP', 'l:none', '2'), '_\r\n');
    assert.equal(await d.callRaw('LINDEX', 'l:none', '0'), '_\r\n');
    assert.equal(await d.callRaw('LMOVE', 'l:none', 'x', 'LEFT', 'LEFT'), '_\r\n');
    assert.equal(await d.callRaw('LMPOP', '1', 'l:none', 'LEFT'), '_\r\n');
    assert.equal(await d.callRaw('LPOS', 'l:none', 'a'), '_\r\n');
  } finally {
    d.close();
  }
});

test('LINDEX, LSET, LINSERT, LREM, LTRIM with their errors', async () => {
  await c.call('RPUSH', 'l:b', 'a', 'b', 'c', 'b', 'a');
  await expect(['LINDEX', 'l:b', '1'], '$1\r\nb\r\n');
  await expect(['LINDEX', 'l:b', '-1'], '$1\r\na\r\n');
  await expect(['LINDEX', 'l:b', '10'], '$-1\r\n');
  await expect(['LINDEX', 'l:b', 'x'], '-ERR value is not an integer or out of range\r\n');
  await expect(['LINDEX', 'l:none', 'x'], '$-1\r\n');
  await expect(['LSET', 'l:none', '0', 'x'], '-ERR no such key\r\n');
  await expect(['LSET', 'l:b', '10', 'x'], '-ERR index out of range\r\n');
  await expect(['LSET', 'l:b', 'x', 'x'], '-ERR value is not an integer or out of range\r\n');
  await expect(['LSET', 'l:b', '-1', 'z'], '+OK\r\n');
  await expect(['LINSERT', 'l:b', 'middle', 'a', 'x'], '-ERR syntax error\r\n');
  await expect(['LINSERT', 'l:none', 'BEFORE', 'a', 'x'], ':0\r\n');
  await expect(['LINSERT', 'l:b', 'BEFORE', 'nope', 'x'], ':-1\r\n');
  await expect(['LINSERT', 'l:b', 'after', 'b', 'B'], ':6\r\n');
  await expect(['LINSERT', 'l:b', 'BEFORE', 'a', 'A'], ':7\r\n');
  await expect(['LRANGE', 'l:b', '0', '-1'], bulks('A', 'a', 'b', 'B', 'c', 'b', 'z'));
  await expect(['LREM', 'l:b', '-1', 'b'], ':1\r\n');
  await expect(['LREM', 'l:b', '0', 'nope'], ':0\r\n');
  await expect(['LREM', 'l:b', 'x', 'b'], '-ERR value is not an integer or out of range\r\n');
  await expect(['LREM', 'l:none', 'x', 'b'], '-ERR value is not an integer or out of range\r\n');
  await expect(['LREM', 'l:none', '0', 'b'], ':0\r\n');
  await expect(['LRANGE', 'l:b', '0', '-1'], bulks('A', 'a', 'b', 'B', 'c', 'z'));
  await expect(['LTRIM', 'l:b', '1', '-2'], '+OK\r\n');
  await expect(['LRANGE', 'l:b', '0', '-1'], bulks('a', 'b', 'B', 'c'));
  await expect(['LTRIM', 'l:none', '0', '1'], '+OK\r\n');
  await expect(['LTRIM', 'l:none', 'x', '1'], '-ERR value is not an integer or out of range\r\n');
  await expect(['LTRIM', 'l:b', '5', '1'], '+OK\r\n');
  await expect(['EXISTS', 'l:b'], ':0\r\n');
  await c.call('RPUSH', 'l:b2', 'a', 'a');
  await expect(['LREM', 'l:b2', '0', 'a'], ':2\r\n');
  await expect(['EXISTS', 'l:b2'], ':0\r\n');
});

test('LPOS with RANK, COUNT, MAXLEN and its errors', async () => {
  await c.call('RPUSH', 'l:p', 'a', 'b', 'c', '1', '2', '3', 'c', 'c');
  await expect(['LPOS', 'l:p', 'c'], ':2\r\n');
  await expect(['LPOS', 'l:p', 'c', 'RANK', '2'], ':6\r\n');
  await expect(['LPOS', 'l:p', 'c', 'RANK', '-1'], ':7\r\n');
  await expect(['LPOS', 'l:p', 'c', 'COUNT', '0'], '*3\r\n:2\r\n:6\r\n:7\r\n');
  await expect(['LPOS', 'l:p', 'c', 'COUNT', '2', 'RANK', '-1'], '*2\r\n:7\r\n:6\r\n');
  await expect(['LPOS', 'l:p', 'c', 'COUNT', '0', 'MAXLEN', '7'], '*2\r\n:2\r\n:6\r\n');
  await expect(['LPOS', 'l:p', 'x'], '$-1\r\n');
  await expect(['LPOS', 'l:p', 'x', 'COUNT', '1'], '*0\r\n');
  await expect(['LPOS', 'l:none', 'x', 'COUNT', '1'], '*0\r\n');
  await expect(['LPOS', 'l:p', 'c', 'RANK', '0'], "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n");
  await expect(['LPOS', 'l:p', 'c', 'COUNT', '-1'], "-ERR COUNT can't be negative\r\n");
  await expect(['LPOS', 'l:p', 'c', 'COUNT', 'x'], "-ERR COUNT can't be negative\r\n");
  await expect(['LPOS', 'l:p', 'c', 'MAXLEN', '-1'], "-ERR MAXLEN can't be negative\r\n");
  await expect(['LPOS', 'l:p', 'c', 'RANK', 'x'], '-ERR value is not an integer or out of range\r\n');
  await expect(['LPOS', 'l:p', 'c', 'RANK'], '-ERR syntax error\r\n');
  await expect(['LPOS', 'l:p', 'c', 'FOO', '1'], '-ERR syntax error\r\n');
  await expect(['LPOS', 'l:p', 'c', 'RANK', '-9223372036854775808'], ':7\r\n');
});

test('LMOVE and RPOPLPUSH, including rotation of one list', async () => {
  await c.call('RPUSH', 'l:m', '1', '2', '3');
  await expect(['LMOVE', 'l:m', 'l:n', 'LEFT', 'RIGHT'], '$1\r\n1\r\n');
  await expect(['LMOVE', 'l:m', 'l:n', 'right', 'left'], '$1\r\n3\r\n');
  await expect(['LRANGE', 'l:n', '0', '-1'], bulks('3', '1'));
  await expect(['RPOPLPUSH', 'l:n', 'l:n'], '$1\r\n1\r\n');
  await expect(['LRANGE', 'l:n', '0', '-1'], bulks('1', '3'));
  await expect(['LMOVE', 'l:m', 'l:m', 'LEFT', 'RIGHT'], '$1\r\n2\r\n');
  await expect(['LRANGE', 'l:m', '0', '-1'], bulks('2'));
  await expect(['LMOVE', 'l:m', 'l:n', 'UP', 'LEFT'], '-ERR syntax error\r\n');
  await expect(['LMOVE', 'l:none', 'l:n', 'LEFT', 'LEFT'], '$-1\r\n');
  await expect(['RPOPLPUSH', 'l:none', 'l:n'], '$-1\r\n');
  await c.call('SET', 'l:str', 'v');
  await expect(['LMOVE', 'l:m', 'l:str', 'LEFT', 'LEFT'], WRONGTYPE);
  await expect(['LMOVE', 'l:none', 'l:str', 'LEFT', 'LEFT'], '$-1\r\n');
  await expect(['LRANGE', 'l:m', '0', '-1'], bulks('2'));
  await expect(['RPOPLPUSH', 'l:m', 'l:n'], '$1\r\n2\r\n');
  await expect(['EXISTS', 'l:m'], ':0\r\n');
});

test('LMPOP forms and errors', async () => {
  await c.call('RPUSH', 'l:q2', 'a', 'b', 'c');
  await expect(['LMPOP', '2', 'l:q1', 'l:q2', 'LEFT'], '*2\r\n$4\r\nl:q2\r\n' + bulks('a'));
  await expect(['LMPOP', '2', 'l:q1', 'l:q2', 'RIGHT', 'COUNT', '5'], '*2\r\n$4\r\nl:q2\r\n' + bulks('c', 'b'));
  await expect(['EXISTS', 'l:q2'], ':0\r\n');
  await expect(['LMPOP', '1', 'l:q1', 'LEFT'], '*-1\r\n');
  await expect(['LMPOP', '0', 'l:q1', 'LEFT'], '-ERR numkeys should be greater than 0\r\n');
  await expect(['LMPOP', 'x', 'l:q1', 'LEFT'], '-ERR numkeys should be greater than 0\r\n');
  await expect(['LMPOP', '2', 'l:q1', 'LEFT'], '-ERR syntax error\r\n');
  await expect(['LMPOP', '1', 'l:q1', 'UP'], '-ERR syntax error\r\n');
  await expect(['LMPOP', '1', 'l:q1', 'LEFT', 'COUNT', '0'], '-ERR count should be greater than 0\r\n');
  await expect(['LMPOP', '1', 'l:q1', 'LEFT', 'COUNT', '1', 'COUNT', '1'], '-ERR syntax error\r\n');
  await expect(['LMPOP', '1', 'l:q1'], "-ERR wrong number of arguments for 'lmpop' command\r\n");
  await c.call('SET', 'l:str2', 'v');
  await expect(['LMPOP', '2', 'l:q1', 'l:str2', 'LEFT'], WRONGTYPE);
});

test('WRONGTYPE from every list command', async () => {
  await c.call('SET', 'l:s', 'v');
  const cmds = [
    ['LPUSH', 'l:s', 'a'], ['RPUSH', 'l:s', 'a'], ['LPUSHX', 'l:s', 'a'], ['RPUSHX', 'l:s', 'a'], ['LPOP', 'l:s'], ['RPOP', 'l:s', '1'],
    ['LLEN', 'l:s'], ['LINDEX', 'l:s', '0'], ['LRANGE', 'l:s', '0', '1'], ['LINSERT', 'l:s', 'BEFORE', 'a', 'b'], ['LSET', 'l:s', '0', 'a'],
    ['LREM', 'l:s', '0', 'a'], ['LTRIM', 'l:s', '0', '1'], ['LPOS', 'l:s', 'a'], ['LMOVE', 'l:s', 'x', 'LEFT', 'LEFT'], ['RPOPLPUSH', 'l:s', 'x'],
    ['LMPOP', '1', 'l:s', 'LEFT'], ['BLPOP', 'l:s', '0'], ['BRPOP', 'l:s', '0'], ['BLMOVE', 'l:s', 'x', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 'l:s', 'x', '0'],
    ['BLMPOP', '0', '1', 'l:s', 'LEFT'],
  ];
  for (const argv of cmds) await expect(argv, WRONGTYPE);
});

test('keyspace events in Redis order, and del when a list empties', async () => {
  await c.call('RPUSH', 'l:e', 'a', 'b');
  await c.call('LMOVE', 'l:e', 'l:f', 'LEFT', 'RIGHT');
  await c.call('RPOPLPUSH', 'l:e', 'l:f');
  await c.call('LINSERT', 'l:f', 'BEFORE', 'a', 'x');
  await c.call('LSET', 'l:f', '0', 'y');
  await c.call('LREM', 'l:f', '0', 'y');
  await c.call('LTRIM', 'l:f', '0', '0');
  await c.call('LPOP', 'l:f');
  assert.deepEqual(events, ['rpush:l:e', 'rpush:l:f', 'lpop:l:e', 'lpush:l:f', 'rpop:l:e', 'del:l:e', 'linsert:l:f', 'lset:l:f', 'lrem:l:f', 'ltrim:l:f', 'lpop:l:f', 'del:l:f']);
});

test('propagation: pops and moves as sent, blocking forms served at once as their plain forms', async () => {
  await c.call('RPUSH', 'l:r', 'a', 'b', 'c', 'd', 'e', 'f');
  await c.call('LPOP', 'l:r');
  await c.call('BLPOP', 'l:none', 'l:r', '0');
  await c.call('BRPOP', 'l:r', '0');
  await c.call('BLMOVE', 'l:r', 'l:r2', 'RIGHT', 'left', '0');
  await c.call('BRPOPLPUSH', 'l:r', 'l:r2', '0');
  await c.call('LMPOP', '1', 'l:r', 'LEFT', 'COUNT', '10');
  await c.call('BLMPOP', '0', '1', 'l:r2', 'RIGHT', 'COUNT', '1');
  await c.call('LTRIM', 'l:r2', '0', '-1');
  await c.call('LPOP', 'l:none');
  assert.deepEqual(propagated, [
    ['RPUSH', 'l:r', 'a', 'b', 'c', 'd', 'e', 'f'],
    ['LPOP', 'l:r'],
    ['LPOP', 'l:r'],
    ['RPOP', 'l:r'],
    ['LMOVE', 'l:r', 'l:r2', 'RIGHT', 'left'],
    ['RPOPLPUSH', 'l:r', 'l:r2'],
    ['LPOP', 'l:r', '1'],
    ['RPOP', 'l:r2', '1'],
  ]);
});

test('timeout argument errors of the blocking commands', async () => {
  await expect(['BLPOP', 'l:none', 'abc'], '-ERR timeout is not a float or out of range\r\n');
  await expect(['BLPOP', 'l:none', '-1'], '-ERR timeout is negative\r\n');
  await expect(['BLPOP', 'l:none', 'inf'], '-ERR timeout is negative\r\n');
  await expect(['BLPOP', 'l:none', '1e20'], '-ERR timeout is negative\r\n');
  await expect(['BRPOPLPUSH', 'l:none', 'x', ' 1'], '-ERR timeout is not a float or out of range\r\n');
  await expect(['BLMOVE', 'l:none', 'x', 'UP', 'LEFT', 'abc'], '-ERR syntax error\r\n');
  await expect(['BLMPOP', 'abc', '0', 'l:none', 'LEFT'], '-ERR numkeys should be greater than 0\r\n');
  await expect(['BLMPOP', 'abc', '1', 'l:none', 'LEFT'], '-ERR timeout is not a float or out of range\r\n');
  await expect(['BLPOP', 'l:none'], "-ERR wrong number of arguments for 'blpop' command\r\n");
});
