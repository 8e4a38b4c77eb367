/** Stream IDs: two unsigned 64-bit halves (numbers up to 2^53-1, bigints beyond), their order, text and 16-byte keys. */

/** An unsigned 64-bit integer: a number when <= 2^53-1, else a bigint (normalized, so === compares). */
export type U64 = number | bigint;

/** A stream entry ID (ms-seq). */
export interface StreamID {
  ms: U64;
  seq: U64;
}

export const U64_MAX = 18446744073709551615n;
export const SAFE = Number.MAX_SAFE_INTEGER;
export const TWO64 = 18446744073709551616n;

/** Normalize a bigint or number to U64 (wraps modulo 2^64 like C's uint64_t). */
export function u64(v: number | bigint): U64 {
  if (typeof v === 'number') {
    if (v >= 0 && v <= SAFE) return v;
    v = BigInt(v);
  }
  v = BigInt.asUintN(64, v);
  return v <= BigInt(SAFE) ? Number(v) : v;
}

/** a + b modulo 2^64 (b may be negative: an int64 delta). */
export function u64add(a: U64, b: number | bigint): U64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (s >= 0 && s <= SAFE) return s;
  }
  return u64(BigInt(a) + BigInt(b));
}

/** a - b as a signed int64 (what Redis stores as a delta: (int64_t)(a - b)). */
export function i64sub(a: U64, b: U64): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const d = BigInt.asIntN(64, BigInt(a) - BigInt(b));
  return d >= -BigInt(SAFE) && d <= BigInt(SAFE) ? Number(d) : d;
}

export function cmpU64(a: U64, b: U64): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** streamCompareID */
export function cmpId(a: StreamID, b: StreamID): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export const ID_ZERO: StreamID = Object.freeze({ ms: 0, seq: 0 }) as StreamID;
export const ID_MAX: StreamID = Object.freeze({ ms: U64_MAX, seq: U64_MAX }) as StreamID;

export function idIsZero(id: StreamID): boolean {
  return id.ms === 0 && id.seq === 0;
}

export function idIsMax(id: StreamID): boolean {
  return id.ms === U64_MAX && id.seq === U64_MAX;
}

/** "ms-seq" */
export function idString(id: StreamID): string {
  return id.ms + '-' + id.seq;
}

/** streamIncrID: the next id, or null past the last possible one. */
export function idIncr(id: StreamID): StreamID | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: u64add(id.ms, 1), seq: 0 };
  }
  return { ms: id.ms, seq: u64add(id.seq, 1) };
}

/** streamDecrID: the previous id, or null before 0-0. */
export function idDecr(id: StreamID): StreamID | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: u64add(id.ms, -1), seq: U64_MAX };
  }
  return { ms: id.ms, seq: u64add(id.seq, -1) };
}

export function u64Bytes(v: U64): string {
  if (typeof v === 'number') {
    const hi = Math.floor(v / 4294967296);
    const lo = v - hi * 4294967296;
    return String.fromCharCode(hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
  }
  let s = '';
  for (let i = 7; i >= 0; i--) s += String.fromCharCode(Number((v >> BigInt(i * 8)) & 255n));
  return s;
}

/** The 16-byte big-endian key of an id (streamEncodeID): byte order is id order. */
export function idKey(id: StreamID): string {
  return u64Bytes(id.ms) + u64Bytes(id.seq);
}

export function readU64BE(b: Buffer, off: number): U64 {
  const hi = b.readUInt32BE(off);
  const lo = b.readUInt32BE(off + 4);
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return u64((BigInt(hi) << 32n) | BigInt(lo));
}

/** streamDecodeID from 16 big-endian bytes. */
export function decodeIdBytes(b: Buffer, off = 0): StreamID {
  return { ms: readU64BE(b, off), seq: readU64BE(b, off + 8) };
}

/** streamEncodeID into 16 big-endian bytes. */
export function encodeIdBytes(id: StreamID): Buffer {
  return Buffer.from(idKey(id), 'latin1');
}

/** Redis's string2ull: digits only (no sign, no spaces), within uint64; null otherwise. */
export function parseU64(s: string): U64 | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  // string2ull: strtoull accepts leading zeros
  if (n < 16) return Number(s);
  const v = BigInt(s);
  if (v > U64_MAX) return null;
  return u64(v);
}

export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

