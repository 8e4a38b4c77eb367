/**
 * What a key costs in tredis's own heap, in bytes: the figure used_memory,
 * maxmemory eviction and MEMORY USAGE are built on.
 *
 * V8 only tells how big the heap is after a garbage collection, so the
 * dataset is costed per key (and per database for its dicts) instead, from the shapes the keyspace really
 * allocates (Node 20, x64, no pointer compression). The constants were
 * measured with `node --expose-gc dist/bench/memory-calibrate.js`, which
 * prints measured and estimated bytes side by side; rerun it and update the
 * constants whenever a representation in src/keyspace changes.
 *
 * Small aggregates are costed exactly; big ones (more than EXACT_LIMIT
 * elements) from a sample of their elements (random ones; evenly spaced for lists), kept per value and refreshed
 * when the element count drifts or after enough writes, so that re-costing a
 * key after each write stays O(1) in the common case.
 */
import { pairLength } from './string-index';
import type { RStream } from './types/stream';
import type { DbValue, Database } from './database';
import type { RList } from './types/list';
import type { RHash } from './types/hash';
import type { RSet } from './types/set';
import type { RZSet } from './types/zset';

/** A one-byte V8 string of n chars: 16-byte header, data, 8-byte aligned; the empty and one-char strings are shared. */
export function stringBytes(n: number): number {
  return n <= 1 ? 0 : (16 + n + 7) & ~7;
}

/**
 * Per key, outside its strings and value: nothing. The key table's columns
 * (value and key pointers, access time, LFU counter, flags, cost, expire time)
 * and its index are costed per database (tableBytes).
 */
export const KEY_OVERHEAD = 0;

/** A database's key table: its index and columns, per key in use (KeyTable.usedBytes). */
export function tableBytes(db: Database): number {
  return db.table.usedBytes();
}
/** Beyond this many elements an aggregate is costed from a sample. */
export const EXACT_LIMIT = 16;
/** Elements sampled in a big aggregate. */
const SAMPLE = 32;

interface SampleMemo {
  /** element count when sampled */
  n: number;
  /** average bytes of an element's strings */
  avg: number;
  /** re-costings since */
  uses: number;
}
const memo = new WeakMap<object, SampleMemo>();

/**
 * Average string bytes per element of a big aggregate, from a sample (memoized per value: refreshed when the
 * element count drifts by 1/8 or after `refreshAfter` re-costings, by default 1024).
 */
function sampledAverage(v: object, n: number, sample: (limit: number) => [number, number], samples: number, refreshAfter = 1024): number {
  if (samples !== SAMPLE) {
    const [total, seen] = sample(samples);
    return seen === 0 ? 0 : total / seen;
  }
  const m = memo.get(v);
  if (m !== undefined && m.uses < refreshAfter && Math.abs(n - m.n) * 8 <= m.n) {
    m.uses++;
    return m.avg;
  }
  const [total, seen] = sample(SAMPLE);
  const avg = seen === 0 ? 0 : total / seen;
  memo.set(v, { n, avg, uses: 0 });
  return avg;
}

/** String bytes of up to `limit` elements of an iterable: [bytes, elements seen]. */
function iterSample<T>(it: Iterable<T>, limit: number, bytes: (x: T) => number): [number, number] {
  let total = 0;
  let seen = 0;
  for (const x of it) {
    if (seen >= limit) break;
    total += bytes(x);
    seen++;
  }
  return [total, seen];
}

/**
 * A list: the RList object (3 fields: 48 bytes) and its quicklist (RList.heapBytes: the
 * listpack strings, and for a list of several nodes the node array, the
 * compressed nodes and the mutable end nodes with their element strings).
 * Exact up to EXACT_LIMIT nodes; beyond, the per-element figure is memoized
 * (refreshed when the length drifts by 1/8 or after max(1024, 16 x nodes) re-costings).
 */
function listBytes(l: RList, samples: number): number {
  if (l.nodeCount() <= EXACT_LIMIT) return 48 + l.heapBytes(stringBytes);
  // many nodes: the exact figure is O(nodes); memoized per element like the sampled aggregates, and refreshed after
  // 16 re-costings a node at the least (a walk of the nodes every 1024 writes cost a pushed element ~30-100 ns)
  const n = l.length;
  const nodes = l.nodeCount();
  return 48 + Math.round(n * sampledAverage(l, n, () => [l.heapBytes(stringBytes), n], samples, Math.max(1024, nodes * 16)));
}

/**
 * A compact (listpack/intset) aggregate: its wrapper object (one field) and
 * the one-byte string holding the listpack bytes.
 */
export const COMPACT_OVERHEAD = 32;

