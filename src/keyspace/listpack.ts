/**
 * The one listpack codec (Redis 7.0 listpack.c byte format), working on a
 * latin1 JS string whose chars are exactly the listpack's bytes: the compact
 * in-memory form of small hashes, zsets, sets and list nodes, and what RDB and
 * DUMP copy byte for byte.
 *
 * Layout: <total-bytes u32 LE> <num-elements u16 LE> <entry>* <0xFF>
 * entry:  <encoding+data> <backlen: size of encoding+data, 1..5 bytes>
 * Encodings: 0xxxxxxx 7-bit uint; 10xxxxxx 6-bit string length; 110xxxxx
 * 13-bit int; 1110xxxx 12-bit string length; 0xF0 32-bit string length; 0xF1
 * int16; 0xF2 int24; 0xF3 int32; 0xF4 int64. A num-elements of 65535 means
 * "unknown, count them".
 *
 * Positions are byte offsets into the string: the first entry is at 6, the
 * terminator at lp.length - 1. Functions returning a position return -1 when
 * there is none. New listpacks are built in a reusable scratch Buffer and
 * returned as a flat string (latin1Slice), never as a cons or sliced string.
 */

/** Bytes of the header (total bytes + element count). */
export const LP_HDR_SIZE = 6;
/** The terminator byte. */
export const LP_EOF = 0xff;
/** num-elements value meaning "count the entries". */
export const LP_HDR_NUMELE_UNKNOWN = 0xffff;
/** An empty listpack: 7 bytes, count 0. */
export const LP_EMPTY = '\x07\x00\x00\x00\x00\x00\xff';

const SAFE = Number.MAX_SAFE_INTEGER;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** An invalid listpack (validation). */
export class ListpackError extends Error {}

// ------------------------------------------------------------------ numbers

/**
 * Redis's lpStringToInt64 / string2ll in strict form: the value when `s` is the
 * canonical decimal form of a signed 64-bit integer ("0", "-12", no '+', no
 * leading zeros, no "-0"), else null. Beyond 2^53 the value is a bigint.
 */
export function lpStringToInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 45 /* - */) {
    if (n === 1) return null;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c < 49 || c > 57) return n === 1 && c === 48 ? 0 : null;
  for (let j = i + 1; j < n; j++) {
    const d = s.charCodeAt(j);
    if (d < 48 || d > 57) return null;
  }
  if (n - i <= 15) return +s;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  if (b <= BigInt(SAFE) && b >= -BigInt(SAFE)) return Number(b);
  return b;
}

// ------------------------------------------------------------------ sizes

