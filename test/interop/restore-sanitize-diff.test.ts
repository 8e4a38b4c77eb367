/**
 * RESTORE of hand-built payloads under `sanitize-dump-payload yes`,
 * differential against redis-server 7.0 (cases the payload fuzzer found):
 * the deep check of a stream node's listpack (Redis's
 * streamValidateListpackIntegrity) must accept and refuse the same payloads,
 * and an accepted one must hold the same value (DEBUG DIGEST-VALUE, XRANGE)
 * and stay usable (XDEL, XADD, XTRIM); a listpack zset score that is not a
 * number reads as C's strtod reads it; an LZF string announced as empty loads
 * whatever its compressed bytes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisAvailable, SKIP_NO_REDIS } from '../helpers/servers';
import { startPair, stopPair, type ServerPair } from '../helpers/compare';
import { crc64 } from '../../src/persistence/rdb/crc64';

const HAVE_REDIS = redisAvailable();
let p: ServerPair;

before(async () => {
  if (!HAVE_REDIS) return;
  p = await startPair({ 'enable-debug-command': 'yes' }, ['--sanitize-dump-payload', 'yes']);
  await p.c.call('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
});

after(async () => {
  if (p) await stopPair(p);
});

// ---- raw listpack elements (small values only)
const backlen = (n: number): number[] => (n <= 127 ? [n] : [n >> 7, (n & 127) | 128]);
/** A 7-bit unsigned integer element. */
const u7 = (v: number): number[] => [v, 1];
/** A 13-bit integer element (any value 0..4095 in the wider encoding). */
const i13 = (v: number): number[] => [0xc0 | (v >> 8), v & 0xff, 2];
/** A string element (6-bit length): also an integer written as text. */
const str = (s: string): number[] => [0x80 | s.length, ...Buffer.from(s, 'latin1'), ...backlen(1 + s.length)];

function listpack(elements: number[][]): Buffer {
  const body = elements.flat();
  const total = 6 + body.length + 1;
  const b = Buffer.alloc(total);
  b.writeUInt32LE(total, 0);
  b.writeUInt16LE(elements.length, 4);
  Buffer.from(body).copy(b, 6);
  b[total - 1] = 0xff;
  return b;
}

/** An RDB length-prefixed string (6-bit or 14-bit length). */
function rdbStr(b: Buffer): Buffer {
  const hdr = b.length < 64 ? Buffer.from([b.length]) : Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]);
  return Buffer.concat([hdr, b]);
}

