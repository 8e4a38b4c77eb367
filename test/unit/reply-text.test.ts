/**
 * ReplyText (src/protocol/reply.ts): replies of many elements written into a
 * byte buffer; what it produces is compared with the plain RESP encoding, for
 * short and long, binary and empty elements, replies larger than its buffer,
 * and two replies built at once. Then through a socket: LRANGE, ZRANGE
 * WITHSCORES (RESP2 and RESP3) and SMEMBERS of such elements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyText, ReplyWriter, intReplyText } from '../../src/protocol/reply';
import { startTredis } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { mulberry32 } from '../helpers/prng';

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;

/** Elements of every length class the writer treats apart: empty, < 10, < 100, <= 32 chars, long, every byte value. */
function elements(rnd: () => number, n: number): string[] {
  const out: string[] = [''];
  for (let i = 1; i < n; i++) {
    const len = [1, 9, 10, 32, 33, 99, 100, 127, 128, 1000, 70000][i % 11] + (i % 3);
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(rnd() * 256));
    out.push(s);
  }
  return out;
}

test('ReplyText writes what the string encoding gives, for every element size and byte', () => {
  const rnd = mulberry32(7);
  for (const n of [0, 1, 5, 50, 400]) {
    const items = elements(rnd, n);
    const t = new ReplyText('*' + items.length + '\r\n');
    for (const s of items) t.bulk(s);
    t.add(':42\r\n');
    assert.equal(t.done(), '*' + items.length + '\r\n' + items.map(bulk).join('') + ':42\r\n');
  }
});

test('ReplyText: elements from bytes and decimal digits (what stream replies are written with)', () => {
  const rnd = mulberry32(5);
  const items = elements(rnd, 40);
  const t = new ReplyText('');
  const nums = [0, 7, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 1e15 + 3, Number.MAX_SAFE_INTEGER];
  for (const s of items) t.bulkFrom(Buffer.from('<' + s + '>', 'latin1'), 1, s.length);
  for (const v of nums) t.digits(v);
  assert.equal(t.done(), items.map(bulk).join('') + nums.map(String).join(''));
});

test('ReplyText: a reply larger than its buffer, and two replies built at once', () => {
  const rnd = mulberry32(11);
  const a = elements(rnd, 200);
  const b = elements(rnd, 60);
  const ta = new ReplyText('*a\r\n');
  const tb = new ReplyText('*b\r\n');
  for (let i = 0; i < a.length; i++) {
    ta.bulk(a[i]);
    if (i < b.length) tb.bulk(b[i]);
  }
  const textB = tb.done();
  const textA = ta.done();
  assert.equal(textA, '*a\r\n' + a.map(bulk).join(''));
  assert.equal(textB, '*b\r\n' + b.map(bulk).join(''));
  assert.ok(textA.length > 1024 * 1024, 'the reply outgrew the buffer');
  // the buffer is usable again afterwards
  const t = new ReplyText('*1\r\n');
  t.bulk('x');
  assert.equal(t.done(), '*1\r\n$1\r\nx\r\n');
});

test('LRANGE, ZRANGE WITHSCORES (RESP2 and RESP3) and SMEMBERS of binary, short and long elements through a socket', async () => {
  const srv = await startTredis();
  const c = await TestClient.connect(srv.port);
  try {
    const rnd = mulberry32(3);
    const items = elements(rnd, 300);
    for (let i = 0; i < items.length; i += 50) assert.equal(typeof (await c.call('RPUSH', 'l', ...items.slice(i, i + 50))), 'number');
    assert.equal(await c.callRaw('LRANGE', 'l', '0', '-1'), `*${items.length}\r\n` + items.map(bulk).join(''));
    assert.equal(await c.callRaw('LRANGE', 'l', '5', '7'), '*3\r\n' + items.slice(5, 8).map(bulk).join(''));
    // distinct members with their index as score: ZRANGE gives them back in index order
    const members = items.map((s, i) => i + ':' + s);
    for (let i = 0; i < members.length; i += 50) {
      const args: string[] = [];
      for (let j = i; j < Math.min(i + 50, members.length); j++) args.push(String(j), members[j]);
      await c.call('ZADD', 'z', ...args);
    }
    assert.equal(await c.callRaw('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), `*${2 * members.length}\r\n` + members.map((m, i) => bulk(m) + bulk(String(i))).join(''));
    await c.call('HELLO', '3');
    assert.equal(await c.callRaw('ZRANGE', 'z', '0', '2', 'WITHSCORES'), '*3\r\n' + members.slice(0, 3).map((m, i) => '*2\r\n' + bulk(m) + `,${i}\r\n`).join(''));
    await c.call('HELLO', '2');
    // a small set keeps insertion order (listpack): SMEMBERS in that order
    const small = ['a', '\u00ff\u0000b', 'x'.repeat(40)];
    await c.call('SADD', 's', ...small);
    assert.equal(await c.callRaw('SMEMBERS', 's'), '*3\r\n' + small.map(bulk).join(''));
  } finally {
    c.close();
    await srv.close();
  }
});

test('ReplyWriter: shared headers and digit-built integers give the plain encoding at every edge', () => {
  const w = new ReplyWriter();
  const edges: number[] = [0, 1, 9, 10, 99, 100, 999, 1000, 1022, 1023, 1024, 1025, 9999, 10000, 99999, 100000, 999999, 1000000];
  for (let p = 10_000_000; p <= 1_000_000_000; p *= 10) edges.push(p - 1, p, p + 1);
  edges.push(2147483646, 2147483647, 2147483648, 4294967295, 4294967296, 2 ** 53 - 1, -0, -1, -1023, -1024, -2147483648, -2147483649);
  const rnd = mulberry32(11);
  for (let i = 0; i < 2000; i++) edges.push(Math.floor(rnd() * 2 ** 31), Math.floor(rnd() * 100000));
  for (const n of edges) {
    if ((n | 0) === n && n >= 0) assert.equal(intReplyText(n), `:${n}\r\n`, `intReplyText(${n})`);
    w.int(n);
    assert.equal(w.take(), `:${n}\r\n`, `int(${n})`);
    w.int(BigInt(n));
    assert.equal(w.take(), `:${n}\r\n`, `int(${n}n)`);
    if (n >= 0 && Number.isSafeInteger(n)) {
      w.arrayLen(n);
      assert.equal(w.take(), `*${n}\r\n`, `arrayLen(${n})`);
    }
  }
  w.arrayLen(-1);
  assert.equal(w.take(), '*-1\r\n');
  for (const len of [0, 1, 9, 10, 1023, 1024, 1025, 70000]) {
    const s = 'x'.repeat(len);
    w.bulk(s);
    assert.equal(w.take(), bulk(s), `bulk of ${len} bytes`);
  }
});
