import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 as prng } from '../helpers/prng';
import { RList, normalizeRange } from '../../src/keyspace/types/list';

/** Redis's LRANGE on a plain array, written straight from t_list.c. */
function refRange(a: string[], start: number, end: number): string[] {
  const llen = a.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return [];
  if (end >= llen) end = llen - 1;
  return a.slice(start, end + 1);
}

function refRem(a: string[], count: number, v: string): number {
  let removed = 0;
  if (count >= 0) {
    for (let i = 0; i < a.length; ) {
      if (a[i] === v && (count === 0 || removed < count)) {
        a.splice(i, 1);
        removed++;
      } else i++;
    }
  } else {
    for (let i = a.length - 1; i >= 0; i--) {
      if (a[i] === v && removed < -count) {
        a.splice(i, 1);
        removed++;
      }
    }
  }
  return removed;
}

function refPos(a: string[], v: string, rank: number, count: number, maxlen: number): number[] {
  const out: number[] = [];
  const idxs = rank > 0 ? a.map((_, i) => i) : a.map((_, i) => a.length - 1 - i);
  let matches = 0;
  for (let k = 0; k < idxs.length; k++) {
    if (maxlen !== 0 && k >= maxlen) break;
    if (a[idxs[k]] === v) {
      matches++;
      if (matches >= Math.abs(rank)) {
        out.push(idxs[k]);
        if (count !== 0 && out.length >= count) break;
      }
    }
  }
  return out;
}

test('RList: randomized against a plain array', () => {
  const rnd = prng(1);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const vals = ['a', 'b', 'c', 'd', '', '\x00\xff', 'long-' + 'x'.repeat(100)];
  const rv = (): string => vals[ri(vals.length)];
  const l = new RList();
  let ref: string[] = [];
  for (let step = 0; step < 60000; step++) {
    const op = ri(16);
    const n = ref.length;
    const idx = (): number => ri(2 * n + 6) - n - 3;
    switch (op) {
      case 0:
      case 1: {
        const v = rv();
        l.pushBack(v);
        ref.push(v);
        break;
      }
      case 2:
      case 3: {
        const v = rv();
        l.pushFront(v);
        ref.unshift(v);
        break;
      }
      case 4:
        assert.equal(l.popFront(), ref.shift());
        break;
      case 5:
        assert.equal(l.popBack(), ref.pop());
        break;
      case 6: {
        const i = idx();
        const j = i < 0 ? n + i : i;
        assert.equal(l.index(i), j >= 0 && j < n ? ref[j] : undefined);
        break;
      }
      case 7: {
        const i = idx();
        const j = i < 0 ? n + i : i;
        const v = rv();
        const ok = j >= 0 && j < n;
        assert.equal(l.set(i, v), ok);
        if (ok) ref[j] = v;
        break;
      }
      case 8: {
        const a = idx();
        const b = idx();
        assert.deepEqual(l.range(a, b), refRange(ref, a, b));
        break;
      }
      case 9: {
        const pivot = rv();
        const where = rnd() < 0.5 ? 'before' : 'after';
        const v = rv();
        const p = ref.indexOf(pivot);
        const got = l.insert(pivot, where, v);
        if (p < 0) assert.equal(got, -1);
        else {
          ref.splice(where === 'before' ? p : p + 1, 0, v);
          assert.equal(got, ref.length);
        }
        break;
      }
      case 10: {
        const count = ri(7) - 3;
        const v = rv();
        assert.equal(l.remove(count, v), refRem(ref, count, v));
        break;
      }
      case 11: {
        if (rnd() < 0.3) {
          const a = idx();
          const b = idx();
          const r = normalizeRange(a, b, n);
          l.trim(a, b);
          ref = r === null ? [] : ref.slice(r[0], r[1] + 1);
        }
        break;
      }
      case 12: {
        let rank = ri(7) - 3;
        if (rank === 0) rank = 1;
        const count = ri(4);
        const maxlen = ri(3) === 0 ? 0 : ri(n + 2);
        const v = rv();
        assert.deepEqual(l.pos(v, rank, count, maxlen), refPos(ref, v, rank, count, maxlen));
        break;
      }
      case 13: {
        // bulk growth so the ring buffer wraps and resizes a lot
        const k = ri(40);
        for (let i = 0; i < k; i++) {
          const v = rv();
          if (i & 1) {
            l.pushFront(v);
            ref.unshift(v);
          } else {
            l.pushBack(v);
            ref.push(v);
          }
        }
        break;
      }
      case 14: {
        const k = ri(40);
        for (let i = 0; i < k; i++) {
          if (i & 1) assert.equal(l.popFront(), ref.shift());
          else assert.equal(l.popBack(), ref.pop());
        }
        break;
      }
      case 15: {
        const p = ri(n + 1);
        const v = rv();
        l.insertAt(p, v);
        ref.splice(p, 0, v);
        break;
      }
    }
    assert.equal(l.length, ref.length);
    if (step % 97 === 0) {
      assert.deepEqual(l.toArray(), ref);
      assert.deepEqual([...l], ref);
    }
  }
});

