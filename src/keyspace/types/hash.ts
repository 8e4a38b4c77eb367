/**
 * The Redis hash value. While small (Redis's listpack encoding) it is one
 * latin1 string holding Redis's listpack bytes field, value, field, value...
 * in Redis's order (HSET appends, HDEL removes in place), so HGETALL order,
 * OBJECT ENCODING, RDB and DUMP bytes are Redis's. Past
 * hash-max-listpack-entries / hash-max-listpack-value it converts for good
 * (as Redis) to a HashTable: field -> value with O(1) get/set/delete, O(1)
 * random field (HRANDFIELD) and a SCAN cursor that never misses a field
 * present for the whole scan.
 */

import { randomIndex, sampleDistinct } from './random';
import { StringIndex, pairKey, pairLength, pairOf, pairValue } from '../string-index';
import {
  LP_EMPTY,
  LpBuilder,
  lpAppend,
  lpDeleteAt,
  lpFind,
  lpFirst,
  lpGet,
  lpGetLength,
  lpLength,
  lpNext,
  lpReplaceAt,
  lpSkip,
  lpToArray,
  lpToOwnedArray,
} from '../listpack';
/** hash-max-listpack-entries / hash-max-listpack-value. */
export interface HashLimits {
  readonly maxListpackEntries: number;
  readonly maxListpackValue: number;
}

/**
 * Redis 7.0's compiled-in defaults (config.c): hash-max-listpack-entries 512
 * (the sample redis.conf sets 128), hash-max-listpack-value 64.
 */
export const DEFAULT_HASH_LIMITS: HashLimits = { maxListpackEntries: 512, maxListpackValue: 64 };

/**
 * The hashtable encoding: a paired StringIndex (field -> dense slot) whose
 * slots hold each field and its value as one string (pairOf). Deleting a
 * field moves the last slot into its hole (Redis's order is arbitrary
 * there), so slots stay dense: a random slot is a random field and HSCAN
 * walks slots downwards. Per field that is one string, an index cell pair
 * and a pointer (two strings and a value column cost ~30 bytes more).
 */
export class HashTable {
  private readonly ix = new StringIndex(null, 4, 0, true);

  /** The field index (Database.warm reads ahead in it). */
  get index(): StringIndex {
    return this.ix;
  }

  /** Number of fields. */
  get size(): number {
    return this.ix.size;
  }

  /** The slot of a field, -1 when absent. */
  find(field: string): number {
    return this.ix.find(field);
  }

  /** The field at a slot (0 <= s < size). */
  fieldAt(s: number): string {
    return pairKey(this.ix.keyAt(s)!);
  }

  /** The value at a slot (0 <= s < size). */
  valueAt(s: number): string {
    return pairValue(this.ix.keyAt(s)!);
  }

  /** Sets a field; true when it is new. */
  set(field: string, value: string): boolean {
    const s = this.ix.find(field);
    if (s >= 0) {
      // the same value again (a client re-setting its fields): keep the entry, no new string to make and collect
      const old = this.ix.keyAt(s)!;
      if (old.length !== pairLength(field.length, value.length) || !old.endsWith(value)) this.ix.setEntry(s, pairOf(field, value));
      return false;
    }
    this.ix.insert(field, pairOf(field, value));
    return true;
  }

  /** Deletes a field; true when it existed. */
  delete(field: string): boolean {
    const s = this.ix.find(field);
    if (s < 0) return false;
    this.ix.removeAt(s);
    return true;
  }

  /** Heap bytes outside the strings: the index and its entry column (see StringIndex.bytes). */
  bytes(): number {
    return 32 + this.ix.bytes();
  }
}

const builder = new LpBuilder(1024);

/** True when a listpack of field, value... fits the limits (entries and every element's length). */
function lpFits(lp: string, limits: HashLimits): boolean {
  if (lpLength(lp) / 2 > limits.maxListpackEntries) return false;
  const max = limits.maxListpackValue;
  for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p)) if (lpGetLength(lp, p) > max) return false;
  return true;
}

