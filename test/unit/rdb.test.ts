/**
 * Unit tests of the RDB codec: CRC-64, LZF, number formatting, the compact
 * encodings (listpack, ziplist, intset, zipmap), writer -> reader round trips,
 * streaming, DUMP payloads, and robustness against truncated / corrupted input.
 */
import { lcg as rng } from '../helpers/prng';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Crc64,
  ListpackBuilder,
  RdbError,
  RdbReader,
  RdbWriter,
  crc64,
  datasetFromRecords,
  decodeDumpPayload,
  decodeIntset,
  decodeListpack,
  decodeZiplist,
  decodeZipmap,
  encodeDumpPayload,
  encodeIntset,
  encodeListpack,
  lzfCompress,
  lzfCompressForRdb,
  lzfDecompress,
  parseCanonicalInt,
  parseRdbBuffer,
  rdbChunks,
  rdbToBuffer,
  strtod,
  writeRdb,
  type PlainValue,
  type RdbKeyRecord,
} from '../../src/persistence/rdb/index';
import { d2string, formatG17 as formatDouble17g } from '../../src/util/number-format';

function randBytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function norm(v: PlainValue): unknown {
  switch (v.type) {
    case 'string': return ['string', v.value];
    case 'list': return ['list', [...v.value]];
    case 'set': return ['set', [...v.value].sort()];
    case 'hash': return ['hash', [...v.value].sort((a, b) => (a[0] < b[0] ? -1 : 1))];
    case 'zset': return ['zset', v.value];
  }
}

const isRdbError = (code?: string) => (e: unknown): boolean => e instanceof RdbError && (code === undefined || e.code === code);

// ------------------------------------------------------------------ CRC-64

describe('crc64', () => {
  test('check value of "123456789" is 0xe9c6d914c4b8d9ca', () => {
    assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
    assert.equal(new Crc64().update(Buffer.from('123456789')).toHex(), 'e9c6d914c4b8d9ca');
    assert.equal(crc64(Buffer.alloc(0)), 0n);
  });

  test('incremental updates equal one-shot for any split', () => {
    const r = rng(1);
    const data = randBytes(r, 5000);
    const whole = new Crc64().update(data).toHex();
    for (let trial = 0; trial < 50; trial++) {
      const c = new Crc64();
      let p = 0;
      while (p < data.length) {
        const n = Math.min(data.length - p, 1 + Math.floor(r() * 40));
        c.update(data, p, p + n);
        p += n;
      }
      assert.equal(c.toHex(), whole);
    }
  });

  test('little-endian bytes round trip', () => {
    const c = new Crc64().update(Buffer.from('hello world'));
    const le = c.toBufferLE();
    assert.ok(c.equalsLE(le, 0));
    assert.equal(Crc64.fromLE(le).toHex(), c.toHex());
    assert.equal(le.readBigUInt64LE(0), c.toBigInt());
  });

  test('100 MB in about a second', () => {
    const big = Buffer.alloc(100 * 1024 * 1024, 0x5a);
    const t = performance.now();
    new Crc64().update(big);
    const ms = performance.now() - t;
    assert.ok(ms < 10000, `crc64 of 100MB took ${ms.toFixed(0)} ms`);
  });
});

// ------------------------------------------------------------------ LZF