/** Bytes of the backlen of an entry whose encoding+data is `l` bytes (lpEncodeBacklen). */
export function lpBacklenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Encoded size (entry + backlen) of an integer element. */
export function lpIntEntrySize(v: number | bigint): number {
  if (typeof v === 'bigint') return 10;
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Encoded size (entry + backlen) of an element as lpAppend stores it (canonical ints as ints). */
export function lpEntrySize(s: string): number {
  const iv = s.length <= 20 ? lpStringToInt(s) : null;
  if (iv !== null) return lpIntEntrySize(iv);
  return lpStrEntrySize(s.length);
}

/** Encoded size (entry + backlen) of a string-encoded element of `len` bytes. */
export function lpStrEntrySize(len: number): number {
  const enc = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return enc + lpBacklenSize(enc);
}

// ------------------------------------------------------------------ encoding into a Buffer

function writeBacklen(b: Buffer, p: number, l: number): number {
  if (l <= 127) {
    b[p++] = l;
  } else if (l < 16383) {
    b[p++] = l >>> 7;
    b[p++] = (l & 127) | 128;
  } else if (l < 2097151) {
    b[p++] = l >>> 14;
    b[p++] = ((l >>> 7) & 127) | 128;
    b[p++] = (l & 127) | 128;
  } else if (l < 268435455) {
    b[p++] = l >>> 21;
    b[p++] = ((l >>> 14) & 127) | 128;
    b[p++] = ((l >>> 7) & 127) | 128;
    b[p++] = (l & 127) | 128;
  } else {
    b[p++] = Math.floor(l / 268435456);
    b[p++] = ((l >>> 21) & 127) | 128;
    b[p++] = ((l >>> 14) & 127) | 128;
    b[p++] = ((l >>> 7) & 127) | 128;
    b[p++] = (l & 127) | 128;
  }
  return p;
}

/**
 * Writes an integer entry (+ backlen) at b[p] with the smallest encoding;
 * returns the position after it. The caller made room (10 bytes at most).
 */
export function lpWriteInt(b: Buffer, p: number, v: number | bigint): number {
  let n: number;
  if (typeof v === 'bigint') {
    b[p] = 0xf4;
    b.writeBigInt64LE(v, p + 1);
    n = 9;
  } else if (v >= 0 && v <= 127) {
    b[p] = v;
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    const u = v < 0 ? v + 8192 : v;
    b[p] = (u >>> 8) | 0xc0;
    b[p + 1] = u & 0xff;
    n = 2;
  } else if (v >= -32768 && v <= 32767) {
    b[p] = 0xf1;
    b[p + 1] = v & 0xff;
    b[p + 2] = (v >> 8) & 0xff;
    n = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    b[p] = 0xf2;
    b[p + 1] = v & 0xff;
    b[p + 2] = (v >> 8) & 0xff;
    b[p + 3] = (v >> 16) & 0xff;
    n = 4;
  } else if (v >= -2147483648 && v <= 2147483647) {
    b[p] = 0xf3;
    b[p + 1] = v & 0xff;
    b[p + 2] = (v >> 8) & 0xff;
    b[p + 3] = (v >> 16) & 0xff;
    b[p + 4] = (v >> 24) & 0xff;
    n = 5;
  } else {
    b[p] = 0xf4;
    const hi = Math.floor(v / 4294967296);
    const lo = v - hi * 4294967296;
    b.writeUInt32LE(lo, p + 1);
    b.writeInt32LE(hi, p + 5);
    n = 9;
  }
  return writeBacklen(b, p + n, n);
}

/**
 * Writes a string-encoded entry (+ backlen) at b[p] without trying the
 * integer form; returns the position after it. Room: lpStrEntrySize(s.length).
 */
export function lpWriteRawString(b: Buffer, p: number, s: string): number {
  const len = s.length;
  const hdr = len < 64 ? 1 : len < 4096 ? 2 : 5;
  if (hdr === 1) {
    b[p] = len | 0x80;
  } else if (hdr === 2) {
    b[p] = (len >>> 8) | 0xe0;
    b[p + 1] = len & 0xff;
  } else {
    b[p] = 0xf0;
    b.writeUInt32LE(len, p + 1);
  }
  if (len < 16) {
    for (let i = 0; i < len; i++) b[p + hdr + i] = s.charCodeAt(i);
  } else {
    b.write(s, p + hdr, len, 'latin1');
  }
  return writeBacklen(b, p + hdr + len, hdr + len);
}

/**
 * Writes an element as lpAppend stores it (a canonical int64 string as an
 * integer, otherwise a string) at b[p]; returns the position after it. Room:
 * lpEntrySize(s) (at most s.length + 10).
 */
export function lpWrite(b: Buffer, p: number, s: string): number {
  if (s.length <= 20) {
    const iv = lpStringToInt(s);
    if (iv !== null) return lpWriteInt(b, p, iv);
  }
  return lpWriteRawString(b, p, s);
}

// ------------------------------------------------------------------ scratch

/** Listpacks up to this many bytes are spliced with byte loops (see lpSplice). */
const SMALL_SPLICE = 256;

let scratch = Buffer.allocUnsafeSlow(1 << 16);
let scratch2 = Buffer.allocUnsafeSlow(1 << 12);

function scratchFor(n: number): Buffer {
  if (scratch.length < n) {
    let cap = scratch.length * 2;
    while (cap < n) cap *= 2;
    scratch = Buffer.allocUnsafeSlow(cap);
  }
  return scratch;
}

function scratch2For(n: number): Buffer {
  if (scratch2.length < n) {
    let cap = scratch2.length * 2;
    while (cap < n) cap *= 2;
    scratch2 = Buffer.allocUnsafeSlow(cap);
  }
  return scratch2;
}

function setHeader(b: Buffer, total: number, count: number): void {
  b.writeUInt32LE(total, 0);
  const c = count >= LP_HDR_NUMELE_UNKNOWN ? LP_HDR_NUMELE_UNKNOWN : count;
  b[4] = c & 0xff;
  b[5] = c >>> 8;
}

/**
 * Builds a listpack element by element (Redis's lpAppend encodings). Its
 * buffer is reused across reset(); toString() gives the flat latin1 string.
 */
export class LpBuilder {
  private buf: Buffer;
  private pos = LP_HDR_SIZE;
  /** Elements appended. */
  count = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(initialCapacity, 16));
  }

  /** Total bytes of the listpack as it stands (header + entries + terminator): lpBytes. */
  get bytes(): number {
    return this.pos + 1;
  }

  /** Start over (keeps the buffer). */
  reset(): this {
    this.pos = LP_HDR_SIZE;
    this.count = 0;
    return this;
  }

  private room(n: number): Buffer {
    if (this.pos + n + 1 > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.pos + n + 1) cap *= 2;
      const nb = Buffer.allocUnsafeSlow(cap);
      this.buf.copy(nb, 0, 0, this.pos);
      this.buf = nb;
    }
    return this.buf;
  }

  /** Appends an element (a canonical int64 string is stored as an integer). */
  add(s: string): this {
    this.pos = lpWrite(this.room(s.length + 11), this.pos, s);
    this.count++;
    return this;
  }

  /** Appends an integer (a safe integer or an int64 bigint). */
  addInt(v: number | bigint): this {
    this.pos = lpWriteInt(this.room(10), this.pos, v);
    this.count++;
    return this;
  }

  /** Appends a string element without the integer form (Redis never does this for user data; tests and RDB edge cases). */
  addRawString(s: string): this {
    this.pos = lpWriteRawString(this.room(s.length + 10), this.pos, s);
    this.count++;
    return this;
  }

  /** Appends the entries lp[from, to) of another listpack (whole entries), holding n elements. */
  addEntries(lp: string, from: number, to: number, n: number): this {
    const b = this.room(to - from);
    b.write(lp.substring(from, to), this.pos, to - from, 'latin1');
    this.pos += to - from;
    this.count += n;
    return this;
  }

  /** The listpack as a flat latin1 string (the builder can be reset and reused). */
  toString(): string {
    const b = this.buf;
    setHeader(b, this.pos + 1, this.count);
    b[this.pos] = LP_EOF;
    return b.latin1Slice(0, this.pos + 1);
  }

  /** The listpack as a new Buffer of its own. */
  toBuffer(): Buffer {
    const total = this.pos + 1;
    const out = Buffer.allocUnsafe(total);
    setHeader(this.buf, total, this.count);
    this.buf[this.pos] = LP_EOF;
    this.buf.copy(out, 0, 0, total);
    return out;
  }
}

