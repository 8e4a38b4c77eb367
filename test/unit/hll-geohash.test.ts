/**
 * The pure HyperLogLog and geohash code (src/keyspace/hll.ts,
 * src/keyspace/geohash.ts, src/util/crmath.ts) without a server: Redis's
 * bytes and values for known inputs, sparse opcode edits, corrupt inputs, the
 * 52-bit scores, and correctly rounded sin/cos/asin where V8's Math is not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hllCreate,
  hllAdd,
  hllCount,
  hllIsValid,
  hllCachedCard,
  hllWithCachedCard,
  hllDecodeSparse,
  hllToDense,
  hllDenseRegisters,
  hllMergeInto,
  hllCountRaw,
  hllStoreMerged,
  hllPatLen,
  HLL_REGISTERS,
  HLL_DENSE_SIZE,
} from '../../src/keyspace/hll';
import { geoScoreText, decodeScore, geohashString, geoDistance, estimateStepsByRadius } from '../../src/keyspace/geohash';
import { crSin, crCos, crAsin } from '../../src/util/crmath';
import { formatFixed, formatHumanDouble } from '../../src/util/number-format';

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

test('an empty HLL is Redis\'s 18 bytes: header + one XZERO opcode for 16384 registers', () => {
  const s = hllCreate();
  assert.equal(hex(s), '48594c4c01000000000000000000000' + '07fff');
  assert.ok(hllIsValid(s));
  assert.equal(hllCount(s), 0);
  assert.equal(hllDecodeSparse(s), 'Z:16384');
});

test('adding elements: the bytes redis-server 7.0.15 stores, the stale bit, the cache', () => {
  const r = hllAdd(hllCreate(), ['a', 'b', 'c', 'd', 'e', 'f', 'g'], 0, 3000, true);
  assert.equal(r.updated, 8);
  const s = r.value!;
  assert.equal(hex(s), '48594c4c010000000000000000000080466d80560c80443c84388050b184498c80426d80425a');
  assert.equal(hllCachedCard(s), null);
  assert.equal(hllCount(s), 7);
  const cached = hllWithCachedCard(s, 7);
  assert.equal(hllCachedCard(cached), 7);
  // nothing new: no new value
  assert.deepEqual(hllAdd(cached, ['a', 'b'], 0, 3000, false), { value: null, updated: 0, invalid: false });
  assert.deepEqual(hllPatLen('a'), { index: 12711, count: 2 });
});

test('sparse and dense agree; promotion at the byte limit; dense registers and merge', () => {
  const els = Array.from({ length: 500 }, (_, i) => `el-${i}`);
  const sparse = hllAdd(hllCreate(), els, 0, 3000, true).value!;
  assert.equal(sparse.charCodeAt(4), 1);
  const dense = hllToDense(sparse)!;
  assert.equal(dense.length, HLL_DENSE_SIZE);
  assert.equal(hllCount(dense), hllCount(sparse));
  const promoted = hllAdd(hllCreate(), els, 0, 100, true).value!;
  assert.equal(promoted.charCodeAt(4), 0);
  assert.deepEqual(hllDenseRegisters(promoted), hllDenseRegisters(dense));
  const max = new Uint8Array(HLL_REGISTERS);
  assert.ok(hllMergeInto(max, sparse));
  assert.equal(hllCountRaw(max), hllCount(sparse));
  const merged = hllStoreMerged(hllCreate(), max, false, 3000)!;
  assert.equal(hllCount(merged), hllCount(sparse));
  assert.equal(merged.charCodeAt(15) & 0x80, 0x80);
});

test('corrupt values: header checks, opcodes that do not cover 16384 registers', () => {
  assert.ok(!hllIsValid('HYLL'));
  assert.ok(!hllIsValid('HYLX' + '\x01' + '\x00'.repeat(13)));
  assert.ok(!hllIsValid('HYLL' + '\x02' + '\x00'.repeat(13)));
  assert.ok(!hllIsValid('HYLL' + '\x00' + '\x00'.repeat(13)));
  const s = hllCreate() + 'hello';
  assert.ok(hllIsValid(s));
  assert.equal(hllCount(s), null);
  assert.equal(hllToDense(s), null);
  assert.ok(!hllMergeInto(new Uint8Array(HLL_REGISTERS), s));
  const short = hllCreate().slice(0, 17); // an XZERO cut in half
  assert.equal(hllCount(short), null);
  assert.equal(hllAdd(short, ['x'], 0, 3000, false).invalid, true);
});

test('geohash scores, decoding and the standard geohash string are Redis\'s', () => {
  assert.equal(geoScoreText(-73.9454966, 40.747533), '1791875804419201');
  assert.equal(geoScoreText(13.361389, 38.115556), '3479099956230698');
  assert.deepEqual(decodeScore(3479099956230698).map(formatHumanDouble), ['13.36138933897018433', '38.11555639549629859']);
  assert.equal(geohashString(Number(geoScoreText(-5.6, 42.6))), 'ezs42e44yx0');
  // scores that are not geohashes decode like C's (uint64_t) conversion
  assert.deepEqual(decodeScore(-5).map(formatHumanDouble), ['180', '85.0511287799999991']);
  assert.deepEqual(decodeScore(Infinity).map(formatHumanDouble), ['-179.99999731779098511', '-85.05112751263942528']);
  assert.equal(formatFixed(166274.15156960033, 4), '166274.1516');
  assert.equal(formatFixed(180.0078125, 6), '180.007812');
  assert.equal(formatFixed(-0.0000001, 6), '-0.000000');
  assert.equal(estimateStepsByRadius(0, 0), 26);
  assert.equal(estimateStepsByRadius(200000, 0), 6);
});

test('sin, cos, asin are correctly rounded where V8\'s Math is not', () => {
  // [x, correctly rounded f(x)] where V8's Math.f(x) differs (found with mpmath)
  for (const [x, want] of [[1.0230663299560547, 0.8537088262105061], [0.7342777252197266, 0.6700511751238428], [0.8482677459716798, 0.7501360200641897]]) assert.equal(crSin(x), want);
  for (const [x, want] of [[-1.2437164306640627, 0.32127910885562977], [0.5339756965637207, 0.8607904098162572], [-0.7866011738777161, 0.7062556128487928]]) assert.equal(crCos(x), want);
  for (const [x, want] of [[0.8465709565211534, 1.0095096718023353], [0.9440990782159566, 1.2348509539689576], [0.5540741170447804, 0.5872503385815974]]) assert.equal(crAsin(x), want);
  assert.equal(crSin(0), 0);
  assert.ok(Object.is(crSin(-0), -0));
  assert.equal(crCos(0), 1);
  assert.equal(crAsin(1), Math.PI / 2);
  assert.ok(Number.isNaN(crAsin(2)));
  assert.equal(geoDistance(13.36138933897018433, 38.11555639549629859, 15.08726745843887329, 37.50266842333162032).toFixed(4), '166274.1516');
});
