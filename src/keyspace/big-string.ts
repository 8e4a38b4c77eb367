/**
 * A string value longer than STRING_LIMIT (util/string-limit.ts): V8's
 * strings stop at 536,870,888 bytes, Redis's at 512 MB, so the longest values
 * are held as bytes. The keyspace stores it as a string-typed value (TYPE
 * string, OBJECT ENCODING raw); commands reach it through the StrValue
 * helpers below, which keep the common case (a latin1 JS string) untouched.
 */
import { STRING_LIMIT } from '../util/string-limit';

/** A string value held as bytes, with room to grow in place as an sds. */
export class RBigString {
  readonly type = 'string' as const;
  /** the value is buf[0, length); the rest is room for APPEND/SETRANGE */
  buf: Buffer;
  length: number;

  constructor(buf: Buffer, length: number = buf.length) {
    this.buf = buf;
    this.length = length;
  }

  /** The value's bytes (a view: copy it before the value may change). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Grow to `n` bytes (zero-filled), making room as sdsMakeRoomFor does (double below 1 MB, else +1 MB). */
  grow(n: number): void {
    if (n <= this.length) return;
    if (n > this.buf.length) {
      const cap = n < 1 << 20 ? n * 2 : n + (1 << 20);
      const b = Buffer.allocUnsafe(cap);
      this.buf.copy(b, 0, 0, this.length);
      this.buf = b;
    }
    this.buf.fill(0, this.length, n);
    this.length = n;
  }

  /** A copy (COPY, the bytes a snapshot keeps). */
  clone(): RBigString {
    return new RBigString(Buffer.from(this.bytes));
  }
}

/** A string value as stored: a latin1 JS string, or bytes past STRING_LIMIT. */
export type StrValue = string | RBigString;

/** Whether a stored value is a string (either representation). */
export function isStr(v: unknown): v is StrValue {
  return typeof v === 'string' || v instanceof RBigString;
}

/** The value's bytes as a Buffer (a view for an RBigString, a new Buffer for a string). */
export function strBytes(v: StrValue): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v.bytes;
}

/** Bytes as a string value: a latin1 string up to STRING_LIMIT, else an RBigString owning `b` (not copied). */
export function strFromBytes(b: Buffer): StrValue {
  return b.length <= STRING_LIMIT ? b.latin1Slice(0, b.length) : new RBigString(b);
}

/** Bytes [start, end) of a value (end exclusive, both within it), as a string value. */
export function strRange(v: StrValue, start: number, end: number): StrValue {
  if (typeof v === 'string') return v.slice(start, end);
  return end - start <= STRING_LIMIT ? v.buf.latin1Slice(start, end) : new RBigString(Buffer.from(v.buf.subarray(start, end)));
}

/** Byte i of a value (0 <= i < length). */
export function strByteAt(v: StrValue, i: number): number {
  return typeof v === 'string' ? v.charCodeAt(i) : v.buf[i];
}

/**
 * `v` with `add` written at `offset` (zero-padded up to it): APPEND and
 * SETRANGE. A string result stays a string up to STRING_LIMIT; past it the
 * result is an RBigString (changed in place when `v` already is one).
 */
export function strWrite(v: StrValue | undefined, offset: number, add: string | Buffer): StrValue {
  const end = offset + add.length;
  if (v === undefined || typeof v === 'string') {
    const cur = v ?? '';
    if (end <= STRING_LIMIT && Math.max(cur.length, end) <= STRING_LIMIT) {
      const a = typeof add === 'string' ? add : add.latin1Slice(0, add.length);
      if (offset === cur.length) return cur + a;
      const pad = offset > cur.length ? '\0'.repeat(offset - cur.length) : '';
      return cur.slice(0, offset) + pad + a + cur.slice(end);
    }
    const big = new RBigString(Buffer.allocUnsafe(Math.max(cur.length, end)), 0);
    big.buf.write(cur, 0, 'latin1');
    big.length = cur.length;
    v = big;
  }
  v.grow(end);
  if (typeof add === 'string') v.buf.write(add, offset, 'latin1');
  else add.copy(v.buf, offset);
  return v;
}
