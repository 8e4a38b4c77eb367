import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 as prng } from '../helpers/prng';
import { RHash, DEFAULT_HASH_LIMITS } from '../../src/keyspace/types/hash';

const sortPairs = (flat: string[]): string[] => {
  const pairs: string[][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.flat();
};

test('RHash: randomized against Map (listpack order is insertion order, like Redis)', () => {
  const rnd = prng(2);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const limits = { maxListpackEntries: 40, maxListpackValue: 10 };
  for (let round = 0; round < 20; round++) {
    const h = new RHash();
    const ref = new Map<string, string>();
    let everBig = false;
    const keyspace = 10 + ri(80);
    for (let step = 0; step < 3000; step++) {
      const f = 'f' + ri(keyspace);
      const op = ri(10);
      if (op < 5) {
        const v = ri(50) === 0 ? 'v'.repeat(11) : 'v' + ri(1000);
        const isNew = !ref.has(f);
        assert.equal(h.set(f, v, limits), isNew);
        ref.set(f, v);
        if (ref.size > limits.maxListpackEntries || v.length > limits.maxListpackValue) everBig = true;
      } else if (op < 8) {
        assert.equal(h.delete(f), ref.delete(f));
      } else {
        assert.equal(h.get(f), ref.get(f));
        assert.equal(h.has(f), ref.has(f));
      }
      assert.equal(h.size, ref.size);
      assert.equal(h.encoding(), everBig ? 'hashtable' : 'listpack');
      if (step % 50 === 0) {
        const flatRef = [...ref].flat();
        if (!everBig) {
          // Listpack: exact Redis order (insertion order, updates in place, deletes close the gap).
          assert.deepEqual(h.flat(), flatRef);
          assert.deepEqual(h.keys(), [...ref.keys()]);
          assert.deepEqual(h.values(), [...ref.values()]);
        } else {
          assert.deepEqual(sortPairs(h.flat()), sortPairs(flatRef));
        }
        assert.deepEqual(sortPairs([...h].flat()), sortPairs(flatRef));
      }
    }
  }
});

test('RHash: encoding is sticky and follows the 7.0 thresholds', () => {
  const h = new RHash();
  const lim = { maxListpackEntries: 3, maxListpackValue: 4 };
  h.set('a', '1234', lim);
  h.set('bbbb', '1', lim);
  h.set('c', '1', lim);
  assert.equal(h.encoding(), 'listpack');
  h.set('d', '1', lim); // 4 > 3 entries
  assert.equal(h.encoding(), 'hashtable');
  h.delete('d');
  h.delete('c');
  assert.equal(h.encoding(), 'hashtable'); // one way
  h.resetEncoding(lim); // what an RDB reload does
  assert.equal(h.encoding(), 'listpack');
  h.set('a', '12345', lim); // value longer than hash-max-listpack-value
  assert.equal(h.encoding(), 'hashtable');
  const g = new RHash();
  g.set('x'.repeat(65), 'v');
  assert.equal(g.encoding(), 'hashtable');
  assert.equal(DEFAULT_HASH_LIMITS.maxListpackEntries, 512);
  const r = RHash.from([
    ['a', '1'],
    ['b', '2'],
  ]);
  assert.equal(r.encoding(), 'listpack');
  assert.equal(r.type, 'hash');
});

test('RHash: HRANDFIELD semantics', () => {
  const h = new RHash();
  for (let i = 0; i < 100; i++) h.set('f' + i, 'v' + i, { maxListpackEntries: 10, maxListpackValue: 64 });
  for (const count of [1, 5, 33, 34, 99]) {
    const r = h.randomFields(count, false);
    assert.equal(r.length, count);
    assert.equal(new Set(r).size, count, 'distinct for positive count');
    for (const f of r) assert.ok(h.has(f));
  }
  assert.deepEqual(new Set(h.randomFields(100, false)), new Set(h.keys()));
  assert.equal(h.randomFields(1000, false).length, 100);
  const neg = h.randomFields(-500, true);
  assert.equal(neg.length, 1000);
  for (let i = 0; i < neg.length; i += 2) assert.equal(h.get(neg[i]), neg[i + 1]);
  const small = new RHash();
  small.set('only', 'one');
  assert.deepEqual(small.randomFields(-3, false), ['only', 'only', 'only']);
  assert.deepEqual(small.randomFields(0, false), []);
  assert.deepEqual(new RHash().randomFields(-3, false), []);
  assert.equal(small.randomField(), 'only');
  // Distribution sanity: every field eventually shows up.
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) seen.add(h.randomField() as string);
  assert.equal(seen.size, 100);
});

test('RHash: HSCAN reports every field present for the whole scan despite churn', () => {
  const rnd = prng(3);
  const ri = (n: number): number => Math.floor(rnd() * n);
  for (let round = 0; round < 30; round++) {
    const h = new RHash();
    for (let i = 0; i < 500; i++) h.set('k' + i, 'v', { maxListpackEntries: 1, maxListpackValue: 64 });
    const stable = new Set<string>();
    for (let i = 0; i < 500; i += 3) stable.add('k' + i);
    const seen = new Set<string>();
    let cursor = 0;
    let next = 500;
    do {
      const out: string[] = [];
      cursor = h.scan(cursor, 1 + ri(20), out);
      for (let i = 0; i < out.length; i += 2) seen.add(out[i]);
      // churn: delete non-stable fields, add new ones
      for (let k = 0; k < 10; k++) {
        const victim = 'k' + ri(next);
        if (!stable.has(victim)) h.delete(victim);
        if (rnd() < 0.5) h.set('k' + next++, 'v');
      }
    } while (cursor !== 0);
    for (const s of stable) assert.ok(seen.has(s), `missed ${s}`);
  }
  // A listpack hash comes back whole with cursor 0.
  const small = new RHash();
  small.set('a', '1');
  small.set('b', '2');
  const out: string[] = [];
  assert.equal(small.scan(0, 1, out), 0);
  assert.deepEqual(out, ['a', '1', 'b', '2']);
});