/** A Redis hash (HSET/HGET/HDEL/HRANDFIELD/HSCAN...). */
export class RHash implements Iterable<[string, string]> {
  /** The listpack string while compact (listpack encoding), else the hashtable. */
  private p: string | HashTable = LP_EMPTY;

  /** Builds a hash from (field, value) pairs with the encoding an RDB load would give. */
  static from(entries: Iterable<readonly [string, string]>, limits: HashLimits = DEFAULT_HASH_LIMITS): RHash {
    const h = new RHash();
    const t = new HashTable();
    for (const [f, v] of entries) t.set(f, v);
    h.p = t;
    h.resetEncoding(limits);
    return h;
  }

  /**
   * A hash holding a listpack of field, value... as loaded from an RDB file or
   * a DUMP payload (already validated, no duplicate fields), converted when it
   * does not fit the limits as rdbLoadObject does.
   */
  static fromListpack(lp: string, limits: HashLimits = DEFAULT_HASH_LIMITS): RHash {
    const h = new RHash();
    h.p = lp;
    if (lpLength(lp) >>> 1 > limits.maxListpackEntries) h.convert();
    return h;
  }

  /** Redis type name, as TYPE reports it (on the prototype: no per-value field). */
  get type(): 'hash' {
    return 'hash';
  }

  /** The listpack bytes while listpack-encoded (what RDB/DUMP write as is), else null. */
  listpack(): string | null {
    return typeof this.p === 'string' ? this.p : null;
  }

  /** COPY: a deep copy with the same encoding (a listpack string is immutable: shared). */
  clone(): RHash {
    const h = new RHash();
    if (typeof this.p === 'string') h.p = this.p;
    else {
      const t = new HashTable();
      const src = this.p;
      for (let i = 0; i < src.size; i++) t.set(src.fieldAt(i), src.valueAt(i));
      h.p = t;
    }
    return h;
  }

  /** Number of fields (HLEN). */
  get size(): number {
    const p = this.p;
    return typeof p === 'string' ? lpLength(p) >>> 1 : p.size;
  }

  /** Heap bytes of the hashtable outside its strings (0 while listpack-encoded). */
  tableBytes(): number {
    const p = this.p;
    return typeof p === 'string' ? 0 : p.bytes();
  }

  /** The hashtable encoding's field index, null while a listpack (Database.warm). */
  memberIndex(): StringIndex | null {
    return typeof this.p === 'string' ? null : this.p.index;
  }

  /** OBJECT ENCODING: "listpack" until a write exceeded the limits, then "hashtable" for good. */
  encoding(): 'listpack' | 'hashtable' {
    return typeof this.p === 'string' ? 'listpack' : 'hashtable';
  }

  /** hashTypeConvert to the hashtable, keeping listpack order. */
  private convert(): HashTable {
    const p = this.p;
    if (typeof p !== 'string') return p;
    const t = new HashTable();
    const a = lpToOwnedArray(p);
    for (let i = 0; i + 1 < a.length; i += 2) t.set(a[i], a[i + 1]);
    this.p = t;
    return t;
  }

  /**
   * Recomputes the encoding from scratch, as loading the value from an RDB
   * file (or DEBUG RELOAD) does: listpack iff it fits the limits.
   */
  resetEncoding(limits: HashLimits = DEFAULT_HASH_LIMITS): void {
    const p = this.p;
    if (typeof p === 'string') {
      if (!lpFits(p, limits)) this.convert();
      return;
    }
    const n = p.size;
    if (n > limits.maxListpackEntries) return;
    const max = limits.maxListpackValue;
    for (let i = 0; i < n; i++) if (p.fieldAt(i).length > max || p.valueAt(i).length > max) return;
    const b = builder.reset();
    for (let i = 0; i < n; i++) b.add(p.fieldAt(i)).add(p.valueAt(i));
    this.p = b.toString();
  }

  /** HGET. */
  get(field: string): string | undefined {
    const p = this.p;
    if (typeof p !== 'string') {
      const i = p.find(field);
      return i < 0 ? undefined : p.valueAt(i);
    }
    const at = lpFind(p, field, 1);
    return at < 0 ? undefined : lpGet(p, lpSkip(p, at));
  }