describe('lzf', () => {
  const roundTrip = (src: Buffer): void => {
    const out = Buffer.alloc(src.length + Math.ceil(src.length / 32) + 16); // worst case: all literals
    const n = lzfCompress(src, 0, src.length, out, out.length);
    assert.ok(n > 0);
    const back = Buffer.alloc(src.length);
    assert.equal(lzfDecompress(out, 0, n, back), src.length);
    assert.ok(back.equals(src));
  };

  test('round trip of compressible, random and edge-size data', () => {
    const r = rng(7);
    roundTrip(Buffer.from('a'));
    roundTrip(Buffer.from('ab'));
    roundTrip(Buffer.from('abc'));
    roundTrip(Buffer.from('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
    roundTrip(Buffer.from('abcabcabcabc'.repeat(1000)));
    roundTrip(Buffer.alloc(100000, 0));
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(r() * 3000);
      roundTrip(randBytes(r, n));
      // low entropy data with long and short matches
      const b = Buffer.allocUnsafe(n);
      for (let j = 0; j < n; j++) b[j] = Math.floor(r() * 4) + 97;
      roundTrip(b);
    }
    // data longer than the 8 KB window, with matches at the window edge
    const win = randBytes(r, 8200);
    roundTrip(Buffer.concat([win, win, win]));
  });

  test('returns 0 when the output does not fit; Redis rule needs 4 bytes saved', () => {
    const r = rng(3);
    const rand = randBytes(r, 100);
    assert.equal(lzfCompressForRdb(rand, 0, rand.length).len, 0);
    const rep = Buffer.from('x'.repeat(100));
    const c = lzfCompressForRdb(rep, 0, rep.length);
    assert.ok(c.len > 0 && c.len <= 96);
    assert.equal(lzfCompressForRdb(Buffer.from('aaaa'), 0, 4).len, 0);
    const out = Buffer.alloc(4);
    assert.equal(lzfCompress(rep, 0, rep.length, out, 4), 0);
  });

  test('decompression rejects malformed input without throwing', () => {
    const r = rng(9);
    const src = Buffer.from('hello hello hello hello hello hello');
    const out = Buffer.alloc(64);
    const n = lzfCompress(src, 0, src.length, out, out.length);
    const comp = out.subarray(0, n);
    assert.equal(lzfDecompress(comp, 0, n, Buffer.alloc(src.length - 1)), -1); // E2BIG
    assert.equal(lzfDecompress(Buffer.from([0x20, 0x05]), 0, 2, Buffer.alloc(10)), -1); // back ref before start
    assert.equal(lzfDecompress(Buffer.from([5, 1, 2]), 0, 3, Buffer.alloc(10)), -1); // literal run overflows input
    for (let i = 0; i < 2000; i++) {
      const junk = randBytes(r, 1 + Math.floor(r() * 30));
      const res = lzfDecompress(junk, 0, junk.length, Buffer.alloc(Math.floor(r() * 100)));
      assert.ok(res >= -1);
    }
  });
});

// ------------------------------------------------------------------ numbers

describe('numbers', () => {
  test('%.17g like glibc', () => {
    assert.equal(formatDouble17g(0.1), '0.10000000000000001');
    assert.equal(formatDouble17g(1.5), '1.5');
    assert.equal(formatDouble17g(3), '3');
    assert.equal(formatDouble17g(-0), '-0');
    assert.equal(formatDouble17g(Infinity), 'inf');
    assert.equal(formatDouble17g(-Infinity), '-inf');
    assert.equal(formatDouble17g(1e21), '1e+21');
    assert.equal(formatDouble17g(1e-5), '1.0000000000000001e-05');
    assert.equal(formatDouble17g(1e16), '10000000000000000');
    assert.equal(formatDouble17g(1e17), '1e+17');
    assert.equal(formatDouble17g(123456789012345678), '1.2345678901234568e+17');
    assert.equal(formatDouble17g(0.0001), '0.0001');
    assert.equal(formatDouble17g(5e-324), '4.9406564584124654e-324');
    // exact ties are rounded half to even, as glibc does (JS rounds them up)
    assert.equal(formatDouble17g(1 + 2 ** -17), '1.0000076293945312');
    assert.equal(formatDouble17g(1 + 3 * 2 ** -17), '1.0000228881835938');
  });

  test('d2string / strtod / canonical integers', () => {
    assert.equal(d2string(3), '3');
    assert.equal(d2string(-2.5), '-2.5');
    assert.equal(d2string(-0), '-0');
    assert.equal(d2string(Infinity), 'inf');
    assert.equal(d2string(2 ** 53), '9007199254740992');
    assert.equal(strtod('inf'), Infinity);
    assert.equal(strtod('-inf'), -Infinity);
    assert.equal(strtod('+INF'), Infinity);
    assert.ok(Number.isNaN(strtod('nan')));
    assert.equal(strtod('1.5e3'), 1500);
    assert.equal(parseCanonicalInt('0'), 0);
    assert.equal(parseCanonicalInt('-0'), null);
    assert.equal(parseCanonicalInt('007'), null);
    assert.equal(parseCanonicalInt('+1'), null);
    assert.equal(parseCanonicalInt(' 1'), null);
    assert.equal(parseCanonicalInt('9223372036854775807'), 9223372036854775807n);
    assert.equal(parseCanonicalInt('-9223372036854775808'), -9223372036854775808n);
    assert.equal(parseCanonicalInt('9223372036854775808'), null);
    assert.equal(parseCanonicalInt('9007199254740991'), 9007199254740991);
  });
});

// ------------------------------------------------------------------ encodings

describe('listpack', () => {
  test('every encoding round trips and matches hand-built bytes', () => {
    const items = [
      '0', '127', '128', '-1', '-4096', '4095', '4096', '-4097', '32767', '-32768', '32768',
      '8388607', '-8388608', '8388608', '2147483647', '-2147483648', '2147483648',
      '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-0', '01',
      '', 'a', 'x'.repeat(63), 'x'.repeat(64), 'y'.repeat(4095), 'y'.repeat(4096), 'z'.repeat(20000),
      '\x00\xff\x80',
    ];
    const lp = encodeListpack(items);
    assert.deepEqual(decodeListpack(lp), items);
    // hand-built: 7-bit uint 5, 13-bit -1, 6-bit str "ab", 16-bit -30000, 24-bit 100000, 32-bit -2^31, 64-bit 2^40
    const entries = [
      [0x05], [0xdf, 0xff], [0x82, 0x61, 0x62], [0xf1, 0xd0, 0x8a], [0xf2, 0xa0, 0x86, 0x01],
      [0xf3, 0x00, 0x00, 0x00, 0x80], [0xf4, 0, 0, 0, 0, 0, 0x01, 0, 0],
    ];
    const body: number[] = [];
    for (const e of entries) body.push(...e, e.length);
    const total = 6 + body.length + 1;
    const hand = Buffer.from([total, 0, 0, 0, entries.length, 0, ...body, 0xff]);
    assert.deepEqual(decodeListpack(hand), ['5', '-1', 'ab', '-30000', '100000', '-2147483648', '1099511627776']);
    assert.ok(encodeListpack(['5', '-1', 'ab', '-30000', '100000', '-2147483648', '1099511627776']).equals(hand));
    // 12-bit string and 2-byte backlen
    const s = 'q'.repeat(200);
    const lp2 = encodeListpack([s]);
    assert.equal(lp2[6], 0xe0);
    assert.equal(lp2[7], 200);
    assert.deepEqual(lp2.subarray(6 + 202, 6 + 204), Buffer.from([202 >> 7, (202 & 127) | 128]));
    assert.deepEqual(decodeListpack(lp2), [s]);
  });

  test('unknown element count (65535) and builder reuse', () => {
    const items = Array.from({ length: 70000 }, (_, i) => String(i % 300));
    const lp = encodeListpack(items);
    assert.equal(lp.readUInt16LE(4), 65535);
    assert.equal(decodeListpack(lp).length, 70000);
    const b = new ListpackBuilder();
    b.append('a');
    b.reset();
    b.append('b');
    assert.deepEqual(decodeListpack(b.finish()), ['b']);
  });

  test('corruption is detected', () => {
    const lp = encodeListpack(['hello', '42', 'x'.repeat(100)]);
    const bad1 = Buffer.from(lp);
    bad1.writeUInt32LE(lp.length + 1, 0);
    assert.throws(() => decodeListpack(bad1), isRdbError('CORRUPT'));
    const bad2 = Buffer.from(lp);
    bad2[6 + 6] = 9; // backlen of "hello" (6 bytes)
    assert.throws(() => decodeListpack(bad2), isRdbError('CORRUPT'));
    const bad3 = Buffer.from(lp);
    bad3[4] = 7; // count
    assert.throws(() => decodeListpack(bad3), isRdbError('CORRUPT'));
    const bad4 = Buffer.from(lp);
    bad4[6] = 0xf5; // invalid encoding
    assert.throws(() => decodeListpack(bad4), isRdbError('CORRUPT'));
    assert.throws(() => decodeListpack(Buffer.from([1, 2])), isRdbError('CORRUPT'));
  });
});

describe('ziplist', () => {
  test('all entry encodings, 5-byte prevlen, immediate ints', () => {
    const entries: number[][] = [];
    entries.push([0x03, 0x61, 0x62, 0x63]); // 6-bit string "abc"
    const s300 = Array(300).fill(0x7a);
    entries.push([0x41, 0x2c, ...s300]); // 14-bit string of 300 bytes
    entries.push([0x80, 0, 0, 0, 2, 0x68, 0x69]); // 32-bit string "hi"
    entries.push([0xc0, 0x2c, 0x01]); // int16 300
    entries.push([0xd0, 0xff, 0xff, 0xff, 0x7f]); // int32 2147483647
    entries.push([0xe0, 0, 0, 0, 0, 0, 0, 0, 0x80]); // int64 min
    entries.push([0xf0, 0xff, 0xff, 0x7f]); // int24 8388607
    entries.push([0xfe, 0x80]); // int8 -128
    entries.push([0xf1]); // immediate 0
    entries.push([0xfd]); // immediate 12
    const body: number[] = [];
    let prev = 0;
    let tail = 10;
    for (let i = 0; i < entries.length; i++) {
      const pre = prev < 254 ? [prev] : [0xfe, prev & 0xff, (prev >> 8) & 0xff, 0, 0];
      if (i > 0) tail += prev;
      const e = [...pre, ...entries[i]];
      body.push(...e);
      prev = e.length;
    }
    const total = 10 + body.length + 1;
    const zl = Buffer.alloc(total);
    zl.writeUInt32LE(total, 0);
    zl.writeUInt32LE(tail, 4);
    zl.writeUInt16LE(entries.length, 8);
    Buffer.from(body).copy(zl, 10);
    zl[total - 1] = 0xff;
    assert.deepEqual(decodeZiplist(zl), [
      'abc', 'z'.repeat(300), 'hi', '300', '2147483647', '-9223372036854775808', '8388607', '-128', '0', '12',
    ]);
    // corruptions
    const bad = Buffer.from(zl);
    bad.writeUInt32LE(tail + 1, 4);
    assert.throws(() => decodeZiplist(bad), isRdbError('CORRUPT'));
    const bad2 = Buffer.from(zl);
    bad2[10 + 5] = 0x06; // prevlen of the 2nd entry (the first is 5 bytes)
    assert.throws(() => decodeZiplist(bad2), isRdbError('CORRUPT'));
    const bad3 = Buffer.from(zl);
    bad3[11] = 0xc1; // invalid encoding of the first entry
    assert.throws(() => decodeZiplist(bad3), isRdbError('CORRUPT'));
    const empty = Buffer.from([11, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0xff]);
    assert.deepEqual(decodeZiplist(empty), []);
  });
});

describe('intset and zipmap', () => {
  test('intset 16/32/64-bit decode, encode, validation', () => {
    const i16 = Buffer.from([2, 0, 0, 0, 3, 0, 0, 0, 0xfb, 0xff, 1, 0, 0x10, 0]);
    assert.deepEqual(decodeIntset(i16), ['-5', '1', '16']);
    assert.ok(encodeIntset(['16', '-5', '1'])?.equals(i16));
    const i32 = encodeIntset(['70000', '-1']) as Buffer;
    assert.equal(i32.readUInt32LE(0), 4);
    assert.deepEqual(decodeIntset(i32), ['-1', '70000']);
    const i64 = encodeIntset(['9223372036854775807', '-9223372036854775808', '5', String(2 ** 40)]) as Buffer;
    assert.equal(i64.readUInt32LE(0), 8);
    assert.deepEqual(decodeIntset(i64), ['-9223372036854775808', '5', '1099511627776', '9223372036854775807']);
    assert.equal(encodeIntset(['1', 'a']), null);
    assert.equal(encodeIntset(['01']), null);
    const unsorted = Buffer.from([2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 1, 0]);
    assert.throws(() => decodeIntset(unsorted), isRdbError('CORRUPT'));
    assert.throws(() => decodeIntset(Buffer.from([3, 0, 0, 0, 0, 0, 0, 0])), isRdbError('CORRUPT'));
    assert.throws(() => decodeIntset(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0])), isRdbError('CORRUPT'));
    assert.throws(() => decodeIntset(Buffer.from([2, 0, 0, 0, 9, 0, 0, 0, 1, 0])), isRdbError('CORRUPT'));
  });

  test('zipmap with free bytes and a 5-byte length', () => {
    const zm = Buffer.concat([
      Buffer.from([3, 4]), Buffer.from('name'), Buffer.from([3, 0]), Buffer.from('foo'),
      Buffer.from([7]), Buffer.from('surname'), Buffer.from([3, 2]), Buffer.from('foo..'),
      Buffer.from([0xfe, 0x00, 0x02, 0x00, 0x00]), Buffer.from('a'.repeat(512)), Buffer.from([4, 0]), Buffer.from('long'),
      Buffer.from([0xff]),
    ]);
    assert.deepEqual(decodeZipmap(zm), ['name', 'foo', 'surname', 'foo', 'a'.repeat(512), 'long']);
    const badCount = Buffer.from(zm);
    badCount[0] = 2;
    assert.throws(() => decodeZipmap(badCount), isRdbError('CORRUPT'));
    assert.throws(() => decodeZipmap(zm.subarray(0, zm.length - 3)), isRdbError('CORRUPT'));
    assert.throws(() => decodeZipmap(Buffer.from([0, 0xff])), isRdbError('CORRUPT'));
  });
});

