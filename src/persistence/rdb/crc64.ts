/**
 * CRC-64 "Jones" as Redis uses it for RDB files and DUMP payloads
 * (reflected polynomial 0x95AC9329AC4BC9B5, init 0, no final xor;
 * check value of "123456789" is 0xe9c6d914c4b8d9ca).
 *
 * The 64-bit state is kept in two 32-bit halves and the input is processed
 * eight bytes at a time with slicing-by-8 tables: no BigInt in the hot loop.
 */

const POLY_HI = 0x95ac9329 | 0;
const POLY_LO = 0xac4bc9b5 | 0;

/** tables[k] for k = 0..7, split into low and high 32-bit halves */
const TLO: Int32Array[] = [];
const THI: Int32Array[] = [];

(function buildTables(): void {
  const lo0 = new Int32Array(256);
  const hi0 = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let b = 0; b < 8; b++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | ((hi & 1) << 31);
      hi = hi >>> 1;
      if (carry) {
        lo ^= POLY_LO;
        hi ^= POLY_HI;
      }
    }
    lo0[i] = lo;
    hi0[i] = hi;
  }
  TLO.push(lo0);
  THI.push(hi0);
  for (let k = 1; k < 8; k++) {
    const plo = TLO[k - 1];
    const phi = THI[k - 1];
    const lo = new Int32Array(256);
    const hi = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      // t[k][i] = (t[k-1][i] >> 8) ^ t[0][t[k-1][i] & 0xff]
      const l = plo[i];
      const h = phi[i];
      const idx = l & 0xff;
      lo[i] = ((l >>> 8) | (h << 24)) ^ lo0[idx];
      hi[i] = (h >>> 8) ^ hi0[idx];
    }
    TLO.push(lo);
    THI.push(hi);
  }
})();

const T0L = TLO[0], T1L = TLO[1], T2L = TLO[2], T3L = TLO[3];
const T4L = TLO[4], T5L = TLO[5], T6L = TLO[6], T7L = TLO[7];
const T0H = THI[0], T1H = THI[1], T2H = THI[2], T3H = THI[3];
const T4H = THI[4], T5H = THI[5], T6H = THI[6], T7H = THI[7];

/**
 * An incremental CRC-64 computation. `update` may be called any number of
 * times; the result does not depend on how the input was split.
 */
export class Crc64 {
  /** low 32 bits of the running CRC (as int32) */
  lo = 0;
  /** high 32 bits of the running CRC (as int32) */
  hi = 0;

  /** Feed bytes buf[start..end). Returns this for chaining. */
  update(buf: Uint8Array, start = 0, end: number = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const fast = end - 8;
    while (i <= fast) {
      lo ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
      hi ^= buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
      const nlo =
        T7L[lo & 0xff] ^ T6L[(lo >>> 8) & 0xff] ^ T5L[(lo >>> 16) & 0xff] ^ T4L[lo >>> 24] ^
        T3L[hi & 0xff] ^ T2L[(hi >>> 8) & 0xff] ^ T1L[(hi >>> 16) & 0xff] ^ T0L[hi >>> 24];
      const nhi =
        T7H[lo & 0xff] ^ T6H[(lo >>> 8) & 0xff] ^ T5H[(lo >>> 16) & 0xff] ^ T4H[lo >>> 24] ^
        T3H[hi & 0xff] ^ T2H[(hi >>> 8) & 0xff] ^ T1H[(hi >>> 16) & 0xff] ^ T0H[hi >>> 24];
      lo = nlo;
      hi = nhi;
      i += 8;
    }
    while (i < end) {
      const idx = (lo ^ buf[i++]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ T0L[idx];
      hi = (hi >>> 8) ^ T0H[idx];
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  /** Forget everything fed so far. */
  reset(): this {
    this.lo = 0;
    this.hi = 0;
    return this;
  }

  /** A copy of the current state. */
  clone(): Crc64 {
    const c = new Crc64();
    c.lo = this.lo;
    c.hi = this.hi;
    return c;
  }

  /** True when the CRC is 0 (Redis's "checksum disabled" marker when stored). */
  isZero(): boolean {
    return this.lo === 0 && this.hi === 0;
  }

  /** The 8 bytes little-endian, as Redis stores the CRC in RDB files and DUMP payloads. */
  toBufferLE(): Buffer {
    const b = Buffer.allocUnsafe(8);
    this.writeLE(b, 0);
    return b;
  }

  /** Write the 8 bytes little-endian at b[offset..offset+8). */
  writeLE(b: Uint8Array, offset: number): void {
    const lo = this.lo;
    const hi = this.hi;
    b[offset] = lo & 0xff;
    b[offset + 1] = (lo >>> 8) & 0xff;
    b[offset + 2] = (lo >>> 16) & 0xff;
    b[offset + 3] = lo >>> 24;
    b[offset + 4] = hi & 0xff;
    b[offset + 5] = (hi >>> 8) & 0xff;
    b[offset + 6] = (hi >>> 16) & 0xff;
    b[offset + 7] = hi >>> 24;
  }

  /** Whether b[offset..offset+8) holds this CRC little-endian. */
  equalsLE(b: Uint8Array, offset: number): boolean {
    const lo = b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24);
    const hi = b[offset + 4] | (b[offset + 5] << 8) | (b[offset + 6] << 16) | (b[offset + 7] << 24);
    return lo === this.lo && hi === this.hi;
  }

  /** The CRC as an unsigned 64-bit BigInt (not for hot paths). */
  toBigInt(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }

  /** 16 lowercase hex digits. */
  toHex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }

  /** Build a state from 8 little-endian bytes (e.g. a stored checksum). */
  static fromLE(b: Uint8Array, offset = 0): Crc64 {
    const c = new Crc64();
    c.lo = b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24);
    c.hi = b[offset + 4] | (b[offset + 5] << 8) | (b[offset + 6] << 16) | (b[offset + 7] << 24);
    return c;
  }
}

/** One-shot CRC-64 of buf[start..end) as an unsigned BigInt, like Redis's crc64(0, p, len). */
export function crc64(buf: Uint8Array, start = 0, end: number = buf.length): bigint {
  return new Crc64().update(buf, start, end).toBigInt();
}