  /** HEXISTS. */
  has(field: string): boolean {
    const p = this.p;
    return typeof p === 'string' ? lpFind(p, field, 1) >= 0 : p.find(field) >= 0;
  }

  /**
   * HSET/HSETNX/HINCRBY*: sets a field; true when the field is new. Converts to
   * hashtable (sticky) when the field or value is longer than
   * hash-max-listpack-value or the count exceeds hash-max-listpack-entries,
   * which is where Redis 7.0 converts too (HINCRBYFLOAT results included).
   */
  set(field: string, value: string, limits: HashLimits = DEFAULT_HASH_LIMITS): boolean {
    const p = this.p;
    if (typeof p !== 'string') return p.set(field, value);
    if (field.length > limits.maxListpackValue || value.length > limits.maxListpackValue) {
      return this.convert().set(field, value);
    }
    const at = lpFind(p, field, 1);
    const added = at < 0;
    const lp = added ? lpAppend(p, [field, value]) : lpReplaceAt(p, lpSkip(p, at), value);
    this.p = lp;
    // hashTypeSet checks the count after an update too (the limit may have been lowered)
    if (lpLength(lp) >>> 1 > limits.maxListpackEntries) this.convert();
    return added;
  }

  /**
   * HSET key f1 v1 f2 v2...: the pairs argv[start], argv[start + 1]... set in
   * order; returns how many fields were new. On a listpack the new fields are
   * appended in one edit (the result is what setting them one by one gives:
   * Redis's order, converted iff a length or the final count is over the limits).
   */
  setPairs(argv: readonly string[], start: number, limits: HashLimits = DEFAULT_HASH_LIMITS): number {
    let p = this.p;
    const max = limits.maxListpackValue;
    if (typeof p === 'string') {
      for (let i = start; i < argv.length; i++) {
        if (argv[i].length > max) {
          p = this.convert();
          break;
        }
      }
    }
    let added = 0;
    if (typeof p !== 'string') {
      for (let i = start; i + 1 < argv.length; i += 2) if (p.set(argv[i], argv[i + 1])) added++;
      return added;
    }
    let lp = p;
    let fresh: string[] | null = null;
    for (let i = start; i + 1 < argv.length; i += 2) {
      const f = argv[i];
      const at = lpFind(lp, f, 1);
      if (at >= 0) {
        lp = lpReplaceAt(lp, lpSkip(lp, at), argv[i + 1]);
        continue;
      }
      if (fresh === null) fresh = [];
      let k = 0;
      while (k < fresh.length && fresh[k] !== f) k += 2;
      if (k < fresh.length) fresh[k + 1] = argv[i + 1];
      else {
        fresh.push(f, argv[i + 1]);
        added++;
      }
    }
    if (fresh !== null) lp = lpAppend(lp, fresh);
    this.p = lp;
    if (lpLength(lp) >>> 1 > limits.maxListpackEntries) this.convert();
    return added;
  }

  /** HDEL of one field; true when it existed. */
  delete(field: string): boolean {
    const p = this.p;
    if (typeof p !== 'string') return p.delete(field);
    const at = lpFind(p, field, 1);
    if (at < 0) return false;
    this.p = lpDeleteAt(p, at, 2);
    return true;
  }

  /** Fields in iteration order (HKEYS). */
  keys(): string[] {
    const p = this.p;
    const out: string[] = [];
    if (typeof p !== 'string') {
      for (let i = 0; i < p.size; i++) out.push(p.fieldAt(i));
      return out;
    }
    for (let q = lpFirst(p); q >= 0; q = lpNext(p, lpSkip(p, q))) out.push(lpGet(p, q));
    return out;
  }

  /** Values in iteration order (HVALS). */
  values(): string[] {
    const p = this.p;
    const out: string[] = [];
    if (typeof p !== 'string') {
      for (let i = 0; i < p.size; i++) out.push(p.valueAt(i));
      return out;
    }
    for (let q = lpFirst(p); q >= 0; q = lpNext(p, lpSkip(p, q))) out.push(lpGet(p, lpSkip(p, q)));
    return out;
  }