// ------------------------------------------------------------------ round trips

function sampleRecords(): RdbKeyRecord[] {
  const r = rng(11);
  const rec: RdbKeyRecord[] = [];
  const add = (db: number, key: string, value: PlainValue, expireAt = -1): void => void rec.push({ db, key, value, expireAt });
  add(0, 's:empty', { type: 'string', value: '' });
  add(0, 's:ints', { type: 'string', value: '-128' });
  add(0, 's:i16', { type: 'string', value: '32767' });
  add(0, 's:i32', { type: 'string', value: '-2147483648' });
  add(0, 's:i64', { type: 'string', value: '2147483648' });
  add(0, 's:lz', { type: 'string', value: 'abc'.repeat(1000) }, 1700000000123);
  add(0, 's:bin', { type: 'string', value: randBytes(r, 1000).toString('latin1') });
  add(0, 's:big', { type: 'string', value: randBytes(r, 200000).toString('latin1') });
  add(0, 'bin\x00key\xff', { type: 'string', value: 'v' });
  add(0, 'l:small', { type: 'list', value: ['a', '1', '-1', ''] });
  add(0, 'l:big', { type: 'list', value: Array.from({ length: 5000 }, (_, i) => (i % 2 ? String(i) : `e${i}`)) });
  add(0, 'l:huge', { type: 'list', value: ['x'.repeat(70000), 'y'] });
  add(0, 'set:int', { type: 'set', value: new Set(['1', '-2', '300000']) });
  add(0, 'set:int64', { type: 'set', value: new Set(['9223372036854775807', '1']) });
  add(0, 'set:str', { type: 'set', value: new Set(['a', 'b']) });
  add(0, 'set:many', { type: 'set', value: new Set(Array.from({ length: 700 }, (_, i) => String(i))) });
  add(0, 'h:small', { type: 'hash', value: new Map([['a', '1'], ['b', '']]) });
  add(0, 'h:big', { type: 'hash', value: new Map(Array.from({ length: 700 }, (_, i) => [`f${i}`, `v${i}`] as [string, string])) });
  add(0, 'h:longval', { type: 'hash', value: new Map([['a', 'v'.repeat(100)]]) });
  add(1, 'z:small', { type: 'zset', value: [['-inf', -Infinity], ['a', -0.5], ['b', 0], ['c', 1.5], ['d', 1e300], ['e', Infinity]] });
  add(1, 'z:big', { type: 'zset', value: Array.from({ length: 300 }, (_, i) => [`m${String(i).padStart(3, '0')}`, Math.floor(i / 3)] as [string, number]) }, 1e13);
  add(9, 'z:long', { type: 'zset', value: [['a', 1], ['m'.repeat(100), 2]] });
  return rec;
}

