/**
 * Listpack (Redis 7.0 listpack.c) decoding with full validation, and an
 * encoder that produces byte-identical listpacks to Redis's lpAppend.
 *
 * Layout: <total-bytes u32 LE> <num-elements u16 LE> <entry>* <0xFF>
 * entry:  <encoding+data> <backlen: size of encoding+data, 1..5 bytes>
 */
import { RdbError } from './errors';
import { int64LEToString, parseCanonicalInt } from './numbers';

const LP_HDR_SIZE = 6;
const LP_EOF = 0xff;
const LP_HDR_NUMELE_UNKNOWN = 0xffff;

function bad(what: string, at: number): RdbError {
  return new RdbError('CORRUPT', `${what} (at byte ${at} of the listpack)`);
}

/** Bytes needed by lpEncodeBacklen for an entry of `l` bytes. */
export function lpBacklenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/**
 * Decode a listpack held in b[start..end) into its elements; integers come
 * back in decimal form (as lpGet does). Throws RdbError('CORRUPT') when the
 * listpack is not valid (same checks as lpValidateIntegrity with deep=1).
 */
export function decodeListpack(b: Buffer, start = 0, end: number = b.length): string[] {
  const size = end - start;
  if (size < LP_HDR_SIZE + 1) throw bad(`listpack too short (${size} bytes)`, 0);
  const total = (b[start] | (b[start + 1] << 8) | (b[start + 2] << 16) | (b[start + 3] << 24)) >>> 0;
  if (total !== size) throw bad(`header says ${total} bytes but the blob has ${size}`, 0);
  const numele = b[start + 4] | (b[start + 5] << 8);
  if (b[end - 1] !== LP_EOF) throw bad('missing terminator', size - 1);
  const out: string[] = [];
  const last = end - 1; // position of the EOF byte
  let p = start + LP_HDR_SIZE;
  while (p < last) {
    const c = b[p];
    let encLen: number;
    let v: string;
    if (c < 0x80) {
      encLen = 1;
      v = String(c);
    } else if ((c & 0xc0) === 0x80) {
      const len = c & 0x3f;
      encLen = 1 + len;
      if (p + encLen > last) throw bad('string entry overflows', p - start);
      v = b.toString('latin1', p + 1, p + encLen);
    } else if ((c & 0xe0) === 0xc0) {
      encLen = 2;
      if (p + 2 > last) throw bad('13-bit integer entry overflows', p - start);
      const u = ((c & 0x1f) << 8) | b[p + 1];
      v = String(u >= 4096 ? u - 8192 : u);
    } else if ((c & 0xf0) === 0xe0) {
      if (p + 2 > last) throw bad('12-bit string header overflows', p - start);
      const len = ((c & 0x0f) << 8) | b[p + 1];
      encLen = 2 + len;
      if (p + encLen > last) throw bad('string entry overflows', p - start);
      v = b.toString('latin1', p + 2, p + encLen);
    } else {
      switch (c) {
        case 0xf0: {
          if (p + 5 > last) throw bad('32-bit string header overflows', p - start);
          const len = (b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24)) >>> 0;
          encLen = 5 + len;
          if (p + encLen > last) throw bad('string entry overflows', p - start);
          v = b.toString('latin1', p + 5, p + encLen);
          break;
        }
        case 0xf1:
          encLen = 3;
          if (p + encLen > last) throw bad('16-bit integer entry overflows', p - start);
          v = String(((b[p + 1] | (b[p + 2] << 8)) << 16) >> 16);
          break;
        case 0xf2:
          encLen = 4;
          if (p + encLen > last) throw bad('24-bit integer entry overflows', p - start);
          v = String(((b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16)) << 8) >> 8);
          break;
        case 0xf3:
          encLen = 5;
          if (p + encLen > last) throw bad('32-bit integer entry overflows', p - start);
          v = String(b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24));
          break;
        case 0xf4:
          encLen = 9;
          if (p + encLen > last) throw bad('64-bit integer entry overflows', p - start);
          v = int64LEToString(b, p + 1);
          break;
        default:
          throw bad(`invalid entry encoding 0x${c.toString(16)}`, p - start);
      }
    }
    const bl = lpBacklenSize(encLen);
    const q = p + encLen + bl; // first byte after the entry
    if (q > last) throw bad('entry back-length overflows', p - start);
    // decode the backlen from its last byte backwards (lpDecodeBacklen)
    let val = 0;
    let shift = 0;
    let r = q - 1;
    for (;;) {
      const x = b[r];
      val += (x & 127) * 2 ** shift;
      if (!(x & 128)) break;
      shift += 7;
      r--;
      if (shift > 28 || r < p + encLen) throw bad('invalid back-length', p - start);
    }
    if (val !== encLen) throw bad(`back-length ${val} does not match entry size ${encLen}`, p - start);
    out.push(v);
    p = q;
  }
  if (p !== last) throw bad('entries overrun the terminator', p - start);
  if (numele !== LP_HDR_NUMELE_UNKNOWN && numele !== out.length) {
    throw bad(`header says ${numele} elements but ${out.length} were found`, 4);
  }
  return out;
}

