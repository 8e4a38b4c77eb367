import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyTable, keyHash, shardOf, SHARDS } from '../../src/keyspace/key-table';
import { Database, type DbHost, EXPIRE_DELETE } from '../../src/keyspace/database';

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

function sorted<T>(it: Iterable<T>): T[] {
  return [...it].sort();
}

/** Chi-square of the shard counts of `keys` (expected ~SHARDS-1 for a uniform hash). */
function chiSquare(keys: string[]): number {
  const counts = new Array<number>(SHARDS).fill(0);
  for (const k of keys) counts[shardOf(k)]++;
  const exp = keys.length / SHARDS;
  let x2 = 0;
  for (const c of counts) x2 += ((c - exp) * (c - exp)) / exp;
  return x2;
}

test('keyHash: deterministic, 32-bit unsigned, long keys use both ends, the middle and the length', () => {
  assert.equal(keyHash('foo'), keyHash('foo'));
  assert.ok(keyHash('') >= 0 && keyHash('') < 2 ** 32);
  assert.notEqual(keyHash('ab'), keyHash('ba'));
  assert.notEqual(keyHash('abc'), keyHash('abd'));
  const a = 'x'.repeat(1000);
  const ends = new Set<number>();
  for (let i = 0; i < 2000; i++) ends.add(shardOf(i + 'y'.repeat(1000)));
  for (let i = 0; i < 2000; i++) ends.add(shardOf('y'.repeat(1000) + i));
  assert.ok(ends.size > SHARDS * 0.9, 'long keys varying at the ends spread: ' + ends.size);
  assert.notEqual(keyHash(a), keyHash('x'.repeat(101)));
  assert.notEqual(keyHash('a' + a), keyHash('b' + a));
  assert.notEqual(keyHash(a + 'a'), keyHash(a + 'b'));
});

test('keyHash spreads typical key shapes evenly over the shards', () => {
  const r = rng(7);
  const shapes: Record<string, string[]> = { seq: [], user: [], binary: [], long: [], short: [] };
  for (let i = 1; i <= 200_000; i++) shapes.seq.push('key:' + String(i).padStart(6, '0'));
  for (let i = 0; i < 200_000; i++) shapes.user.push(`user:{${i}}:profile`);
  for (let i = 0; i < 100_000; i++) {
    let s = '';
    const n = 4 + Math.floor(r() * 20);
    for (let j = 0; j < n; j++) s += String.fromCharCode(Math.floor(r() * 256));
    shapes.binary.push(s);
  }
  for (let i = 0; i < 100_000; i++) shapes.long.push('prefix:'.repeat(20) + i + ':' + 'suffix'.repeat(10));
  for (let i = 0; i < 100_000; i++) shapes.long.push('p'.repeat(300) + i);
  for (let i = 0; i < 100_000; i++) shapes.short.push(String(i));
  // dof = 1023: mean 1023, sd ~45; a poor hash is far off (thousands+)
  for (const [name, list] of Object.entries(shapes)) {
    const x2 = chiSquare([...new Set(list)]); // short random binary keys repeat
    assert.ok(x2 < 1300, `${name}: chi-square ${x2.toFixed(0)}`);
  }
});

/** A Map-like view of a KeyTable for the reference comparisons. */
function table(): { t: KeyTable<string>; get(k: string): number | undefined; set(k: string, v: number): void; del(k: string): boolean; keys(): string[] } {
  const t = new KeyTable<string>();
  return {
    t,
    get: (k) => {
      const s = t.find(k);
      return s < 0 ? undefined : Number(t.valueAt(s));
    },
    // every other value kept as a number (setIntAt), read back as its text
    set: (k, v) => {
      const s = t.find(k);
      if (s >= 0) {
        if (v % 2 === 0) t.setIntAt(s, v);
        else t.setValueAt(s, String(v));
      } else t.insert(k, String(v), 0, 5);
    },
    del: (k) => {
      const s = t.find(k);
      if (s < 0) return false;
      t.removeAt(s);
      return true;
    },
    keys: () => {
      const out: string[] = [];
      for (let s = 0; s < t.end; s++) {
        const k = t.keyAt(s);
        if (k !== null) out.push(k);
      }
      return out;
    },
  };
}

