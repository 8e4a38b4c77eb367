/**
 * Sorted sets through a real socket: every command, its errors (byte for
 * byte as Redis 7.0.15 writes them), RESP3 reply shapes, blocking pops,
 * what is propagated, keyspace events and WATCH interplay.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis } from '../helpers/servers';
import { TestClient, type Reply } from '../helpers/resp';
import { WRONGTYPE, rawReplies as raw } from '../helpers/compare';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
const propagated: string[][] = [];

before(async () => {
  srv = await startTredis({ 'notify-keyspace-events': 'KEA' });
  srv.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
});
after(async () => {
  await srv.close();
});

async function client(): Promise<TestClient> {
  return TestClient.connect(srv.port);
}

test('ZADD options, conflicts, INCR and score formatting', async () => {
  const c = await client();
  try {
    assert.deepEqual(
      await raw(
        c,
        ['ZADD', 'za', '1', 'a', '2', 'b', '3', 'c'],
        ['ZADD', 'za', 'NX', 'XX', '1', 'a'],
        ['ZADD', 'za', 'GT', 'LT', '1', 'a'],
        ['ZADD', 'za', 'NX', 'GT', '1', 'a'],
        ['ZADD', 'za', 'INCR', '1', 'a', '2', 'b'],
        ['ZADD', 'za', '1', 'a', '2'],
        ['ZADD', 'za', 'x', 'a'],
        ['ZADD', 'za', 'nan', 'a'],
        ['ZADD', 'za', 'INCR', '1.5', 'a'],
        ['ZINCRBY', 'za', 'nx', 'a'],
        ['ZINCRBY', 'za', '0.1', 'a'],
        ['ZADD', 'za', 'INCR', 'inf', 'a'],
        ['ZADD', 'za', 'INCR', '-inf', 'a'],
        ['ZADD', 'za', 'XX', 'INCR', '1', 'nope'],
        ['ZADD', 'za', 'NX', 'INCR', '1', 'b'],
        ['ZADD', 'za', 'CH', 'GT', '10', 'b', '0', 'c', '5', 'd'],
        ['ZADD', 'za', 'LT', 'CH', '100', 'd', '-1', 'd'],
        ['ZADD', 'nokey', 'XX', '1', 'a'],
        ['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'],
        ['ZRANGE', 'za', '0', '-1', 'WITHSCORES'],
      ),
      [
        ':3\r\n',
        '-ERR XX and NX options at the same time are not compatible\r\n',
        '-ERR GT, LT, and/or NX options at the same time are not compatible\r\n',
        '-ERR GT, LT, and/or NX options at the same time are not compatible\r\n',
        '-ERR INCR option supports a single increment-element pair\r\n',
        '-ERR syntax error\r\n',
        '-ERR value is not a valid float\r\n',
        '-ERR value is not a valid float\r\n',
        '$3\r\n2.5\r\n',
        '-ERR syntax error\r\n',
        '$18\r\n2.6000000000000001\r\n',
        '$3\r\ninf\r\n',
        '-ERR resulting score is not a number (NaN)\r\n',
        '$-1\r\n',
        '$-1\r\n',
        ':2\r\n',
        ':1\r\n',
        ':0\r\n',
        '$-1\r\n',
        '*8\r\n$1\r\nd\r\n$2\r\n-1\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\na\r\n$3\r\ninf\r\n',
      ],
    );
    assert.equal(await c.callRaw('EXISTS', 'nokey'), ':0\r\n');
    assert.equal(await c.callRaw('ZADD', 'zf', '1e20', 'x', '-0.0001', 'y', '0.1', 'z', '123456789012345678', 'w'), ':4\r\n');
    assert.equal(
      await c.callRaw('ZRANGE', 'zf', '0', '-1', 'WITHSCORES'),
      '*8\r\n$1\r\ny\r\n$7\r\n-0.0001\r\n$1\r\nz\r\n$19\r\n0.10000000000000001\r\n$1\r\nw\r\n$22\r\n1.2345678901234568e+17\r\n$1\r\nx\r\n$5\r\n1e+20\r\n',
    );
    await c.call('SET', 'zstr', 'v');
    assert.equal(await c.callRaw('ZADD', 'zstr', '1', 'a'), WRONGTYPE);
    assert.equal(await c.callRaw('ZADD', 'zstr', 'x', 'a'), '-ERR value is not a valid float\r\n');
    assert.equal(await c.callRaw('ZADD', 'za'), "-ERR wrong number of arguments for 'zadd' command\r\n");
  } finally {
    c.close();
  }
});

test('ZSCORE, ZMSCORE, ZCARD, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zq', '1', 'a', '2', 'b', '3', 'c', '3', 'd');
    assert.deepEqual(
      await raw(
        c,
        ['ZSCORE', 'zq', 'b'],
        ['ZSCORE', 'zq', 'nope'],
        ['ZSCORE', 'none', 'a'],
        ['ZMSCORE', 'zq', 'a', 'nope', 'd'],
        ['ZMSCORE', 'none', 'a'],
        ['ZCARD', 'zq'],
        ['ZCARD', 'none'],
        ['ZRANK', 'zq', 'c'],
        ['ZREVRANK', 'zq', 'c'],
        ['ZRANK', 'zq', 'nope'],
        ['ZCOUNT', 'zq', '(1', '3'],
        ['ZCOUNT', 'zq', '-inf', '+inf'],
        ['ZCOUNT', 'zq', 'a', '3'],
        ['ZCOUNT', 'none', 'a', '3'],
        ['ZLEXCOUNT', 'zq', '-', '+'],
        ['ZLEXCOUNT', 'zq', '[b', '(d'],
        ['ZLEXCOUNT', 'zq', 'b', 'd'],
      ),
      [
        '$1\r\n2\r\n',
        '$-1\r\n',
        '$-1\r\n',
        '*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n',
        '*1\r\n$-1\r\n',
        ':4\r\n',
        ':0\r\n',
        ':2\r\n',
        ':1\r\n',
        '$-1\r\n',
        ':3\r\n',
        ':4\r\n',
        '-ERR min or max is not a float\r\n',
        '-ERR min or max is not a float\r\n',
        ':4\r\n',
        ':2\r\n',
        '-ERR min or max not valid string range item\r\n',
      ],
    );
    await c.call('HELLO', '3');
    assert.deepEqual(await raw(c, ['ZSCORE', 'zq', 'b'], ['ZSCORE', 'zq', 'x'], ['ZMSCORE', 'zq', 'a', 'x'], ['ZRANK', 'zq', 'x']), [
      ',2\r\n',
      '_\r\n',
      '*2\r\n,1\r\n_\r\n',
      '_\r\n',
    ]);
  } finally {
    c.close();
  }
});

test('ZRANGE: by rank, BYSCORE, BYLEX, REV, LIMIT, legacy forms and their errors', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zr', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    await c.call('ZADD', 'zl', '0', 'a', '0', 'b', '0', 'c', '0', 'd');
    const m = (...xs: string[]) => `*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    assert.deepEqual(
      await raw(
        c,
        ['ZRANGE', 'zr', '1', '-2'],
        ['ZRANGE', 'zr', '-100', '100', 'REV'],
        ['ZRANGE', 'zr', '(1', '3', 'BYSCORE'],
        ['ZRANGE', 'zr', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '1', '2'],
        ['ZRANGE', 'zr', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '2'],
        ['ZRANGE', 'zr', '-inf', '+inf', 'BYSCORE', 'LIMIT', '3', '-1'],
        ['ZRANGE', 'zl', '[b', '+', 'BYLEX'],
        ['ZRANGE', 'zl', '(c', '-', 'BYLEX', 'REV', 'LIMIT', '0', '1'],
        ['ZRANGEBYSCORE', 'zr', '2', '4', 'WITHSCORES', 'LIMIT', '1', '1'],
        ['ZREVRANGEBYSCORE', 'zr', '4', '(2'],
        ['ZREVRANGE', 'zr', '0', '1', 'WITHSCORES'],
        ['ZRANGEBYLEX', 'zl', '-', '(c'],
        ['ZREVRANGEBYLEX', 'zl', '+', '[c'],
        ['ZRANGE', 'none', '0', '-1'],
        ['ZRANGE', 'zr', '0', '1', 'LIMIT', '0', '1'],
        ['ZRANGE', 'zr', '0', '1', 'LIMIT', '0', '-1'],
        ['ZRANGE', 'zl', '-', '+', 'BYLEX', 'WITHSCORES'],
        ['ZRANGE', 'zr', 'a', 'b'],
        ['ZRANGE', 'zr', 'a', 'b', 'BYSCORE'],
        ['ZRANGE', 'zl', 'a', 'b', 'BYLEX'],
        ['ZRANGE', 'zr', '0', '1', 'BYSCORE', 'BYLEX'],
        ['ZRANGE', 'zr', '0', '1', 'LIMIT', '1'],
        ['ZRANGEBYSCORE', 'zr', '0', '1', 'REV'],
        ['ZREVRANGE', 'zr', '0', '1', 'LIMIT', '0', '1'],
        ['ZRANGE', 'zr', '0', '1', 'LIMIT', 'x', '1'],
        ['ZRANGE', 'zstr2', '0', '1'],
      ),
      [
        m('b', 'c', 'd'),
        m('e', 'd', 'c', 'b', 'a'),
        m('b', 'c'),
        m('d', 'c'),
        '*0\r\n',
        m('d', 'e'),
        m('b', 'c', 'd'),
        m('b'),
        m('c', '3'),
        m('d', 'c'),
        m('e', '5', 'd', '4'),
        m('a', 'b'),
        m('d', 'c'),
        '*0\r\n',
        '-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n',
        m('a', 'b'),
        '-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n',
        '-ERR value is not an integer or out of range\r\n',
        '-ERR min or max is not a float\r\n',
        '-ERR min or max not valid string range item\r\n',
        '-ERR syntax error\r\n',
        '-ERR syntax error\r\n',
        '-ERR syntax error\r\n',
        '-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n',
        '-ERR value is not an integer or out of range\r\n',
        '*0\r\n',
      ],
    );
    await c.call('HELLO', '3');
    assert.equal(await c.callRaw('ZRANGE', 'zr', '0', '1', 'WITHSCORES'), '*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n');
    assert.equal(await c.callRaw('ZRANGEBYSCORE', 'zr', '5', '+inf', 'WITHSCORES'), '*1\r\n*2\r\n$1\r\ne\r\n,5\r\n');
  } finally {
    c.close();
  }
});

test('ZRANGESTORE stores, deletes an emptied destination, keeps types apart', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zs-src', '1', 'a', '2', 'b', '3', 'c');
    assert.equal(await c.callRaw('ZRANGESTORE', 'zs-dst', 'zs-src', '1', '-1'), ':2\r\n');
    assert.deepEqual(await c.call('ZRANGE', 'zs-dst', '0', '-1', 'WITHSCORES'), ['b', '2', 'c', '3']);
    assert.equal(await c.callRaw('ZRANGESTORE', 'zs-dst', 'zs-src', '(1', '2', 'BYSCORE'), ':1\r\n');
    assert.equal(await c.callRaw('ZRANGESTORE', 'zs-dst', 'zs-src', '5', '10'), ':0\r\n');
    assert.equal(await c.callRaw('EXISTS', 'zs-dst'), ':0\r\n');
    assert.equal(await c.callRaw('ZRANGESTORE', 'zs-dst', 'zs-src', '0', '1', 'WITHSCORES'), '-ERR syntax error\r\n');
    assert.equal(await c.callRaw('ZRANGESTORE', 'zs-src', 'zs-src', '0', '0'), ':1\r\n');
    assert.deepEqual(await c.call('ZRANGE', 'zs-src', '0', '-1'), ['a']);
    await c.call('SET', 'zs-str', 'v');
    assert.equal(await c.callRaw('ZRANGESTORE', 'zs-dst', 'zs-str', '0', '1'), WRONGTYPE);
  } finally {
    c.close();
  }
});

test('ZREM and ZREMRANGEBY* delete the key when it becomes empty', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zd', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    assert.deepEqual(
      await raw(
        c,
        ['ZREM', 'zd', 'a', 'nope', 'a'],
        ['ZREMRANGEBYRANK', 'zd', '0', '0'],
        ['ZREMRANGEBYSCORE', 'zd', '(3', '4'],
        ['ZREMRANGEBYLEX', 'zd', '[a', '[c'],
        ['ZREMRANGEBYSCORE', 'zd', 'x', '1'],
        ['ZREMRANGEBYLEX', 'zd', 'x', '+'],
        ['ZREMRANGEBYRANK', 'zd', 'x', '1'],
        ['ZRANGE', 'zd', '0', '-1'],
        ['ZREM', 'zd', 'e'],
        ['EXISTS', 'zd'],
        ['ZREM', 'zd', 'e'],
        ['ZREMRANGEBYRANK', 'zd', '0', '-1'],
      ),
      [
        ':1\r\n',
        ':1\r\n',
        ':1\r\n',
        ':1\r\n',
        '-ERR min or max is not a float\r\n',
        '-ERR min or max not valid string range item\r\n',
        '-ERR value is not an integer or out of range\r\n',
        '*1\r\n$1\r\ne\r\n',
        ':1\r\n',
        ':0\r\n',
        ':0\r\n',
        ':0\r\n',
      ],
    );
  } finally {
    c.close();
  }
});

test('ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD, sets as inputs, weights and aggregates', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zo1', '1', 'a', '2', 'b', '3', 'c');
    await c.call('SADD', 'so1', 'a', 'b', 'x');
    await c.call('ZADD', 'zo2', '1', 'a');
    const m = (...xs: string[]) => `*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    assert.deepEqual(
      await raw(
        c,
        ['ZUNION', '2', 'zo1', 'so1', 'WITHSCORES'],
        ['ZINTER', '2', 'zo1', 'so1', 'WITHSCORES'],
        ['ZDIFF', '2', 'zo1', 'so1', 'WITHSCORES'],
        ['ZUNION', '2', 'zo1', 'so1', 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX', 'WITHSCORES'],
        ['ZUNION', '3', 'zo1', 'zo1', 'zo2', 'WEIGHTS', '1', 'inf', '-inf', 'WITHSCORES'],
        ['ZINTER', '2', 'zo1', 'zo1', 'WEIGHTS', '0', 'inf', 'AGGREGATE', 'MIN', 'WITHSCORES'],
        ['ZUNION', '2', 'zo1', 'so1', 'WEIGHTS', '2'],
        ['ZUNION', '2', 'zo1', 'so1', 'WEIGHTS', '2', 'x'],
        ['ZUNION', '0', 'zo1'],
        ['ZUNION', '3', 'zo1', 'so1'],
        ['ZUNION', 'x', 'zo1'],
        ['ZUNION', '1', 'zo1', 'AGGREGATE', 'foo'],
        ['ZDIFF', '1', 'zo1', 'WEIGHTS', '1'],
        ['ZUNIONSTORE', 'zo-dst', '1', 'zo1', 'WITHSCORES'],
        ['ZINTERCARD', '2', 'zo1', 'so1'],
        ['ZINTERCARD', '2', 'zo1', 'so1', 'LIMIT', '1'],
        ['ZINTERCARD', '2', 'zo1', 'so1', 'LIMIT', '-1'],
        ['ZINTERCARD', '0', 'zo1'],
        ['ZUNIONSTORE', 'zo-dst', '2', 'zo1', 'so1'],
        ['ZRANGE', 'zo-dst', '0', '-1', 'WITHSCORES'],
        ['ZINTERSTORE', 'zo-dst', '2', 'zo1', 'none'],
        ['EXISTS', 'zo-dst'],
        ['ZDIFFSTORE', 'zo-dst', '2', 'zo1', 'zo2'],
        ['ZDIFF', '2', 'zo1', 'zo1'],
        ['ZUNION', '2', 'zo1', 'zs-str-x', 'WEIGHTS', 'x'],
      ),
      [
        m('x', '1', 'a', '2', 'b', '3', 'c', '3'),
        m('a', '2', 'b', '3'),
        m('c', '3'),
        m('a', '3', 'x', '3', 'b', '4', 'c', '6'),
        m('a', '0', 'b', 'inf', 'c', 'inf'),
        m('a', '0', 'b', '0', 'c', '0'),
        '-ERR syntax error\r\n',
        '-ERR weight value is not a float\r\n',
        "-ERR at least 1 input key is needed for 'zunion' command\r\n",
        '-ERR syntax error\r\n',
        '-ERR value is not an integer or out of range\r\n',
        '-ERR syntax error\r\n',
        '-ERR syntax error\r\n',
        '-ERR syntax error\r\n',
        ':2\r\n',
        ':1\r\n',
        "-ERR LIMIT can't be negative\r\n",
        "-ERR at least 1 input key is needed for 'zintercard' command\r\n",
        ':4\r\n',
        m('x', '1', 'a', '2', 'b', '3', 'c', '3'),
        ':0\r\n',
        ':0\r\n',
        ':2\r\n',
        '*0\r\n',
        '-ERR syntax error\r\n',
      ],
    );
    await c.call('SET', 'zo-str', 'v');
    // sources are type-checked before the options are parsed
    assert.equal(await c.callRaw('ZUNION', '2', 'zo1', 'zo-str', 'WEIGHTS', 'x'), WRONGTYPE);
    await c.call('HELLO', '3');
    assert.equal(await c.callRaw('ZINTER', '2', 'zo1', 'zo2', 'WITHSCORES'), '*1\r\n*2\r\n$1\r\na\r\n,2\r\n');
  } finally {
    c.close();
  }
});

test('ZPOPMIN / ZPOPMAX / ZMPOP reply shapes (RESP2 and RESP3) and errors', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zp', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    assert.deepEqual(
      await raw(
        c,
        ['ZPOPMIN', 'zp'],
        ['ZPOPMAX', 'zp', '2'],
        ['ZPOPMIN', 'zp', '0'],
        ['ZPOPMIN', 'zp', '-1'],
        ['ZPOPMIN', 'zp', 'x'],
        ['ZPOPMIN', 'zp', '1', '2'],
        ['ZPOPMIN', 'none'],
        ['ZPOPMIN', 'zp', '10'],
        ['EXISTS', 'zp'],
        ['ZADD', 'zp', '1', 'a', '2', 'b'],
        ['ZMPOP', '2', 'none', 'zp', 'MAX', 'COUNT', '5'],
        ['ZMPOP', '1', 'zp', 'MIN'],
        ['ZMPOP', '0', 'zp', 'MIN'],
        ['ZMPOP', 'x', 'zp', 'MIN'],
        ['ZMPOP', '1', 'zp', 'FOO'],
        ['ZMPOP', '1', 'zp', 'MIN', 'COUNT', '0'],
        ['ZMPOP', '1', 'zp', 'MIN', 'COUNT', '1', 'COUNT', '1'],
        ['ZMPOP', '5', 'zp', 'MIN'],
      ),
      [
        '*2\r\n$1\r\na\r\n$1\r\n1\r\n',
        '*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n',
        '*0\r\n',
        '-ERR value is out of range, must be positive\r\n',
        '-ERR value is out of range, must be positive\r\n',
        '-ERR syntax error\r\n',
        '*0\r\n',
        '*2\r\n$1\r\nb\r\n$1\r\n2\r\n',
        ':0\r\n',
        ':2\r\n',
        '*2\r\n$2\r\nzp\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n',
        '*-1\r\n',
        '-ERR numkeys should be greater than 0\r\n',
        '-ERR numkeys should be greater than 0\r\n',
        '-ERR syntax error\r\n',
        '-ERR count should be greater than 0\r\n',
        '-ERR syntax error\r\n',
        '-ERR syntax error\r\n',
      ],
    );
    await c.call('HELLO', '3');
    await c.call('ZADD', 'zp', '1', 'a', '2', 'b', '3', 'c');
    assert.deepEqual(await raw(c, ['ZPOPMIN', 'zp'], ['ZPOPMIN', 'zp', '1'], ['ZMPOP', '1', 'zp', 'MAX'], ['ZPOPMIN', 'none'], ['ZMPOP', '1', 'none', 'MIN']), [
      '*2\r\n$1\r\na\r\n,1\r\n',
      '*1\r\n*2\r\n$1\r\nb\r\n,2\r\n',
      '*2\r\n$2\r\nzp\r\n*1\r\n*2\r\n$1\r\nc\r\n,3\r\n',
      '*0\r\n',
      '_\r\n',
    ]);
  } finally {
    c.close();
  }
});

test('BZPOPMIN / BZPOPMAX / BZMPOP: immediate, blocked then served, timeout, inside MULTI', async () => {
  const c = await client();
  const d = await client();
  try {
    await c.call('ZADD', 'zb1', '1', 'a', '2', 'b');
    assert.equal(await c.callRaw('BZPOPMIN', 'zb-none', 'zb1', '0'), '*3\r\n$3\r\nzb1\r\n$1\r\na\r\n$1\r\n1\r\n');
    assert.equal(await c.callRaw('BZPOPMIN', 'zb1', '-1'), '-ERR timeout is negative\r\n');
    assert.equal(await c.callRaw('BZPOPMIN', 'zb1', 'x'), '-ERR timeout is not a float or out of range\r\n');
    assert.equal(await c.callRaw('BZMPOP', 'x', '1', 'zb1', 'MIN'), '-ERR timeout is not a float or out of range\r\n');
    assert.equal(await c.callRaw('BZMPOP', '0', '0', 'zb1', 'MIN'), '-ERR numkeys should be greater than 0\r\n');
    assert.equal(await c.callRaw('BZMPOP', '0', '1', 'zb1', 'MAX', 'COUNT', '5'), '*2\r\n$3\r\nzb1\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
    // blocked, then served by another client's ZADD
    const pending = c.callRaw('BZPOPMAX', 'zb2', 'zb3', '5');
    await new Promise((r) => setTimeout(r, 50));
    propagated.length = 0;
    assert.equal(await d.callRaw('ZADD', 'zb3', '1', 'x', '2', 'y'), ':2\r\n');
    assert.equal(await pending, '*3\r\n$3\r\nzb3\r\n$1\r\ny\r\n$1\r\n2\r\n');
    assert.deepEqual(propagated, [
      ['ZADD', 'zb3', '1', 'x', '2', 'y'],
      ['ZPOPMAX', 'zb3'],
    ]);
    const pendingM = c.callRaw('BZMPOP', '5', '2', 'zb4', 'zb-none', 'MIN', 'COUNT', '10');
    await new Promise((r) => setTimeout(r, 50));
    propagated.length = 0;
    await d.call('ZADD', 'zb4', '7', 'q');
    assert.equal(await pendingM, '*2\r\n$3\r\nzb4\r\n*1\r\n*2\r\n$1\r\nq\r\n$1\r\n7\r\n');
    assert.deepEqual(propagated, [
      ['ZADD', 'zb4', '7', 'q'],
      ['ZPOPMIN', 'zb4', '1'],
    ]);
    assert.equal(await c.callRaw('EXISTS', 'zb4'), ':0\r\n');
    // timeout
    const t0 = Date.now();
    assert.equal(await c.callRaw('BZPOPMIN', 'zb-none', '0.1'), '*-1\r\n');
    assert.ok(Date.now() - t0 >= 90);
    // a wrong type key is not served; inside MULTI an empty pop answers at once
    await d.call('SET', 'zb-str', 'v');
    assert.equal(await c.callRaw('BZPOPMIN', 'zb-str', '0'), WRONGTYPE);
    assert.deepEqual(await raw(c, ['MULTI'], ['BZPOPMIN', 'zb-none', '0'], ['BZMPOP', '0', '1', 'zb-none', 'MIN'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n*-1\r\n*-1\r\n']);
    // immediate pops propagate as ZPOPMIN/ZPOPMAX
    await c.call('ZADD', 'zb5', '1', 'a', '2', 'b', '3', 'c');
    propagated.length = 0;
    await c.call('BZPOPMIN', 'zb5', '0');
    await c.call('ZMPOP', '1', 'zb5', 'MAX', 'COUNT', '10');
    assert.deepEqual(propagated, [
      ['ZPOPMIN', 'zb5'],
      ['ZPOPMAX', 'zb5', '2'],
    ]);
    // RESP3 served reply carries a double
    await c.call('HELLO', '3');
    const p3 = c.callRaw('BZPOPMIN', 'zb6', '5');
    await new Promise((r) => setTimeout(r, 50));
    await d.call('ZADD', 'zb6', '1.5', 'm');
    assert.equal(await p3, '*3\r\n$3\r\nzb6\r\n$1\r\nm\r\n,1.5\r\n');
  } finally {
    c.close();
    d.close();
  }
});

test('ZRANDMEMBER: shapes, whole set order, negative counts, errors', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zrm', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    const m = (...xs: string[]) => `*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    assert.deepEqual(
      await raw(
        c,
        ['ZRANDMEMBER', 'zrm', '10'],
        ['ZRANDMEMBER', 'zrm', '5', 'WITHSCORES'],
        ['ZRANDMEMBER', 'zrm', '0'],
        ['ZRANDMEMBER', 'none'],
        ['ZRANDMEMBER', 'none', '3'],
        ['ZRANDMEMBER', 'zrm', '1', 'foo'],
        ['ZRANDMEMBER', 'zrm', 'x'],
        ['ZRANDMEMBER', 'zrm', '-9223372036854775808'],
        ['ZRANDMEMBER', 'zrm', '-4611686018427387904', 'WITHSCORES'],
        ['ZRANDMEMBER', 'zrm', '4611686018427387904', 'WITHSCORES'],
      ),
      [
        m('e', 'd', 'c', 'b', 'a'),
        m('e', '5', 'd', '4', 'c', '3', 'b', '2', 'a', '1'),
        '*0\r\n',
        '$-1\r\n',
        '*0\r\n',
        '-ERR syntax error\r\n',
        '-ERR value is not an integer or out of range\r\n',
        '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
        '-ERR value is out of range\r\n',
        '-ERR value is out of range\r\n',
      ],
    );
    const neg = (await c.call('ZRANDMEMBER', 'zrm', '-20', 'WITHSCORES')) as string[];
    assert.equal(neg.length, 40);
    for (let i = 0; i < neg.length; i += 2) assert.equal(String(' abcde'.indexOf(neg[i])), neg[i + 1]);
    const three = (await c.call('ZRANDMEMBER', 'zrm', '3')) as string[];
    assert.equal(new Set(three).size, 3);
    const one = await c.call('ZRANDMEMBER', 'zrm');
    assert.ok(['a', 'b', 'c', 'd', 'e'].includes(one as string));
    await c.call('HELLO', '3');
    assert.equal(await c.callRaw('ZRANDMEMBER', 'zrm', '5', 'WITHSCORES'), '*5\r\n' + ['e', 'd', 'c', 'b', 'a'].map((x, i) => `*2\r\n$1\r\n${x}\r\n,${5 - i}\r\n`).join(''));
  } finally {
    c.close();
  }
});

test('ZSCAN: listpack in one call, skiplist by cursor, MATCH and COUNT', async () => {
  const c = await client();
  try {
    await c.call('ZADD', 'zsc', '1', 'a', '2.5', 'b', '3', 'c');
    assert.equal(await c.callRaw('ZSCAN', 'zsc', '0'), '*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$1\r\n3\r\n');
    assert.equal(await c.callRaw('ZSCAN', 'zsc', '0', 'MATCH', '[ab]', 'COUNT', '1'), '*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n');
    assert.equal(await c.callRaw('ZSCAN', 'none', '0', 'COUNT', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
    assert.equal(await c.callRaw('ZSCAN', 'zsc', 'x'), '-ERR invalid cursor\r\n');
    assert.equal(await c.callRaw('ZSCAN', 'zsc', '0', 'COUNT', '0'), '-ERR syntax error\r\n');
    assert.equal(await c.callRaw('ZSCAN', 'zsc', '0', 'TYPE', 'zset'), '-ERR syntax error\r\n');
    // a big (skiplist) set: iterate with the cursor, every member exactly once
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(String(i), 'm' + i);
    await c.call('ZADD', 'zsc-big', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, items] = (await c.call('ZSCAN', 'zsc-big', cursor, 'COUNT', '50')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
      cursor = next;
    } while (cursor !== '0' && ++rounds < 100);
    assert.equal(seen.size, 300);
    assert.equal(seen.get('m7'), '7');
  } finally {
    c.close();
  }
});

test('encodings follow zset-max-listpack-* (conversion is one way, stores recompute)', async () => {
  const c = await client();
  try {
    const args: string[] = [];
    for (let i = 0; i < 128; i++) args.push(String(i), 'e' + i);
    await c.call('ZADD', 'zenc', ...args);
    assert.equal(await c.call('OBJECT', 'ENCODING', 'zenc'), 'listpack');
    await c.call('ZADD', 'zenc', '1000', 'one-more');
    assert.equal(await c.call('OBJECT', 'ENCODING', 'zenc'), 'skiplist');
    await c.call('ZREM', 'zenc', 'one-more');
    assert.equal(await c.call('OBJECT', 'ENCODING', 'zenc'), 'skiplist');
    await c.call('ZRANGESTORE', 'zenc2', 'zenc', '0', '9');
    assert.equal(await c.call('OBJECT', 'ENCODING', 'zenc2'), 'listpack');
    await c.call('ZADD', 'zenc3', '1', 'x'.repeat(65));
    assert.equal(await c.call('OBJECT', 'ENCODING', 'zenc3'), 'skiplist');
    // -0 reads back as 0 in a listpack, stays -0 in a skiplist
    await c.call('ZADD', 'zneg0', '-0', 'a');
    assert.equal(await c.callRaw('ZSCORE', 'zneg0', 'a'), '$1\r\n0\r\n');
    await c.call('ZADD', 'zenc', '-0', 'neg');
    assert.equal(await c.callRaw('ZSCORE', 'zenc', 'neg'), '$2\r\n-0\r\n');
  } finally {
    c.close();
  }
});

test('keyspace notifications of sorted set commands', async () => {
  const sub = await client();
  const c = await client();
  try {
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    const events: string[] = [];
    const expect = async (n: number): Promise<void> => {
      while (events.length < n) {
        const p = (await sub.nextPush()) as Reply[];
        events.push(`${String(p[2]).split(':')[1]} ${String(p[3])}`);
      }
    };
    await c.call('ZADD', 'zn', '1', 'a', '2', 'b', '3', 'c');
    await c.call('ZADD', 'zn', '1', 'a'); // no change: no event
    await c.call('ZINCRBY', 'zn', '1', 'a');
    await c.call('ZREM', 'zn', 'a');
    await c.call('ZREMRANGEBYSCORE', 'zn', '2', '2');
    await c.call('ZUNIONSTORE', 'zn2', '1', 'zn');
    await c.call('ZPOPMIN', 'zn');
    await c.call('ZINTERSTORE', 'zn2', '1', 'none');
    await expect(8);
    assert.deepEqual(events, ['zadd zn', 'zincr zn', 'zrem zn', 'zremrangebyscore zn', 'zunionstore zn2', 'zpopmin zn', 'del zn', 'del zn2']);
  } finally {
    sub.close();
    c.close();
  }
});

test('only the destination of a store breaks WATCH; pops touch only the popped key', async () => {
  const c = await client();
  const d = await client();
  try {
    await c.call('ZADD', 'zw-src', '1', 'a');
    await c.call('ZADD', 'zw-other', '1', 'a');
    assert.equal(await c.call('WATCH', 'zw-src', 'zw-other'), 'OK');
    await d.call('ZUNIONSTORE', 'zw-dst', '1', 'zw-src');
    await d.call('ZMPOP', '2', 'zw-src', 'zw-other', 'MIN');
    await c.call('MULTI');
    await c.call('PING');
    // zw-src was popped (touched), zw-other was not
    assert.equal(await c.callRaw('EXEC'), '*-1\r\n');
    await c.call('ZADD', 'zw-src', '1', 'a');
    assert.equal(await c.call('WATCH', 'zw-src', 'zw-other'), 'OK');
    await d.call('ZUNIONSTORE', 'zw-dst', '1', 'zw-src');
    await d.call('ZRANGESTORE', 'zw-dst', 'zw-src', '0', '-1');
    await c.call('MULTI');
    await c.call('PING');
    assert.equal(await c.callRaw('EXEC'), '*1\r\n+PONG\r\n');
  } finally {
    c.close();
    d.close();
  }
});
