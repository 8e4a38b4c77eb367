/**
 * Set commands through a real socket: replies byte for byte as Redis 7.0
 * (an intset replies in ascending order), errors, RESP3 set replies, intset
 * and hashtable encodings following set-max-intset-entries, deletion of
 * emptied sets, keyspace events and SPOP's propagation as SREM / DEL.
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
  ({ srv, c } = await startRecording({ 'set-max-intset-entries': 4 }, events, propagated));
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

test('SADD/SREM/SISMEMBER/SMISMEMBER/SCARD/SMEMBERS', async () => {
  await expect(['SADD', 's:a', '3', '1', '2', '1'], ':3\r\n');
  await expect(['SMEMBERS', 's:a'], bulks('1', '2', '3'));
  await expect(['OBJECT', 'ENCODING', 's:a'], '$6\r\nintset\r\n');
  await expect(['SISMEMBER', 's:a', '2'], ':1\r\n');
  await expect(['SISMEMBER', 's:a', '9'], ':0\r\n');
  await expect(['SISMEMBER', 's:none', '9'], ':0\r\n');
  await expect(['SMISMEMBER', 's:a', '1', '9', '3'], '*3\r\n:1\r\n:0\r\n:1\r\n');
  await expect(['SMISMEMBER', 's:none', 'a', 'b'], '*2\r\n:0\r\n:0\r\n');
  await expect(['SCARD', 's:a'], ':3\r\n');
  await expect(['SCARD', 's:none'], ':0\r\n');
  await expect(['SMEMBERS', 's:none'], '*0\r\n');
  await expect(['SREM', 's:a', '1', '9'], ':1\r\n');
  await expect(['SREM', 's:none', '1'], ':0\r\n');
  await expect(['SREM', 's:a', '2', '3'], ':2\r\n');
  await expect(['EXISTS', 's:a'], ':0\r\n');
  assert.deepEqual(events, ['sadd:s:a', 'srem:s:a', 'srem:s:a', 'del:s:a']);
});

test('encodings: intset until a non-integer or more than set-max-intset-entries members', async () => {
  await c.call('SADD', 's:e', '1', '2', '3', '4');
  await expect(['OBJECT', 'ENCODING', 's:e'], '$6\r\nintset\r\n');
  await c.call('SADD', 's:e', '5');
  await expect(['OBJECT', 'ENCODING', 's:e'], '$9\r\nhashtable\r\n');
  await c.call('SADD', 's:f', '1', 'a');
  await expect(['OBJECT', 'ENCODING', 's:f'], '$9\r\nhashtable\r\n');
  await c.call('SADD', 's:g', '007');
  await expect(['OBJECT', 'ENCODING', 's:g'], '$9\r\nhashtable\r\n');
  await c.call('SADD', 's:h', '-9223372036854775808');
  await expect(['OBJECT', 'ENCODING', 's:h'], '$6\r\nintset\r\n');
});

test('SMOVE: moves, no-ops and types', async () => {
  await c.call('SADD', 's:m1', 'a', 'b');
  await c.call('SADD', 's:m2', 'b');
  await c.call('SET', 's:str', 'x');
  await expect(['SMOVE', 's:m1', 's:m2', 'a'], ':1\r\n');
  await expect(['SMOVE', 's:m1', 's:m2', 'zz'], ':0\r\n');
  await expect(['SMOVE', 's:none', 's:str', 'a'], ':0\r\n');
  await expect(['SMOVE', 's:m1', 's:str', 'b'], WRONGTYPE);
  await expect(['SMOVE', 's:m2', 's:m2', 'a'], ':1\r\n');
  await expect(['SMOVE', 's:m2', 's:m2', 'q'], ':0\r\n');
  await expect(['SMOVE', 's:m1', 's:m3', 'b'], ':1\r\n');
  await expect(['EXISTS', 's:m1'], ':0\r\n');
  await expect(['SMEMBERS', 's:m3'], bulks('b'));
  assert.deepEqual(events, ['sadd:s:m1', 'sadd:s:m2', 'set:s:str', 'srem:s:m1', 'sadd:s:m2', 'srem:s:m1', 'del:s:m1', 'sadd:s:m3']);
});

test('SPOP and SRANDMEMBER: counts, errors, replies and propagation', async () => {
  await c.call('SADD', 's:p', '1', '2', '3');
  await expect(['SPOP', 's:p', '0'], '*0\r\n');
  await expect(['SPOP', 's:none'], '$-1\r\n');
  await expect(['SPOP', 's:none', '2'], '*0\r\n');
  await expect(['SPOP', 's:p', '-1'], '-ERR value is out of range, must be positive\r\n');
  await expect(['SPOP', 's:p', 'x'], '-ERR value is out of range, must be positive\r\n');
  await expect(['SPOP', 's:p', '1', '2'], '-ERR syntax error\r\n');
  await expect(['SRANDMEMBER', 's:p', '1', '2'], '-ERR syntax error\r\n');
  await expect(['SRANDMEMBER', 's:p', 'x'], '-ERR value is not an integer or out of range\r\n');
  await expect(['SRANDMEMBER', 's:p', '-9223372036854775808'], '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n');
  await expect(['SRANDMEMBER', 's:p', '5'], bulks('1', '2', '3'));
  await expect(['SRANDMEMBER', 's:none', '5'], '*0\r\n');
  await expect(['SRANDMEMBER', 's:none'], '$-1\r\n');
  const rep = (await c.call('SRANDMEMBER', 's:p', '-10')) as string[];
  assert.equal(rep.length, 10);
  for (const m of rep) assert.ok(['1', '2', '3'].includes(m));
  const two = (await c.call('SRANDMEMBER', 's:p', '2')) as string[];
  assert.equal(new Set(two).size, 2);
  propagated.length = 0;
  const one = String(await c.call('SPOP', 's:p'));
  const popped = (await c.call('SPOP', 's:p', '1')) as string[];
  assert.deepEqual(propagated, [['SREM', 's:p', one], ['SREM', 's:p', popped[0]]]);
  propagated.length = 0;
  await c.call('SADD', 's:p', 'a', 'b', 'c', 'd', 'e');
  const three = (await c.call('SPOP', 's:p', '3')) as string[];
  assert.equal(three.length, 3);
  // Redis 7.0: one SREM per popped member, wrapped in MULTI/EXEC
  assert.deepEqual(propagated.slice(1), [['MULTI'], ...three.map((m) => ['SREM', 's:p', m]), ['EXEC']]);
  propagated.length = 0;
  const rest = (await c.call('SPOP', 's:p', '100')) as string[];
  assert.equal(rest.length, 3);
  assert.deepEqual(propagated, [['DEL', 's:p']]);
  await expect(['EXISTS', 's:p'], ':0\r\n');
  await c.call('SADD', 's:q', '5', '1', '3');
  await expect(['SPOP', 's:q', '10'], bulks('1', '3', '5'));
  const d = await TestClient.connect(srv.port);
  try {
    await d.call('HELLO', '3');
    await d.call('SADD', 's:r', '2', '1');
    assert.equal(await d.callRaw('SMEMBERS', 's:r'), '~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    assert.equal(await d.callRaw('SRANDMEMBER', 's:r', '5'), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    assert.equal(await d.callRaw('SPOP', 's:r', '0'), '~0\r\n');
    assert.equal(await d.callRaw('SPOP', 's:r', '5'), '~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    assert.equal(await d.callRaw('SPOP', 's:r'), '_\r\n');
    assert.equal(await d.callRaw('SINTER', 's:r', 's:none'), '~0\r\n');
  } finally {
    d.close();
  }
});

test('SINTER/SUNION/SDIFF and their STORE forms, SINTERCARD', async () => {
  await c.call('SADD', 's:x', '1', '2', '3', '4');
  await c.call('SADD', 's:y', '3', '4', '5');
  await c.call('SADD', 's:w', 'a', '3');
  await expect(['SINTER', 's:x', 's:y'], bulks('3', '4'));
  await expect(['SINTER', 's:x', 's:none'], '*0\r\n');
  await expect(['SUNION', 's:y', 's:none', 's:y'], bulks('3', '4', '5'));
  // five members exceed set-max-intset-entries: a hashtable, in no particular order
  assert.deepEqual(((await c.call('SUNION', 's:x', 's:y', 's:none')) as string[]).sort(), ['1', '2', '3', '4', '5']);
  await expect(['SDIFF', 's:x', 's:y', 's:none'], bulks('1', '2'));
  await expect(['SDIFF', 's:x', 's:x'], '*0\r\n');
  await expect(['SDIFF', 's:none', 's:x'], '*0\r\n');
  await expect(['SINTERSTORE', 's:d', 's:x', 's:w'], ':1\r\n');
  await expect(['SMEMBERS', 's:d'], bulks('3'));
  await expect(['OBJECT', 'ENCODING', 's:d'], '$6\r\nintset\r\n');
  await expect(['SUNIONSTORE', 's:d', 's:x', 's:y'], ':5\r\n');
  await expect(['OBJECT', 'ENCODING', 's:d'], '$9\r\nhashtable\r\n');
  await expect(['SDIFFSTORE', 's:d', 's:x', 's:y'], ':2\r\n');
  await expect(['SMEMBERS', 's:d'], bulks('1', '2'));
  await c.call('SET', 's:str', 'x');
  await c.call('EXPIRE', 's:d', '100');
  await expect(['SINTERSTORE', 's:d', 's:x', 's:none'], ':0\r\n');
  await expect(['EXISTS', 's:d'], ':0\r\n');
  await expect(['SUNIONSTORE', 's:str', 's:x'], ':4\r\n');
  await expect(['TYPE', 's:str'], '+set\r\n');
  await c.call('SET', 's:str', 'x');
  await expect(['SINTER', 's:none', 's:str'], WRONGTYPE);
  await expect(['SUNION', 's:str', 's:none'], WRONGTYPE);
  await expect(['SDIFFSTORE', 's:d', 's:x', 's:str'], WRONGTYPE);
  await expect(['SINTERCARD', '2', 's:x', 's:y'], ':2\r\n');
  await expect(['SINTERCARD', '2', 's:x', 's:y', 'LIMIT', '1'], ':1\r\n');
  await expect(['SINTERCARD', '2', 's:x', 's:y', 'LIMIT', '0'], ':2\r\n');
  await expect(['SINTERCARD', '1', 's:none'], ':0\r\n');
  await expect(['SINTERCARD', '0', 's:x'], '-ERR numkeys should be greater than 0\r\n');
  await expect(['SINTERCARD', '3', 's:x'], "-ERR Number of keys can't be greater than number of args\r\n");
  await expect(['SINTERCARD', '1', 's:x', 'LIMIT', '-1'], "-ERR LIMIT can't be negative\r\n");
  await expect(['SINTERCARD', '1', 's:x', 'LIMIT'], '-ERR syntax error\r\n');
  await expect(['SINTERCARD', '1', 's:x', 'FOO'], '-ERR syntax error\r\n');
  await expect(['SINTERCARD', '2', 's:none', 's:str'], WRONGTYPE);
  assert.ok(events.includes('sinterstore:s:d') && events.includes('sunionstore:s:d') && events.includes('sdiffstore:s:d') && events.includes('del:s:d'));
});

test('SSCAN: intset in one sorted call, hashtable by cursor, MATCH', async () => {
  await c.call('SADD', 's:s', '30', '10', '20');
  await expect(['SSCAN', 's:s', '0'], '*2\r\n$1\r\n0\r\n' + bulks('10', '20', '30'));
  await expect(['SSCAN', 's:s', '0', 'MATCH', '*0', 'COUNT', '1'], '*2\r\n$1\r\n0\r\n' + bulks('10', '20', '30'));
  await expect(['SSCAN', 's:s', '0', 'MATCH', '2*'], '*2\r\n$1\r\n0\r\n' + bulks('20'));
  await expect(['SSCAN', 's:none', 'x'], '-ERR invalid cursor\r\n');
  await expect(['SSCAN', 's:none', '0', 'FOO'], '*2\r\n$1\r\n0\r\n*0\r\n');
  await expect(['SSCAN', 's:s', '0', 'FOO'], '-ERR syntax error\r\n');
  const members: string[] = [];
  for (let i = 0; i < 40; i++) members.push('m' + i);
  await c.call('SADD', 's:big', ...members);
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = (await c.call('SSCAN', 's:big', cursor)) as [string, string[]];
    for (const m of items) seen.add(m);
    cursor = next;
    calls++;
  } while (cursor !== '0' && calls < 100);
  assert.ok(calls > 1);
  assert.equal(seen.size, 40);
});

test('WRONGTYPE from every set command', async () => {
  await c.call('SET', 's:str2', 'v');
  const cmds: string[][] = [
    ['SADD', 's:str2', 'a'], ['SREM', 's:str2', 'a'], ['SISMEMBER', 's:str2', 'a'], ['SMISMEMBER', 's:str2', 'a'], ['SCARD', 's:str2'], ['SMEMBERS', 's:str2'],
    ['SPOP', 's:str2'], ['SPOP', 's:str2', '0'], ['SRANDMEMBER', 's:str2'], ['SRANDMEMBER', 's:str2', '0'], ['SINTER', 's:str2'], ['SUNION', 's:str2'],
    ['SDIFF', 's:str2'], ['SINTERCARD', '1', 's:str2'], ['SSCAN', 's:str2', '0'], ['SMOVE', 's:str2', 's:x', 'a'],
  ];
  for (const argv of cmds) await expect(argv, WRONGTYPE);
});
