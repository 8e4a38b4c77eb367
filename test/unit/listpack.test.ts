import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 as prng } from '../helpers/prng';
import {
  LP_EMPTY,
  LpBuilder,
  ListpackError,
  lpAppend,
  lpCompare,
  lpDeleteAt,
  lpEntrySize,
  lpEq,
  lpFind,
  lpFirst,
  lpFromElements,
  lpGet,
  lpGetInt,
  lpGetLength,
  lpInsertAt,
  lpIsInt,
  lpLast,
  lpLength,
  lpNext,
  lpPrev,
  lpReplaceAt,
  lpSeek,
  lpSplice,
  lpStringToInt,
  lpToArray,
  lpToOwnedArray,
  lpValidate,
  lpValidateString,
} from '../../src/keyspace/listpack';

const bytes = (lp: string): number[] => [...Buffer.from(lp, 'latin1')];

test('listpack: header, empty listpack and exact bytes of each encoding (listpack.c)', () => {
  assert.deepEqual(bytes(LP_EMPTY), [7, 0, 0, 0, 0, 0, 0xff]);
  assert.equal(lpFromElements([]), LP_EMPTY);
  // 7-bit uint: 1 byte + backlen 1
  assert.deepEqual(bytes(lpFromElements(['5'])), [9, 0, 0, 0, 1, 0, 5, 1, 0xff]);
  // 6-bit string "ab"
  assert.deepEqual(bytes(lpFromElements(['ab'])), [11, 0, 0, 0, 1, 0, 0x82, 97, 98, 3, 0xff]);
  // 13-bit int -1 -> 0xDF 0xFF; 128 -> 0xC0 0x80
  assert.deepEqual(bytes(lpFromElements(['-1'])).slice(6, 9), [0xdf, 0xff, 2]);
  assert.deepEqual(bytes(lpFromElements(['128'])).slice(6, 9), [0xc0, 0x80, 2]);
  // 16/24/32/64-bit ints
  assert.deepEqual(bytes(lpFromElements(['4096'])).slice(6, 10), [0xf1, 0x00, 0x10, 3]);
  assert.deepEqual(bytes(lpFromElements(['-32769'])).slice(6, 11), [0xf2, 0xff, 0x7f, 0xff, 4]);
  assert.deepEqual(bytes(lpFromElements(['8388608'])).slice(6, 12), [0xf3, 0, 0, 0x80, 0, 5]);
  assert.deepEqual(bytes(lpFromElements(['-9223372036854775808'])).slice(6, 16), [0xf4, 0, 0, 0, 0, 0, 0, 0, 0x80, 9]);
  // not canonical: stays a string
  for (const s of ['+1', '01', '-0', ' 1', '1.0', '9223372036854775808', '']) {
    const lp = lpFromElements([s]);
    assert.equal(lpIsInt(lp, 6), false, s);
    assert.equal(lpGet(lp, 6), s);
  }
  // 12-bit length string (64 bytes) and its 2-byte backlen (66 > 127? no: 1 byte); 200 bytes -> 2-byte backlen
  const s200 = 'x'.repeat(200);
  const lp200 = lpFromElements([s200]);
  assert.deepEqual(bytes(lp200).slice(6, 8), [0xe0, 200]);
  assert.equal(lp200.length, 6 + 202 + 2 + 1);
  assert.equal(lpEntrySize(s200), 204);
  // 32-bit length string
  const s5k = 'y'.repeat(5000);
  const lp5k = lpFromElements([s5k]);
  assert.deepEqual(bytes(lp5k).slice(6, 11), [0xf0, 0x88, 0x13, 0, 0]);
  assert.equal(lpGet(lp5k, 6), s5k);
  assert.equal(lpLength(lp5k), 1);
});

