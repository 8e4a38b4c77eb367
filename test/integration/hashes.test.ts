/**
 * Hash commands through a real socket: replies byte for byte as Redis 7.0,
 * errors, RESP3 shapes, listpack/hashtable encodings following the config,
 * deletion of emptied hashes, keyspace events and HINCRBYFLOAT's
 * propagation as HSET.
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { WRONGTYPE, bulks, expectRaw, startRecording } from '../helpers/compare';
import { TestClient, type Reply } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
let c: TestClient;
const events: string[] = [];
const propagated: string[][] = [];

before(async () => {
  ({ srv, c } = await startRecording({ 'hash-max-listpack-entries': 4, 'hash-max-listpack-value': 8 }, events, propagated));
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

test('HSET/HMSET/HSETNX/HGET/HMGET/HGETALL/HKEYS/HVALS/HLEN/HEXISTS/HSTRLEN', async () => {
  await expect(['HSET', 'h:a', 'f1', 'v1', 'f2', 'v2'], ':2\r\n');
  await expect(['HSET', 'h:a', 'f1', 'V1', 'f3', 'v3'], ':1\r\n');
  await expect(['HMSET', 'h:a', 'f4', '4'], '+OK\r\n');
  await expect(['HSETNX', 'h:a', 'f4', 'x'], ':0\r\n');
  await expect(['HSETNX', 'h:a', 'f0', 'zero'], ':1\r\n');
  await expect(['HGET', 'h:a', 'f1'], '$2\r\nV1\r\n');
  await expect(['HGET', 'h:a', 'nope'], '$-1\r\n');
  await expect(['HGET', 'h:none', 'f1'], '$-1\r\n');
  await expect(['HMGET', 'h:a', 'f1', 'nope', 'f4'], '*3\r\n$2\r\nV1\r\n$-1\r\n$1\r\n4\r\n');
  await expect(['HMGET', 'h:none', 'a', 'b'], '*2\r\n$-1\r\n$-1\r\n');
  await expect(['HLEN', 'h:a'], ':5\r\n');
  await expect(['HLEN', 'h:none'], ':0\r\n');
  await expect(['HEXISTS', 'h:a', 'f2'], ':1\r\n');
  await expect(['HEXISTS', 'h:a', 'x'], ':0\r\n');
  await expect(['HSTRLEN', 'h:a', 'f0'], ':4\r\n');
  await expect(['HSTRLEN', 'h:a', 'x'], ':0\r\n');
  await expect(['HGETALL', 'h:none'], '*0\r\n');
  await expect(['HKEYS', 'h:none'], '*0\r\n');
  await c.call('HSET', 'h:small', 'b', '2', 'a', '1', 'c', '3');
  await expect(['HGETALL', 'h:small'], bulks('b', '2', 'a', '1', 'c', '3'));
  await expect(['HKEYS', 'h:small'], bulks('b', 'a', 'c'));
  await expect(['HVALS', 'h:small'], bulks('2', '1', '3'));
  await expect(['HSET', 'h:a', 'f1'], "-ERR wrong number of arguments for 'hset' command\r\n");
  await expect(['HSET', 'h:a', 'f1', 'v', 'f2'], "-ERR wrong number of arguments for 'hset' command\r\n");
  await expect(['HMSET', 'h:a', 'f1', 'v', 'f2'], "-ERR wrong number of arguments for 'hmset' command\r\n");
});

test('HDEL deletes the key with the last field', async () => {
  await c.call('HSET', 'h:d', 'a', '1', 'b', '2');
  await expect(['HDEL', 'h:d', 'a', 'zz', 'a'], ':1\r\n');
  await expect(['HDEL', 'h:none', 'a'], ':0\r\n');
  await expect(['HDEL', 'h:d', 'b', 'a'], ':1\r\n');
  await expect(['EXISTS', 'h:d'], ':0\r\n');
  assert.deepEqual(events, ['hset:h:d', 'hdel:h:d', 'hdel:h:d', 'del:h:d']);
});

test('HINCRBY and HINCRBYFLOAT with their errors; HINCRBYFLOAT propagates as HSET', async () => {
  await expect(['HINCRBY', 'h:n', 'i', '5'], ':5\r\n');
  await expect(['HINCRBY', 'h:n', 'i', '-7'], ':-2\r\n');
  await expect(['HINCRBY', 'h:n', 'i', 'x'], '-ERR value is not an integer or out of range\r\n');
  await expect(['HINCRBY', 'h:n', 'big', '9223372036854775807'], ':9223372036854775807\r\n');
  await expect(['HINCRBY', 'h:n', 'big', '1'], '-ERR increment or decrement would overflow\r\n');
  await c.call('HSET', 'h:n', 's', 'abc', 'sp', ' 1');
  await expect(['HINCRBY', 'h:n', 's', '1'], '-ERR hash value is not an integer\r\n');
  await expect(['HINCRBYFLOAT', 'h:n', 'f', '1.5'], '$3\r\n1.5\r\n');
  await expect(['HINCRBYFLOAT', 'h:n', 'f', '0.1'], '$3\r\n1.6\r\n');
  await expect(['HINCRBYFLOAT', 'h:n', 'i', '2.5e2'], '$3\r\n248\r\n');
  await expect(['HINCRBYFLOAT', 'h:n', 's', '1'], '-ERR hash value is not a float\r\n');
  await expect(['HINCRBYFLOAT', 'h:n', 'sp', '1'], '-ERR hash value is not a float\r\n');
  await expect(['HINCRBYFLOAT', 'h:n', 'f', 'inf'], '-ERR value is NaN or Infinity\r\n');
  await expect(['HINCRBYFLOAT', 'h:n', 'f', 'x'], '-ERR value is not a valid float\r\n');
  await c.call('HSET', 'h:n', 'inf', 'inf');
  await expect(['HINCRBYFLOAT', 'h:n', 'inf', '1'], '-ERR increment would produce NaN or Infinity\r\n');
  assert.deepEqual(
    propagated.filter((x) => x[0] === 'HSET' && x.length === 4 && x[2] !== 'inf'),
    [['HSET', 'h:n', 'f', '1.5'], ['HSET', 'h:n', 'f', '1.6'], ['HSET', 'h:n', 'i', '248']],
  );
});

test('HRANDFIELD: counts, WITHVALUES, RESP3 pairs and errors', async () => {
  await c.call('HSET', 'h:r', 'a', '1', 'b', '2', 'c', '3');
  const one = await c.call('HRANDFIELD', 'h:r');
  assert.ok(['a', 'b', 'c'].includes(String(one)));
  await expect(['HRANDFIELD', 'h:none'], '$-1\r\n');
  await expect(['HRANDFIELD', 'h:none', '3'], '*0\r\n');
  await expect(['HRANDFIELD', 'h:r', '0'], '*0\r\n');
  await expect(['HRANDFIELD', 'h:r', '10'], bulks('a', 'b', 'c'));
  await expect(['HRANDFIELD', 'h:r', '10', 'WITHVALUES'], bulks('a', '1', 'b', '2', 'c', '3'));
  const two = (await c.call('HRANDFIELD', 'h:r', '2')) as string[];
  assert.equal(new Set(two).size, 2);
  const many = (await c.call('HRANDFIELD', 'h:r', '-7', 'WITHVALUES')) as string[];
  assert.equal(many.length, 14);
  for (let i = 0; i < many.length; i += 2) assert.equal(many[i + 1], String(many[i].charCodeAt(0) - 96));
  await expect(['HRANDFIELD', 'h:r', '1', 'foo'], '-ERR syntax error\r\n');
  await expect(['HRANDFIELD', 'h:r', 'x'], '-ERR value is not an integer or out of range\r\n');
  await expect(['HRANDFIELD', 'h:r', '-9223372036854775808'], '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n');
  await expect(['HRANDFIELD', 'h:r', '4611686018427387904', 'WITHVALUES'], '-ERR value is out of range\r\n');
  const d = await TestClient.connect(srv.port);
  try {
    await d.call('HELLO', '3');
    assert.equal(await d.callRaw('HRANDFIELD', 'h:r', '5', 'WITHVALUES'), '*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n');
    assert.equal(await d.callRaw('HGETALL', 'h:r'), '%3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n');
    assert.equal(await d.callRaw('HGETALL', 'h:none'), '%0\r\n');
    assert.equal(await d.callRaw('HGET', 'h:none', 'x'), '_\r\n');
  } finally {
    d.close();
  }
});

test('encodings follow hash-max-listpack-entries/value and stay hashtable', async () => {
  await c.call('HSET', 'h:e', 'a', '1');
  await expect(['OBJECT', 'ENCODING', 'h:e'], '$8\r\nlistpack\r\n');
  await c.call('HSET', 'h:e', 'b', '123456789');
  await expect(['OBJECT', 'ENCODING', 'h:e'], '$9\r\nhashtable\r\n');
  await c.call('HDEL', 'h:e', 'b');
  await expect(['OBJECT', 'ENCODING', 'h:e'], '$9\r\nhashtable\r\n');
  await c.call('HSET', 'h:f', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
  await expect(['OBJECT', 'ENCODING', 'h:f'], '$8\r\nlistpack\r\n');
  await c.call('HSET', 'h:f', 'e', '5');
  await expect(['OBJECT', 'ENCODING', 'h:f'], '$9\r\nhashtable\r\n');
  await c.call('HSET', 'h:g', 'a', '1');
  await c.call('HINCRBYFLOAT', 'h:g', 'a', '0.000001');
  await expect(['OBJECT', 'ENCODING', 'h:g'], '$8\r\nlistpack\r\n');
  await c.call('HINCRBYFLOAT', 'h:g', 'a', '0.0000001');
  await expect(['OBJECT', 'ENCODING', 'h:g'], '$9\r\nhashtable\r\n');
});

test('HSCAN: listpack in one call, hashtable by cursor, MATCH and COUNT, errors', async () => {
  await c.call('HSET', 'h:s', 'f1', 'a', 'g1', 'b', 'f2', 'c');
  await expect(['HSCAN', 'h:s', '0'], '*2\r\n$1\r\n0\r\n' + bulks('f1', 'a', 'g1', 'b', 'f2', 'c'));
  await expect(['HSCAN', 'h:s', '0', 'MATCH', 'f*', 'COUNT', '1'], '*2\r\n$1\r\n0\r\n' + bulks('f1', 'a', 'f2', 'c'));
  await expect(['HSCAN', 'h:none', '0', 'COUNT', '0'], '*2\r\n$1\r\n0\r\n*0\r\n');
  await expect(['HSCAN', 'h:s', '0', 'COUNT', '0'], '-ERR syntax error\r\n');
  await expect(['HSCAN', 'h:s', '0', 'TYPE', 'hash'], '-ERR syntax error\r\n');
  await expect(['HSCAN', 'h:s', 'x'], '-ERR invalid cursor\r\n');
  await expect(['HSCAN', 'h:s', ' 1'], '-ERR invalid cursor\r\n');
  await expect(['HSCAN', 'h:s', '18446744073709551616'], '-ERR invalid cursor\r\n');
  const fields: string[] = [];
  for (let i = 0; i < 50; i++) fields.push('k' + i, 'v' + i);
  await c.call('HSET', 'h:big', ...fields);
  const seen = new Map<string, string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = (await c.call('HSCAN', 'h:big', cursor, 'COUNT', '7')) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
    cursor = next;
    calls++;
  } while (cursor !== '0' && calls < 100);
  assert.ok(calls > 1);
  assert.equal(seen.size, 50);
  assert.equal(seen.get('k7'), 'v7');
});

test('WRONGTYPE from every hash command', async () => {
  await c.call('SET', 'h:str', 'v');
  const cmds: string[][] = [
    ['HSET', 'h:str', 'a', 'b'], ['HSETNX', 'h:str', 'a', 'b'], ['HMSET', 'h:str', 'a', 'b'], ['HGET', 'h:str', 'a'], ['HMGET', 'h:str', 'a'],
    ['HGETALL', 'h:str'], ['HKEYS', 'h:str'], ['HVALS', 'h:str'], ['HLEN', 'h:str'], ['HEXISTS', 'h:str', 'a'], ['HSTRLEN', 'h:str', 'a'],
    ['HDEL', 'h:str', 'a'], ['HINCRBY', 'h:str', 'a', '1'], ['HINCRBYFLOAT', 'h:str', 'a', '1'], ['HRANDFIELD', 'h:str'], ['HRANDFIELD', 'h:str', '0'],
    ['HSCAN', 'h:str', '0'],
  ];
  for (const argv of cmds) await expect(argv, WRONGTYPE);
  const r: Reply = await c.call('HSCAN', 'h:str', 'x');
  assert.equal(String(r), 'ERR invalid cursor');
});
