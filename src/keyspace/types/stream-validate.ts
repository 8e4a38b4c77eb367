/**
 * Deep validation of a stream node's listpack, as Redis 7.0's
 * streamValidateListpackIntegrity(lp, size, deep=1) (t_stream.c) with
 * lpValidateNext (listpack.c): the header's byte count and terminator, every
 * element inside the listpack with a back-length matching its size, the
 * master entry (count, deleted, num-fields, the field names, a 0
 * terminator), then exactly count + deleted entries (flags, ms and seq
 * deltas, num-fields and field names unless SAMEFIELDS, the values, an
 * lp-count equal to the elements of the entry) and nothing after them.
 * Integer positions accept what lpGetIntegerIfValid accepts: an integer
 * encoding, or a string string2ll parses. The header's element count and
 * the flag/counter agreement are not checked (Redis does not either).
 *
 * The node code reads flags as one 7-bit byte (deletion ORs a bit into it)
 * and integers only from integer encodings; `canonical` is false when the
 * listpack holds an integer as a string or flags in any other form, so the
 * caller re-encodes the node (same entries, Redis's usual encodings).
 */
import { FLAG_SAMEFIELDS } from './stream-id';
import { rd, R_ISINT, R_INT, R_STR, LpWriter } from './stream-listpack';
import { lpBacklenSize, lpStringToInt } from '../listpack';

const HDR = 6;

/** Why a node listpack was refused (the RDB reader reports "Stream listpack integrity check failed"). */
export class StreamListpackError extends Error {}

function fail(why: string, p: number): never {
  throw new StreamListpackError(`${why} (at byte ${p} of the node listpack)`);
}

/** Size of the element's encoding + data (lpCurrentEncodedSizeUnsafe), or -1 for an invalid encoding byte. */
function encodedSize(b: Buffer, p: number, last: number): number {
  const c = b[p];
  if (c < 0x80) return 1;
  if ((c & 0xc0) === 0x80) return 1 + (c & 0x3f);
  if ((c & 0xe0) === 0xc0) return 2;
  // lpCurrentEncodedSizeBytes: the length bytes must be inside the listpack first
  if ((c & 0xf0) === 0xe0) return p + 2 > last ? fail('12-bit string header out of range', p) : 2 + (((c & 0x0f) << 8) | b[p + 1]);
  if (c === 0xf0) return p + 5 > last ? fail('32-bit string header out of range', p) : 5 + b.readUInt32LE(p + 1);
  if (c === 0xf1) return 3;
  if (c === 0xf2) return 4;
  if (c === 0xf3) return 5;
  if (c === 0xf4) return 9;
  return -1;
}

/** lpDecodeBacklen reading backwards from r; -1 past 5 bytes. */
function backlen(b: Buffer, r: number): number {
  let val = 0;
  let mul = 1;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28) return -1;
    const x = b[r];
    val += (x & 127) * mul;
    if (!(x & 128)) return val;
    mul *= 128;
    r--;
  }
}

/** lpValidateNext: the position after the (valid) element at p; -1 when p is the terminator. */
function next(b: Buffer, p: number): number {
  const last = b.length - 1;
  if (p < HDR || p > last) fail('element out of range', p);
  if (b[p] === 0xff) return -1;
  const enc = encodedSize(b, p, last);
  if (enc < 0) fail(`invalid element encoding 0x${b[p].toString(16)}`, p);
  const len = enc + lpBacklenSize(enc);
  if (p + len > last) fail('element out of range', p);
  if (backlen(b, p + len - 1) !== enc) fail('back-length does not match the element', p);
  return p + len;
}

/** The node's counters as read, and whether its encodings are the ones the node code reads directly. */
export interface StreamNodeCheck {
  count: number;
  deleted: number;
  canonical: boolean;
}

