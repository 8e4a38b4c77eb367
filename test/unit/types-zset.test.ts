import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 as prng } from '../helpers/prng';
import {
  RZSet,
  ZEntry,
  ScoreRange,
  LexRange,
  LexBound,
  parseLexBound,
  parseLexRange,
  parseScoreRange,
} from '../../src/keyspace/types/zset';

interface E {
  member: string;
  score: number;
}

const cmp = (a: E, b: E): number =>
  a.score < b.score ? -1 : a.score > b.score ? 1 : a.member < b.member ? -1 : a.member > b.member ? 1 : 0;

const plain = (a: readonly ZEntry[]): E[] => a.map((e) => ({ member: e.member, score: e.score }));

function inScore(v: number, r: ScoreRange): boolean {
  return (r.minex ? v > r.min : v >= r.min) && (r.maxex ? v < r.max : v <= r.max);
}

function gteMin(v: string, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf < 0;
  return b.exclusive ? v > b.value : v >= b.value;
}

function lteMax(v: string, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf > 0;
  return b.exclusive ? v < b.value : v <= b.value;
}

function limitSlice<T>(a: T[], offset: number, count: number): T[] {
  if (offset < 0 || count === 0) return [];
  return a.slice(offset, count < 0 ? undefined : offset + count);
}

function normRank(start: number, stop: number, len: number): [number, number] | null {
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return null;
  if (stop >= len) stop = len - 1;
  return [start, stop];
}

const SCORES = [-Infinity, -2.5, -1, -0, 0, 0.5, 1, 1, 2, 3.25, 1e10, Infinity];
const MEMBERS = ['', '\x00', 'a', 'aa', 'ab', 'b', 'ba', 'c', '\xff', 'z', 'zz', 'm1', 'm2', 'm3', 'm4', 'm5'];

function randScoreRange(ri: (n: number) => number): ScoreRange {
  return {
    min: SCORES[ri(SCORES.length)],
    max: SCORES[ri(SCORES.length)],
    minex: ri(2) === 0,
    maxex: ri(2) === 0,
  };
}

function randLexBound(ri: (n: number) => number): LexBound {
  const k = ri(10);
  if (k === 0) return { value: '', exclusive: true, inf: -1 };
  if (k === 1) return { value: '', exclusive: true, inf: 1 };
  return { value: MEMBERS[ri(MEMBERS.length)] + (ri(4) === 0 ? 'a' : ''), exclusive: ri(2) === 0, inf: 0 };
}

