/** The listpack bits of stream nodes: element sizes, the writer, and the reader (rd() leaves the element in R_ISINT/R_INT/R_STR). */
import { SAFE } from './stream-id';
import { lpEntrySize, lpIntEntrySize, lpStringToInt, lpWrite, lpWriteInt } from '../listpack';

// ------------------------------------------------------------ listpack bits
// Sizes and encoders are the one codec's (../listpack.ts); a node keeps its
// body in a growable Buffer, so the writer here only manages that buffer.

/** Encoded size (entry + backlen) of an integer element, as lpAppendInteger stores it. */
export const lpIntSize = lpIntEntrySize;

/** A canonical integer string ("0", "-12", no leading zeros, int64) as lpAppend would integer-encode it, else null. */
export const canonicalInt = lpStringToInt;

/** Bytes lpAppend would use for a string element (entry + backlen). */
export const lpStrSize = lpEntrySize;

/** A growable listpack body (no header, no terminator). */
export class LpWriter {
  buf: Buffer;
  len: number;
  constructor(buf: Buffer, len: number) {
    this.buf = buf;
    this.len = len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    if (cap < 64) cap = 64;
    while (cap < this.len + n) cap *= 2;
    // never from Buffer's shared pool: a node outlives the pool slab it would pin
    const nb = Buffer.allocUnsafeSlow(cap);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  int(v: number | bigint): void {
    this.ensure(14);
    this.len = lpWriteInt(this.buf, this.len, v);
  }

  str(s: string): void {
    this.ensure(s.length + 11);
    this.len = lpWrite(this.buf, this.len, s);
  }
}

// Element reader: rd() decodes the element at `pos`, leaving its value in
// R_INT (integers) or R_STR (strings) and returning the next position.
export let R_ISINT = false;
export let R_INT: number | bigint = 0;
export let R_STR = '';

export function rd(b: Buffer, p: number): number {
  const c = b[p];
  let enc: number;
  if (c < 0x80) {
    R_ISINT = true;
    R_INT = c;
    enc = 1;
  } else if ((c & 0xc0) === 0x80) {
    const len = c & 0x3f;
    R_ISINT = false;
    R_STR = b.latin1Slice(p + 1, p + 1 + len);
    enc = 1 + len;
  } else if ((c & 0xe0) === 0xc0) {
    const u = ((c & 0x1f) << 8) | b[p + 1];
    R_ISINT = true;
    R_INT = u >= 4096 ? u - 8192 : u;
    enc = 2;
  } else if ((c & 0xf0) === 0xe0) {
    const len = ((c & 0x0f) << 8) | b[p + 1];
    R_ISINT = false;
    R_STR = b.latin1Slice(p + 2, p + 2 + len);
    enc = 2 + len;
  } else {
    R_ISINT = true;
    switch (c) {
      case 0xf0: {
        const len = b.readUInt32LE(p + 1);
        R_ISINT = false;
        R_STR = b.latin1Slice(p + 5, p + 5 + len);
        enc = 5 + len;
        break;
      }
      case 0xf1:
        R_INT = b.readInt16LE(p + 1);
        enc = 3;
        break;
      case 0xf2:
        R_INT = ((b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16)) << 8) >> 8;
        enc = 4;
        break;
      case 0xf3:
        R_INT = b.readInt32LE(p + 1);
        enc = 5;
        break;
      default: {
        const v = b.readBigInt64LE(p + 1);
        R_INT = v >= -BigInt(SAFE) && v <= BigInt(SAFE) ? Number(v) : v;
        enc = 9;
      }
    }
  }
  return p + enc + (enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5);
}

export function curString(): string {
  return R_ISINT ? String(R_INT) : R_STR;
}

export function curNumber(): number {
  return typeof R_INT === 'bigint' ? Number(R_INT) : (R_INT as number);
}

/** The position after the element at p, without decoding it. */
export function skip(b: Buffer, p: number): number {
  const c = b[p];
  let enc: number;
  if (c < 0x80) enc = 1;
  else if ((c & 0xc0) === 0x80) enc = 1 + (c & 0x3f);
  else if ((c & 0xe0) === 0xc0) enc = 2;
  else if ((c & 0xf0) === 0xe0) enc = 2 + (((c & 0x0f) << 8) | b[p + 1]);
  else if (c === 0xf0) enc = 5 + b.readUInt32LE(p + 1);
  else if (c === 0xf1) enc = 3;
  else if (c === 0xf2) enc = 4;
  else if (c === 0xf3) enc = 5;
  else enc = 9;
  return p + enc + (enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5);
}

