/**
 * The one intset codec (Redis intset.c), on a latin1 JS string whose chars
 * are exactly the intset's bytes:
 *
 *   <encoding u32 LE: 2|4|8> <length u32 LE> <length sorted little-endian ints>
 *
 * A small all-integer set (RSet) holds one such string; RDB_TYPE_SET_INTSET
 * and DUMP payloads are a copy of it. Strings are immutable: every change
 * builds the new intset in a reusable scratch Buffer and returns a flat
 * one-byte string (latin1Slice), never a cons or sliced string.
 *
 * Members are decimal strings as Redis's string2ll accepts them (canonical
 * int64: no '+', no leading zeros, no "-0"); see isIntsetMember.
 */

/** Buffer.prototype.latin1Slice / latin1Write (in Node, not in the public typings). */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length: number): number;
}

const TWO32 = 4294967296;
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
/** An empty intset (encoding 2, no members). */
export const EMPTY_INTSET = '\x02\x00\x00\x00\x00\x00\x00\x00';

let scratch = Buffer.allocUnsafeSlow(8 + 1024 * 8) as Latin1Buffer;

function scratchFor(n: number): Latin1Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafeSlow(Math.max(n, scratch.length * 2)) as Latin1Buffer;
  return scratch;
}

/**
 * True when `s` is what Redis's string2ll accepts: a canonical base-10 int64
 * (no '+', no leading zeros, no "-0", no blanks, within range). Such members
 * are the ones an intset can hold.
 */
export function isIntsetMember(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  if (n === 1) return s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) i = 1;
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return false;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  const digits = n - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  const mag = i === 0 ? s : s.slice(1);
  return mag <= (neg ? INT64_MIN_ABS : INT64_MAX);
}

// The value being looked up / added, split as the 64-bit encoding stores it.
let tHi = 0; // signed high 32 bits
let tLo = 0; // unsigned low 32 bits
let tNum = 0; // the value as a double (exact when |v| < 2^53)

/** Parses a member known to pass isIntsetMember into tHi/tLo/tNum. */
function parseTarget(s: string): void {
  const digits = s.charCodeAt(0) === 45 ? s.length - 1 : s.length;
  if (digits <= 15) {
    const v = +s;
    tNum = v;
    tHi = Math.floor(v / TWO32);
    tLo = v - tHi * TWO32;
    return;
  }
  const b = BigInt(s);
  tNum = Number(b);
  tHi = Number(BigInt.asIntN(32, b >> 32n));
  tLo = Number(b & 0xffffffffn);
}

/** The smallest encoding (2, 4 or 8 bytes) holding the parsed target. */
function targetEncoding(): number {
  if (tHi === 0 ? tLo <= 32767 : tHi === -1 && tLo >= TWO32 - 32768) return 2;
  if (tHi === 0 ? tLo <= 2147483647 : tHi === -1 && tLo >= TWO32 / 2) return 4;
  return 8;
}

function u32(s: string, p: number): number {
  return (s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 24)) >>> 0;
}

function i32(s: string, p: number): number {
  return s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 24);
}

function i16(s: string, p: number): number {
  return ((s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8)) << 16) >> 16;
}

/** Bytes per member: 2, 4 or 8. */
export function intsetEncoding(s: string): number {
  return s.charCodeAt(0);
}

/** Number of members. */
export function intsetLen(s: string): number {
  return u32(s, 4);
}

/** The member at position i (ascending order) as a decimal string. */
export function intsetGet(s: string, i: number): string {
  const enc = s.charCodeAt(0);
  const p = 8 + i * enc;
  if (enc === 2) return String(i16(s, p));
  if (enc === 4) return String(i32(s, p));
  const lo = u32(s, p);
  const hi = i32(s, p + 4);
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) + BigInt(lo)).toString();
}

/** The member at position i as a double (exact below 2^53), for numeric sorting. */
export function intsetGetNumber(s: string, i: number): number {
  const enc = s.charCodeAt(0);
  const p = 8 + i * enc;
  if (enc === 2) return i16(s, p);
  if (enc === 4) return i32(s, p);
  return i32(s, p + 4) * TWO32 + u32(s, p);
}

/** Compares the member at byte offset p (encoding enc) with the parsed target: <0, 0, >0. */
function cmpAt(s: string, p: number, enc: number): number {
  if (enc === 2) return i16(s, p) - tNum;
  if (enc === 4) return i32(s, p) - tNum;
  const hi = i32(s, p + 4);
  if (hi !== tHi) return hi < tHi ? -1 : 1;
  const lo = u32(s, p);
  return lo === tLo ? 0 : lo < tLo ? -1 : 1;
}

