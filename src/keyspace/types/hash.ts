/**
 * The Redis hash value: field -> value map with O(1) get/set/delete, O(1)
 * random field (HRANDFIELD) and a SCAN cursor that never misses a field present
 * for the whole scan.
 *
 * Layout: parallel dense arrays `fields`/`vals` plus a Map field -> index.
 * While the hash is small (Redis's listpack encoding) deletions keep insertion
 * order, so HGETALL order matches Redis's listpack order exactly; once it is a
 * hashtable, deletions swap the last entry into the hole (Redis's order is
 * arbitrary there).
 */

import { randomIndex, sampleDistinct } from './random';

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

/** A Redis hash (HSET/HGET/HDEL/HRANDFIELD/HSCAN...). */
export class RHash implements Iterable<[string, string]> {
  /** Redis type name, as TYPE reports it. */
  readonly type = 'hash' as const;
  private idx = new Map<string, number>();
  private fields: string[] = [];
  private vals: string[] = [];
  private compact = true;

  /** Builds a hash from (field, value) pairs with the encoding an RDB load would give. */
  static from(entries: Iterable<readonly [string, string]>, limits: HashLimits = DEFAULT_HASH_LIMITS): RHash {
    const h = new RHash();
    for (const [f, v] of entries) h.set(f, v, limits);
    h.resetEncoding(limits);
    return h;
  }

  /** Number of fields (HLEN). */
  get size(): number {
    return this.fields.length;
  }

  /** OBJECT ENCODING: "listpack" until a write exceeded the limits, then "hashtable" for good. */
  encoding(): 'listpack' | 'hashtable' {
    return this.compact ? 'listpack' : 'hashtable';
  }

  /**
   * Recomputes the encoding from scratch, as loading the value from an RDB
   * file (or DEBUG RELOAD) does: listpack iff it fits the limits.
   */
  resetEncoding(limits: HashLimits = DEFAULT_HASH_LIMITS): void {
    if (this.fields.length > limits.maxListpackEntries) {
      this.compact = false;
      return;
    }
    const max = limits.maxListpackValue;
    for (let i = 0; i < this.fields.length; i++) {
      if (this.fields[i].length > max || this.vals[i].length > max) {
        this.compact = false;
        return;
      }
    }
    this.compact = true;
  }

  /** HGET. */
  get(field: string): string | undefined {
    const i = this.idx.get(field);
    return i === undefined ? undefined : this.vals[i];
  }

  /** HEXISTS. */
  has(field: string): boolean {
    return this.idx.has(field);
  }

  /**
   * HSET/HSETNX/HINCRBY*: sets a field; true when the field is new. Converts to
   * hashtable (sticky) when the field or value is longer than
   * hash-max-listpack-value or the count exceeds hash-max-listpack-entries,
   * which is where Redis 7.0 converts too (HINCRBYFLOAT results included).
   */
  set(field: string, value: string, limits: HashLimits = DEFAULT_HASH_LIMITS): boolean {
    const i = this.idx.get(field);
    let added = false;
    if (i === undefined) {
      this.idx.set(field, this.fields.length);
      this.fields.push(field);
      this.vals.push(value);
      added = true;
    } else {
      this.vals[i] = value;
    }
    if (
      this.compact &&
      (this.fields.length > limits.maxListpackEntries ||
        field.length > limits.maxListpackValue ||
        value.length > limits.maxListpackValue)
    ) {
      this.compact = false;
    }
    return added;
  }

  /** HDEL of one field; true when it existed. */
  delete(field: string): boolean {
    const i = this.idx.get(field);
    if (i === undefined) return false;
    this.idx.delete(field);
    const fields = this.fields;
    const vals = this.vals;
    const last = fields.length - 1;
    if (this.compact) {
      // Keep listpack order.
      for (let j = i; j < last; j++) {
        fields[j] = fields[j + 1];
        vals[j] = vals[j + 1];
        this.idx.set(fields[j], j);
      }
    } else if (i !== last) {
      fields[i] = fields[last];
      vals[i] = vals[last];
      this.idx.set(fields[i], i);
    }
    fields.pop();
    vals.pop();
    return true;
  }

  /** Fields in iteration order (HKEYS). */
  keys(): string[] {
    return this.fields.slice();
  }

  /** Values in iteration order (HVALS). */
  values(): string[] {
    return this.vals.slice();
  }

  /** field, value, field, value... in iteration order (HGETALL). */
  flat(): string[] {
    const n = this.fields.length;
    const out = new Array<string>(n * 2);
    for (let i = 0; i < n; i++) {
      out[2 * i] = this.fields[i];
      out[2 * i + 1] = this.vals[i];
    }
    return out;
  }

  /** Calls `fn` for each field in iteration order (no per-entry allocation). */
  forEach(fn: (field: string, value: string) => void): void {
    const n = this.fields.length;
    for (let i = 0; i < n; i++) fn(this.fields[i], this.vals[i]);
  }

  /** Iterates [field, value] pairs. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.fields.length; i++) yield [this.fields[i], this.vals[i]];
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
    const n = this.fields.length;
    const out: string[] = [];
    if (n === 0 || count === 0) return out;
    const push = (i: number): void => {
      out.push(this.fields[i]);
      if (withValues) out.push(this.vals[i]);
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
    const n = this.fields.length;
    return n === 0 ? undefined : this.fields[randomIndex(n)];
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
    const n = this.fields.length;
    if (this.compact) {
      for (let i = 0; i < n; i++) out.push(this.fields[i], this.vals[i]);
      return 0;
    }
    let c = cursor === 0 || cursor > n ? n : cursor;
    let k = count > 0 ? count : 1;
    while (c > 0 && k > 0) {
      c--;
      k--;
      out.push(this.fields[c], this.vals[c]);
    }
    return c;
  }
}