test('RZSet: randomized against a sorted array', () => {
  const rnd = prng(10);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const limits = { maxListpackEntries: 12, maxListpackValue: 1 };
  for (let round = 0; round < 12; round++) {
    const z = new RZSet();
    let ref: E[] = [];
    let everBig = false;
    const extra = round % 3 === 0 ? 0 : 200; // some rounds grow big
    for (let step = 0; step < 2500; step++) {
      const op = ri(20);
      const member = ri(3) === 0 ? MEMBERS[ri(MEMBERS.length)] : 'k' + ri(20 + extra);
      const n = ref.length;
      const find = (m: string): number => ref.findIndex((e) => e.member === m);
      switch (op) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4: {
          let score = ri(4) === 0 ? SCORES[ri(SCORES.length)] : ri(50) - 25;
          const i = find(member);
          let want: string;
          if (i >= 0) {
            if (ref[i].score === score) want = 'unchanged';
            else {
              want = 'updated';
              if (!everBig && score === 0) score = 0;
              ref[i] = { member, score };
            }
          } else {
            want = 'added';
            if (ref.length + 1 > limits.maxListpackEntries || member.length > limits.maxListpackValue) everBig = true;
            if (!everBig && score === 0) score = 0;
            ref.push({ member, score });
          }
          ref.sort(cmp);
          assert.equal(z.add(member, score, limits), want);
          break;
        }
        case 5: {
          const i = find(member);
          assert.equal(z.remove(member), i >= 0);
          if (i >= 0) ref.splice(i, 1);
          break;
        }
        case 6: {
          const i = find(member);
          const s = z.score(member);
          if (i < 0) assert.equal(s, undefined);
          else assert.ok(Object.is(s, ref[i].score), `score of ${member}`);
          break;
        }
        case 7: {
          const i = find(member);
          assert.equal(z.rank(member), i >= 0 ? i : undefined);
          assert.equal(z.rank(member, true), i >= 0 ? n - 1 - i : undefined);
          break;
        }
        case 8: {
          const r = ri(2 * n + 4) - n - 2;
          const rev = ri(2) === 0;
          const j = r < 0 ? r + n : r;
          const e = z.getByRank(r, rev);
          if (j < 0 || j >= n) assert.equal(e, undefined);
          else assert.deepEqual(plain([e as ZEntry]), [rev ? ref[n - 1 - j] : ref[j]]);
          break;
        }
        case 9: {
          const a = ri(2 * n + 6) - n - 3;
          const b = ri(2 * n + 6) - n - 3;
          const rev = ri(2) === 0;
          const nr = normRank(a, b, n);
          const src = rev ? ref.slice().reverse() : ref;
          assert.deepEqual(plain(z.rangeByRank(a, b, rev)), nr === null ? [] : src.slice(nr[0], nr[1] + 1));
          break;
        }
        case 10: {
          const r = randScoreRange(ri);
          const rev = ri(2) === 0;
          const offset = ri(8) - 1;
          const count = ri(8) - 2;
          let inr = ref.filter((e) => inScore(e.score, r));
          assert.equal(z.countInScoreRange(r), inr.length);
          if (rev) inr = inr.reverse();
          assert.deepEqual(plain(z.rangeByScore(r, offset, count, rev)), limitSlice(inr, offset, count));
          break;
        }
        case 11: {
          const r = randScoreRange(ri);
          if (ri(4) === 0) {
            const removed = ref.filter((e) => inScore(e.score, r)).length;
            ref = ref.filter((e) => !inScore(e.score, r));
            assert.equal(z.deleteRangeByScore(r), removed);
          }
          break;
        }
        case 12: {
          if (ri(4) === 0) {
            const a = ri(2 * n + 6) - n - 3;
            const b = ri(2 * n + 6) - n - 3;
            const nr = normRank(a, b, n);
            const removed = nr === null ? 0 : nr[1] - nr[0] + 1;
            if (nr !== null) ref.splice(nr[0], removed);
            assert.equal(z.deleteRangeByRank(a, b), removed);
          }
          break;
        }
        case 13: {
          const c = ri(4);
          assert.deepEqual(plain(z.popMin(c)), ref.splice(0, c));
          break;
        }
        case 14: {
          const c = ri(4);
          const want = ref.splice(Math.max(0, ref.length - c), c).reverse();
          assert.deepEqual(plain(z.popMax(c)), want);
          break;
        }
        case 15: {
          const c = ri(2 * n + 4) - n - 2;
          const got = z.randomMembers(c);
          if (n === 0 || c === 0) assert.equal(got.length, 0);
          else if (c < 0) assert.equal(got.length, -c);
          else {
            assert.equal(got.length, Math.min(c, n));
            assert.equal(new Set(got.map((e) => e.member)).size, got.length);
          }
          for (const e of got) assert.ok(Object.is(z.score(e.member), e.score));
          break;
        }
        default: {
          // bulk inserts to exercise deeper levels
          for (let k = 0; k < 5; k++) {
            const m = 'k' + ri(20 + extra);
            const s = ri(1000) / 7;
            const i = find(m);
            if (i >= 0) ref.splice(i, 1);
            else if (ref.length + 1 > limits.maxListpackEntries || m.length > limits.maxListpackValue) everBig = true;
            ref.push({ member: m, score: s });
            ref.sort(cmp);
            z.add(m, s, limits);
          }
        }
      }
      assert.equal(z.length, ref.length);
      assert.equal(z.encoding(), everBig ? 'skiplist' : 'listpack');
      if (step % 25 === 0) {
        z.verify();
        assert.deepEqual(plain(z.toArray()), ref);
        assert.deepEqual(plain([...z.reversed()]), ref.slice().reverse());
      }
    }
  }
});

test('RZSet: lex ranges with equal scores, both encodings', () => {
  const rnd = prng(11);
  const ri = (n: number): number => Math.floor(rnd() * n);
  for (const big of [false, true]) {
    for (let round = 0; round < 10; round++) {
      const limits = big ? { maxListpackEntries: 0, maxListpackValue: 64 } : { maxListpackEntries: 1000, maxListpackValue: 64 };
      const z = new RZSet();
      let ref: string[] = [];
      for (let step = 0; step < 1500; step++) {
        const op = ri(6);
        if (op < 2) {
          const m = MEMBERS[ri(MEMBERS.length)] + (ri(2) ? String.fromCharCode(97 + ri(26)) : '');
          if (!ref.includes(m)) {
            ref.push(m);
            ref.sort();
          }
          z.add(m, 0, limits);
        } else {
          const r: LexRange = { min: randLexBound(ri), max: randLexBound(ri) };
          const inr = ref.filter((m) => gteMin(m, r.min) && lteMax(m, r.max));
          if (op === 2) {
            assert.equal(z.countInLexRange(r), inr.length);
          } else if (op === 3 || op === 4) {
            const rev = op === 4;
            const offset = ri(6) - 1;
            const count = ri(6) - 2;
            const want = limitSlice(rev ? inr.slice().reverse() : inr, offset, count);
            assert.deepEqual(
              z.rangeByLex(r, offset, count, rev).map((e) => e.member),
              want,
              JSON.stringify({ r, offset, count, rev }),
            );
          } else if (ri(5) === 0) {
            assert.equal(z.deleteRangeByLex(r), inr.length);
            ref = ref.filter((m) => !inr.includes(m));
          }
        }
        assert.equal(z.length, ref.length);
      }
      z.verify();
      assert.deepEqual(
        z.toArray().map((e) => e.member),
        ref,
      );
      assert.equal(z.encoding(), big ? 'skiplist' : 'listpack');
    }
  }
});