test('RList: LRANGE / LTRIM index normalisation edge cases', () => {
  const l = new RList(['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(l.range(0, -1), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(l.range(-100, 100), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(l.range(-2, -1), ['d', 'e']);
  assert.deepEqual(l.range(3, 1), []);
  assert.deepEqual(l.range(5, 10), []);
  assert.deepEqual(l.range(-1, -2), []);
  assert.deepEqual(l.range(-6, 0), ['a']);
  assert.deepEqual(l.range(0, 0), ['a']);
  assert.deepEqual(l.range(4, 9223372036854775807), ['e']);
  assert.deepEqual(l.range(-9223372036854775808, -5), ['a']);
  assert.equal(l.index(-5), 'a');
  assert.equal(l.index(-6), undefined);
  assert.equal(l.index(5), undefined);
  const t = new RList(['a', 'b', 'c', 'd', 'e']);
  t.trim(1, -2);
  assert.deepEqual(t.toArray(), ['b', 'c', 'd']);
  t.trim(5, 10);
  assert.equal(t.length, 0);
  const u = new RList(['a', 'b', 'c']);
  u.trim(-100, 100);
  assert.deepEqual(u.toArray(), ['a', 'b', 'c']);
  u.trim(2, 1);
  assert.deepEqual(u.toArray(), []);
  assert.equal(new RList().encoding(), 'quicklist');
  assert.equal(new RList(['x']).type, 'list');
});

test('RList: LPOS / LREM / LINSERT examples from the Redis docs', () => {
  const l = new RList(['a', 'b', 'c', 1, 2, 3, 'c', 'c'].map(String));
  assert.deepEqual(l.pos('c', 1, 1, 0), [2]);
  assert.deepEqual(l.pos('c', 2, 1, 0), [6]);
  assert.deepEqual(l.pos('c', -1, 1, 0), [7]);
  assert.deepEqual(l.pos('c', 1, 2, 0), [2, 6]);
  assert.deepEqual(l.pos('c', -1, 0, 0), [7, 6, 2]);
  assert.deepEqual(l.pos('c', 1, 0, 2), []);
  assert.deepEqual(l.pos('c', 1, 0, 3), [2]);
  const r = new RList(['hello', 'hello', 'foo', 'hello']);
  assert.equal(r.remove(-2, 'hello'), 2);
  assert.deepEqual(r.toArray(), ['hello', 'foo']);
  const i = new RList(['Hello', 'World']);
  assert.equal(i.insert('World', 'before', 'There'), 3);
  assert.deepEqual(i.toArray(), ['Hello', 'There', 'World']);
  assert.equal(i.insert('nope', 'after', 'x'), -1);
});

test('RList: a million pushes and pops stay O(1)', () => {
  const l = new RList();
  for (let i = 0; i < 1_000_000; i++) l.pushBack('v' + (i & 1023));
  assert.equal(l.length, 1_000_000);
  assert.equal(l.index(999_999), 'v' + (999_999 & 1023));
  for (let i = 0; i < 999_990; i++) l.popFront();
  assert.equal(l.length, 10);
  assert.equal(l.index(0), 'v' + (999_990 & 1023));
});