const shared = new LpBuilder(1 << 12);

/** A listpack of the given elements, as a latin1 string. */
export function lpFromElements(items: readonly string[]): string {
  const b = shared.reset();
  for (let i = 0; i < items.length; i++) b.add(items[i]);
  return b.toString();
}

// ------------------------------------------------------------------ reading

/** Total bytes (lpBytes). */
export function lpBytes(lp: string): number {
  return lp.length;
}

/** The header's element count, or counting the entries when it says 65535 (lpLength). */
export function lpLength(lp: string): number {
  const n = lp.charCodeAt(4) | (lp.charCodeAt(5) << 8);
  if (n !== LP_HDR_NUMELE_UNKNOWN) return n;
  let c = 0;
  for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p)) c++;
  return c;
}

/** Position of the first entry, -1 when empty. */
export function lpFirst(lp: string): number {
  return lp.length > LP_HDR_SIZE + 1 ? LP_HDR_SIZE : -1;
}

/** Bytes of the encoding+data part of the entry at p (lpCurrentEncodedSizeUnsafe). */
export function lpEncodedSize(lp: string, p: number): number {
  const c = lp.charCodeAt(p);
  if (c < 0x80) return 1;
  if ((c & 0xc0) === 0x80) return 1 + (c & 0x3f);
  if ((c & 0xe0) === 0xc0) return 2;
  if ((c & 0xf0) === 0xe0) return 2 + (((c & 0x0f) << 8) | lp.charCodeAt(p + 1));
  if (c === 0xf0) {
    return (
      5 +
      (lp.charCodeAt(p + 1) | (lp.charCodeAt(p + 2) << 8) | (lp.charCodeAt(p + 3) << 16)) +
      lp.charCodeAt(p + 4) * 16777216
    );
  }
  if (c === 0xf1) return 3;
  if (c === 0xf2) return 4;
  if (c === 0xf3) return 5;
  return 9;
}