function collect(buf: Buffer, chunkSizes?: () => number): { keys: RdbKeyRecord[]; aux: Map<string, string> } {
  const keys: RdbKeyRecord[] = [];
  const aux = new Map<string, string>();
  const reader = new RdbReader({
    onAux: (k, v) => void aux.set(k, v),
    onKey: (db, key, value, expireAt) => void keys.push({ db, key, value, expireAt }),
  });
  if (!chunkSizes) reader.push(buf);
  else {
    let p = 0;
    while (p < buf.length) {
      const n = Math.min(buf.length - p, chunkSizes());
      reader.push(buf.subarray(p, p + n));
      p += n;
    }
  }
  reader.end();
  assert.ok(reader.done);
  return { keys, aux };
}

function assertSame(got: RdbKeyRecord[], want: RdbKeyRecord[]): void {
  assert.equal(got.length, want.length);
  const m = new Map(got.map((k) => [`${k.db}/${k.key}`, k]));
  for (const w of want) {
    const g = m.get(`${w.db}/${w.key}`);
    assert.ok(g, `missing ${w.key}`);
    assert.deepEqual(norm(g.value), norm(w.value), w.key);
    assert.equal(g.expireAt, w.expireAt, w.key);
  }
}

describe('writer -> reader', () => {
  test('every type and size class, with and without compression/checksum', () => {
    const rec = sampleRecords();
    for (const opts of [{}, { compression: false }, { checksum: false }, { chunkSize: 100 }]) {
      const buf = rdbToBuffer(datasetFromRecords(rec, { ctime: 1700000000, usedMem: 123456 }), opts);
      assert.equal(buf.toString('latin1', 0, 9), 'REDIS0010');
      const p = parseRdbBuffer(buf);
      assertSame(p.keys, rec);
      assert.equal(p.aux.get('redis-ver'), '7.0.15');
      assert.equal(p.aux.get('ctime'), '1700000000');
      assert.equal(p.aux.get('used-mem'), '123456');
      assert.equal(p.aux.get('aof-base'), '0');
      assert.equal(p.summary.checksum, opts.checksum === false ? 'disabled' : 'verified');
    }
  });

  test('streaming: byte-by-byte and random chunk sizes give the same result', () => {
    const rec = sampleRecords();
    const buf = rdbToBuffer(datasetFromRecords(rec));
    const r = rng(5);
    assertSame(collect(buf, () => 1 + Math.floor(r() * 3000)).keys, rec);
    assertSame(collect(buf, () => 1 + Math.floor(r() * 7)).keys, rec);
    const small = rdbToBuffer(datasetFromRecords(rec.filter((k) => !k.key.includes('big') && !k.key.includes('huge'))));
    collect(small, () => 1);
  });

  test('encodings chosen like Redis 7.0', () => {
    const w = new RdbWriter();
    const t = (v: PlainValue): number => w.valueType(v);
    assert.equal(t({ type: 'string', value: 'x' }), 0);
    assert.equal(t({ type: 'list', value: ['x'] }), 18);
    assert.equal(t({ type: 'set', value: new Set(['1', '2']) }), 11);
    assert.equal(t({ type: 'set', value: new Set(['1', '02']) }), 2);
    assert.equal(t({ type: 'set', value: new Set(Array.from({ length: 513 }, (_, i) => String(i))) }), 2);
    assert.equal(t({ type: 'hash', value: new Map([['a', 'b']]) }), 16);
    assert.equal(t({ type: 'hash', value: new Map([['a', 'b'.repeat(65)]]) }), 4);
    assert.equal(t({ type: 'zset', value: [['a', 1]] }), 17);
    assert.equal(t({ type: 'zset', value: Array.from({ length: 129 }, (_, i) => [`m${i}`, i] as [string, number]) }), 5);
    const wl = new RdbWriter({ limits: { hashMaxListpackEntries: 1 } });
    assert.equal(wl.valueType({ type: 'hash', value: new Map([['a', 'b'], ['c', 'd']]) }), 4);
  });

  test('empty aggregates are skipped by the writer and by the reader', () => {
    const w = new RdbWriter();
    w.writeHeader();
    w.selectDb(0, 2, 0);
    w.writeKey('e', { type: 'list', value: [] });
    w.writeKey('k', { type: 'string', value: 'v' });
    w.writeEnd();
    assert.equal(w.skippedEmpty, 1);
    const p = parseRdbBuffer(w.toBuffer());
    assert.deepEqual(p.keys.map((k) => k.key), ['k']);
    // a hand-made RDB with an empty set (count 0) is skipped with a warning
    const body = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfe, 0, 2, 1, 0x61, 0, 0xff])]);
    const file = Buffer.concat([body, new Crc64().update(body).toBufferLE()]);
    const warnings: string[] = [];
    const got = parseRdbBuffer(file, { onKey: () => assert.fail('no key expected'), onWarning: (m) => void warnings.push(m) });
    assert.equal(got.keys.length, 0);
    assert.match(warnings[0], /skipping empty key: a/);
  });

  test('LRU/LFU opcodes, old EXPIRETIME (seconds) and versions 1..10', () => {
    const w = new RdbWriter();
    w.writeHeader();
    w.selectDb(0, 1, 1);
    w.writeKey('k', { type: 'string', value: 'v' }, 5000, { lruIdle: 77, lfuFreq: 200 });
    w.writeEnd();
    const metas: unknown[] = [];
    parseRdbBuffer(w.toBuffer(), { onKey: (_db, _k, _v, exp, meta) => void metas.push([exp, meta]) });
    assert.deepEqual(metas, [[5000, { lruIdle: 77, lfuFreq: 200 }]]);
    // version 4 file (no checksum), with a seconds expire
    const v4 = Buffer.concat([Buffer.from('REDIS0004'), Buffer.from([0xfe, 0, 0xfd, 10, 0, 0, 0, 0, 1, 0x6b, 1, 0x76, 0xff])]);
    const p = parseRdbBuffer(v4);
    assert.deepEqual(p.keys, [{ db: 0, key: 'k', value: { type: 'string', value: 'v' }, expireAt: 10000 }]);
    assert.equal(p.summary.checksum, 'absent');
    assert.throws(() => parseRdbBuffer(Buffer.from('REDIS0011\xff', 'latin1')), (e: unknown) => e instanceof RdbError && e.code === 'VERSION' && /Can't handle RDB format version 11/.test(e.message));
    assert.throws(() => parseRdbBuffer(Buffer.from('REDIS0000\xff', 'latin1')), isRdbError('VERSION'));
    assert.throws(() => parseRdbBuffer(Buffer.from('RODIS0009\xff', 'latin1')), isRdbError('SIGNATURE'));
  });

  test('checksum mismatch is reported with both values', () => {
    const buf = rdbToBuffer(datasetFromRecords(sampleRecords().slice(0, 3)));
    const bad = Buffer.from(buf);
    bad[bad.length - 3] ^= 0x10;
    assert.throws(() => parseRdbBuffer(bad), (e: unknown) => e instanceof RdbError && e.code === 'CHECKSUM' && /Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)/.test(e.message));
    assert.equal(parseRdbBuffer(bad, undefined, { verifyChecksum: false }).summary.checksum, 'skipped');
  });

  test('trailing bytes after the RDB are kept (AOF preamble style)', () => {
    const buf = rdbToBuffer(datasetFromRecords(sampleRecords().slice(0, 2)));
    const tail = Buffer.from('*1\r\n$4\r\nPING\r\n');
    const r = new RdbReader({ onKey: () => undefined });
    r.push(Buffer.concat([buf, tail.subarray(0, 5)]));
    r.push(tail.subarray(5));
    r.end();
    assert.ok(r.takeRemaining().equals(tail));
  });

  test('databases limit', () => {
    const buf = rdbToBuffer(datasetFromRecords([{ db: 20, key: 'k', value: { type: 'string', value: 'v' }, expireAt: -1 }]));
    assert.throws(() => parseRdbBuffer(buf, undefined, { databases: 16 }), isRdbError('UNSUPPORTED'));
    assert.equal(parseRdbBuffer(buf).keys[0].db, 20);
  });
});