/** Validate a stream node listpack (Redis's deep check); throws StreamListpackError. */
export function validateStreamListpack(lp: Buffer): StreamNodeCheck {
  const size = lp.length;
  if (size < HDR + 1 || lp.readUInt32LE(0) !== size || lp[size - 1] !== 0xff) fail('bad listpack header or terminator', 0);
  let canonical = true;
  let p = HDR;
  // p: the element to read; q: the one after it (-1 past the terminator)
  let q = next(lp, p);
  if (q < 0) fail('empty listpack', p);
  /** Move on one element: the current one must not be the terminator. */
  const step = (): void => {
    if (q < 0) fail('listpack ends early', p);
    p = q;
    q = next(lp, p);
  };
  /** lpGetIntegerIfValid of the element at p, then step (a bigint only beyond 2^53). */
  const int = (what: string): number | bigint => {
    if (q < 0) fail(`listpack ends before the ${what}`, p);
    rd(lp, p);
    let v: number | bigint;
    if (R_ISINT) v = R_INT;
    else {
      const n = lpStringToInt(R_STR);
      if (n === null) fail(`${what} is not an integer`, p);
      v = n;
      canonical = false;
    }
    step();
    return v;
  };
  /** `steps` elements skipped (a count past the listpack's end fails in step()). */
  const skipN = (steps: number | bigint): void => {
    for (let j = 0; j < steps; j++) step();
  };
  const count = int('entry count');
  const deleted = int('deleted count');
  const masterFields = int('master num-fields');
  skipN(masterFields);
  if (int('master entry terminator') != 0) fail('master entry terminator is not 0', p);
  // int64 arithmetic as in C; a negative total never validates (Redis's loop runs off the end)
  let entries = typeof count === 'number' && typeof deleted === 'number' ? count + deleted : Number(BigInt.asIntN(64, BigInt(count) + BigInt(deleted)));
  if (entries < 0) fail('negative entry count', p);
  for (; entries > 0; entries--) {
    if (lp[p] >= 0x80) canonical = false; // flags not one 7-bit byte
    const flags = int('entry flags');
    int('entry ms delta');
    int('entry seq delta');
    let fields = masterFields;
    let extra: number | bigint = 3;
    const same = typeof flags === 'number' ? flags & FLAG_SAMEFIELDS : Number(flags & BigInt(FLAG_SAMEFIELDS));
    if (!same) {
      fields = int('entry num-fields');
      skipN(fields);
      extra = typeof fields === 'number' ? fields + 4 : fields + 4n;
    }
    skipN(fields);
    const lpCount = int('entry lp-count');
    const want = typeof fields === 'number' && typeof extra === 'number' ? fields + extra : BigInt(fields) + BigInt(extra);
    if (lpCount != want) fail('entry lp-count does not match its elements', p);
  }
  if (q >= 0) fail('elements after the last entry', p);
  return { count: Number(count), deleted: Number(deleted), canonical };
}

/**
 * The node body (from the master entry's num-fields on, no terminator) of a
 * listpack validateStreamListpack accepted, re-encoded as the node code reads
 * it: integers in integer encodings, flags as one 7-bit byte (a flags value
 * outside 0..127 keeps its two meaningful bits, DELETED and SAMEFIELDS).
 */
export function canonicalStreamBody(lp: Buffer): Buffer {
  const w = new LpWriter(Buffer.allocUnsafeSlow(lp.length + 64), 0);
  let p = HDR;
  const num = (): number | bigint => {
    p = rd(lp, p);
    return R_ISINT ? R_INT : (lpStringToInt(R_STR) as number | bigint);
  };
  const copy = (n: number | bigint): void => {
    for (let j = 0; j < n; j++) {
      p = rd(lp, p);
      w.str(R_ISINT ? String(R_INT) : R_STR);
    }
  };
  const count = num();
  const deleted = num();
  const masterFields = num();
  w.int(masterFields);
  copy(masterFields);
  num();
  w.int(0);
  let entries = typeof count === 'number' && typeof deleted === 'number' ? count + deleted : Number(BigInt.asIntN(64, BigInt(count) + BigInt(deleted)));
  for (; entries > 0; entries--) {
    const f = num();
    const flags = typeof f === 'number' && f >= 0 && f < 128 ? f : Number(BigInt(f) & 3n);
    w.int(flags);
    w.int(num());
    w.int(num());
    let fields = masterFields;
    if (!(flags & FLAG_SAMEFIELDS)) {
      fields = num();
      w.int(fields);
      copy(fields);
    }
    copy(fields);
    w.int(num());
  }
  return w.buf.subarray(0, w.len);
}