/** Position just after the entry at p (its backlen included). */
export function lpSkip(lp: string, p: number): number {
  const enc = lpEncodedSize(lp, p);
  return p + enc + lpBacklenSize(enc);
}

/** Position of the entry after the one at p, -1 at the end. */
export function lpNext(lp: string, p: number): number {
  const q = lpSkip(lp, p);
  return q < lp.length - 1 ? q : -1;
}

/** Position of the entry before position p (p may be the terminator's position), -1 at the start. */
export function lpPrev(lp: string, p: number): number {
  if (p <= LP_HDR_SIZE) return -1;
  let r = p - 1;
  let val = 0;
  let mul = 1;
  for (;;) {
    const x = lp.charCodeAt(r);
    val += (x & 127) * mul;
    if (!(x & 128)) break;
    mul *= 128;
    r--;
  }
  return r - val;
}

/** Position of the last entry, -1 when empty. */
export function lpLast(lp: string): number {
  return lpPrev(lp, lp.length - 1);
}

/** Position of the element at index i (negative counts from the end), -1 when out of range (lpSeek). */
export function lpSeek(lp: string, i: number): number {
  if (i < 0) {
    let p = lpLast(lp);
    for (let k = -1; k > i && p >= 0; k--) p = lpPrev(lp, p);
    return p;
  }
  let p = lpFirst(lp);
  for (let k = 0; k < i && p >= 0; k++) p = lpNext(lp, p);
  return p;
}

/** True when the entry at p is integer-encoded. */
export function lpIsInt(lp: string, p: number): boolean {
  const c = lp.charCodeAt(p);
  return c < 0x80 || (c & 0xe0) === 0xc0 || (c >= 0xf1 && c <= 0xf4);
}

/** The integer of an integer-encoded entry at p (bigint only beyond 2^53); null for a string entry. */
export function lpGetInt(lp: string, p: number): number | bigint | null {
  const c = lp.charCodeAt(p);
  if (c < 0x80) return c;
  if ((c & 0xe0) === 0xc0) {
    const u = ((c & 0x1f) << 8) | lp.charCodeAt(p + 1);
    return u >= 4096 ? u - 8192 : u;
  }
  switch (c) {
    case 0xf1:
      return ((lp.charCodeAt(p + 1) | (lp.charCodeAt(p + 2) << 8)) << 16) >> 16;
    case 0xf2:
      return ((lp.charCodeAt(p + 1) | (lp.charCodeAt(p + 2) << 8) | (lp.charCodeAt(p + 3) << 16)) << 8) >> 8;
    case 0xf3:
      return (
        lp.charCodeAt(p + 1) | (lp.charCodeAt(p + 2) << 8) | (lp.charCodeAt(p + 3) << 16) | (lp.charCodeAt(p + 4) << 24)
      );
    case 0xf4: {
      const lo =
        (lp.charCodeAt(p + 1) | (lp.charCodeAt(p + 2) << 8) | (lp.charCodeAt(p + 3) << 16)) +
        lp.charCodeAt(p + 4) * 16777216;
      const hi =
        lp.charCodeAt(p + 5) | (lp.charCodeAt(p + 6) << 8) | (lp.charCodeAt(p + 7) << 16) | (lp.charCodeAt(p + 8) << 24);
      if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + lo;
      return (BigInt(hi) << 32n) + BigInt(lo);
    }
    default:
      return null;
  }
}

