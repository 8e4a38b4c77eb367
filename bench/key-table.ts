/**
 * Micro-benchmark: KeyTable (src/keyspace/key-table.ts, the keyspace's index
 * and columns) against a plain Map.
 *   node dist/bench/key-table.js [--keys 1000000] [--grow 3000000]
 * Reports ns/op for get (hit), get (miss) and set (overwrite) over 10-20 char
 * keys, and the max single-set latency while growing to --grow keys.
 */
import { KeyTable } from '../src/keyspace/key-table';

/** KeyTable behind the Map subset measured here. */
class TableMap {
  private readonly t = new KeyTable<string>();
  get size(): number {
    return this.t.size;
  }
  get(k: string): string | undefined {
    const s = this.t.find(k);
    return s < 0 ? undefined : this.t.valueAt(s);
  }
  set(k: string, v: string): this {
    const s = this.t.find(k);
    if (s >= 0) this.t.setValueAt(s, v);
    else this.t.insert(k, v, 0, 5);
    return this;
  }
}

interface MapLike {
  get(k: string): string | undefined;
  set(k: string, v: string): unknown;
  readonly size: number;
}

/** The value every key gets (one string: what is measured is the table, not the values). */
const VALUE = 'value';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const N = arg('keys', 1_000_000);
const GROW = arg('grow', 3_000_000);
const ROUNDS = arg('rounds', 3);

/** 10-20 char keys, fresh strings (as parsed off the wire). */
function makeKeys(n: number, prefix: string): string[] {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = (prefix + i.toString(36).padStart(6, '0') + ':' + (i % 997)).slice(0, 20);
  return out;
}

function shuffle<T>(a: T[]): T[] {
  let s = 12345;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function timeNs(n: number, f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / n;
}

function run(name: string, make: () => MapLike, keys: string[], probe: string[], miss: string[]): Record<string, number> {
  const m = make();
  const insNs = timeNs(keys.length, () => {
    for (let i = 0; i < keys.length; i++) m.set(keys[i], VALUE);
  });
  let sink = 0;
  const getNs = timeNs(probe.length, () => {
    for (let i = 0; i < probe.length; i++) sink += m.get(probe[i])!.length;
  });
  const missNs = timeNs(miss.length, () => {
    for (let i = 0; i < miss.length; i++) if (m.get(miss[i]) !== undefined) sink++;
  });
  const setNs = timeNs(probe.length, () => {
    for (let i = 0; i < probe.length; i++) m.set(probe[i], VALUE);
  });
  if (sink === -1) console.log(sink);
  return { insert: insNs, get: getNs, getMiss: missNs, set: setNs };
}

function grow(make: () => MapLike, n: number): { maxMs: number; over5: number; totalMs: number } {
  const m = make();
  let max = 0;
  let over5 = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const k = 'key:' + i;
    const t = performance.now();
    m.set(k, VALUE);
    const dt = performance.now() - t;
    if (dt > max) max = dt;
    if (dt > 5) over5++;
  }
  return { maxMs: max, over5, totalMs: performance.now() - t0 };
}

const keys = makeKeys(N, 'user:');
const probe = shuffle(keys.map((k) => k.split('').join(''))); // distinct string objects
const miss = makeKeys(N, 'nope:');
const impls: Array<[string, () => MapLike]> = [
  ['Map', () => new Map<string, string>()],
  ['KeyTable', () => new TableMap()],
];
const results: Record<string, Record<string, number[]>> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, make] of impls) {
    const res = run(name, make, keys, probe, miss);
    results[name] ??= {};
    for (const [k, v] of Object.entries(res)) (results[name][k] ??= []).push(v);
  }
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`${N} keys of ${keys[0].length}-${keys[N - 1].length} chars, median of ${ROUNDS} rounds, ns/op`);
for (const op of ['insert', 'get', 'getMiss', 'set']) {
  const a = median(results.Map[op]);
  const b = median(results.KeyTable[op]);
  console.log(`  ${op.padEnd(8)} Map ${a.toFixed(1).padStart(7)}  KeyTable ${b.toFixed(1).padStart(7)}  (${(((b - a) / a) * 100).toFixed(1)}%)`);
}
for (const [name, make] of impls) {
  const g = grow(make, GROW);
  console.log(
    `grow to ${GROW}: ${name.padEnd(8)} max single set ${g.maxMs.toFixed(2)} ms, sets > 5 ms: ${g.over5}, total ${g.totalMs.toFixed(0)} ms`,
  );
}