/** Binary search for the parsed target: its index, or -(insertion point) - 1. */
function search(s: string): number {
  const enc = s.charCodeAt(0);
  let lo = 0;
  let hi = u32(s, 4) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmpAt(s, 8 + mid * enc, enc);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** Position of `member` in the intset, or -1 (also for members that are not integers). */
export function intsetFind(s: string, member: string): number {
  if (!isIntsetMember(member)) return -1;
  parseTarget(member);
  if (targetEncoding() > s.charCodeAt(0)) return -1;
  const r = search(s);
  return r < 0 ? -1 : r;
}

function writeTarget(b: Buffer, p: number, enc: number): void {
  if (enc === 2) b.writeInt16LE(tNum, p);
  else if (enc === 4) b.writeInt32LE(tNum, p);
  else {
    b.writeUInt32LE(tLo, p);
    b.writeInt32LE(tHi, p + 4);
  }
}

/** Copies member i of `s` (encoding `from`) into b at p with encoding `to` (>= from). */
function widen(s: string, i: number, from: number, b: Buffer, p: number, to: number): void {
  const q = 8 + i * from;
  if (from === 8) {
    for (let k = 0; k < 8; k++) b[p + k] = s.charCodeAt(q + k);
    return;
  }
  const v = from === 2 ? i16(s, q) : i32(s, q);
  if (to === 4) b.writeInt32LE(v, p);
  else {
    b.writeInt32LE(v, p);
    b.writeInt32LE(v < 0 ? -1 : 0, p + 4);
  }
}

/**
 * intsetAdd: `member` must pass isIntsetMember. Returns the new intset, or
 * null when the member was already there. A member wider than the current
 * encoding upgrades every member (intsetUpgradeAndAdd): it goes first when
 * negative, last when positive.
 */
export function intsetAdd(s: string, member: string): string | null {
  parseTarget(member);
  const enc = s.charCodeAt(0);
  const n = u32(s, 4);
  const need = targetEncoding();
  if (need > enc) {
    const size = 8 + (n + 1) * need;
    const b = scratchFor(size);
    b.writeUInt32LE(need, 0);
    b.writeUInt32LE(n + 1, 4);
    const prepend = tHi < 0 ? 1 : 0;
    for (let i = 0; i < n; i++) widen(s, i, enc, b, 8 + (i + prepend) * need, need);
    writeTarget(b, prepend ? 8 : 8 + n * need, need);
    return b.latin1Slice(0, size);
  }
  const r = search(s);
  if (r >= 0) return null;
  const at = -r - 1;
  const size = s.length + enc;
  const b = scratchFor(size);
  const split = 8 + at * enc;
  // the whole old intset shifted by one member, then its head over it: no temporary strings
  b.latin1Write(s, enc, s.length);
  b.latin1Write(s, 0, split);
  writeTarget(b, split, enc);
  b.writeUInt32LE(n + 1, 4);
  return b.latin1Slice(0, size);
}

/** intsetRemove of the member at position i: the new intset (the encoding never shrinks, as in Redis). */
export function intsetRemoveAt(s: string, i: number): string {
  const enc = s.charCodeAt(0);
  const n = u32(s, 4);
  const size = s.length - enc;
  const b = scratchFor(size);
  const split = 8 + i * enc;
  b.latin1Write(s, 0, split);
  if (split + enc < s.length) b.latin1Write(s.slice(split + enc), split, s.length - split - enc);
  b.writeUInt32LE(n - 1, 4);
  return b.latin1Slice(0, size);
}

/**
 * An intset holding `members` (any order, duplicates ignored), or null when
 * one is not an int64 in canonical form.
 */
export function intsetFrom(members: Iterable<string>): string | null {
  const nums: number[] = [];
  let bigs: bigint[] | null = null;
  let need = 2;
  for (const m of members) {
    if (!isIntsetMember(m)) return null;
    parseTarget(m);
    const e = targetEncoding();
    if (e > need) need = e;
    if (Number.isSafeInteger(tNum)) nums.push(tNum);
    else (bigs ??= []).push(BigInt(m));
  }
  let count: number;
  const b0 = (k: number): Latin1Buffer => {
    const b = scratchFor(8 + k * need);
    b.writeUInt32LE(need, 0);
    return b;
  };
  if (bigs === null) {
    nums.sort((a, b) => a - b);
    const b = b0(nums.length);
    let p = 8;
    count = 0;
    for (let i = 0; i < nums.length; i++) {
      const v = nums[i];
      if (i > 0 && v === nums[i - 1]) continue;
      if (need === 2) b.writeInt16LE(v, p);
      else if (need === 4) b.writeInt32LE(v, p);
      else {
        const hi = Math.floor(v / TWO32);
        b.writeUInt32LE(v - hi * TWO32, p);
        b.writeInt32LE(hi, p + 4);
      }
      p += need;
      count++;
    }
    b.writeUInt32LE(count, 4);
    return b.latin1Slice(0, p);
  }
  const all: bigint[] = bigs.concat(nums.map((v) => BigInt(v)));
  all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const b = b0(all.length);
  let p = 8;
  count = 0;
  for (let i = 0; i < all.length; i++) {
    if (i > 0 && all[i] === all[i - 1]) continue;
    b.writeBigInt64LE(all[i], p);
    p += 8;
    count++;
  }
  b.writeUInt32LE(count, 4);
  return b.latin1Slice(0, p);
}

/**
 * intsetValidateIntegrity with deep checking: a detail of what is wrong, or
 * null when `s` is a valid, non-empty intset (size, encoding, strictly
 * ascending members).
 */
export function intsetValidate(s: string): string | null {
  const size = s.length;
  if (size < 8) return `intset too short (${size} bytes)`;
  const enc = u32(s, 0);
  if (enc !== 2 && enc !== 4 && enc !== 8) return `invalid intset encoding ${enc}`;
  const count = u32(s, 4);
  if (8 + count * enc !== size) return `intset of ${count} x ${enc}-byte integers does not fit ${size} bytes`;
  if (count === 0) return 'empty intset';
  if (enc === 8) {
    for (let i = 1, p = 16; i < count; i++, p += 8) {
      const hi = i32(s, p + 4);
      const phi = i32(s, p - 4);
      if (!(hi > phi || (hi === phi && u32(s, p) > u32(s, p - 8)))) return 'intset is not sorted or has duplicates';
    }
  } else {
    let prev = -Infinity;
    for (let i = 0, p = 8; i < count; i++, p += enc) {
      const v = enc === 2 ? i16(s, p) : i32(s, p);
      if (v <= prev) return 'intset is not sorted or has duplicates';
      prev = v;
    }
  }
  return null;
}

/** All members, ascending, as decimal strings. */
export function intsetMembers(s: string): string[] {
  const n = u32(s, 4);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = intsetGet(s, i);
  return out;
}