/** Offset and length of a string entry's bytes at p (when not an integer): [start, len]. */
function strSpan(lp: string, p: number): number {
  const c = lp.charCodeAt(p);
  if ((c & 0xc0) === 0x80) return p + 1;
  if ((c & 0xf0) === 0xe0) return p + 2;
  return p + 5;
}

/** Bytes of the element at p as a string (its decimal form for an integer entry): lpGet. */
export function lpGet(lp: string, p: number): string {
  const c = lp.charCodeAt(p);
  if ((c & 0xc0) === 0x80) return lp.substring(p + 1, p + 1 + (c & 0x3f));
  if ((c & 0xf0) === 0xe0 || c === 0xf0) {
    const enc = lpEncodedSize(lp, p);
    return lp.substring(strSpan(lp, p), p + enc);
  }
  return String(lpGetInt(lp, p));
}

/** Length in bytes of the element at p as lpGet would return it (no allocation for strings). */
export function lpGetLength(lp: string, p: number): number {
  const c = lp.charCodeAt(p);
  if ((c & 0xc0) === 0x80) return c & 0x3f;
  if ((c & 0xf0) === 0xe0 || c === 0xf0) return lpEncodedSize(lp, p) - (strSpan(lp, p) - p);
  return String(lpGetInt(lp, p)).length;
}

/**
 * True when the element at p equals `s`. `sInt` is lpStringToInt(s), computed
 * once by the caller when it compares many entries (undefined: computed here).
 */
export function lpEq(lp: string, p: number, s: string, sInt?: number | bigint | null): boolean {
  const c = lp.charCodeAt(p);
  let start: number;
  let len: number;
  if ((c & 0xc0) === 0x80) {
    start = p + 1;
    len = c & 0x3f;
  } else if ((c & 0xf0) === 0xe0 || c === 0xf0) {
    start = strSpan(lp, p);
    len = lpEncodedSize(lp, p) - (start - p);
  } else {
    const iv = sInt === undefined ? lpStringToInt(s) : sInt;
    return iv !== null && iv === lpGetInt(lp, p);
  }
  if (len !== s.length) return false;
  for (let i = 0; i < len; i++) if (lp.charCodeAt(start + i) !== s.charCodeAt(i)) return false;
  return true;
}

/**
 * Byte-wise comparison of the element at p with `s` (memcmp then length, as
 * Redis's sdscmp / zzlCompareElements): <0, 0, >0.
 */
export function lpCompare(lp: string, p: number, s: string): number {
  const c = lp.charCodeAt(p);
  if (!((c & 0xc0) === 0x80 || (c & 0xf0) === 0xe0 || c === 0xf0)) {
    const e = lpGet(lp, p);
    return e < s ? -1 : e > s ? 1 : 0;
  }
  const start = strSpan(lp, p);
  const len = lpEncodedSize(lp, p) - (start - p);
  const n = len < s.length ? len : s.length;
  for (let i = 0; i < n; i++) {
    const d = lp.charCodeAt(start + i) - s.charCodeAt(i);
    if (d !== 0) return d;
  }
  return len - s.length;
}

/**
 * Position of the first element equal to `s`, looking at the first entry and
 * then every (skip+1)-th one (lpFind: skip 1 visits the keys of a
 * key,value,... listpack); -1 when absent.
 */
export function lpFind(lp: string, s: string, skip = 0): number {
  const sInt = s.length <= 20 ? lpStringToInt(s) : null;
  // (a short one is cheaper to compare in JS than to look for with a native call)
  if (sInt === null && s.length >= 10) return lpFindText(lp, s, skip);
  const end = lp.length - 1;
  let p = LP_HDR_SIZE;
  while (p < end) {
    if (lpEq(lp, p, s, sInt)) return p;
    p = lpSkip(lp, p);
    for (let k = 0; k < skip && p < end; k++) p = lpSkip(lp, p);
  }
  return -1;
}

