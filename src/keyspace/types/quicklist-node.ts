/**
 * Quicklist nodes of a Redis list (src/keyspace/types/list.ts): Redis 7.0's
 * node-size rule (_quicklistNodeAllowInsert), the mutable end node, the
 * LZF-compressed inner node, and the helpers that move between them.
 */
import { lpFromElements, lpGet, lpToOwnedArray } from '../listpack';
import { lzfCompress, lzfDecompress } from '../../util/lzf';
import type { ListLimits } from './list';

export const QUICKLIST_OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
export const SIZE_SAFETY_LIMIT = 8192;
/** quicklist.c: estimated per-entry listpack overhead when deciding to grow a node. */
export const SIZE_ESTIMATE_OVERHEAD = 8;
/** quicklist.c: nodes smaller than this are not compressed; a compression must save this much. */
export const MIN_COMPRESS_BYTES = 48;
export const MIN_COMPRESS_IMPROVE = 8;
/** End nodes at least this big are held mutable (an array) while they are end nodes. */
export const MUTABLE_MIN = 1024;

/**
 * Quicklist's _quicklistNodeAllowInsert (7.0): may an element of `sz` bytes
 * go into a node of `nodeSz` listpack bytes holding `count` entries?
 */
export function quicklistAllowInsert(nodeSz: number, count: number, fill: number, sz: number): boolean {
  const newSz = nodeSz + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < QUICKLIST_OPTIMIZATION_LEVEL.length && newSz <= QUICKLIST_OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/**
 * An end node held as its elements (pushes/pops in O(1) at both ends: the
 * elements are items[start..], with room kept before them for LPUSH);
 * `bytes` is the size its listpack would have.
 */
export class MNode {
  start = 0;
  constructor(
    public items: string[],
    public bytes: number,
  ) {}

  /** Number of elements. */
  get n(): number {
    return this.items.length - this.start;
  }

  at(i: number): string {
    return this.items[this.start + i];
  }

  put(i: number, v: string): void {
    this.items[this.start + i] = v;
  }

  /** The elements as a plain array (items[0..]), for the O(n) operations. */
  flat(): string[] {
    if (this.start > 0) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
    return this.items;
  }

  unshift(v: string): void {
    if (this.start === 0) {
      const old = this.items;
      const n = old.length;
      const room = n < 8 ? 8 : n;
      const a = new Array<string>(room + n);
      for (let i = 0; i < n; i++) a[room + i] = old[i];
      this.items = a;
      this.start = room;
    }
    this.items[--this.start] = v;
  }

  shift(): string {
    const v = this.items[this.start];
    this.items[this.start++] = '';
    if (this.start > 32 && this.start * 2 > this.items.length) this.flat();
    return v;
  }

  pop(): string {
    return this.items.pop() as string;
  }
}

/** An LZF-compressed listpack (quicklistLZF): `sz` raw bytes, `count` elements. */
export class CNode {
  constructor(
    readonly lzf: string,
    readonly sz: number,
    readonly count: number,
  ) {}
}

/** A quicklist node: a listpack string, a mutable end node, or a compressed listpack. */
export type QNode = string | MNode | CNode;

/** A node as RDB_TYPE_LIST_QUICKLIST_2 writes it: listpack bytes, or a compressed listpack. */
export type QuicklistNodeBytes = string | CNode;

export interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}
let scratch = Buffer.allocUnsafeSlow(1 << 14) as Latin1Buffer;
let scratch2 = Buffer.allocUnsafeSlow(1 << 14) as Latin1Buffer;
export function room(n: number): Latin1Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafeSlow(Math.max(n, scratch.length * 2)) as Latin1Buffer;
  return scratch;
}
export function room2(n: number): Latin1Buffer {
  if (scratch2.length < n) scratch2 = Buffer.allocUnsafeSlow(Math.max(n, scratch2.length * 2)) as Latin1Buffer;
  return scratch2;
}

/** Element count of a listpack string (its header; 65535 never happens in a node). */
export function lpCount(lp: string): number {
  return lp.charCodeAt(4) | (lp.charCodeAt(5) << 8);
}

/** __quicklistCompressNode: the compressed node, or the listpack itself when it does not shrink enough. */
export function compress(lp: string): QNode {
  const sz = lp.length;
  if (sz < MIN_COMPRESS_BYTES) return lp;
  const src = room(sz);
  src.write(lp, 0, sz, 'latin1');
  const out = room2(sz);
  const n = lzfCompress(src, 0, sz, out, sz);
  if (n === 0 || n + MIN_COMPRESS_IMPROVE >= sz) return lp;
  return new CNode(out.latin1Slice(0, n), sz, lpCount(lp));
}

/** The listpack of a compressed node. */
export function decompress(c: CNode): string {
  const src = room(c.lzf.length);
  src.write(c.lzf, 0, c.lzf.length, 'latin1');
  const out = room2(c.sz);
  const n = lzfDecompress(src, 0, c.lzf.length, out.subarray(0, c.sz));
  if (n !== c.sz) throw new Error('corrupt compressed quicklist node');
  return out.latin1Slice(0, n);
}

export function nodeCount(x: QNode): number {
  return typeof x === 'string' ? lpCount(x) : x instanceof MNode ? x.n : x.count;
}

/** The node's listpack bytes (a new string for mutable/compressed nodes; the node is unchanged). */
export function nodeLp(x: QNode): string {
  return typeof x === 'string' ? x : x instanceof MNode ? lpFromElements(x.flat()) : decompress(x);
}

/** The node's elements as strings of their own. */
export function nodeItems(x: QNode): string[] {
  return x instanceof MNode ? x.flat().slice() : lpToOwnedArray(nodeLp(x));
}

export function mutable(lp: string): MNode {
  return new MNode(lpToOwnedArray(lp), lp.length);
}

/** An element that outlives its listpack: a flat copy (a substring of 13+ chars would pin the listpack). */
export function owned(lp: string, p: number): string {
  const v = lpGet(lp, p);
  if (v.length < 13) return v;
  const b = room2(v.length);
  b.write(v, 0, v.length, 'latin1');
  return b.latin1Slice(0, v.length);
}

export const one: string[] = [''];

/** Packs fill (-5..32767, clamped as quicklistSetFill) and depth (0..65535) into one small integer. */
export function packOpt(l: ListLimits): number {
  const fill = l.fill > 32767 ? 32767 : l.fill < -5 ? -5 : l.fill;
  const depth = l.compressDepth > 65535 ? 65535 : l.compressDepth < 0 ? 0 : l.compressDepth;
  return (fill + 5) * 65536 + depth;
}