// ------------------------------------------------------------------ robustness

describe('corrupt and truncated input', () => {
  const rec = sampleRecords().filter((k) => !k.key.includes('big') && !k.key.includes('huge') && k.key !== 's:bin');
  const small = rdbToBuffer(datasetFromRecords(rec.slice(0, 14)));

  test('truncation at every byte position throws RdbError(EOF), streaming or not', () => {
    for (let n = 0; n < small.length; n++) {
      const part = small.subarray(0, n);
      assert.throws(() => parseRdbBuffer(part), isRdbError('EOF'), `truncated at ${n}`);
      const r = new RdbReader({ onKey: () => undefined });
      r.push(part.subarray(0, n >> 1));
      r.push(part.subarray(n >> 1));
      assert.throws(() => r.end(), (e: unknown) => e instanceof RdbError && e.code === 'EOF' && /Unexpected EOF reading RDB file \(reading .+\) at offset \d+/.test(e.message));
    }
  });

  test('random bit flips: always an RdbError with checksums, never a crash without', () => {
    const r = rng(99);
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const bad = Buffer.from(small);
      const flips = 1 + Math.floor(r() * 3);
      for (let f = 0; f < flips; f++) bad[Math.floor(r() * bad.length)] ^= 1 << Math.floor(r() * 8);
      if (bad.equals(small)) continue;
      assert.throws(() => parseRdbBuffer(bad), isRdbError());
      try {
        parseRdbBuffer(bad, undefined, { verifyChecksum: false });
      } catch (e) {
        assert.ok(e instanceof RdbError, `unexpected ${String(e)}`);
        errors++;
      }
    }
    assert.ok(errors > 100);
  });

  test('random garbage after a valid header never hangs or crashes', () => {
    const r = rng(1234);
    for (let i = 0; i < 3000; i++) {
      const junk = Buffer.concat([Buffer.from('REDIS0010'), randBytes(r, Math.floor(r() * 200))]);
      try {
        parseRdbBuffer(junk, undefined, { verifyChecksum: false });
      } catch (e) {
        assert.ok(e instanceof RdbError, `unexpected ${String(e)}`);
      }
    }
  });

  test('errors name the offset and what was read', () => {
    const body = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0x08])]);
    assert.throws(() => parseRdbBuffer(body), (e: unknown) => e instanceof RdbError && e.offset === 9 && /Unknown RDB type or opcode 8 at offset 9/.test(e.message));
    const stream = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfe, 0, 15, 3]), Buffer.from('abc'), Buffer.from([1, 3]), Buffer.from('xyz')]);
    assert.throws(() => parseRdbBuffer(stream), (e: unknown) => e instanceof RdbError && e.code === 'CORRUPT' && /Stream node key entry is not the size of a stream ID \(key 'abc'\)/.test(e.message));
    const mod = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([7, 1]), Buffer.from('m')]);
    assert.throws(() => parseRdbBuffer(mod), (e: unknown) => e instanceof RdbError && e.code === 'UNSUPPORTED' && /Module/.test(e.message));
    const maux = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xf7])]);
    assert.throws(() => parseRdbBuffer(maux), isRdbError('UNSUPPORTED'));
    const dup = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([2, 1, 0x73, 2, 1, 0x61, 1, 0x61, 0xff])]);
    assert.throws(() => parseRdbBuffer(dup, undefined, { verifyChecksum: false }), (e: unknown) => e instanceof RdbError && /Duplicate set members detected \(key 's'\)/.test(e.message));
    const nan = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([5, 1, 0x7a, 1, 1, 0x61]), Buffer.from([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]), Buffer.from([0xff])]);
    assert.throws(() => parseRdbBuffer(nan, undefined, { verifyChecksum: false }), (e: unknown) => e instanceof RdbError && /NAN/.test(e.message));
    const lzfBad = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0, 1, 0x6b, 0xc3, 2, 10, 0x01, 0x61])]);
    assert.throws(() => parseRdbBuffer(lzfBad), (e: unknown) => e instanceof RdbError && /Invalid LZF compressed string/.test(e.message));
  });
});

