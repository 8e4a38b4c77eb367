import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 as prng } from '../helpers/prng';
import {
  RSet,
  isIntsetMember,
  setIntersect,
  setIntersectCard,
  setUnion,
  setDiff,
} from '../../src/keyspace/types/set';

const sorted = (a: Iterable<string>): string[] => [...a].sort();

/** Reference string2ll via BigInt: canonical form round-trips and fits int64. */
function refIsInt(s: string): boolean {
  if (!/^-?[0-9]+$/.test(s)) return false;
  const v = BigInt(s);
  return v.toString() === s && v >= -(2n ** 63n) && v <= 2n ** 63n - 1n;
}

test('isIntsetMember: canonical int64 only', () => {
  const yes = ['0', '1', '-1', '9', '10', '9223372036854775807', '-9223372036854775808', '123456789012345678'];
  const no = [
    '',
    '-',
    '+1',
    '01',
    '-0',
    '00',
    ' 1',
    '1 ',
    '1.0',
    '1e3',
    '9223372036854775808',
    '-9223372036854775809',
    '99999999999999999999',
    '0x10',
    '1\x00',
    'abc',
  ];
  for (const s of yes) assert.equal(isIntsetMember(s), true, s);
  for (const s of no) assert.equal(isIntsetMember(s), false, JSON.stringify(s));
  const rnd = prng(4);
  const chars = '-0123456789+ ';
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const n = Math.floor(rnd() * 22);
    for (let k = 0; k < n; k++) s += chars[Math.floor(rnd() * (k === 0 ? chars.length : 11))];
    assert.equal(isIntsetMember(s), refIsInt(s), JSON.stringify(s));
  }
});

test('RSet: randomized against Set, encoding transitions', () => {
  const rnd = prng(5);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const lim = { maxIntsetEntries: 30 };
  for (let round = 0; round < 20; round++) {
    const s = new RSet();
    const ref = new Set<string>();
    let hashtable = false;
    const space = 10 + ri(60);
    for (let step = 0; step < 3000; step++) {
      const op = ri(10);
      const m = ri(200) === 0 ? 'str' + ri(5) : String(ri(space) - (space >> 1));
      if (op < 5) {
        assert.equal(s.add(m, lim), !ref.has(m));
        ref.add(m);
        if (!isIntsetMember(m) || ref.size > lim.maxIntsetEntries) hashtable = true;
      } else if (op < 8) {
        assert.equal(s.remove(m), ref.delete(m));
      } else if (op === 8) {
        assert.equal(s.has(m), ref.has(m));
      } else {
        const p = s.popOne();
        if (p === undefined) assert.equal(ref.size, 0);
        else assert.ok(ref.delete(p));
      }
      assert.equal(s.size, ref.size);
      assert.equal(s.encoding(), hashtable ? 'hashtable' : 'intset');
      if (step % 40 === 0) {
        assert.deepEqual(sorted(s), sorted(ref));
        if (!hashtable) {
          // intset iterates in numeric order
          const nums = s.members().map(Number);
          for (let i = 1; i < nums.length; i++) assert.ok(nums[i - 1] < nums[i]);
        }
      }
    }
  }
});

test('RSet: SMEMBERS of an intset is sorted numerically (as redis-server 7.0.15 replies)', () => {
  const s = RSet.from(['3', '1', '2', '-5', '10']);
  assert.deepEqual(s.members(), ['-5', '1', '2', '3', '10']);
  assert.deepEqual([...s], ['-5', '1', '2', '3', '10']);
  assert.equal(s.encoding(), 'intset');
  s.add('9223372036854775807');
  s.add('-9223372036854775808');
  assert.deepEqual(s.members()[0], '-9223372036854775808');
  assert.deepEqual(s.members().at(-1), '9223372036854775807');
  const h = RSet.from(['1', 'a']);
  assert.equal(h.encoding(), 'hashtable');
  h.remove('a');
  assert.equal(h.encoding(), 'hashtable'); // sticky
  assert.equal(new RSet().type, 'set');
});

test('RSet: SRANDMEMBER semantics', () => {
  const s = new RSet();
  for (let i = 0; i < 100; i++) s.add('m' + i);
  for (const c of [1, 10, 33, 34, 99]) {
    const r = s.randomMembers(c);
    assert.equal(r.length, c);
    assert.equal(new Set(r).size, c);
    for (const m of r) assert.ok(s.has(m));
  }
  assert.equal(s.randomMembers(100).length, 100);
  assert.equal(s.randomMembers(1000).length, 100);
  assert.equal(s.randomMembers(-1000).length, 1000);
  assert.deepEqual(s.randomMembers(0), []);
  assert.deepEqual(new RSet().randomMembers(-5), []);
  const one = RSet.from(['x']);
  assert.deepEqual(one.randomMembers(-3), ['x', 'x', 'x']);
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) seen.add(s.randomMember() as string);
  assert.equal(seen.size, 100);
  assert.equal(s.size, 100);
});