/**
 * lpFind of a string that is not an integer's canonical form (so it can only
 * be a string entry): V8's indexOf finds where its bytes occur (a memchr and
 * memcmp, several times faster than comparing char codes in JS: ~70 ns for
 * a 20-byte field against ~33), and the walk over the entry headers keeps
 * only an occurrence that is exactly a compared entry's data.
 */
function lpFindText(lp: string, s: string, skip: number): number {
  const n = s.length;
  const end = lp.length - 1;
  let hit = lp.indexOf(s, LP_HDR_SIZE);
  let p = LP_HDR_SIZE;
  while (hit >= 0 && p < end) {
    const c = lp.charCodeAt(p);
    if ((c & 0xc0) === 0x80 || (c & 0xf0) === 0xe0 || c === 0xf0) {
      const start = strSpan(lp, p);
      if (hit < start) hit = lp.indexOf(s, start);
      if (hit === start && lpEncodedSize(lp, p) - (start - p) === n) return p;
    }
    p = lpSkip(lp, p);
    for (let k = 0; k < skip && p < end; k++) p = lpSkip(lp, p);
  }
  return -1;
}

/** All elements as strings, in order. */
export function lpToArray(lp: string): string[] {
  const out: string[] = [];
  for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p)) out.push(lpGet(lp, p));
  return out;
}

/**
 * All elements as flat strings of their own (not substrings pinning `lp`):
 * what a conversion to a big structure keeps for good.
 */
export function lpToOwnedArray(lp: string): string[] {
  const b = scratchFor(lp.length);
  b.write(lp, 0, lp.length, 'latin1');
  const out: string[] = [];
  for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, p)) {
    const c = lp.charCodeAt(p);
    if ((c & 0xc0) === 0x80 || (c & 0xf0) === 0xe0 || c === 0xf0) {
      const start = strSpan(lp, p);
      out.push(b.latin1Slice(start, p + lpEncodedSize(lp, p)));
    } else {
      out.push(String(lpGetInt(lp, p)));
    }
  }
  return out;
}

// ------------------------------------------------------------------ editing

/**
 * The listpack with `ndel` elements deleted at position p and `items`
 * inserted there (p may be lp.length - 1 to append); the one edit primitive
 * that lpInsert / lpReplace / lpDeleteRange are written with. Returns a new
 * flat string; `lp` is unchanged.
 */
export function lpSplice(lp: string, p: number, ndel: number, items: readonly string[] = []): string {
  const L = lp.length;
  let q = p;
  let removed = 0;
  while (removed < ndel && q < L - 1) {
    q = lpSkip(lp, q);
    removed++;
  }
  let room = 0;
  for (let i = 0; i < items.length; i++) room += items[i].length + 11;
  const ins = scratch2For(room);
  let n = 0;
  for (let i = 0; i < items.length; i++) n = lpWrite(ins, n, items[i]);
  const total = L - (q - p) + n;
  const b = scratchFor(Math.max(total, L));
  if (total <= SMALL_SPLICE) {
    // a small listpack: byte loops beat three calls into C++ (write, copyWithin, copy)
    for (let i = 6; i < p; i++) b[i] = lp.charCodeAt(i);
    for (let i = 0; i < n; i++) b[p + i] = ins[i];
    for (let i = q, o = p + n; i < L; i++, o++) b[o] = lp.charCodeAt(i);
  } else {
    b.write(lp, 0, L, 'latin1');
    if (n !== q - p) b.copyWithin(p + n, q, L);
    ins.copy(b, p, 0, n);
  }
  const old = lp.charCodeAt(4) | (lp.charCodeAt(5) << 8);
  setHeader(b, total, old === LP_HDR_NUMELE_UNKNOWN ? old : old - removed + items.length);
  return b.latin1Slice(0, total);
}

/** lpInsert before the entry at p (or at the end when p is lp.length - 1). */
export function lpInsertAt(lp: string, p: number, items: readonly string[]): string {
  return lpSplice(lp, p, 0, items);
}

/** lpAppend of the items. */
export function lpAppend(lp: string, items: readonly string[]): string {
  return lpSplice(lp, lp.length - 1, 0, items);
}