// ------------------------------------------------------------------ DUMP

describe('DUMP payloads', () => {
  test('round trip of every type; footer is version 10 + CRC-64', () => {
    for (const r of sampleRecords()) {
      const p = encodeDumpPayload(r.value);
      assert.equal(p.readUInt16LE(p.length - 10), 10);
      assert.ok(new Crc64().update(p, 0, p.length - 8).equalsLE(p, p.length - 8));
      assert.deepEqual(norm(decodeDumpPayload(p)), norm(r.value), r.key);
    }
  });

  test('known bytes: DUMP of "hello" and of the integer 1 in Redis 7.0', () => {
    // redis-cli DUMP of SET k hello / SET k 1 (Redis 7.0.15)
    const hello = encodeDumpPayload({ type: 'string', value: 'hello' });
    assert.equal(hello.subarray(0, hello.length - 8).toString('hex'), '000568656c6c6f0a00');
    const one = encodeDumpPayload({ type: 'string', value: '1' });
    assert.equal(one.subarray(0, one.length - 8).toString('hex'), '00c0010a00');
  });

  test('bad footers and bad bodies', () => {
    const p = encodeDumpPayload({ type: 'list', value: ['a', 'b'] });
    const wrongVer = Buffer.from(p);
    wrongVer[p.length - 10] = 11;
    assert.throws(() => decodeDumpPayload(wrongVer), (e: unknown) => e instanceof RdbError && e.code === 'DUMP_PAYLOAD' && e.message === 'DUMP payload version or checksum are wrong');
    const crcBad = Buffer.from(p);
    crcBad[0] ^= 0xff;
    assert.throws(() => decodeDumpPayload(crcBad), isRdbError('DUMP_PAYLOAD'));
    assert.throws(() => decodeDumpPayload(Buffer.alloc(5)), isRdbError('DUMP_PAYLOAD'));
    const crcOnly = Buffer.from(p);
    crcOnly[p.length - 1] ^= 1;
    assert.throws(() => decodeDumpPayload(crcOnly), isRdbError('DUMP_PAYLOAD'));
    assert.deepEqual(norm(decodeDumpPayload(crcOnly, { skipChecksum: true })), norm({ type: 'list', value: ['a', 'b'] }));
    // a valid footer around a truncated body: read on into the footer (as Redis's rio does), then rejected
    const body = Buffer.from([18, 1]);
    const tail = Buffer.from([10, 0]);
    const payload = Buffer.concat([body, tail, new Crc64().update(Buffer.concat([body, tail])).toBufferLE()]);
    assert.throws(() => decodeDumpPayload(payload), (e: unknown) => e instanceof RdbError && e.code !== 'DUMP_PAYLOAD');
    // a set whose last member is the footer's version byte loads, as in Redis 7.0.15 (found by npm run fuzz)
    const setBody = Buffer.from('0203016301', 'hex');
    const setPayload = Buffer.concat([setBody, tail, new Crc64().update(Buffer.concat([setBody, tail])).toBufferLE()]);
    assert.deepEqual(norm(decodeDumpPayload(setPayload)), norm({ type: 'set', value: new Set(['c', '\n', '']) }));
    // empty value
    const eb = Buffer.from([2, 0, 10, 0]);
    const empty = Buffer.concat([eb, new Crc64().update(eb).toBufferLE()]);
    assert.throws(() => decodeDumpPayload(empty), isRdbError('CORRUPT'));
  });
});

