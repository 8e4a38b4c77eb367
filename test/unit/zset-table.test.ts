import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZTable, CHUNK } from '../../src/keyspace/types/zset-table';
import type { LexBound, LexRange, ScoreRange, ZEntry } from '../../src/keyspace/types/zset-range';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type E = { member: string; score: number };
const cmp = (a: E, b: E): number => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.member < b.member ? -1 : a.member > b.member ? 1 : 0);
const plain = (es: ZEntry[]): E[] => es.map((e) => ({ member: e.member, score: e.score }));

/** Index of the first reference entry not before e. */
function pos(ref: E[], e: E): number {
  let lo = 0;
  let hi = ref.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(ref[mid], e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const gteMin = (v: string, b: LexBound): boolean => (b.inf !== 0 ? b.inf < 0 : b.exclusive ? v > b.value : v >= b.value);
const lteMax = (v: string, b: LexBound): boolean => (b.inf !== 0 ? b.inf > 0 : b.exclusive ? v < b.value : v <= b.value);
const inScore = (v: number, r: ScoreRange): boolean => (r.minex ? v > r.min : v >= r.min) && (r.maxex ? v < r.max : v <= r.max);

function limit<T>(xs: T[], offset: number, count: number): T[] {
  return xs.slice(offset, count < 0 ? undefined : offset + count);
}

function bound(r: () => number, names: number): LexBound {
  const k = Math.floor(r() * 12);
  if (k === 0) return { value: '', exclusive: true, inf: -1 };
  if (k === 1) return { value: '', exclusive: true, inf: 1 };
  return { value: 'n' + String(Math.floor(r() * names)).padStart(6, '0'), exclusive: r() < 0.5, inf: 0 };
}

test('ZTable: random adds, moves, removals, ranks, score and lex ranges against a sorted reference (many chunks)', () => {
  for (const [seed, names, equalScores] of [
    [1, 40000, true],
    [2, 30000, false],
  ] as const) {
    const r = rng(seed);
    const ri = (n: number): number => Math.floor(r() * n);
    const z = new ZTable();
    const ref: E[] = [];
    const scoreOf = new Map<string, number>();
    const name = (k: number): string => 'n' + String(k).padStart(6, '0');
    let most = 0;
    for (let step = 0; step < 80000; step++) {
      const n = ref.length;
      const op = ri(24);
      // grow for the first half, then shrink, so chunks split and merge
      const adding = step < 40000 ? op < 14 : op < 5;
      const member = name(ri(names));
      if (adding) {
        const score = equalScores ? 0 : ri(4) === 0 ? ri(20) : ri(1000000) / 16;
        const old = scoreOf.get(member);
        const want = old === undefined ? 'added' : old === score ? 'unchanged' : 'updated';
        assert.equal(z.add(member, score), want);
        if (old !== undefined && old !== score) ref.splice(pos(ref, { member, score: old }), 1);
        if (old !== score) ref.splice(pos(ref, { member, score }), 0, { member, score });
        scoreOf.set(member, score);
      } else if (op < 18) {
        const old = scoreOf.get(member);
        assert.equal(z.remove(member), old !== undefined);
        if (old !== undefined) {
          ref.splice(pos(ref, { member, score: old }), 1);
          scoreOf.delete(member);
        }
      } else if (op === 18) {
        const old = scoreOf.get(member);
        assert.equal(z.score(member), old);
        assert.equal(z.rank(member), old === undefined ? undefined : pos(ref, { member, score: old }));
        assert.equal(z.rank(member, true), old === undefined ? undefined : n - 1 - pos(ref, { member, score: old }));
        const k = ri(n + 2) - 1;
        const e = z.getByRank(k);
        if (k < 0 || k >= n) assert.ok(k < 0 ? e !== undefined || n === 0 : e === undefined);
        else assert.deepEqual(plain([e!]), [ref[k]]);
      } else if (op === 19) {
        const a = ri(n + 20) - 10;
        const b = a + ri(700);
        const rev = ri(2) === 0;
        const got = plain(z.rangeByRank(a, b, rev));
        const src = rev ? ref.slice().reverse() : ref;
        let s = a < 0 ? a + n : a;
        let t = b < 0 ? b + n : b;
        if (s < 0) s = 0;
        const want = s > t || s >= n ? [] : src.slice(s, Math.min(t, n - 1) + 1);
        assert.deepEqual(got, want);
      } else if (op === 20) {
        const lo = equalScores ? ri(3) - 1 : ri(62600) - 100;
        const range: ScoreRange = { min: lo, max: lo + (equalScores ? ri(2) : ri(800)), minex: ri(2) === 0, maxex: ri(2) === 0 };
        const inr = ref.filter((e) => inScore(e.score, range));
        assert.equal(z.countInScoreRange(range), inr.length);
        const rev = ri(2) === 0;
        const offset = ri(40);
        const count = ri(90) - 1;
        assert.deepEqual(plain(z.rangeByScore(range, offset, count, rev)), limit(rev ? inr.slice().reverse() : inr, offset, count));
      } else if (op === 21 && equalScores) {
        const range: LexRange = { min: bound(r, names), max: bound(r, names) };
        const inr = ref.filter((e) => gteMin(e.member, range.min) && lteMax(e.member, range.max));
        assert.equal(z.countInLexRange(range), inr.length, JSON.stringify(range));
        const rev = ri(2) === 0;
        const offset = ri(30);
        const count = ri(60) - 1;
        assert.deepEqual(plain(z.rangeByLex(range, offset, count, rev)), limit(rev ? inr.slice().reverse() : inr, offset, count));
      } else if (op === 22 && ri(60) === 0) {
        // bulk removals by rank, score, lex, pops
        const kind = ri(5);
        let removed: E[] = [];
        if (kind === 0) {
          const a = ri(n + 1);
          const b = a + ri(400);
          removed = ref.slice(a, Math.min(b, n - 1) + 1);
          assert.equal(z.deleteRangeByRank(a, b), removed.length);
        } else if (kind === 1) {
          const lo = ri(62600);
          const range: ScoreRange = { min: lo, max: lo + ri(400), minex: false, maxex: ri(2) === 0 };
          removed = ref.filter((e) => inScore(e.score, range));
          assert.equal(z.deleteRangeByScore(range), removed.length);
        } else if (kind === 2 && equalScores) {
          const a = ri(names);
          const range: LexRange = { min: { value: name(a), exclusive: false, inf: 0 }, max: { value: name(a + ri(300)), exclusive: true, inf: 0 } };
          removed = ref.filter((e) => gteMin(e.member, range.min) && lteMax(e.member, range.max));
          assert.equal(z.deleteRangeByLex(range), removed.length);
        } else if (kind === 3) {
          const c = ri(500);
          removed = ref.slice(0, c);
          assert.deepEqual(plain(z.popMin(c)), removed);
        } else if (kind === 4) {
          const c = ri(500);
          removed = ref.slice(Math.max(0, n - c)).reverse();
          assert.deepEqual(plain(z.popMax(c)), removed);
        }
        for (const e of removed) {
          ref.splice(pos(ref, e), 1);
          scoreOf.delete(e.member);
        }
      }
      assert.equal(z.size, ref.length);
      if (ref.length > most) most = ref.length;
      if (step % 8000 === 0) {
        z.verify();
        assert.deepEqual(plain(z.toArray()), ref);
      }
    }
    z.verify();
    assert.deepEqual(plain(z.toArray()), ref);
    assert.deepEqual(plain([...z.reversed()]), ref.slice().reverse());
    assert.deepEqual(plain([z.first()!, z.last()!]), [ref[0], ref[ref.length - 1]]);
    assert.ok(most > 40 * CHUNK, 'many chunks: ' + most);
  }
});

test('ZTable: a ZSCAN-style walk returns every member present for the whole walk; random members are members', () => {
  const z = new ZTable();
  for (let i = 0; i < 5000; i++) z.add('m' + i, i % 97);
  const stable = new Set<string>();
  for (let i = 0; i < 5000; i += 4) stable.add('m' + i);
  const r = rng(11);
  const seen = new Set<string>();
  let cursor = 0;
  let first = true;
  while (first || cursor !== 0) {
    first = false;
    const out: ZEntry[] = [];
    cursor = z.scan(cursor, 7, out);
    for (const e of out) {
      seen.add(e.member);
      assert.equal(z.score(e.member), e.score);
    }
    for (let k = 0; k < 3; k++) {
      const m = 'm' + Math.floor(r() * 5000);
      if (!stable.has(m)) z.remove(m);
    }
    z.add('new' + Math.floor(r() * 100000), r());
  }
  for (const m of stable) assert.ok(seen.has(m), 'scan missed ' + m);
  z.verify();
  for (let i = 0; i < 100; i++) {
    const e = z.randomMember()!;
    assert.equal(z.score(e.member), e.score);
  }
  const some = z.randomMembers(50);
  assert.equal(new Set(some.map((e) => e.member)).size, 50);
  assert.equal(z.randomMembers(-300).length, 300);
});

test('ZTable: in-place score updates keep the order; -0, 0, infinities and ties by member bytes', () => {
  const z = new ZTable();
  const members = ['b', 'a', '\xff', '\x00', 'ab', ''];
  for (const m of members) z.add(m, 0);
  z.add('x', -Infinity);
  z.add('y', Infinity);
  z.add('neg0', -0);
  assert.deepEqual(
    z.toArray().map((e) => e.member),
    ['x', '', '\x00', 'a', 'ab', 'b', 'neg0', '\xff', 'y'],
  );
  assert.equal(z.add('a', 0.5), 'updated'); // moves past its neighbours
  assert.equal(z.add('y', 5), 'updated'); // in place: still last
  assert.equal(z.add('y', 5), 'unchanged');
  assert.deepEqual(
    z.toArray().map((e) => e.member),
    ['x', '', '\x00', 'ab', 'b', 'neg0', '\xff', 'a', 'y'],
  );
  z.verify();
});