/**
 * lpReplace of the element at p. Writing the value it holds (an HSET of the
 * same value) gives the same bytes: the listpack is returned as is, unless
 * the element is a string that lpAppend would store as an integer.
 */
export function lpReplaceAt(lp: string, p: number, s: string): string {
  if (lpEq(lp, p, s) && (lpIsInt(lp, p) || s.length > 20 || lpStringToInt(s) === null)) return lp;
  return lpSplice(lp, p, 1, [s]);
}

/** lpDeleteRange: n elements from position p. */
export function lpDeleteAt(lp: string, p: number, n = 1): string {
  return lpSplice(lp, p, n);
}

// ------------------------------------------------------------------ validation

/**
 * Redis's lpValidateIntegrity with deep=1 over b[start, end): header size and
 * terminator, each entry's encoding, lengths and backlen inside the bounds,
 * the element count. `onEntry(p)` (absolute position of an entry) may reject
 * an entry by returning false. Returns the element count; throws
 * ListpackError saying what is wrong.
 */
export function lpValidate(b: Buffer, start = 0, end = b.length, onEntry?: (p: number) => boolean): number {
  const size = end - start;
  if (size < LP_HDR_SIZE + 1) throw new ListpackError(`listpack too short (${size} bytes)`);
  const total = b.readUInt32LE(start);
  if (total !== size) throw new ListpackError(`header says ${total} bytes but the blob has ${size}`);
  if (b[end - 1] !== LP_EOF) throw new ListpackError('missing terminator');
  const numele = b[start + 4] | (b[start + 5] << 8);
  const last = end - 1;
  let count = 0;
  let p = start + LP_HDR_SIZE;
  const at = (x: number): string => ` (at byte ${x - start} of the listpack)`;
  while (p < last) {
    const c = b[p];
    let enc: number;
    let hdr = 1;
    if (c < 0x80) enc = 1;
    else if ((c & 0xc0) === 0x80) enc = 1 + (c & 0x3f);
    else if ((c & 0xe0) === 0xc0) enc = 2;
    else if ((c & 0xf0) === 0xe0) {
      hdr = 2;
      if (p + 2 > last) throw new ListpackError(`12-bit string header overflows${at(p)}`);
      enc = 2 + (((c & 0x0f) << 8) | b[p + 1]);
    } else if (c === 0xf0) {
      hdr = 5;
      if (p + 5 > last) throw new ListpackError(`32-bit string header overflows${at(p)}`);
      enc = 5 + b.readUInt32LE(p + 1);
    } else if (c === 0xf1) enc = 3;
    else if (c === 0xf2) enc = 4;
    else if (c === 0xf3) enc = 5;
    else if (c === 0xf4) enc = 9;
    else throw new ListpackError(`invalid entry encoding 0x${c.toString(16)}${at(p)}`);
    void hdr;
    if (p + enc > last) throw new ListpackError(`entry overflows${at(p)}`);
    const q = p + enc + lpBacklenSize(enc);
    if (q > last) throw new ListpackError(`entry back-length overflows${at(p)}`);
    let val = 0;
    let mul = 1;
    let r = q - 1;
    for (;;) {
      const x = b[r];
      val += (x & 127) * mul;
      if (!(x & 128)) break;
      mul *= 128;
      r--;
      if (r < p + enc) throw new ListpackError(`invalid back-length${at(p)}`);
    }
    if (val !== enc) throw new ListpackError(`back-length ${val} does not match entry size ${enc}${at(p)}`);
    if (onEntry && !onEntry(p)) throw new ListpackError(`invalid entry${at(p)}`);
    count++;
    p = q;
  }
  if (p !== last) throw new ListpackError('entries overrun the terminator');
  if (numele !== LP_HDR_NUMELE_UNKNOWN && numele !== count) {
    throw new ListpackError(`header says ${numele} elements but ${count} were found`);
  }
  return count;
}

/** lpValidate of a listpack held as a string (copies it into the scratch buffer). */
export function lpValidateString(lp: string): number {
  const b = scratchFor(lp.length);
  b.write(lp, 0, lp.length, 'latin1');
  return lpValidate(b, 0, lp.length);
}
