/**
 * The Redis list value, as Redis 7.0's quicklist: a sequence of nodes, each a
 * listpack (one latin1 string holding exactly Redis's listpack bytes, see
 * src/keyspace/listpack.ts) bounded by list-max-listpack-size (negative: 4 to
 * 64 KB of listpack, positive: entries; quicklist's _quicklistNodeAllowInsert
 * rule), inner nodes LZF-compressed per list-compress-depth. OBJECT ENCODING
 * is "quicklist" always (Redis 7.0). RDB/DUMP write the nodes as they are.
 *
 * A list of one node keeps that node's string in its own field (no node
 * array): a small list costs a 48-byte object plus its listpack. The nodes at
 * the two ends of a list past MUTABLE_MIN bytes are held "mutable" (an array
 * of their elements plus the listpack size they would have) so that pushes
 * and pops there are O(1) instead of rebuilding a string of up to 8 KB each
 * time; such a node is sealed back into a listpack string when it stops being
 * an end node (docs/internals.md says why).
 */
import {
  LP_EMPTY,
  lpDeleteAt,
  lpEntrySize,
  lpEq,
  lpFirst,
  lpFromElements,
  lpGet,
  lpInsertAt,
  lpLast,
  lpNext,
  lpPrev,
  lpReplaceAt,
  lpSeek,
  lpSplice,
  lpStringToInt,
} from '../listpack';
import { CNode, MNode, MUTABLE_MIN, QNode, QuicklistNodeBytes, compress, decompress, lpCount, mutable, nodeCount, nodeItems, nodeLp, one, owned, packOpt, quicklistAllowInsert, room } from './quicklist-node';
export { CNode, MUTABLE_MIN, quicklistAllowInsert, type QuicklistNodeBytes } from './quicklist-node';

/** Which side of the pivot LINSERT puts the new element. */
export type InsertWhere = 'before' | 'after';

/** list-max-listpack-size (fill) and list-compress-depth, fixed when a list is created (as quicklistSetOptions). */
export interface ListLimits {
  readonly fill: number;
  readonly compressDepth: number;
}

/** Redis 7.0's defaults: 8 KB nodes, no compression. */
export const DEFAULT_LIST_LIMITS: ListLimits = { fill: -2, compressDepth: 0 };

/**
 * Normalises Redis LRANGE/LTRIM-style inclusive indexes against `len`.
 * Returns [start, stop] (0 <= start <= stop < len) or null for an empty range.
 */
export function normalizeRange(start: number, stop: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (stop < 0) stop = len + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return null;
  if (stop >= len) stop = len - 1;
  return [start, stop];
}

/** A Redis list (LPUSH/RPUSH/LPOP/RPOP/LINDEX/LSET/LINSERT/LREM/LTRIM/LPOS/LRANGE). */
export class RList implements Iterable<string> {
  /** Redis type name, as TYPE reports it (on the prototype: no per-value cost). */
  declare readonly type: 'list';
  /** the one node's listpack, or the nodes head to tail */
  private q: string | QNode[] = LP_EMPTY;
  private len = 0;
  /** fill and compress depth (packOpt) */
  private readonly opt: number;

  constructor(items?: Iterable<string>, limits: ListLimits = DEFAULT_LIST_LIMITS) {
    this.opt = packOpt(limits);
    if (items !== undefined) for (const v of items) this.pushBack(v);
  }

  /**
   * A list over listpack nodes already validated (an RDB/RESTORE load): the
   * nodes are kept as they are (empty ones dropped, as Redis's loader does),
   * inner ones compressed per the limits' depth.
   */
  static fromNodes(nodes: readonly QuicklistNodeBytes[], limits: ListLimits = DEFAULT_LIST_LIMITS): RList {
    const l = new RList(undefined, limits);
    const q: QNode[] = [];
    let len = 0;
    for (const x of nodes) {
      const n = nodeCount(x);
      if (n === 0) continue;
      len += n;
      q.push(x);
    }
    l.len = len;
    l.q = q.length === 0 ? LP_EMPTY : q;
    l.settle(true);
    return l;
  }

  /** Number of elements (LLEN). */
  get length(): number {
    return this.len;
  }

  private fill(): number {
    return Math.floor(this.opt / 65536) - 5;
  }

  private depth(): number {
    return this.opt % 65536;
  }

  /** OBJECT ENCODING: Redis 7.0 reports "quicklist" for every list. */
  encoding(_listMaxListpackSize?: number): 'listpack' | 'quicklist' {
    return 'quicklist';
  }