/**
 * Builds a listpack incrementally, encoding each element as Redis's lpAppend
 * would (canonical integers as integers, smallest string header otherwise).
 */
export class ListpackBuilder {
  private buf: Buffer;
  private pos = LP_HDR_SIZE;
  /** number of elements appended */
  count = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(initialCapacity, 16));
  }

  /** Total bytes of the listpack as it stands (header + entries + terminator): Redis's lpBytes / node->sz. */
  get bytes(): number {
    return this.pos + 1;
  }

  /** Start over (keeps the buffer). */
  reset(): void {
    this.pos = LP_HDR_SIZE;
    this.count = 0;
  }

  private grow(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n + 1) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
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
    this.pos = p;
  }

  /** Append an integer (must be a safe integer or an int64 bigint). */
  appendInt(v: number | bigint): void {
    this.grow(14);
    const b = this.buf;
    const p = this.pos;
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
    this.pos = p + n;
    this.backlen(n);
    this.count++;
  }

  /** Append a string element (a latin1 string), integer-encoded when canonical like lpAppend. */
  append(s: string): void {
    const len = s.length;
    if (len > 0 && len <= 20) {
      const iv = parseCanonicalInt(s);
      if (iv !== null) {
        this.appendInt(iv);
        return;
      }
    }
    const hdr = len < 64 ? 1 : len < 4096 ? 2 : 5;
    const encLen = hdr + len;
    this.grow(encLen + 5);
    const b = this.buf;
    const p = this.pos;
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
    this.pos = p + encLen;
    this.backlen(encLen);
    this.count++;
  }

  /** The finished listpack as a new Buffer (the builder can be reset and reused). */
  finish(): Buffer {
    const total = this.pos + 1;
    const out = Buffer.allocUnsafe(total);
    this.buf.copy(out, 0, 0, this.pos);
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(this.count < LP_HDR_NUMELE_UNKNOWN ? this.count : LP_HDR_NUMELE_UNKNOWN, 4);
    out[total - 1] = LP_EOF;
    return out;
  }
}

/** Encode a whole array of elements as one listpack. */
export function encodeListpack(items: readonly string[]): Buffer {
  const b = new ListpackBuilder(64);
  for (const s of items) b.append(s);
  return b.finish();
}

/**
 * Encoded size of one element (entry + backlen) as lpAppend would store it:
 * what quicklist's node-size rule needs.
 */
export function lpEntrySize(s: string): number {
  const len = s.length;
  let enc: number;
  const iv = len > 0 && len <= 20 ? parseCanonicalInt(s) : null;
  if (iv !== null) {
    if (typeof iv === 'bigint') enc = 9;
    else if (iv >= 0 && iv <= 127) enc = 1;
    else if (iv >= -4096 && iv <= 4095) enc = 2;
    else if (iv >= -32768 && iv <= 32767) enc = 3;
    else if (iv >= -8388608 && iv <= 8388607) enc = 4;
    else if (iv >= -2147483648 && iv <= 2147483647) enc = 5;
    else enc = 9;
  } else {
    enc = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  }
  return enc + lpBacklenSize(enc);
}