test('RZSet: lex/score range parsing and empty ranges (as redis-server 7.0.15 answers)', () => {
  assert.deepEqual(parseLexBound('-'), { value: '', exclusive: true, inf: -1 });
  assert.deepEqual(parseLexBound('+'), { value: '', exclusive: true, inf: 1 });
  assert.deepEqual(parseLexBound('[a'), { value: 'a', exclusive: false, inf: 0 });
  assert.deepEqual(parseLexBound('(a'), { value: 'a', exclusive: true, inf: 0 });
  assert.deepEqual(parseLexBound('['), { value: '', exclusive: false, inf: 0 });
  assert.equal(parseLexBound('a'), null);
  assert.equal(parseLexBound(''), null);
  assert.equal(parseLexBound('+a'), null);
  assert.equal(parseLexBound('-x'), null);
  const z = new RZSet();
  z.add('a', 1);
  z.add('b', 2);
  const lex = (a: string, b: string): string[] => z.rangeByLex(parseLexRange(a, b) as LexRange).map((e) => e.member);
  // ZRANGEBYLEX z - -, + +, [a (a all empty on the real server; - + gives everything.
  assert.deepEqual(lex('-', '-'), []);
  assert.deepEqual(lex('+', '+'), []);
  assert.deepEqual(lex('[a', '(a'), []);
  assert.deepEqual(lex('-', '+'), ['a', 'b']);
  assert.deepEqual(lex('[a', '[a'), ['a']);
  assert.deepEqual(lex('+', '-'), []);
  const sr = parseScoreRange('(1', '+inf') as ScoreRange;
  assert.deepEqual(plain(z.rangeByScore(sr)), [{ member: 'b', score: 2 }]);
  assert.equal(parseScoreRange('x', '1'), null);
  assert.equal(z.countInScoreRange(parseScoreRange('-inf', '+inf') as ScoreRange), 2);
  assert.equal(z.countInScoreRange(parseScoreRange('(1', '(1') as ScoreRange), 0);
  assert.equal(z.countInScoreRange(parseScoreRange('2', '1') as ScoreRange), 0);
});

test('RZSet: encoding is sticky; listpack turns -0 into 0 like redis-server 7.0.15', () => {
  const small = new RZSet();
  small.add('a', -0);
  assert.ok(Object.is(small.score('a'), 0)); // ZSCORE -> "0" on a listpack zset
  small.add('b', 5);
  assert.equal(small.add('b', -0), 'updated');
  assert.ok(Object.is(small.score('b'), 0));
  assert.equal(small.add('b', -0), 'unchanged');
  const big = new RZSet();
  big.add('a', -0, { maxListpackEntries: 0, maxListpackValue: 64 });
  assert.ok(Object.is(big.score('a'), -0)); // ZSCORE -> "-0" on a skiplist zset
  assert.equal(big.encoding(), 'skiplist');
  const z = new RZSet();
  const lim = { maxListpackEntries: 3, maxListpackValue: 5 };
  z.add('a', 1, lim);
  z.add('b', 2, lim);
  z.add('c', 3, lim);
  assert.equal(z.encoding(), 'listpack');
  z.add('d', 4, lim);
  assert.equal(z.encoding(), 'skiplist');
  z.remove('d');
  z.remove('c');
  assert.equal(z.encoding(), 'skiplist');
  z.resetEncoding(lim);
  assert.equal(z.encoding(), 'listpack');
  z.add('toolong', 1, lim);
  assert.equal(z.encoding(), 'skiplist');
  const f = RZSet.from([
    { member: 'x', score: -0 },
    { member: 'y', score: 1 },
  ]);
  assert.equal(f.encoding(), 'listpack');
  assert.ok(Object.is(f.score('x'), 0));
  assert.equal(z.type, 'zset');
});