  /** The limits the list was created with. */
  limits(): ListLimits {
    return { fill: this.fill(), compressDepth: this.depth() };
  }

  /** Number of quicklist nodes (DEBUG OBJECT's ql_nodes). */
  nodeCount(): number {
    return typeof this.q === 'string' ? (this.len === 0 ? 0 : 1) : this.q.length;
  }

  /** Compressed nodes (DEBUG OBJECT's ql_compressed is whether compression is on). */
  compressedNodes(): number {
    if (typeof this.q === 'string') return 0;
    let n = 0;
    for (const x of this.q) if (x instanceof CNode) n++;
    return n;
  }

  /**
   * The nodes as RDB_TYPE_LIST_QUICKLIST_2 writes them (rdbSaveObject writes
   * each node as it is: listpack bytes, or its LZF blob when compressed).
   * Immutable: mutable end nodes are given as fresh listpack strings.
   */
  rdbNodes(): QuicklistNodeBytes[] {
    const q = this.q;
    if (typeof q === 'string') return this.len === 0 ? [] : [q];
    return q.map((x) => (x instanceof MNode ? lpFromElements(x.flat()) : x));
  }

  /** Bytes of the representation beyond the object: node strings, node array, mutable nodes (memory-size.ts); O(nodes). */
  heapBytes(str: (n: number) => number): number {
    const q = this.q;
    if (typeof q === 'string') return str(q.length);
    let b = 32 + 16 + 8 * q.length;
    for (const x of q) {
      if (typeof x === 'string') b += str(x.length);
      else if (x instanceof CNode) b += 48 + str(x.lzf.length);
      else {
        // the node, its array, and its element strings estimated from the listpack size they make
        // (a string: 16-byte header + its bytes rounded to 8; an entry: its bytes + 2..3 bytes)
        b += 48 + 32 + 16 + 8 * x.items.length + x.bytes + 20 * x.n;
      }
    }
    return b;
  }

  /** A copy keeping the node layout (COPY, snapshots): node strings are immutable and shared. */
  clone(): RList {
    const l = new RList(undefined, this.limits());
    const q = this.q;
    l.len = this.len;
    l.q = typeof q === 'string' ? q : q.map((x) => (x instanceof MNode ? new MNode(x.flat().slice(), x.bytes) : x));
    return l;
  }

  // ------------------------------------------------------------ node plumbing

  /** The nodes as an array (a one-node list gets one). */
  private nodes(): QNode[] {
    const q = this.q;
    if (typeof q !== 'string') return q;
    const arr: QNode[] = this.len === 0 ? [] : [q];
    this.q = arr;
    return arr;
  }

  /**
   * After a change: drops empty nodes, seals mutable nodes that are no longer
   * at an end, keeps the compression depth (every node when `full`, else only
   * around the compression boundaries), and goes back to the one-string form
   * when one small node is left.
   */
  private settle(full: boolean): void {
    const q = this.q;
    if (typeof q === 'string') return;
    let n = q.length;
    if (full) {
      let w = 0;
      for (let r = 0; r < n; r++) if (nodeCount(q[r]) > 0) q[w++] = q[r];
      q.length = w;
      n = w;
      for (let i = 1; i < n - 1; i++) {
        const x = q[i];
        if (x instanceof MNode) q[i] = lpFromElements(x.flat());
      }
    }
    if (n === 0) {
      this.q = LP_EMPTY;
      return;
    }
    if (n === 1) {
      const x = q[0];
      if (typeof x === 'string') this.q = x;
      else if (x instanceof MNode && x.bytes < MUTABLE_MIN) this.q = lpFromElements(x.flat());
      else if (x instanceof CNode) this.q = decompress(x);
      return;
    }
    const d = this.depth();
    if (d === 0) return;
    if (full) {
      for (let i = 0; i < n; i++) this.compressAt(q, i, d);
    } else {
      this.compressAt(q, d - 1, d);
      this.compressAt(q, d, d);
      this.compressAt(q, n - 1 - d, d);
      this.compressAt(q, n - d, d);
    }
  }

  /** Node i compressed when it is more than `d` nodes from both ends, plain otherwise. */
  private compressAt(q: QNode[], i: number, d: number): void {
    const n = q.length;
    if (i < 0 || i >= n) return;
    const x = q[i];
    if (i >= d && i < n - d) {
      if (x instanceof CNode) return;
      q[i] = compress(x instanceof MNode ? lpFromElements(x.flat()) : x);
    } else if (x instanceof CNode) {
      q[i] = decompress(x);
    }
  }