test('random ops agree with a reference Map (inserts, overwrites, deletes, shrinking, pins)', () => {
  const r = rng(1);
  const d = table();
  const ref = new Map<string, number>();
  for (let i = 0; i < 200_000; i++) {
    const k = 'k' + Math.floor(r() * 30_000);
    const op = r();
    if (op < 0.5) {
      d.set(k, i);
      ref.set(k, i);
    } else if (op < 0.8) {
      assert.equal(d.del(k), ref.delete(k));
    } else assert.equal(d.get(k), ref.get(k));
    if (i === 100_000) d.t.pin();
    if (i === 150_000) d.t.unpin();
    if (i % 20_000 === 0) {
      assert.equal(d.t.size, ref.size);
      for (const [rk, rv] of ref) assert.equal(d.get(rk), rv);
    }
  }
  // delete almost everything: tables shrink, pages go, lookups still right
  for (const k of [...ref.keys()].slice(10)) {
    assert.ok(d.del(k));
    ref.delete(k);
  }
  assert.deepEqual(sorted(d.keys()), sorted(ref.keys()));
  for (const [rk, rv] of ref) assert.equal(d.get(rk), rv);
  assert.equal(d.get('nope'), undefined);
});

test('columns move with their key when the last slot fills a hole', () => {
  const t = new KeyTable<string>();
  for (let i = 0; i < 100; i++) {
    const s = t.insert('k' + i, 'v' + i, 1000 + i, i);
    t.setExpireAt(s, i % 2 === 0 ? 5000 + i : -1);
    t.setFlags(s, i % 7);
    t.setMem(s, i === 99 ? 2 ** 33 : i * 10);
  }
  assert.equal(t.volatileSize, 50);
  t.removeAt(t.find('k3'));
  const s = t.find('k99');
  assert.equal(s, 3, 'the last key took the hole');
  assert.equal(t.valueAt(s), 'v99');
  assert.equal(t.lru(s), 1099);
  assert.equal(t.lfu(s), 99);
  assert.equal(t.flags(s), 99 % 7);
  assert.equal(t.mem(s), 2 ** 33, 'costs beyond 32 bits are kept');
  assert.equal(t.expireAt(s), -1);
  assert.equal(t.expireAt(t.find('k98')), 5098);
  t.setExpireAt(t.find('k98'), 0);
  assert.equal(t.expireAt(t.find('k98')), 0, 'an expire time of 0 ms is a time, not "none"');
  assert.equal(t.volatileSize, 50);
});

test('a slot\'s access time, LFU counter, flags and cost share one record: each set leaves the others as they were', () => {
  const rnd = rng(7);
  const t = new KeyTable<string>();
  type Ref = { lru: number; lfu: number; flags: number; mem: number; v: string };
  const ref = new Map<string, Ref>();
  const mems = [0, 1, 1000, 0xffffe, 0xfffff, 0x100000, 5_000_000, 2 ** 33];
  for (let i = 0; i < 200; i++) {
    const k = 'k' + i;
    const lru = Math.floor(rnd() * 2 ** 32);
    const lfu = Math.floor(rnd() * 256);
    t.insert(k, 'v', lru, lfu);
    ref.set(k, { lru, lfu, flags: 0, mem: 0, v: 'v' });
  }
  for (let step = 0; step < 20000; step++) {
    const k = 'k' + Math.floor(rnd() * 200);
    const r = ref.get(k);
    if (r === undefined) continue;
    const s = t.find(k);
    const op = Math.floor(rnd() * 6);
    if (op === 0) t.setLru(s, (r.lru = Math.floor(rnd() * 2 ** 32)));
    else if (op === 1) t.setLfu(s, (r.lfu = Math.floor(rnd() * 256)));
    else if (op === 2) t.setFlags(s, (r.flags = Math.floor(rnd() * 16)));
    else if (op === 3) t.setMem(s, (r.mem = mems[Math.floor(rnd() * mems.length)]));
    else if (op === 4) {
      // a new value resets the owner's flags only
      t.setValueAt(s, (r.v = 'v' + step));
      r.flags = 0;
    } else if (rnd() < 0.1) {
      // a delete moves the last slot (and its record, big cost included) into the hole
      t.removeAt(s);
      ref.delete(k);
    }
  }
  for (const [k, r] of ref) {
    const s = t.find(k);
    assert.deepEqual({ lru: t.lru(s), lfu: t.lfu(s), flags: t.flags(s), mem: t.mem(s), v: t.valueAt(s) }, r, k);
  }
});