test('RSet: SPOP with count, including the 7.0 re-encoding of survivors', () => {
  // Observed on redis-server 7.0.15: 600 ints (hashtable) SPOP 590 -> intset;
  // 100 ints + "x", SREM x (hashtable), SPOP 95 -> intset; 600 ints SPOP 5 -> hashtable.
  const big = Array.from({ length: 600 }, (_, i) => String(i));
  const a = RSet.from(big);
  assert.equal(a.encoding(), 'hashtable');
  const pa = a.pop(590);
  assert.equal(pa.length, 590);
  assert.equal(a.size, 10);
  assert.equal(a.encoding(), 'intset');
  assert.deepEqual(sorted([...pa, ...a]), sorted(big));

  const b = RSet.from([...big.slice(0, 100), 'x']);
  b.remove('x');
  assert.equal(b.encoding(), 'hashtable');
  b.pop(95);
  assert.equal(b.encoding(), 'intset');

  // 100 ints + "x", SREM x, SPOP 10: few popped, survivors stay in the hashtable.
  const b2 = RSet.from([...big.slice(0, 100), 'x']);
  b2.remove('x');
  b2.pop(10);
  assert.equal(b2.encoding(), 'hashtable');
  assert.equal(b2.size, 90);

  const c = RSet.from(big);
  c.pop(5);
  assert.equal(c.encoding(), 'hashtable');
  assert.equal(c.size, 595);

  const d = RSet.from(['1', '2', '3']);
  assert.deepEqual(sorted(d.pop(10)), ['1', '2', '3']);
  assert.equal(d.size, 0);
  assert.deepEqual(d.pop(0), []);

  const rnd = prng(6);
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(rnd() * 60);
    const members = Array.from({ length: n }, (_, k) => (k % 7 === 0 ? 's' + k : String(k)));
    const s = RSet.from(members);
    const cnt = Math.floor(rnd() * (n + 3));
    const popped = s.pop(cnt);
    assert.equal(popped.length, Math.min(cnt, n));
    assert.equal(new Set(popped).size, popped.length);
    assert.deepEqual(sorted([...popped, ...s]), sorted(members));
    for (const p of popped) assert.equal(s.has(p), false);
  }
});

test('RSet: set algebra', () => {
  const a = RSet.from(['1', '2', '3', '4', 'x']);
  const b = RSet.from(['3', '4', '5', 'x']);
  const c = RSet.from(['4', 'x', 'y']);
  assert.deepEqual(sorted(setIntersect([a, b, c])), ['4', 'x']);
  assert.deepEqual(setIntersect([a, null, c]), []);
  assert.deepEqual(setIntersect([a, new RSet()]), []);
  assert.equal(setIntersectCard([a, b]), 3);
  assert.equal(setIntersectCard([a, b], 2), 2);
  assert.equal(setIntersectCard([a, b], 0), 3);
  const u = setUnion([a, b, undefined, c]);
  assert.deepEqual(sorted(u), ['1', '2', '3', '4', '5', 'x', 'y']);
  assert.equal(u.encoding(), 'hashtable');
  const ui = setUnion([RSet.from(['3', '1']), RSet.from(['2'])]);
  assert.equal(ui.encoding(), 'intset');
  assert.deepEqual(ui.members(), ['1', '2', '3']); // SUNION of small int sets replies sorted in 7.0
  assert.deepEqual(sorted(setDiff([a, b, c])), ['1', '2']);
  assert.deepEqual(sorted(setDiff([a, null])), sorted(a));
  assert.equal(setDiff([null, a]).size, 0);
  assert.equal(setDiff([RSet.from(['5', '1', '3']), RSet.from(['3'])]).encoding(), 'intset');

  // randomized against naive set algebra
  const rnd = prng(8);
  for (let i = 0; i < 300; i++) {
    const k = 1 + Math.floor(rnd() * 4);
    const sets: RSet[] = [];
    for (let j = 0; j < k; j++) {
      const s = new RSet();
      const n = Math.floor(rnd() * 30);
      for (let q = 0; q < n; q++) s.add(String(Math.floor(rnd() * 40)));
      sets.push(s);
    }
    const all = sets.map((s) => new Set(s));
    const inter = [...all[0]].filter((m) => all.every((s) => s.has(m)));
    const uni = new Set(all.flatMap((s) => [...s]));
    const diff = [...all[0]].filter((m) => !all.slice(1).some((s) => s.has(m)));
    assert.deepEqual(sorted(setIntersect(sets)), sorted(inter));
    assert.deepEqual(sorted(setUnion(sets)), sorted(uni));
    assert.deepEqual(sorted(setDiff(sets)), sorted(diff));
  }
});

test('RSet: SSCAN reports every member present for the whole scan', () => {
  const rnd = prng(9);
  for (let round = 0; round < 20; round++) {
    const s = new RSet();
    for (let i = 0; i < 400; i++) s.add('m' + i);
    const stable = new Set<string>();
    for (let i = 0; i < 400; i += 4) stable.add('m' + i);
    const seen = new Set<string>();
    let cursor = 0;
    let next = 400;
    do {
      const out: string[] = [];
      cursor = s.scan(cursor, 10, out);
      for (const m of out) seen.add(m);
      for (let k = 0; k < 8; k++) {
        const v = 'm' + Math.floor(rnd() * next);
        if (!stable.has(v)) s.remove(v);
        if (rnd() < 0.5) s.add('m' + next++);
      }
    } while (cursor !== 0);
    for (const m of stable) assert.ok(seen.has(m), m);
  }
  const small = RSet.from(['3', '1', '2']);
  const out: string[] = [];
  assert.equal(small.scan(0, 1, out), 0);
  assert.deepEqual(out, ['1', '2', '3']);
});