  /** Seals the mutable node at i when it is no longer an end node. */
  private sealInner(q: QNode[], i: number): void {
    if (i <= 0 || i >= q.length - 1) return;
    const x = q[i];
    if (x instanceof MNode) q[i] = lpFromElements(x.flat());
  }

  // ------------------------------------------------------------ pushes and pops

  /**
   * LPUSH/RPUSH of argv[from..]: into an empty list whose elements all fit
   * its first node (as pushing them one by one would decide), the node's
   * listpack is built once instead of once per element.
   */
  pushAll(argv: readonly string[], from: number, front: boolean): void {
    if (this.len === 0 && typeof this.q === 'string') {
      const fill = this.fill();
      let bytes = 7;
      let k = from;
      for (; k < argv.length; k++) {
        const v = argv[k];
        if (k > from && !quicklistAllowInsert(bytes, k - from, fill, v.length)) break;
        bytes += lpEntrySize(v);
      }
      if (k === argv.length && bytes < MUTABLE_MIN) {
        const items = argv.slice(from);
        if (front) items.reverse();
        this.q = lpFromElements(items);
        this.len = items.length;
        return;
      }
    }
    if (front) for (let i = from; i < argv.length; i++) this.pushFront(argv[i]);
    else for (let i = from; i < argv.length; i++) this.pushBack(argv[i]);
  }

  /** Appends at the tail (RPUSH). */
  pushBack(v: string): void {
    this.push(v, false);
  }

  /** Prepends at the head (LPUSH). */
  pushFront(v: string): void {
    this.push(v, true);
  }

  private push(v: string, front: boolean): void {
    const fill = this.fill();
    const q = this.q;
    this.len++;
    if (typeof q === 'string') {
      const n = this.len - 1;
      one[0] = v;
      if (n === 0) {
        this.q = lpFromElements(one);
        return;
      }
      if (quicklistAllowInsert(q.length, n, fill, v.length)) {
        if (q.length < MUTABLE_MIN) {
          this.q = lpSplice(q, front ? 6 : q.length - 1, 0, one);
          return;
        }
        const m = mutable(q);
        this.q = [m];
        this.pushInto(m, v, front);
        return;
      }
      const fresh = lpFromElements(one);
      this.q = front ? [fresh, q] : [q, fresh];
      return;
    }
    const end = front ? 0 : q.length - 1;
    let x = q[end];
    if (x instanceof CNode) x = q[end] = decompress(x);
    if (quicklistAllowInsert(x instanceof MNode ? x.bytes : x.length, nodeCount(x), fill, v.length)) {
      if (typeof x === 'string') {
        if (x.length < MUTABLE_MIN) {
          one[0] = v;
          q[end] = lpSplice(x, front ? 6 : x.length - 1, 0, one);
          return;
        }
        x = q[end] = mutable(x);
      }
      this.pushInto(x, v, front);
      return;
    }
    // a new end node; the old one stops being an end (unless it is the other end too)
    const m = new MNode([v], 7 + lpEntrySize(v));
    if (front) {
      q.unshift(m);
      this.sealInner(q, 1);
    } else {
      q.push(m);
      this.sealInner(q, q.length - 2);
    }
    if (this.depth() > 0) this.settle(false);
  }

  private pushInto(m: MNode, v: string, front: boolean): void {
    if (front) m.unshift(v);
    else m.items.push(v);
    m.bytes += lpEntrySize(v);
  }

  /** Removes and returns the head element (LPOP), undefined when empty. */
  popFront(): string | undefined {
    return this.pop(true);
  }

  /** Removes and returns the tail element (RPOP), undefined when empty. */
  popBack(): string | undefined {
    return this.pop(false);
  }

  private pop(front: boolean): string | undefined {
    if (this.len === 0) return undefined;
    this.len--;
    let q = this.q;
    if (typeof q === 'string' && q.length >= MUTABLE_MIN) q = this.q = [mutable(q)];
    if (typeof q === 'string') {
      const p = front ? lpFirst(q) : lpLast(q);
      const v = owned(q, p);
      this.q = this.len === 0 ? LP_EMPTY : lpDeleteAt(q, p, 1);
      return v;
    }
    const end = front ? 0 : q.length - 1;
    let x = q[end];
    if (x instanceof CNode) x = decompress(x);
    let v: string;
    if (typeof x === 'string') {
      if (x.length >= MUTABLE_MIN) {
        x = q[end] = mutable(x);
      } else {
        const p = front ? lpFirst(x) : lpLast(x);
        v = owned(x, p);
        q[end] = lpDeleteAt(x, p, 1);
        if (lpCount(q[end] as string) === 0) this.dropEnd(q, front);
        return v;
      }
    }
    const m = x as MNode;
    v = front ? m.shift() : m.pop();
    m.bytes -= lpEntrySize(v);
    if (m.n === 0) this.dropEnd(q, front);
    return v;
  }

