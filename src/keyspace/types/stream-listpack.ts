/** The listpack bits of stream nodes: element sizes, the writer, and the reader (rd() leaves the element in R_ISINT/R_INT/R_STR). */
import { SAFE } from './stream-id';

// ------------------------------------------------------------ listpack bits

/** Encoded size (entry + backlen) of an integer element, as lpAppendInteger stores it. */
export function lpIntSize(v: number | bigint): number {
  if (typeof v === 'bigint') return 10;
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** A canonical integer string ("0", "-12", no leading zeros, int64) as lpAppend would integer-encode it, else null. */
export function canonicalInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const c0 = s.charCodeAt(i);
  if (c0 === 48) return n === 1 ? 0 : null;
  if (c0 < 49 || c0 > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (n - i < 16) return Number(s);
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v >= -BigInt(SAFE) && v <= BigInt(SAFE) ? Number(v) : v;
}

/** Bytes lpAppend would use for a string element (entry + backlen). */
export function lpStrSize(s: string): number {
  const iv = canonicalInt(s);
  if (iv !== null) return lpIntSize(iv);
  const len = s.length;
  const enc = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return enc + (enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5);
}

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

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.len;
    if (l <= 127) b[p++] = l;
    else if (l < 16383) {
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
    this.len = p;
  }

  int(v: number | bigint): void {
    this.ensure(14);
    const b = this.buf;
    const p = this.len;
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
      b.writeInt16LE(v, p + 1);
      n = 3;
    } else if (v >= -8388608 && v <= 8388607) {
      b[p] = 0xf2;
      b[p + 1] = v & 0xff;
      b[p + 2] = (v >> 8) & 0xff;
      b[p + 3] = (v >> 16) & 0xff;
      n = 4;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[p] = 0xf3;
      b.writeInt32LE(v, p + 1);
      n = 5;
    } else {
      b[p] = 0xf4;
      b.writeBigInt64LE(BigInt(v), p + 1);
      n = 9;
    }
    this.len = p + n;
    this.backlen(n);
  }

  str(s: string): void {
    const iv = canonicalInt(s);
    if (iv !== null) return this.int(iv);
    const len = s.length;
    const hdr = len < 64 ? 1 : len < 4096 ? 2 : 5;
    const enc = hdr + len;
    this.ensure(enc + 5);
    const b = this.buf;
    const p = this.len;
    if (hdr === 1) b[p] = len | 0x80;
    else if (hdr === 2) {
      b[p] = (len >>> 8) | 0xe0;
      b[p + 1] = len & 0xff;
    } else {
      b[p] = 0xf0;
      b.writeUInt32LE(len, p + 1);
    }
    if (len < 16) for (let i = 0; i < len; i++) b[p + hdr + i] = s.charCodeAt(i);
    else b.write(s, p + hdr, len, 'latin1');
    this.len = p + enc;
    this.backlen(enc);
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

