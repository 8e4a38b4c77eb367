/**
 * Checks the per-key cost model behind used_memory (src/keyspace/memory-size.ts)
 * against what V8 really allocates: fills a Database with each workload,
 * measures the heap growth after full collections, and prints it next to the
 * model's figure. Rerun it after changing a representation in src/keyspace
 * and adjust the constants until the ratios are near 1.
 *
 * Usage: npx tsc -p . && node --expose-gc dist/bench/memory-calibrate.js
 */
import { Database, type DbHost } from '../src/keyspace/database';
import { tableBytes } from '../src/keyspace/memory-size';
import { RHash } from '../src/keyspace/types/hash';
import { RList } from '../src/keyspace/types/list';
import { RSet } from '../src/keyspace/types/set';
import { RZSet } from '../src/keyspace/types/zset';

const gc = (globalThis as { gc?: () => void }).gc;
if (typeof gc !== 'function') {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(1);
}

/** A flat one-byte string, as the server gets them from a socket (concatenations would be ropes). */
const flat = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');

function heap(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  // external already includes arrayBuffers (typed arrays, Buffers)
  return m.heapUsed + m.external;
}

const host: DbHost = { now: () => Date.now(), expireMode: () => 2, onExpired: () => {} };
const keep: { db: Database | null } = { db: null };
const unlimited = { maxListpackEntries: 0, maxListpackValue: 0 };

function run(name: string, n: number, make: (db: Database, i: number) => void): void {
  const db = new Database(0, host);
  const h0 = heap();
  for (let i = 0; i < n; i++) make(db, i);
  for (const k of db.keyList()) db.remeasure(k);
  keep.db = db;
  const h1 = heap();
  keep.db = null;
  const model = db.memBytes + tableBytes(db);
  const real = h1 - h0;
  process.stdout.write(`${name.padEnd(34)} measured ${(real / n).toFixed(0).padStart(9)}  model ${(model / n).toFixed(0).padStart(9)}  ratio ${(model / real).toFixed(3)}\n`);
}

process.stdout.write('bytes per key\n');
for (const n of [10_000, 100_000, 1_000_000]) run(`string key:N value:N, ${n} keys`, n, (db, i) => db.set(flat('key:' + i), flat('value:' + i)));
run('string with a TTL', 200_000, (db, i) => {
  const k = flat('key:' + i);
  db.set(k, flat('value:' + i));
  db.setExpire(k, Date.now() + 1e9 + i);
});
run('string of 1000 bytes', 20_000, (db, i) => db.set(flat('key:' + i), flat('x'.repeat(992) + String(i).padStart(8, '0'))));
run('hash of 10 fields', 40_000, (db, i) => {
  const h = new RHash();
  for (let j = 0; j < 10; j++) h.set(flat('field:' + j), flat('value:' + i + ':' + j));
  db.set(flat('h:' + i), h);
});
run('list of 20 items', 40_000, (db, i) => {
  const l = new RList();
  for (let j = 0; j < 20; j++) l.pushBack(flat('item:' + i + ':' + j));
  db.set(flat('l:' + i), l);
});
run('zset of 10 members', 40_000, (db, i) => {
  const z = new RZSet();
  for (let j = 0; j < 10; j++) z.add(flat('m:' + i + ':' + j), j * 1.5);
  db.set(flat('z:' + i), z);
});
run('set of 10 integers', 40_000, (db, i) => {
  const s = new RSet();
  for (let j = 0; j < 10; j++) s.add(flat(String(i * 10 + j)));
  db.set(flat('s:' + i), s);
});
run('set of 10 strings', 40_000, (db, i) => {
  const s = new RSet();
  for (let j = 0; j < 10; j++) s.add(flat('m:' + (i * 10 + j)));
  db.set(flat('s:' + i), s);
});
run('set of 500 integers', 2_000, (db, i) => {
  const s = new RSet();
  for (let j = 0; j < 500; j++) s.add(flat(String(i * 1000 + j * 3)));
  db.set(flat('s:' + i), s);
});
run('hash of 100k fields (one key)', 1, (db) => {
  const h = new RHash();
  for (let j = 0; j < 100_000; j++) h.set(flat('field:' + j), flat('value:' + j), unlimited);
  db.set('h', h);
});
run('set of 100k members (one key)', 1, (db) => {
  const s = new RSet();
  for (let j = 0; j < 100_000; j++) s.add(flat('member:' + j));
  db.set('s', s);
});
run('zset of 100k members (one key)', 1, (db) => {
  const z = new RZSet();
  for (let j = 0; j < 100_000; j++) z.add(flat('member:' + j), j + 0.5, unlimited);
  db.set('z', z);
});
run('hash of 1M fields (one key)', 1, (db) => {
  const h = new RHash();
  for (let j = 0; j < 1_000_000; j++) h.set(flat('field:' + j), flat('value:' + j), unlimited);
  db.set('h', h);
});
run('set of 1M members (one key)', 1, (db) => {
  const s = new RSet();
  for (let j = 0; j < 1_000_000; j++) s.add(flat('member:' + j));
  db.set('s', s);
});
run('zset of 1M members, random scores (one key)', 1, (db) => {
  const z = new RZSet();
  for (let j = 0; j < 1_000_000; j++) z.add(flat('member:' + j), (j * 7919) % 1_000_003, unlimited);
  db.set('z', z);
});
run('list of 100k items (one key)', 1, (db) => {
  const l = new RList();
  for (let j = 0; j < 100_000; j++) l.pushBack(flat('item:' + j));
  db.set('l', l);
});