test('listpack: ints of every width round trip, lpStringToInt follows string2ll', () => {
  const vals = [0, 1, 127, 128, -1, -4096, 4095, 4096, -4097, 32767, -32768, 32768, -32769, 8388607, -8388608,
    8388608, 2147483647, -2147483648, 2147483648, -2147483649, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  const strs = vals.map(String).concat(['9223372036854775807', '-9223372036854775808', '9007199254740993']);
  const lp = lpFromElements(strs);
  assert.deepEqual(lpToArray(lp), strs);
  assert.deepEqual(lpToOwnedArray(lp), strs);
  let p = lpFirst(lp);
  for (const s of strs) {
    assert.equal(lpIsInt(lp, p), true);
    assert.equal(String(lpGetInt(lp, p)), s);
    assert.equal(lpGetLength(lp, p), s.length);
    p = lpNext(lp, p);
  }
  assert.equal(p, -1);
  assert.equal(typeof lpStringToInt('9223372036854775807'), 'bigint');
  assert.equal(lpStringToInt('123'), 123);
  assert.equal(lpStringToInt('-0'), null);
  assert.equal(lpStringToInt('007'), null);
});

test('listpack: forward/backward iteration, seek, find with skip, eq and compare', () => {
  const items = ['f1', 'v1', '10', 'x'.repeat(130), 'k', '-5', 'z'.repeat(5000), '', 'last'];
  const lp = lpFromElements(items);
  const back: string[] = [];
  for (let p = lpLast(lp); p >= 0; p = lpPrev(lp, p)) back.push(lpGet(lp, p));
  assert.deepEqual(back, items.slice().reverse());
  for (let i = 0; i < items.length; i++) {
    assert.equal(lpGet(lp, lpSeek(lp, i)), items[i]);
    assert.equal(lpGet(lp, lpSeek(lp, -1 - i)), items[items.length - 1 - i]);
  }
  assert.equal(lpSeek(lp, items.length), -1);
  assert.equal(lpSeek(lp, -items.length - 1), -1);
  // skip 1: only keys (even positions) are looked at
  assert.equal(lpGet(lp, lpFind(lp, '10', 1)), '10');
  assert.equal(lpFind(lp, 'v1', 1), -1);
  assert.equal(lpGet(lp, lpFind(lp, 'v1')), 'v1');
  assert.equal(lpFind(lp, '010'), -1);
  assert.equal(lpFind(lp, 'nope'), -1);
  assert.equal(lpEq(lp, lpSeek(lp, 5), '-5'), true);
  assert.equal(lpEq(lp, lpSeek(lp, 5), '-5 '), false);
  assert.equal(lpCompare(lp, lpSeek(lp, 0), 'f0') > 0, true);
  assert.equal(lpCompare(lp, lpSeek(lp, 0), 'f1'), 0);
  assert.equal(lpCompare(lp, lpSeek(lp, 0), 'f1a') < 0, true);
  assert.equal(lpCompare(lp, lpSeek(lp, 2), '9') < 0, true); // "10" < "9" bytewise
});

test('listpack: splice/insert/replace/delete against an array model, every result validates', () => {
  const rnd = prng(7);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const gen = (): string => {
    const k = ri(8);
    if (k === 0) return String(ri(300) - 150);
    if (k === 1) return String(ri(2 ** 31) * (ri(2) ? 1 : -1));
    if (k === 2) return 'w'.repeat(ri(200));
    if (k === 3) return String.fromCharCode(...Array.from({ length: ri(20) }, () => ri(256)));
    return 'e' + ri(1000);
  };
  for (let round = 0; round < 30; round++) {
    let model: string[] = [];
    let lp = LP_EMPTY;
    for (let step = 0; step < 200; step++) {
      const op = ri(5);
      const at = ri(model.length + 1);
      const pos = at === model.length ? lp.length - 1 : lpSeek(lp, at);
      if (op === 0) {
        const items = [gen(), gen()];
        lp = lpInsertAt(lp, pos, items);
        model.splice(at, 0, ...items);
      } else if (op === 1 && at < model.length) {
        const s = gen();
        lp = lpReplaceAt(lp, pos, s);
        model[at] = s;
      } else if (op === 2 && at < model.length) {
        const n = 1 + ri(3);
        lp = lpDeleteAt(lp, pos, n);
        model.splice(at, n);
      } else if (op === 3) {
        const s = gen();
        lp = lpAppend(lp, [s]);
        model.push(s);
      } else {
        const n = ri(3);
        const items = [gen()];
        lp = lpSplice(lp, pos, n, items);
        model.splice(at, n, ...items);
      }
      assert.equal(lpValidateString(lp), model.length);
      assert.equal(lpLength(lp), model.length);
    }
    assert.deepEqual(lpToArray(lp), model);
    assert.equal(lp, lpFromElements(model)); // same bytes as building from scratch
    model = [];
  }
});

test('listpack: count 65535 means unknown (lpLength counts)', () => {
  const b = new LpBuilder();
  for (let i = 0; i < 70000; i++) b.add('a');
  const lp = b.toString();
  assert.equal(lp.charCodeAt(4) | (lp.charCodeAt(5) << 8), 65535);
  assert.equal(lpLength(lp), 70000);
  assert.equal(lpValidateString(lp), 70000);
  const lp2 = lpDeleteAt(lp, lpFirst(lp), 69990);
  assert.equal(lpLength(lp2), 10);
});

test('listpack: validation rejects corrupt input instead of reading out of bounds', () => {
  const good = Buffer.from(lpFromElements(['a', '1', 'x'.repeat(100), '-70000']), 'latin1');
  assert.equal(lpValidate(good), 4);
  const mutate = (f: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(good);
    f(b);
    return b;
  };
  const bad: Buffer[] = [
    Buffer.from([1, 2, 3]),
    mutate((b) => b.writeUInt32LE(b.length + 1, 0)), // total bytes wrong
    mutate((b) => (b[b.length - 1] = 0)), // no terminator
    mutate((b) => (b[4] = 5)), // count wrong
    mutate((b) => (b[6] = 0xf7)), // invalid encoding
    mutate((b) => (b[6] = 0xbf)), // string length runs past the end
    mutate((b) => (b[8] = 9)), // backlen mismatch
    good.subarray(0, good.length - 3),
  ];
  for (const b of bad) assert.throws(() => lpValidate(b), ListpackError);
  // onEntry can reject
  assert.throws(() => lpValidate(good, 0, good.length, (p) => good[p] !== 0x81), ListpackError);
  // random bit flips: never an exception other than ListpackError, never a hang
  const rnd = prng(11);
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    const k = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < k; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    try {
      lpValidate(b);
    } catch (e) {
      assert.ok(e instanceof ListpackError);
    }
  }
});

