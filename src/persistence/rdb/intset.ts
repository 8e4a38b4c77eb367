/**
 * Intset (RDB type 11) decoding and encoding, as Redis's intset.c:
 * <encoding u32 LE: 2|4|8> <length u32 LE> <sorted little-endian integers>.
 */
import { RdbError } from './errors';
import { int64LEToString, parseCanonicalInt } from './numbers';

function bad(what: string): RdbError {
  return new RdbError('CORRUPT', what);
}

/**
 * Decode an intset held in b[start..end) into decimal strings. Validates like
 * intsetValidateIntegrity with deep=1 (size, encoding, non-empty, strictly
 * ascending). Throws RdbError('CORRUPT').
 */
export function decodeIntset(b: Buffer, start = 0, end: number = b.length): string[] {
  const size = end - start;
  if (size < 8) throw bad(`intset too short (${size} bytes)`);
  const enc = b.readUInt32LE(start);
  if (enc !== 2 && enc !== 4 && enc !== 8) throw bad(`invalid intset encoding ${enc}`);
  const count = b.readUInt32LE(start + 4);
  if (8 + count * enc !== size) throw bad(`intset of ${count} x ${enc}-byte integers does not fit ${size} bytes`);
  if (count === 0) throw bad('empty intset');
  const out = new Array<string>(count);
  let p = start + 8;
  if (enc === 8) {
    let phi = 0;
    let plo = 0;
    for (let i = 0; i < count; i++, p += 8) {
      const lo = b.readUInt32LE(p);
      const hi = b.readInt32LE(p + 4);
      if (i > 0 && !(hi > phi || (hi === phi && lo > plo))) throw bad('intset is not sorted or has duplicates');
      phi = hi;
      plo = lo;
      out[i] = int64LEToString(b, p);
    }
  } else {
    let prev = -Infinity;
    for (let i = 0; i < count; i++, p += enc) {
      const v = enc === 2 ? b.readInt16LE(p) : b.readInt32LE(p);
      if (v <= prev) throw bad('intset is not sorted or has duplicates');
      prev = v;
      out[i] = String(v);
    }
  }
  return out;
}

/**
 * Encode members (all canonical integers) as an intset with the smallest
 * encoding that holds them all. Returns null when a member is not a
 * canonical 64-bit integer (then the set must be stored as a plain set).
 */
export function encodeIntset(members: Iterable<string>): Buffer | null {
  const nums: number[] = [];
  let bigs: bigint[] | null = null;
  let min = 0;
  let max = 0;
  for (const m of members) {
    const v = parseCanonicalInt(m);
    if (v === null) return null;
    if (typeof v === 'bigint') {
      (bigs ??= []).push(v);
    } else {
      nums.push(v);
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const count = nums.length + (bigs ? bigs.length : 0);
  let enc: number;
  if (bigs) enc = 8;
  else if (min >= -32768 && max <= 32767) enc = 2;
  else if (min >= -2147483648 && max <= 2147483647) enc = 4;
  else enc = 8;
  const out = Buffer.allocUnsafe(8 + count * enc);
  out.writeUInt32LE(enc, 0);
  out.writeUInt32LE(count, 4);
  let p = 8;
  if (bigs) {
    const all: bigint[] = bigs.concat(nums.map((n) => BigInt(n)));
    all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const v of all) {
      out.writeBigInt64LE(v, p);
      p += 8;
    }
    return out;
  }
  nums.sort((a, b) => a - b);
  for (const v of nums) {
    if (enc === 2) out.writeInt16LE(v, p);
    else if (enc === 4) out.writeInt32LE(v, p);
    else {
      const hi = Math.floor(v / 4294967296);
      out.writeUInt32LE(v - hi * 4294967296, p);
      out.writeInt32LE(hi, p + 4);
    }
    p += enc;
  }
  return out;
}
