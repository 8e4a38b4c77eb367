import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringIndex, PAGE, RESHARD_AT, pairOf, pairKey, pairValue, pairLength, bytesHash, keyHash, BYTES_HASH_MAX, type SlotColumns } from '../../src/keyspace/string-index';

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

/** An owner with one column (the string's value) that checks the page calls it hears. */
class Owner implements SlotColumns {
  pages: Array<Array<string | null>> = [];
  moves = 0;
  readonly ix: StringIndex;
  constructor(shardBits: number, startBits = shardBits) {
    this.ix = new StringIndex(this, shardBits, startBits);
  }
  resizePage(p: number, n: number): void {
    assert.ok(p <= this.pages.length, 'pages come in order');
    const page = new Array<string | null>(n).fill(null);
    if (p < this.pages.length) this.pages[p].forEach((v, i) => (page[i] = v));
    this.pages[p] = page;
  }
  dropPage(): void {
    this.pages.pop();
  }
  moveSlot(from: number, to: number): void {
    assert.equal(this.at(to), null, 'moves go into a hole');
    this.set(to, this.at(from));
    this.set(from, null);
    this.moves++;
  }
  at(s: number): string | null {
    return this.pages[Math.floor(s / PAGE)][s % PAGE];
  }
  set(s: number, v: string | null): void {
    this.pages[Math.floor(s / PAGE)][s % PAGE] = v;
  }
  add(k: string, v: string): void {
    const s = this.ix.insert(k);
    this.set(s, v);
  }
  remove(k: string): boolean {
    const s = this.ix.find(k);
    if (s < 0) return false;
    this.set(s, null);
    this.ix.removeAt(s);
    return true;
  }
}

/** Every string of the reference is found at a slot holding it and its value; slots are dense unless pinned. */
function check(o: Owner, ref: Map<string, string>, dense: boolean): void {
  assert.equal(o.ix.size, ref.size);
  if (dense) assert.equal(o.ix.end, ref.size);
  for (const [k, v] of ref) {
    const s = o.ix.find(k);
    assert.ok(s >= 0 && s < o.ix.end, `find ${k}`);
    assert.equal(o.ix.keyAt(s), k);
    assert.equal(o.at(s), v);
  }
  let live = 0;
  for (let s = 0; s < o.ix.end; s++) if (o.ix.keyAt(s) !== null) live++;
  assert.equal(live, ref.size);
}

for (const bits of [0, 4, 8]) {
  test(`StringIndex (${1 << bits} shards): random inserts/removals match a Map; the last slot moves into holes`, () => {
    const r = rng(42 + bits);
    const o = new Owner(bits);
    const ref = new Map<string, string>();
    for (let step = 0; step < 60000; step++) {
      // grow to ~20000 strings, then shrink to a few, then grow again: pages and tables come and go
      const phase = Math.floor(step / 20000);
      const k = 'k:' + Math.floor(r() * (phase === 1 ? 25000 : 30000));
      const wantAdd = phase === 1 ? r() < 0.15 : r() < 0.7;
      if (wantAdd) {
        if (ref.has(k)) assert.ok(o.ix.find(k) >= 0);
        else {
          assert.equal(o.ix.find(k), -1);
          o.add(k, 'v' + step);
          ref.set(k, 'v' + step);
        }
      } else assert.equal(o.remove(k), ref.delete(k));
      if (step % 5000 === 4999) check(o, ref, true);
    }
    check(o, ref, true);
    assert.ok(o.moves > 0);
    assert.ok(o.pages.length <= Math.ceil(o.ix.end / PAGE) + 1, 'emptied pages are given back');
    assert.equal(o.ix.find('absent'), -1);
  });
}

test('StringIndex: an index started with one table splits into its shards when it grows past RESHARD_AT strings, losing nothing', () => {
  const o = new Owner(4, 0);
  const ref = new Map<string, string>();
  const r = rng(5);
  for (let i = 0; i < RESHARD_AT - 10; i++) {
    o.add('a' + i, 'v' + i);
    ref.set('a' + i, 'v' + i);
  }
  assert.equal(o.ix.largestShard(), ref.size, 'one table so far');
  for (let i = 0; i < 25000; i++) {
    o.add('b' + i, 'x' + i);
    ref.set('b' + i, 'x' + i);
  }
  for (let i = 0; i < 60000; i++) {
    const k = 'a' + Math.floor(r() * (2 * RESHARD_AT));
    if (r() < 0.8) {
      if (!ref.has(k)) {
        o.add(k, 'w' + i);
        ref.set(k, 'w' + i);
      }
    } else assert.equal(o.remove(k), ref.delete(k));
  }
  assert.ok(o.ix.largestShard() < ref.size / 8, 'split into shards: ' + o.ix.largestShard());
  check(o, ref, true);
});