test('listpack: replacing an element by the value it holds keeps the bytes (the same string), except a string-encoded integer', () => {
  const lp = lpFromElements(['f', 'VXK', 'n', '12', 'big', 'x'.repeat(300)]);
  for (let i = 0; i < 6; i++) {
    const p = lpSeek(lp, i);
    assert.equal(lpReplaceAt(lp, p, lpToArray(lp)[i]), lp, `element ${i}`);
  }
  assert.notEqual(lpReplaceAt(lp, lpSeek(lp, 1), 'VXY'), lp);
  assert.deepEqual(lpToArray(lpReplaceAt(lp, lpSeek(lp, 1), 'VXY')), ['f', 'VXY', 'n', '12', 'big', 'x'.repeat(300)]);
  // "12" stored as a string (a listpack Redis would not write, but may be given): rewritten as lpAppend stores it
  const raw = '\x0b\x00\x00\x00\x01\x00' + '\x8212\x03' + '\xff';
  assert.equal(lpValidateString(raw), 1);
  const re = lpReplaceAt(raw, 6, '12');
  assert.equal(re, lpFromElements(['12']));
  assert.notEqual(re, raw);
});

test('lpFind finds exactly what a walk comparing each element finds (texts that occur inside other entries, headers, values)', () => {
  const rnd = prng(20261207);
  // small alphabets make texts that occur inside other elements, across entry boundaries and inside the values
  const pieces = ['a', 'ab', 'b', 'ba', 'x', '1', '0', '-', '\x81', '\xe0', '\x00', 'ab'.repeat(40), 'b'.repeat(70), 'a'.repeat(4100)];
  const word = (): string => {
    const k = Math.floor(rnd() * 4);
    let w = '';
    for (let i = 0; i < k; i++) w += pieces[Math.floor(rnd() * pieces.length)];
    return rnd() < 0.15 ? String(Math.floor(rnd() * 2000) - 1000) : w;
  };
  let checked = 0;
  for (let round = 0; round < 400; round++) {
    const items: string[] = [];
    const count = Math.floor(rnd() * 12);
    for (let i = 0; i < count; i++) items.push(word());
    const lp = lpFromElements(items);
    const probes = [...items, ...items.map((w) => w.slice(1)), ...items.map((w) => w + 'a'), word(), word(), 'ab', 'b', 'a'];
    for (const skip of [0, 1]) {
      for (const s of probes) {
        // the walk: the first element at an index compared (every skip+1-th) equal to s
        let want = -1;
        let p = lpFirst(lp);
        for (let i = 0; p >= 0; i++, p = lpNext(lp, p)) {
          if (i % (skip + 1) === 0 && lpGet(lp, p) === s) {
            want = p;
            break;
          }
        }
        assert.equal(lpFind(lp, s, skip), want, `find ${JSON.stringify(s)} skip ${skip} in ${JSON.stringify(items)}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 5000, String(checked));
});