function hashBytes(h: RHash, samples: number): number {
  const lp = h.listpack();
  if (lp !== null) return COMPACT_OVERHEAD + stringBytes(lp.length);
  const n = h.size;
  let exact = 0;
  // a hashtable holds each field and its value as one string (pairOf)
  if (n <= EXACT_LIMIT || samples >= n) h.forEach((f, v) => (exact += stringBytes(pairLength(f.length, v.length))));
  const strings =
    n <= EXACT_LIMIT || samples >= n
      ? exact
      : n *
        sampledAverage(
          h,
          n,
          (limit) => {
            // random fields (with repetition: O(limit)); the first ones would be the oldest, often shorter, names
            const fv = h.randomFields(-limit, true);
            let total = 0;
            for (let i = 0; i + 1 < fv.length; i += 2) total += stringBytes(pairLength(fv[i].length, fv[i + 1].length));
            return [total, limit];
          },
          samples,
        );
  return 32 + h.tableBytes() + strings;
}

/**
 * A set. Intset: the RSet object (one field: 32 bytes) and its intset string.
 * Hashtable: that object, its StringIndex as allocated (RSet.tableBytes) and
 * the members' strings.
 */
function setBytes(s: RSet, samples: number): number {
  const bytes = s.intsetBytes();
  if (bytes !== null) return 32 + stringBytes(bytes.length);
  const n = s.size;
  const per = (m: string) => stringBytes(m.length);
  const strings = n <= EXACT_LIMIT || samples >= n ? iterSample(s, n, per)[0] : n * sampledAverage(s, n, (limit) => iterSample(s.randomMembers(-limit), limit, per), samples);
  return 32 + s.tableBytes() + strings;
}

function zsetBytes(z: RZSet, samples: number): number {
  const lp = z.listpack();
  if (lp !== null) return COMPACT_OVERHEAD + stringBytes(lp.length);
  const n = z.size;
  const per = (e: { member: string }) => stringBytes(e.member.length);
  const strings = n <= EXACT_LIMIT || samples >= n ? iterSample(z, n, per)[0] : n * sampledAverage(z, n, (limit) => iterSample(z.randomMembers(-limit), limit, per), samples);
  // member index, score column, order chunks as allocated (RZSet.tableBytes)
  return 32 + z.tableBytes() + strings;
}

/**
 * Bytes of a value. `samples` as MEMORY USAGE's SAMPLES (0 = every element);
 * the default is what used_memory uses.
 */
export function valueBytes(v: DbValue | number, samples = SAMPLE): number {
  if (typeof v === 'string') return stringBytes(v.length);
  // an integer kept as a number (KeyTable.setIntAt): its pointer is all it costs, as Redis's int encoding
  if (typeof v === 'number') return 0;
  const all = samples <= 0 ? Number.MAX_SAFE_INTEGER : samples;
  switch (v.type) {
    case 'string':
      // an RBigString: its buffer (with the room it keeps to grow) and the wrapper
      return v.buf.length + 64;
    case 'list':
      return listBytes(v, all);
    case 'hash':
      return hashBytes(v, all);
    case 'set':
      return setBytes(v, all);
    case 'zset':
      return zsetBytes(v, all);
    case 'stream':
      return streamBytes(v, all);
  }
}

/**
 * A stream: its nodes' listpack bytes (sampled: an XADD re-costs the key, and
 * a long stream has thousands of nodes), the node objects, and the consumer
 * groups with their pending entries.
 */
function streamBytes(v: RStream, samples: number): number {
  const nodes = v.nodes;
  const n = nodes.length;
  let lp = 0;
  if (n > 0 && n <= samples) for (let i = 0; i < n; i++) lp += nodes[i].lpBytes();
  else if (n > 0) {
    // the last node exactly, the others sampled; used_memory's estimate of them is reused until the node count changes
    if (samples !== SAMPLE || v.memoNodes !== n) {
      const m = n - 1;
      const k = Math.min(m, samples);
      let sum = 0;
      for (let i = 0; i < k; i++) sum += nodes[Math.floor((i * m) / k)].lpBytes();
      const est = (sum / k) * m;
      if (samples !== SAMPLE) return streamTotal(v, n, est + nodes[m].lpBytes());
      v.memoNodes = n;
      v.memoLp = est;
    }
    lp = v.memoLp + nodes[n - 1].lpBytes();
  }
  return streamTotal(v, n, lp);
}

/** streamBytes from the nodes' listpack bytes: node objects and consumer groups added. */
function streamTotal(v: RStream, n: number, lp: number): number {
  let groups = 0;
  if (v.cgroups !== null) {
    for (const cg of v.cgroups.values()) {
      groups += 200 + cg.pel.size * 120;
      for (const c of cg.consumers.values()) groups += 120 + c.name.length + c.pel.size * 16;
    }
  }
  return 200 + n * 96 + Math.round(lp) + groups;
}

/** Bytes of a key's name and value (what the key table's mem column holds). */
export function keyBytes(key: string, value: DbValue | number, samples = SAMPLE): number {
  return stringBytes(key.length) + valueBytes(value, samples);
}