test('StringIndex: while pinned removals leave holes, nothing moves; the last unpin refills from the tail', () => {
  const o = new Owner(4);
  const ref = new Map<string, string>();
  for (let i = 0; i < 10000; i++) {
    o.add('m' + i, 'v' + i);
    ref.set('m' + i, 'v' + i);
  }
  o.ix.pin();
  o.ix.pin();
  const before = new Map<string, number>();
  for (const k of ref.keys()) before.set(k, o.ix.find(k));
  const r = rng(3);
  for (let i = 0; i < 4000; i++) {
    const k = 'm' + Math.floor(r() * 10000);
    assert.equal(o.remove(k), ref.delete(k));
  }
  for (let i = 0; i < 500; i++) {
    o.add('n' + i, 'w' + i);
    ref.set('n' + i, 'w' + i);
  }
  assert.equal(o.moves, 0);
  for (const [k, s] of before) if (ref.has(k)) assert.equal(o.ix.find(k), s, 'nothing moved while pinned');
  check(o, ref, false);
  assert.ok(o.ix.end > ref.size);
  // random slots are live ones even with holes
  for (let i = 0; i < 200; i++) assert.notEqual(o.ix.keyAt(o.ix.randomSlot(r)), null);
  o.ix.unpin();
  assert.equal(o.ix.end > ref.size, true, 'still pinned once');
  o.ix.unpin();
  check(o, ref, true);
  o.ix.unpin(); // extra unpin is harmless
  check(o, ref, true);
});

test('StringIndex: a descending slot walk sees every string present for the whole walk despite removals', () => {
  const o = new Owner(4);
  const ref = new Map<string, string>();
  for (let i = 0; i < 5000; i++) {
    o.add('s' + i, 'x');
    ref.set('s' + i, 'x');
  }
  const stable = new Set<string>();
  for (let i = 0; i < 5000; i += 3) stable.add('s' + i);
  const seen = new Set<string>();
  const r = rng(9);
  let cursor = o.ix.end;
  while (cursor > 0) {
    for (let k = 0; k < 10 && cursor > 0; k++) {
      cursor--;
      if (cursor < o.ix.end) seen.add(o.ix.keyAt(cursor)!);
    }
    // remove some strings that are not in the stable set, add some new ones
    for (let k = 0; k < 3; k++) {
      const key = 's' + Math.floor(r() * 5000);
      if (!stable.has(key)) o.remove(key) && ref.delete(key);
    }
    const n = 'new' + cursor;
    if (!ref.has(n)) {
      o.add(n, 'y');
      ref.set(n, 'y');
    }
    if (cursor > o.ix.end) cursor = o.ix.end;
  }
  for (const k of stable) assert.ok(seen.has(k), `walk missed ${k}`);
  check(o, ref, true);
});

test('StringIndex: clear, and strings that look alike (binary, long, empty)', () => {
  const o = new Owner(0);
  const keys = ['', '\0', '\0\0', 'a', 'x'.repeat(300), 'x'.repeat(300) + 'y', 'y' + 'x'.repeat(300), '\xff\xfe'];
  keys.forEach((k, i) => o.add(k, String(i)));
  keys.forEach((k, i) => assert.equal(o.at(o.ix.find(k)), String(i)));
  o.ix.clear();
  o.pages = [];
  assert.equal(o.ix.size, 0);
  assert.equal(o.ix.find('a'), -1);
  assert.equal(o.ix.randomSlot(), -1);
  o.add('a', 'z');
  assert.equal(o.at(o.ix.find('a')), 'z');
});