// ------------------------------------------------------------------ driving the writer

describe('writeRdb and rdbChunks', () => {
  test('chunks are ~chunkSize, respect drain, and the output parses', async () => {
    const rec = sampleRecords();
    const chunks: Buffer[] = [];
    let drains = 0;
    let pendingDrain: (() => void) | null = null;
    const sink = {
      write(c: Buffer): boolean {
        chunks.push(c);
        return chunks.length % 3 !== 0;
      },
      once(_ev: 'drain', cb: () => void): void {
        pendingDrain = cb;
        setImmediate(() => {
          drains++;
          const f = pendingDrain;
          pendingDrain = null;
          f?.();
        });
      },
    };
    const stats = await writeRdb(sink, datasetFromRecords(rec), { chunkSize: 4096 });
    assert.ok(drains > 0);
    assert.equal(stats.keys, rec.length);
    const all = Buffer.concat(chunks);
    assert.equal(all.length, stats.bytes);
    assertSame(parseRdbBuffer(all).keys, rec);
    // chunks are at most chunkSize, except values bigger than a chunk, which travel alone
    assert.ok(chunks.filter((c) => c.length <= 4096).length >= chunks.length * 0.9);
    // the generator gives identical bytes
    const gen = Buffer.concat([...rdbChunks(datasetFromRecords(rec, { ctime: 1, usedMem: 1 }), { chunkSize: 4096 })]);
    assert.ok(gen.equals(rdbToBuffer(datasetFromRecords(rec, { ctime: 1, usedMem: 1 }))));
  });

  test('async sink (write returns a promise) and abort', async () => {
    const rec = sampleRecords();
    let n = 0;
    await writeRdb({ write: async () => void n++ }, datasetFromRecords(rec));
    assert.ok(n > 3);
    await assert.rejects(writeRdb({ write: () => true }, datasetFromRecords(rec), { shouldAbort: () => true }), /aborted/);
  });
});