  /** Removes the (empty) end node. */
  private dropEnd(q: QNode[], front: boolean): void {
    if (front) q.shift();
    else q.pop();
    if (q.length <= 1 || this.depth() > 0) this.settle(false);
  }

  // ------------------------------------------------------------ positions

  /** The node holding index i (0 <= i < len) and i's offset in it: [node index, offset]. */
  private locate(q: QNode[], i: number): [number, number] {
    if (i < this.len >>> 1) {
      for (let k = 0; k < q.length; k++) {
        const c = nodeCount(q[k]);
        if (i < c) return [k, i];
        i -= c;
      }
    } else {
      let rest = this.len - 1 - i;
      for (let k = q.length - 1; k >= 0; k--) {
        const c = nodeCount(q[k]);
        if (rest < c) return [k, c - 1 - rest];
        rest -= c;
      }
    }
    throw new Error('list index out of its nodes');
  }

  /** The element at `i` (negative counts from the tail, -1 = last), LINDEX. */
  index(i: number): string | undefined {
    if (i < 0) i += this.len;
    if (i < 0 || i >= this.len) return undefined;
    const q = this.q;
    if (typeof q === 'string') return lpGet(q, lpSeek(q, i));
    const [k, o] = this.locate(q, i);
    const x = q[k];
    if (x instanceof MNode) return x.at(o);
    const lp = nodeLp(x);
    return lpGet(lp, lpSeek(lp, o));
  }

  /** LSET: replaces the element at `i`; false when out of range ("ERR index out of range"). */
  set(i: number, v: string): boolean {
    if (i < 0) i += this.len;
    if (i < 0 || i >= this.len) return false;
    const q = this.q;
    if (typeof q === 'string') {
      this.q = lpReplaceAt(q, lpSeek(q, i), v);
      return true;
    }
    const [k, o] = this.locate(q, i);
    const x = q[k];
    if (x instanceof MNode) {
      x.bytes += lpEntrySize(v) - lpEntrySize(x.at(o));
      x.put(o, v);
      return true;
    }
    const lp = nodeLp(x);
    const nlp = lpReplaceAt(lp, lpSeek(lp, o), v);
    q[k] = x instanceof CNode ? compress(nlp) : nlp;
    return true;
  }

  /** Calls fn for `n` elements from index `from` (0 <= from, from + n <= length), head to tail. */
  forRange(from: number, n: number, fn: (v: string) => void): void {
    if (n <= 0) return;
    const q = this.q;
    const walk = (lp: string, o: number): void => {
      for (let p = lpSeek(lp, o); p >= 0 && n > 0; p = lpNext(lp, p), n--) fn(lpGet(lp, p));
    };
    if (typeof q === 'string') return walk(q, from);
    let [k, o] = this.locate(q, from);
    for (; k < q.length && n > 0; k++, o = 0) {
      const x = q[k];
      if (x instanceof MNode) {
        const c = x.n;
        for (let j = o; j < c && n > 0; j++, n--) fn(x.at(j));
      } else walk(nodeLp(x), o);
    }
  }

  /** LRANGE key start stop: inclusive range with Redis's index normalisation. */
  range(start: number, stop: number): string[] {
    const r = normalizeRange(start, stop, this.len);
    if (r === null) return [];
    const out: string[] = [];
    this.forRange(r[0], r[1] - r[0] + 1, (v) => out.push(v));
    return out;
  }