  /** field, value, field, value... in iteration order (HGETALL). */
  flat(): string[] {
    const p = this.p;
    if (typeof p === 'string') return lpToArray(p);
    const n = p.size;
    const out = new Array<string>(n * 2);
    for (let i = 0; i < n; i++) {
      out[2 * i] = p.fieldAt(i);
      out[2 * i + 1] = p.valueAt(i);
    }
    return out;
  }

  /** Calls `fn` for each field in iteration order. */
  forEach(fn: (field: string, value: string) => void): void {
    const p = this.p;
    if (typeof p === 'string') {
      for (let q = lpFirst(p); q >= 0; ) {
        const v = lpSkip(p, q);
        fn(lpGet(p, q), lpGet(p, v));
        q = lpNext(p, v);
      }
      return;
    }
    const n = p.size;
    for (let i = 0; i < n; i++) fn(p.fieldAt(i), p.valueAt(i));
  }

  /** Iterates [field, value] pairs. */
  *entries(): IterableIterator<[string, string]> {
    const p = this.p;
    if (typeof p === 'string') {
      const a = lpToArray(p);
      for (let i = 0; i + 1 < a.length; i += 2) yield [a[i], a[i + 1]];
      return;
    }
    for (let i = 0; i < p.size; i++) yield [p.fieldAt(i), p.valueAt(i)];
  }

  /** Iterates [field, value] pairs. */
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries();
  }

  /**
   * HRANDFIELD key count [WITHVALUES]: count > 0 gives min(count, size)
   * distinct fields (the whole hash when count >= size), count < 0 gives
   * |count| fields drawn with repetition, 0 gives nothing. Returns fields, or
   * field, value, field, value... with `withValues`.
   */
  randomFields(count: number, withValues: boolean): string[] {
    const p = this.p;
    const t = typeof p === 'string' ? null : p;
    const flat = typeof p === 'string' ? lpToArray(p) : null;
    const n = this.size;
    const out: string[] = [];
    if (n === 0 || count === 0) return out;
    const push = (i: number): void => {
      out.push(flat ? flat[2 * i] : t!.fieldAt(i));
      if (withValues) out.push(flat ? flat[2 * i + 1] : t!.valueAt(i));
    };
    if (count < 0) {
      for (let k = -count; k > 0; k--) push(randomIndex(n));
    } else if (count >= n) {
      for (let i = 0; i < n; i++) push(i);
    } else {
      const picks = sampleDistinct(n, count);
      for (let k = 0; k < picks.length; k++) push(picks[k]);
    }
    return out;
  }

  /** One random field (HRANDFIELD key), undefined when empty. */
  randomField(): string | undefined {
    const p = this.p;
    const n = this.size;
    if (n === 0) return undefined;
    if (typeof p !== 'string') return p.fieldAt(randomIndex(n));
    let q = lpFirst(p);
    for (let k = 2 * randomIndex(n); k > 0; k--) q = lpNext(p, q);
    return lpGet(p, q);
  }

  /**
   * HSCAN step. Appends field, value pairs to `out` and returns the next
   * cursor (0 = done). A listpack-encoded hash is returned whole in one step,
   * as Redis does. Otherwise entries are visited from the highest index down:
   * the cursor is the number of slots still to visit, and since deletions only
   * move the last entry downwards, an entry present for the whole scan is
   * always reported (possibly twice), like Redis's SCAN guarantee.
   */
  scan(cursor: number, count: number, out: string[]): number {
    const p = this.p;
    if (typeof p === 'string') {
      for (let q = lpFirst(p); q >= 0; q = lpNext(p, q)) out.push(lpGet(p, q));
      return 0;
    }
    const n = p.size;
    let c = cursor === 0 || cursor > n ? n : cursor;
    let k = count > 0 ? count : 1;
    while (c > 0 && k > 0) {
      c--;
      k--;
      out.push(p.fieldAt(c), p.valueAt(c));
    }
    return c;
  }
}