test('pairOf: a key and a value in one flat string, keys of any length (the 255-char boundary), empty and binary parts', () => {
  for (const klen of [0, 1, 12, 254, 255, 256, 70000]) {
    for (const v of ['', 'v', '\x00\xff'.repeat(9), 'x'.repeat(300)]) {
      const k = 'k\x00'.repeat(klen).slice(0, klen);
      const e = pairOf(k, v);
      assert.equal(e.length, pairLength(k.length, v.length));
      assert.equal(pairKey(e), k);
      assert.equal(pairValue(e), v);
    }
  }
});

test('StringIndex (paired): entries found by their key alone, through growth, resharding, moves and value changes', () => {
  const r = rng(7);
  const ix = new StringIndex(null, 4, 0, true);
  const ref = new Map<string, string>();
  // keys around the one-char length prefix's limit, and keys that are prefixes of others
  const keyOf = (n: number): string => (n % 97 === 0 ? 'L'.repeat(250 + (n % 11)) + n : 'f:' + n);
  for (let step = 0; step < 120000; step++) {
    // first a fill past RESHARD_AT (the index splits into shards), then random changes, then a shrink
    const n = step < 60000 ? step : Math.floor(r() * (step < 90000 ? 60000 : 5000));
    if (step === 60000) assert.ok(ix.largestShard() < ix.size / 4, 'split into shards past RESHARD_AT');
    const k = keyOf(n);
    const op = r();
    const s = ix.find(k);
    assert.equal(s >= 0, ref.has(k), `find ${k.slice(0, 20)}`);
    if (op < 0.6 || step < 60000) {
      const v = 'v' + step;
      if (s >= 0) ix.setEntry(s, pairOf(k, v));
      else ix.insert(k, pairOf(k, v));
      ref.set(k, v);
    } else if (s >= 0) {
      ix.removeAt(s);
      ref.delete(k);
    }
  }
  assert.ok(ref.size > RESHARD_AT / 8);
  assert.equal(ix.size, ref.size);
  for (const [k, v] of ref) {
    const s = ix.find(k);
    assert.equal(pairKey(ix.keyAt(s)!), k);
    assert.equal(pairValue(ix.keyAt(s)!), v);
  }
  // a key that is a prefix of a stored one, or a stored entry itself, is not found
  assert.equal(ix.find('f:'), -1);
  assert.equal(ix.find(pairOf('f:1', 'x')), -1);
});

test('bytesHash: the keyHash of the latin1 string of the bytes, for every length up to BYTES_HASH_MAX', () => {
  const rnd = rng(11);
  for (let len = 0; len <= BYTES_HASH_MAX; len++) {
    for (let r = 0; r < 4; r++) {
      const b = Buffer.alloc(len + 6);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
      assert.equal(bytesHash(b, 3, 3 + len), keyHash(b.latin1Slice(3, 3 + len)), `length ${len}`);
    }
  }
});

test('StringIndex.warm: the slot of each present string given as bytes (repeats too), -1 for absent and long ones; changes nothing', () => {
  const o = new Owner(4);
  const keys: string[] = [];
  for (let i = 0; i < 5000; i++) {
    keys.push('key:' + i);
    o.ix.insert('key:' + i);
  }
  // ranges over one buffer: present, absent, a repeat of the one before, one too long to hash as bytes
  const parts = ['key:17', 'key:4999', 'nope', 'nope', 'key:0', 'key:0', 'x'.repeat(300), 'key:2500'];
  const buf = Buffer.from(parts.join('|'), 'latin1');
  const starts = new Int32Array(parts.length);
  const ends = new Int32Array(parts.length);
  let p = 0;
  parts.forEach((s, j) => {
    starts[j] = p;
    ends[j] = p + s.length;
    p += s.length + 1;
  });
  const slots = new Int32Array(parts.length);
  o.ix.warm(buf, starts, ends, parts.length, slots);
  const want = parts.map((s) => (s.length > BYTES_HASH_MAX ? -1 : o.ix.find(s)));
  assert.deepEqual([...slots], want);
  assert.deepEqual(want.slice(0, 3), [o.ix.find('key:17'), o.ix.find('key:4999'), -1]);
  assert.ok(want[0] >= 0 && want[7] >= 0);
  assert.equal(o.ix.size, 5000);
  for (const k of keys) assert.equal(o.ix.keyAt(o.ix.find(k)), k);
});