  /**
   * Walks elements with their indexes, from the head or from the tail, until
   * fn returns false.
   */
  private walk(fromHead: boolean, fn: (v: string, idx: number) => boolean): void {
    const q = this.q;
    const nodes = typeof q === 'string' ? (this.len === 0 ? [] : [q]) : q;
    if (fromHead) {
      let idx = 0;
      for (const x of nodes) {
        if (x instanceof MNode) {
          for (let j = 0, c = x.n; j < c; j++) if (!fn(x.at(j), idx++)) return;
        } else {
          const lp = nodeLp(x);
          for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p)) if (!fn(lpGet(lp, p), idx++)) return;
        }
      }
    } else {
      let idx = this.len - 1;
      for (let k = nodes.length - 1; k >= 0; k--) {
        const x = nodes[k];
        if (x instanceof MNode) {
          for (let j = x.n - 1; j >= 0; j--) if (!fn(x.at(j), idx--)) return;
        } else {
          const lp = nodeLp(x);
          for (let p = lpLast(lp); p >= 0; p = lpPrev(lp, p)) if (!fn(lpGet(lp, p), idx--)) return;
        }
      }
    }
  }

  /**
   * LINSERT key BEFORE|AFTER pivot element: inserts next to the first element
   * equal to `pivot` (from the head). Returns the new length, or -1 when the
   * pivot is not found.
   */
  insert(pivot: string, where: InsertWhere, v: string): number {
    let at = -1;
    this.walk(true, (e, idx) => {
      if (e !== pivot) return true;
      at = idx;
      return false;
    });
    if (at < 0) return -1;
    this.insertAt(where === 'before' ? at : at + 1, v);
    return this.len;
  }

  /**
   * Inserts `v` so that it ends up at logical index `p` (0 <= p <= length):
   * into the node there when it has room, else into a neighbour with room at
   * a node edge, else the node is split (as _quicklistInsert).
   */
  insertAt(p: number, v: string): void {
    if (p <= 0) return this.pushFront(v);
    if (p >= this.len) return this.pushBack(v);
    const fill = this.fill();
    const q = this.nodes();
    const [k, o] = this.locate(q, p);
    const x = q[k];
    this.len++;
    const sz = x instanceof MNode ? x.bytes : x instanceof CNode ? x.sz : x.length;
    if (quicklistAllowInsert(sz, nodeCount(x), fill, v.length)) {
      if (x instanceof MNode) {
        x.flat().splice(o, 0, v);
        x.bytes += lpEntrySize(v);
      } else {
        const lp = nodeLp(x);
        one[0] = v;
        const nlp = lpInsertAt(lp, lpSeek(lp, o), one);
        q[k] = x instanceof CNode ? compress(nlp) : nlp;
      }
    } else if (o === 0 && k > 0 && this.roomAtEdge(q[k - 1], fill, v)) {
      // at the head of a full node: the tail of the previous one
      const prev = q[k - 1];
      const lp = nodeLp(prev);
      one[0] = v;
      q[k - 1] = lpInsertAt(lp, lp.length - 1, one);
    } else {
      // split the full node at o: [..o) + v, [o..)
      const items = nodeItems(x);
      const left = items.slice(0, o);
      const right = items.slice(o);
      left.push(v);
      const parts: QNode[] = [];
      for (const part of [left, right]) if (part.length) parts.push(...splitIntoNodes(part, fill));
      q.splice(k, 1, ...parts);
    }
    this.settle(true);
  }

  private roomAtEdge(x: QNode, fill: number, v: string): boolean {
    const sz = x instanceof MNode ? x.bytes : x instanceof CNode ? x.sz : x.length;
    return !(x instanceof MNode) && quicklistAllowInsert(sz, nodeCount(x), fill, v.length);
  }

  /**
   * LREM key count element: count > 0 removes the first `count` matches from
   * the head, count < 0 the first |count| from the tail, 0 removes all.
   * Returns the number removed.
   */
  remove(count: number, value: string): number {
    const q = this.nodes();
    const fromHead = count >= 0;
    let left = count === 0 ? Infinity : Math.abs(count);
    let removed = 0;
    const sInt = value.length <= 20 ? lpStringToInt(value) : null;
    for (let step = 0; step < q.length && left > 0; step++) {
      const k = fromHead ? step : q.length - 1 - step;
      const x = q[k];
      if (x instanceof MNode) {
        const it = x.flat();
        for (let j0 = 0; j0 < it.length && left > 0; j0++) {
          const j = fromHead ? j0 : it.length - 1 - j0;
          if (it[j] !== value) continue;
          it.splice(j, 1);
          x.bytes -= lpEntrySize(value);
          removed++;
          left--;
          j0--;
        }
        continue;
      }
      let lp = nodeLp(x);
      let changed = false;
      if (fromHead) {
        for (let p = lpFirst(lp); p >= 0 && left > 0; ) {
          if (lpEq(lp, p, value, sInt)) {
            lp = lpDeleteAt(lp, p, 1);
            changed = true;
            removed++;
            left--;
            if (p >= lp.length - 1) break;
          } else p = lpNext(lp, p);
        }
      } else {
        for (let p = lpLast(lp); p >= 0 && left > 0; ) {
          const prev = lpPrev(lp, p);
          if (lpEq(lp, p, value, sInt)) {
            lp = lpDeleteAt(lp, p, 1);
            changed = true;
            removed++;
            left--;
          }
          p = prev;
        }
      }
      if (changed) q[k] = x instanceof CNode ? compress(lp) : lp;
    }
    this.len -= removed;
    if (removed > 0) this.settle(true);
    else this.settle(false);
    return removed;
  }

  /** Deletes `n` elements from index `from` (in range). */
  private deleteRange(from: number, n: number): void {
    if (n <= 0) return;
    const q = this.nodes();
    let [k, o] = this.locate(q, from);
    this.len -= n;
    while (n > 0 && k < q.length) {
      const x = q[k];
      const c = nodeCount(x);
      const take = Math.min(n, c - o);
      if (o === 0 && take === c) {
        q[k] = LP_EMPTY;
      } else if (x instanceof MNode) {
        const gone = x.flat().splice(o, take);
        for (const g of gone) x.bytes -= lpEntrySize(g);
      } else {
        const lp = nodeLp(x);
        const nlp = lpDeleteAt(lp, lpSeek(lp, o), take);
        q[k] = x instanceof CNode ? compress(nlp) : nlp;
      }
      n -= take;
      k++;
      o = 0;
    }
    this.settle(true);
  }

  /**
   * LTRIM key start stop: keeps only the normalised inclusive range (the list
   * becomes empty when the range is empty; the caller deletes the key then).
   */
  trim(start: number, stop: number): void {
    const n = this.len;
    const r = normalizeRange(start, stop, n);
    if (r === null) {
      this.clear();
      return;
    }
    const rtrim = n - r[1] - 1;
    if (rtrim > 0) this.deleteRange(r[1] + 1, rtrim);
    if (r[0] > 0) this.deleteRange(0, r[0]);
  }

  /**
   * LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]: indexes
   * (from the head) of matches. `rank` (non-zero) picks the direction and how
   * many matches to skip (rank 2 = start from the second match, -1 = scan from
   * the tail); `count` 0 = all matches; `maxlen` 0 = compare every element,
   * otherwise at most `maxlen` elements are compared. The caller returns the
   * first index (or nil) when COUNT was not given.
   */
  pos(value: string, rank: number, count: number, maxlen: number): number[] {
    const out: number[] = [];
    const fromHead = rank > 0;
    const skip = fromHead ? rank : -rank;
    const limit = maxlen > 0 && maxlen < this.len ? maxlen : this.len;
    let matches = 0;
    let seen = 0;
    this.walk(fromHead, (v, idx) => {
      if (seen++ >= limit) return false;
      if (v === value) {
        matches++;
        if (matches >= skip) {
          out.push(idx);
          if (count > 0 && out.length >= count) return false;
        }
      }
      return true;
    });
    return out;
  }

  /** Removes every element. */
  clear(): void {
    this.q = LP_EMPTY;
    this.len = 0;
  }

  /** All elements head to tail. */
  toArray(): string[] {
    const out: string[] = [];
    this.walk(true, (v) => {
      out.push(v);
      return true;
    });
    return out;
  }

  /** Iterates head to tail. */
  *[Symbol.iterator](): Iterator<string> {
    const q = this.q;
    const nodes = typeof q === 'string' ? (this.len === 0 ? [] : [q]) : q.slice();
    for (const x of nodes) {
      if (x instanceof MNode) {
        const it = x.flat().slice();
        for (const v of it) yield v;
      } else {
        const lp = nodeLp(x);
        for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p)) yield lpGet(lp, p);
      }
    }
  }
}
Object.defineProperty(RList.prototype, 'type', { value: 'list', writable: false, enumerable: false, configurable: false });

/** Elements cut into listpack nodes by the quicklist rule (as appends would fill them). */
function splitIntoNodes(items: readonly string[], fill: number): string[] {
  const out: string[] = [];
  let start = 0;
  let bytes = 7;
  for (let i = 0; i < items.length; i++) {
    if (i > start && !quicklistAllowInsert(bytes, i - start, fill, items[i].length)) {
      out.push(lpFromElements(items.slice(start, i)));
      start = i;
      bytes = 7;
    }
    bytes += lpEntrySize(items[i]);
  }
  if (start < items.length) out.push(lpFromElements(items.slice(start)));
  return out;
}