test('a pinned table never moves a slot; unpinning refills the holes', () => {
  const t = new KeyTable<string>();
  for (let i = 0; i < 1000; i++) t.insert('k' + i, String(i), 0, 5);
  t.pin();
  const before = new Map<string, number>();
  for (let i = 0; i < 1000; i++) before.set('k' + i, t.find('k' + i));
  for (let i = 0; i < 1000; i += 3) t.removeAt(t.find('k' + i));
  for (let i = 0; i < 100; i++) assert.ok(t.insert('n' + i, String(i), 0, 5) >= 1000, 'new keys go past the end');
  for (let i = 1; i < 1000; i += 3) assert.equal(t.find('k' + i), before.get('k' + i));
  assert.equal(t.end, 1100);
  t.unpin();
  assert.equal(t.end, t.size, 'dense again');
  for (let s = 0; s < t.end; s++) assert.notEqual(t.keyAt(s), null);
  for (let i = 0; i < 1000; i++) assert.equal(t.find('k' + i) >= 0, i % 3 !== 0);
});

test('SCAN visits every key present for the whole scan, with deletions and additions between calls', () => {
  const host: DbHost = { now: () => 1000, expireMode: () => EXPIRE_DELETE, onExpired: () => {} };
  const r = rng(3);
  for (const pinAt of [-1, 5]) {
    const db = new Database(0, host);
    for (let i = 0; i < 20_000; i++) db.set('key:' + i, 'v');
    const initial = new Set(db.keyList());
    const deleted = new Set<string>();
    const seen = new Set<string>();
    let cursor = 0;
    let calls = 0;
    do {
      cursor = db.scan(cursor, 100, (k) => seen.add(k));
      if (++calls === pinAt) db.table.pin();
      if (calls === pinAt + 50) db.table.unpin();
      for (let j = 0; j < 30; j++) {
        const k = 'key:' + Math.floor(r() * 20_000);
        if (db.delete(k)) deleted.add(k);
      }
      for (let j = 0; j < 10; j++) db.set('new:' + calls + ':' + j, 'v');
      assert.ok(calls < 10_000);
    } while (cursor !== 0);
    for (const k of initial) if (!deleted.has(k)) assert.ok(seen.has(k), 'missed ' + k);
  }
});

test('Database active expire cycle walks the slots round robin', () => {
  let now = 1000;
  const expired: string[] = [];
  const host: DbHost = {
    now: () => now,
    expireMode: () => EXPIRE_DELETE,
    onExpired: (_db, key) => expired.push(key),
  };
  const db = new Database(0, host);
  for (let i = 0; i < 1000; i++) {
    db.set('k' + i, 'v');
    if (i % 2 === 0) db.setExpire('k' + i, 2000 + i);
  }
  assert.equal(db.expiresSize, 500);
  now = 10_000; // all TTLs are past
  let rounds = 0;
  while (db.expiresSize > 0 && rounds++ < 1000) db.activeExpireStep(20);
  assert.equal(db.expiresSize, 0);
  assert.equal(expired.length, 500);
  assert.equal(db.size, 500);
  for (let i = 1; i < 1000; i += 2) assert.ok(db.peek('k' + i));
  db.flush();
  assert.equal(db.size, 0);
  assert.equal(db.expiresSize, 0);
  const other = new Database(1, host);
  other.set('a', '1');
  db.swapWith(other);
  assert.equal(db.get('a'), '1');
  assert.equal(other.size, 0);
});

test('growing past 2^20 keys keeps every index shard small (no long single rehash)', () => {
  const t = new KeyTable<string>();
  const N = (1 << 20) + (1 << 18);
  for (let i = 0; i < N; i++) t.insert('key:' + i, String(i), 0, 5);
  assert.equal(t.size, N);
  assert.ok(t.largestShard() < (4 * N) / SHARDS, `largest shard ${t.largestShard()}`);
  for (let i = 0; i < N; i += 997) assert.equal(t.valueAt(t.find('key:' + i)), String(i));
});