test('RZSet: ZSCAN reports every member present for the whole scan', () => {
  const rnd = prng(12);
  for (let round = 0; round < 20; round++) {
    const z = new RZSet();
    for (let i = 0; i < 400; i++) z.add('m' + i, i % 17);
    const stable = new Set<string>();
    for (let i = 0; i < 400; i += 5) stable.add('m' + i);
    const seen = new Set<string>();
    let cursor = 0;
    let next = 400;
    do {
      const out: ZEntry[] = [];
      cursor = z.scan(cursor, 10, out);
      for (const e of out) seen.add(e.member);
      for (let k = 0; k < 8; k++) {
        const v = 'm' + Math.floor(rnd() * next);
        if (!stable.has(v)) z.remove(v);
        if (rnd() < 0.5) z.add('m' + next++, rnd());
      }
    } while (cursor !== 0);
    for (const m of stable) assert.ok(seen.has(m), m);
  }
  const small = new RZSet();
  small.add('b', 2);
  small.add('a', 1);
  const out: ZEntry[] = [];
  assert.equal(small.scan(0, 1, out), 0);
  assert.deepEqual(plain(out), [
    { member: 'a', score: 1 },
    { member: 'b', score: 2 },
  ]);
});

test('RZSet: 200k members, O(log n) operations stay consistent', () => {
  const z = new RZSet();
  const n = 200_000;
  for (let i = 0; i < n; i++) z.add('member:' + i, (i * 7919) % 100_003);
  assert.equal(z.length, n);
  assert.equal(z.encoding(), 'skiplist');
  const all = z.toArray();
  for (let i = 1; i < all.length; i++) assert.ok(cmp(all[i - 1], all[i]) < 0);
  for (let k = 0; k < 2000; k++) {
    const r = (k * 97) % n;
    const e = all[r];
    assert.equal(z.rank(e.member), r);
    assert.deepEqual(z.getByRank(r), e);
  }
  const range = { min: 1000, max: 2000, minex: false, maxex: true };
  const want = all.filter((e) => e.score >= 1000 && e.score < 2000).length;
  assert.equal(z.countInScoreRange(range), want);
  assert.equal(z.rangeByScore(range, 5, 10).length, 10);
  assert.equal(z.deleteRangeByScore(range), want);
  assert.equal(z.length, n - want);
  z.verify();
});