// ------------------------------------------------------------------ performance

describe('performance', () => {
  test('200k small keys: write and read well under the budget', () => {
    const N = 200000;
    const entries = Array.from({ length: N }, (_, i) => ({ key: `key:${i}`, value: { type: 'string', value: `value:${i}` } as PlainValue, expireAt: i % 10 ? -1 : 1e13 }));
    let t = performance.now();
    const buf = rdbToBuffer({ dbs: [{ id: 0, size: N, expiresSize: N / 10, entries: () => entries }] });
    const writeMs = performance.now() - t;
    t = performance.now();
    let count = 0;
    const r = new RdbReader({ onKey: () => void count++ });
    for (let p = 0; p < buf.length; p += 65536) r.push(buf.subarray(p, p + 65536));
    r.end();
    const readMs = performance.now() - t;
    assert.equal(count, N);
    assert.ok(writeMs < 10000 && readMs < 10000, `write ${writeMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms`);
  });

  test('a 10 MB list and a 20 MB string stream through 64 KB chunks in linear time', () => {
    const list = Array.from({ length: 500000 }, (_, i) => `item-${i}-xxxxxxxxxx`);
    const str = 'q'.repeat(20 * 1024 * 1024);
    const buf = rdbToBuffer(datasetFromRecords([
      { db: 0, key: 'l', value: { type: 'list', value: list }, expireAt: -1 },
      { db: 0, key: 's', value: { type: 'string', value: str }, expireAt: -1 },
    ]), { compression: false });
    const t = performance.now();
    const got: PlainValue[] = [];
    const r = new RdbReader({ onKey: (_d, _k, v) => void got.push(v) });
    for (let p = 0; p < buf.length; p += 65536) r.push(buf.subarray(p, p + 65536));
    r.end();
    const ms = performance.now() - t;
    assert.equal((got[0] as unknown as { value: string[] }).value.length, 500000);
    assert.equal((got[1] as { value: string }).value.length, str.length);
    assert.ok(ms < 10000, `took ${ms.toFixed(0)} ms`);
  });
});
