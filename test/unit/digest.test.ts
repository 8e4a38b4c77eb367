/**
 * DEBUG DIGEST / DIGEST-VALUE: expected hex values were produced by
 * redis-server 7.0.15 for the same data (see the interop test for the live check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetDigest, digestDataset, digestValue } from '../../src/keyspace/digest';
import type { PlainValue } from '../../src/persistence/rdb/model';

const values: Record<string, PlainValue> = {
  s: { type: 'string', value: 'hello' },
  l: { type: 'list', value: ['a', 'b', '1'] },
  st: { type: 'set', value: new Set(['x', 'y', '5']) },
  h: { type: 'hash', value: new Map([['f', 'v'], ['n', '1']]) },
  z: { type: 'zset', value: [['c', -Infinity], ['a', 0.1], ['b', 2]] },
};

test('DEBUG DIGEST-VALUE matches Redis 7.0 for every type', () => {
  assert.equal(digestValue(values.s), '36b23a1456b2dce2c3ed252c456761301dba8060');
  assert.equal(digestValue(values.l), '981fd62c1655c074205cff40b800bd5a5bfdcd41');
  assert.equal(digestValue(values.st), '9ab0175c08c7ea91e0aa7ce3701a4de6bb59341a');
  assert.equal(digestValue(values.h), 'ad9a818d75d51dd3c55d5905f22259a91bbc4b14');
  assert.equal(digestValue(values.z), '88622aa8bc7132368f19a135acd24d90178c4a3c');
  // a key with a TTL: the expire marker is part of the value digest
  assert.equal(digestValue({ type: 'string', value: 'v' }, Date.now() + 100000), '311b17018163335616e089f6b951c82c477335ac');
  // zset scores are formatted with %.17g (0.1 -> 0.10000000000000001)
  assert.equal(digestValue({ type: 'zset', value: [['a', 0.1]] }), 'b07654932c32238dbd9b8626f0dc40f18d973527');
});

test('DEBUG DIGEST of a dataset matches Redis 7.0, independent of key order', () => {
  const keys: Array<[number, string, PlainValue, number]> = [
    [0, 's', values.s, -1],
    [0, 'l', values.l, -1],
    [0, 'st', values.st, -1],
    [0, 'h', values.h, -1],
    [0, 'z', values.z, -1],
    [0, 'e', { type: 'string', value: 'v' }, 1e15],
    [3, 's3', { type: 'string', value: 'v' }, -1],
  ];
  const expected = '4d97a35cfc077019e4a0b7ced23965bd96dae1e0';
  assert.equal(digestDataset((cb) => keys.forEach((k) => cb(...k))), expected);
  const rev = [...keys].reverse();
  assert.equal(digestDataset((cb) => rev.forEach((k) => cb(...k))), expected);
  const dd = new DatasetDigest();
  for (const k of rev) dd.add(...k);
  assert.equal(dd.hex(), expected);
  assert.equal(digestValue({ type: 'string', value: 'v' }), 'd79ee9fe5d5ad902d7f6620efc3b07b75ddd742f');
});

test('empty dataset digest is 40 zeros; list order matters, set order does not', () => {
  assert.equal(digestDataset(() => undefined), '0'.repeat(40));
  assert.notEqual(digestValue({ type: 'list', value: ['a', 'b'] }), digestValue({ type: 'list', value: ['b', 'a'] }));
  assert.equal(
    digestValue({ type: 'set', value: new Set(['a', 'b']) }),
    digestValue({ type: 'set', value: new Set(['b', 'a']) }),
  );
  // moving a key to another db changes the dataset digest
  const v: PlainValue = { type: 'string', value: 'x' };
  assert.notEqual(digestDataset((cb) => cb(0, 'k', v, -1)), digestDataset((cb) => cb(1, 'k', v, -1)));
  // binary-safe keys and values (latin1 = bytes)
  assert.match(digestValue({ type: 'string', value: '\x00\xff\x80' }), /^[0-9a-f]{40}$/);
});