test('RZSet: randomized with thousands of members, growing and shrinking, many ties', () => {
  const rnd = prng(13);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const big = { maxListpackEntries: 0, maxListpackValue: 64 };
  // the reference: a sorted array, kept sorted by binary insertion
  const pos = (ref: E[], e: E): number => {
    let lo = 0;
    let hi = ref.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(ref[mid], e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let round = 0; round < 4; round++) {
    const z = new RZSet();
    const ref: E[] = [];
    const scoreOf = new Map<string, number>();
    const space = 3000 + round * 2000; // members drawn from this many names
    const grow = round % 2 === 0; // phases of growth, then of shrinking
    for (let step = 0; step < 30000; step++) {
      const phase = Math.floor(step / 5000) % 2 === 0;
      const op = ri(20);
      const member = 'm' + ri(space);
      const n = ref.length;
      if (op < (grow === phase ? 12 : 6)) {
        // add or move (few distinct scores: many ties ordered by member)
        const score = ri(3) === 0 ? ri(40) : ri(100000) / 8;
        const old = scoreOf.get(member);
        const want = old === undefined ? 'added' : old === score ? 'unchanged' : 'updated';
        if (old !== undefined && old !== score) ref.splice(pos(ref, { member, score: old }), 1);
        if (old !== score) ref.splice(pos(ref, { member, score }), 0, { member, score });
        scoreOf.set(member, score);
        assert.equal(z.add(member, score, big), want);
      } else if (op < 16) {
        const old = scoreOf.get(member);
        assert.equal(z.remove(member), old !== undefined);
        if (old !== undefined) {
          ref.splice(pos(ref, { member, score: old }), 1);
          scoreOf.delete(member);
        }
      } else if (op === 16) {
        const old = scoreOf.get(member);
        assert.equal(z.rank(member), old === undefined ? undefined : pos(ref, { member, score: old }));
        const r = ri(n + 2) - 1;
        const e = z.getByRank(r);
        if (r < 0 || r >= n) assert.equal(e === undefined || r < 0, true);
        else assert.deepEqual(plain([e as ZEntry]), [ref[r]]);
      } else if (op === 17) {
        const a = ri(n + 20) - 10;
        const b = a + ri(600);
        const rev = ri(2) === 0;
        const nr = normRank(a, b, n);
        const want = nr === null ? [] : rev ? ref.slice(n - 1 - nr[1], n - nr[0]).reverse() : ref.slice(nr[0], nr[1] + 1);
        assert.deepEqual(plain(z.rangeByRank(a, b, rev)), want);
      } else if (op === 18) {
        const lo = ri(12600) - 100;
        const r: ScoreRange = { min: lo, max: lo + ri(400), minex: ri(2) === 0, maxex: ri(2) === 0 };
        const inr = ref.filter((e) => inScore(e.score, r));
        assert.equal(z.countInScoreRange(r), inr.length);
        const rev = ri(2) === 0;
        const offset = ri(30);
        const count = ri(80) - 1;
        assert.deepEqual(plain(z.rangeByScore(r, offset, count, rev)), limitSlice(rev ? inr.reverse() : inr, offset, count));
      } else if (ri(10) === 0) {
        // rare bulk removals
        const kind = ri(4);
        let removed: E[] = [];
        if (kind === 0) {
          const a = ri(n + 1);
          const b = a + ri(300);
          const nr = normRank(a, b, n);
          if (nr !== null) removed = ref.slice(nr[0], nr[1] + 1);
          assert.equal(z.deleteRangeByRank(a, b), removed.length);
        } else if (kind === 1) {
          const lo = ri(12600);
          const r: ScoreRange = { min: lo, max: lo + ri(300), minex: false, maxex: ri(2) === 0 };
          removed = ref.filter((e) => inScore(e.score, r));
          assert.equal(z.deleteRangeByScore(r), removed.length);
        } else if (kind === 2) {
          const c = ri(700);
          removed = ref.slice(0, c);
          assert.deepEqual(plain(z.popMin(c)), removed);
        } else {
          const c = ri(700);
          removed = ref.slice(Math.max(0, n - c)).reverse();
          assert.deepEqual(plain(z.popMax(c)), removed);
        }
        for (const e of removed) {
          ref.splice(pos(ref, e), 1);
          scoreOf.delete(e.member);
        }
      }
      assert.equal(z.length, ref.length);
      if (step % 1000 === 0) {
        z.verify();
        assert.deepEqual(plain(z.toArray()), ref);
        assert.deepEqual(plain([...z.reversed()]), ref.slice().reverse());
      }
    }
    z.verify();
    assert.deepEqual(plain(z.toArray()), ref);
  }
});

test('RZSet: lex ranges over thousands of equal-score members', () => {
  const rnd = prng(14);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const big = { maxListpackEntries: 0, maxListpackValue: 64 };
  const z = new RZSet();
  let ref: string[] = [];
  const word = (): string => {
    let s = '';
    const len = 1 + ri(4);
    for (let i = 0; i < len; i++) s += String.fromCharCode(97 + ri(8));
    return s;
  };
  for (let i = 0; i < 4000; i++) {
    const m = word();
    z.add(m, 0, big);
    ref.push(m);
  }
  ref = [...new Set(ref)].sort();
  const bound = (): LexBound => {
    const k = ri(12);
    if (k === 0) return { value: '', exclusive: true, inf: -1 };
    if (k === 1) return { value: '', exclusive: true, inf: 1 };
    return { value: word(), exclusive: ri(2) === 0, inf: 0 };
  };
  for (let step = 0; step < 3000; step++) {
    const r: LexRange = { min: bound(), max: bound() };
    const inr = ref.filter((m) => gteMin(m, r.min) && lteMax(m, r.max));
    const op = ri(4);
    if (op === 0) assert.equal(z.countInLexRange(r), inr.length);
    else if (op === 1 || op === 2) {
      const rev = op === 2;
      const offset = ri(20) - 1;
      const count = ri(60) - 2;
      assert.deepEqual(
        z.rangeByLex(r, offset, count, rev).map((e) => e.member),
        limitSlice(rev ? inr.slice().reverse() : inr, offset, count),
      );
    } else if (ri(8) === 0) {
      assert.equal(z.deleteRangeByLex(r), inr.length);
      ref = ref.filter((m) => !inr.includes(m));
      for (let i = 0; i < 200; i++) {
        const m = word();
        z.add(m, 0, big);
        if (!ref.includes(m)) ref.push(m);
      }
      ref.sort();
    }
    assert.equal(z.length, ref.length);
  }
  z.verify();
  assert.deepEqual(
    z.toArray().map((e) => e.member),
    ref,
  );
});