/** body + RDB version 10 + CRC64: a DUMP payload. */
function sealed(body: Buffer): Buffer {
  const b = Buffer.concat([body, Buffer.from([10, 0])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(b));
  return Buffer.concat([b, crc]);
}

/** A DUMP payload of a one-node stream (RDB_TYPE_STREAM_LISTPACKS_2, no groups) with master id 1-0. */
function payload(lp: Buffer, length: number, lastMs: number): Buffer {
  const nodeKey = Buffer.alloc(16);
  nodeKey.writeBigUInt64BE(1n, 0);
  const meta = [length, lastMs, 0, 1, 0, 0, 0, length, 0]; // length, last id, first id, max deleted id, entries added, 0 groups
  return sealed(Buffer.concat([Buffer.from([19, 1]), rdbStr(nodeKey), rdbStr(lp), Buffer.from(meta)]));
}

// master entry: count, deleted, 1 field "f", terminator 0; entries SAMEFIELDS (flags 2): ms delta, seq delta, value, lp-count 4
const master = (count: number[], deleted: number[] = u7(0)): number[][] => [count, deleted, u7(1), str('f'), u7(0)];
const entry = (msDelta: number, value: string, flags: number[] = u7(2), lpCount: number[] = u7(4)): number[][] => [flags, u7(msDelta), u7(0), str(value), lpCount];

const CASES: Array<[string, Buffer]> = [
  ['well formed', payload(listpack([...master(u7(2)), ...entry(0, 'a'), ...entry(1, 'b')]), 2, 2)],
  ['counters as text and a 13-bit flags element', payload(listpack([...master(str('2')), ...entry(0, 'a', i13(2)), ...entry(1, 'b', u7(2), str('4'))]), 2, 2)],
  ['flags disagree with the counters (count 2, one entry flagged deleted)', payload(listpack([...master(u7(2)), ...entry(0, 'a', u7(3)), ...entry(1, 'b')]), 2, 2)],
  ['a node with no entries', payload(listpack(master(u7(0))), 0, 1)],
  ['lp-count wrong', payload(listpack([...master(u7(2)), ...entry(0, 'a'), ...entry(1, 'b', u7(2), u7(5))]), 2, 2)],
  ['master terminator not 0', payload(listpack([u7(1), u7(0), u7(1), str('f'), u7(7), ...entry(0, 'a')]), 1, 1)],
  ['an element after the last entry', payload(listpack([...master(u7(1)), ...entry(0, 'a'), u7(9)]), 1, 1)],
  ['count + deleted above the entries', payload(listpack([...master(u7(2), u7(1)), ...entry(0, 'a'), ...entry(1, 'b')]), 2, 2)],
  ['count + deleted below the entries', payload(listpack([...master(u7(1)), ...entry(0, 'a'), ...entry(1, 'b')]), 2, 2)],
  ['a flags element that is not an integer', payload(listpack([...master(u7(1)), ...entry(0, 'a', str('x'))]), 1, 1)],
  ['an id delta written as a non-canonical number', payload(listpack([...master(u7(1)), [u7(2), str('01'), u7(0), str('a'), u7(4)].flat()]), 1, 1)],
  ['a bad back-length', (() => {
    const lp = listpack([...master(u7(1)), ...entry(0, 'a')]);
    lp[lp.length - 2] = 5; // the last element's back-length
    return payload(lp, 1, 1);
  })()],
];

test('RESTORE of crafted stream node listpacks: accepted and refused as redis-server with sanitize-dump-payload yes', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const c = p.c;
  const r = p.r!;
  const accepted: string[] = [];
  for (const [name, bytes] of CASES) {
    const argv = ['RESTORE', 'k', '0', bytes.toString('latin1'), 'REPLACE'];
    const [a, b] = [await c.callRaw(...argv), await r.callRaw(...argv)];
    assert.equal(a, b, `${name}: RESTORE`);
    if (a !== '+OK\r\n') continue;
    accepted.push(name);
    for (const cmd of [['DEBUG', 'DIGEST-VALUE', 'k'], ['XRANGE', 'k', '-', '+'], ['XREVRANGE', 'k', '+', '-'], ['XLEN', 'k'], ['XDEL', 'k', '1-0'], ['XRANGE', 'k', '-', '+'], ['XADD', 'k', '9-0', 'f', 'z'], ['XTRIM', 'k', 'MAXLEN', '1'], ['XRANGE', 'k', '-', '+'], ['DEBUG', 'DIGEST-VALUE', 'k']]) {
      assert.equal(await c.callRaw(...cmd), await r.callRaw(...cmd), `${name}: ${cmd.join(' ')}`);
    }
  }
  // the check bites: Redis accepts exactly these four of the payloads above
  assert.deepEqual(accepted, ['well formed', 'counters as text and a 13-bit flags element', 'flags disagree with the counters (count 2, one entry flagged deleted)', 'a node with no entries']);
});

test('RESTORE: listpack zset scores that are not numbers, an LZF string announced as empty (as redis-server)', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const c = p.c;
  const r = p.r!;
  // RDB_TYPE_ZSET_LISTPACK (17): c -3, a 1, b "2.5", d "\x01nf" (strtod: 0), e "12abc" (12), f " 7" (7)
  const zl = listpack([str('c'), i13(8189), str('a'), u7(1), str('b'), str('2.5'), str('d'), str('\x01nf'), str('e'), str('12abc'), str('f'), str(' 7')]);
  const zset = sealed(Buffer.concat([Buffer.from([17]), rdbStr(zl)]));
  // RDB_TYPE_STRING, LZF: compressed length 3, length 0, then bytes liblzf refuses
  const lzf = sealed(Buffer.from([0, 0xc3, 3, 0, 0xe0, 0xff, 0x07]));
  for (const [name, bytes, reads] of [
    ['zset', zset, [['ZSCORE', 'k', 'a'], ['ZSCORE', 'k', 'b'], ['ZSCORE', 'k', 'c'], ['ZSCORE', 'k', 'd'], ['ZSCORE', 'k', 'e'], ['ZSCORE', 'k', 'f'], ['ZCARD', 'k']]],
    ['lzf', lzf, [['GET', 'k'], ['STRLEN', 'k']]],
  ] as Array<[string, Buffer, string[][]]>) {
    const argv = ['RESTORE', 'k', '0', bytes.toString('latin1'), 'REPLACE'];
    const a = await c.callRaw(...argv);
    assert.equal(a, '+OK\r\n', `${name}: tredis RESTORE`);
    assert.equal(await r.callRaw(...argv), a, `${name}: redis RESTORE`);
    for (const cmd of [...reads, ['DEBUG', 'DIGEST-VALUE', 'k']]) assert.equal(await c.callRaw(...cmd), await r.callRaw(...cmd), `${name}: ${cmd.join(' ')}`);
  }
});
