import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgsAhead, RequestParser, WARM_MAX } from '../../src/protocol/parser';

const resp = (...argv: string[]): string => `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
const limits = { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024, master: false };

/** The arguments 1..3 peekArgs reports, as strings. */
function peeked(p: RequestParser): string[][] {
  const a = new ArgsAhead();
  p.peekArgs(a);
  const out: string[][] = [];
  for (let f = 0; f < a.n; f++) {
    const args: string[] = [];
    for (let k = 1; k <= 3 && k < a.argc[f]; k++) args.push(a.buf.latin1Slice(a.start[3 * f + k - 1], a.end[3 * f + k - 1]));
    out.push(args);
  }
  return out;
}

test('RequestParser.peekArgs: arguments 1..3 of the whole frames ahead, without consuming them', () => {
  const p = new RequestParser(limits);
  p.push(Buffer.from(resp('SET', 'k1', 'v1') + resp('PING') + resp('ZADD', 'z', '1', 'm', '2', 'n') + resp('GET', ''), 'latin1'));
  assert.deepEqual(peeked(p), [['k1', 'v1'], [], ['z', '1', 'm'], ['']]);
  // nothing was consumed: the commands come out whole, then the look ahead starts after them
  assert.deepEqual(p.next(), ['SET', 'k1', 'v1']);
  assert.deepEqual(peeked(p), [[], ['z', '1', 'm'], ['']]);
  assert.deepEqual(p.next(), ['PING']);
  assert.deepEqual(p.next(), ['ZADD', 'z', '1', 'm', '2', 'n']);
  assert.deepEqual(p.next(), ['GET', '']);
  assert.equal(p.next(), null);
  assert.deepEqual(peeked(p), []);
});

test('RequestParser.peekArgs: stops at a partial frame, an inline command, a malformed one, and after WARM_MAX frames', () => {
  const whole = resp('INCR', 'a') + resp('INCR', 'b');
  const partial = resp('SET', 'key', 'value');
  for (let cut = 1; cut < partial.length; cut++) {
    const p = new RequestParser(limits);
    p.push(Buffer.from(whole + partial.slice(0, cut), 'latin1'));
    assert.deepEqual(peeked(p), [['a'], ['b']], `cut at ${cut}`);
  }
  const p = new RequestParser(limits);
  p.push(Buffer.from(resp('GET', 'x') + 'PING\r\n' + resp('GET', 'y'), 'latin1'));
  assert.deepEqual(peeked(p), [['x']]);
  const q = new RequestParser(limits);
  q.push(Buffer.from(resp('GET', 'x') + '*2\r\n$3\r\nGET\r\n+y\r\n', 'latin1'));
  assert.deepEqual(peeked(q), [['x']]);
  assert.deepEqual(q.next(), ['GET', 'x']);
  assert.throws(() => q.next(), /expected '\$'/);
  const r = new RequestParser(limits);
  r.push(Buffer.from(Array.from({ length: WARM_MAX + 5 }, (_, i) => resp('GET', 'k' + i)).join(''), 'latin1'));
  const got = peeked(r);
  assert.equal(got.length, WARM_MAX);
  assert.deepEqual(got[WARM_MAX - 1], ['k' + (WARM_MAX - 1)]);
  // lengths that are not plain digits end it too (next() words the error)
  for (const bad of ['*2\r\n$3\r\nGET\r\n$-1\r\n', '*2\r\n$3\r\nGET\r\n$1x\r\nk\r\n', '*x\r\n', '*-2\r\n', '*2x\r\n$3\r\nGET\r\n$1\r\nk\r\n']) {
    const u = new RequestParser(limits);
    u.push(Buffer.from(resp('GET', 'x') + bad + resp('GET', 'y'), 'latin1'));
    assert.deepEqual(peeked(u), [['x']], JSON.stringify(bad));
  }
  // a big argument ends the look ahead before its frame
  const s = new RequestParser(limits);
  s.push(Buffer.from(resp('GET', 'x') + resp('SET', 'big', 'v'.repeat(40 * 1024)), 'latin1'));
  assert.deepEqual(peeked(s), [['x']]);
});
