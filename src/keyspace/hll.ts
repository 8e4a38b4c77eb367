/**
 * HyperLogLog as Redis 7.0 stores it (hyperloglog.c): a string value made of a
 * 16-byte header ("HYLL", encoding, 3 unused bytes, the cached cardinality as
 * 8 little-endian bytes whose top bit marks it stale) followed by 16384 6-bit
 * registers, either dense (12288 bytes, LSB first) or sparse (ZERO / XZERO /
 * VAL opcodes). Same hash (MurmurHash64A, seed 0xadc83b19), same opcode
 * splitting and merging, same promotion rules and the same estimator (Ertl's
 * improved estimator of 7.0), so the bytes are Redis's bytes.
 *
 * Pure: no replies, no server. Values are latin1 strings; edits happen on a
 * byte buffer that is turned back into a string once per command.
 */

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_SPARSE_VAL_MAX_VALUE = 32;
const HLL_SPARSE_VAL_MAX_LEN = 4;
const HLL_SPARSE_ZERO_MAX_LEN = 64;
const HLL_SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.721347520444481703680;

/** The error texts Redis uses (without the leading '-'). */
export const HLL_WRONGTYPE = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
export const HLL_INVALID = 'INVALIDOBJ Corrupted HLL object detected';

// ---------------------------------------------------------------- hashing

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
let rHi = 0;
let rLo = 0;

/** (aHi:aLo) * (bHi:bLo) mod 2^64 into rHi:rLo. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const hi = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  rHi = (hi + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) >>> 0;
}

/** MurmurHash64A (Redis's endian-neutral variant) of a latin1 string; result in rHi:rLo. */
function murmur64(s: string, seed: number): void {
  const len = s.length;
  mul64(0, len, M_HI, M_LO);
  let hHi = rHi;
  let hLo = (rLo ^ seed) >>> 0;
  const end = len - (len & 7);
  let i = 0;
  for (; i < end; i += 8) {
    let kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    let kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    kHi = rHi;
    kLo = (rLo ^ (kHi >>> 15)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ rHi) >>> 0;
    hLo = (hLo ^ rLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    if (rest >= 7) hHi ^= s.charCodeAt(i + 6) << 16;
    if (rest >= 6) hHi ^= s.charCodeAt(i + 5) << 8;
    if (rest >= 5) hHi ^= s.charCodeAt(i + 4);
    if (rest >= 4) hLo ^= s.charCodeAt(i + 3) << 24;
    if (rest >= 3) hLo ^= s.charCodeAt(i + 2) << 16;
    if (rest >= 2) hLo ^= s.charCodeAt(i + 1) << 8;
    hLo ^= s.charCodeAt(i);
    mul64(hHi >>> 0, hLo >>> 0, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = rHi;
  hLo = (rLo ^ (rHi >>> 15)) >>> 0;
  rHi = hHi;
  rLo = hLo;
}

/** MurmurHash64A(s, seed) as an unsigned 64-bit BigInt (tests, debugging). */
export function murmurHash64A(s: string, seed = 0xadc83b19): bigint {
  murmur64(s, seed);
  return (BigInt(rHi) << 32n) | BigInt(rLo);
}

let patIndex = 0;

/** hllPatLen: the run length of "0...1" of the element's hash; the register index goes to patIndex. */
function patLen(ele: string): number {
  murmur64(ele, 0xadc83b19);
  patIndex = rLo & HLL_P_MASK;
  const low = ((rLo >>> HLL_P) | ((rHi & 0x3fff) << 18)) >>> 0;
  if (low !== 0) return 31 - Math.clz32(low & -low) + 1;
  const high = (rHi >>> 14) | (1 << 18);
  return 32 + (31 - Math.clz32(high & -high)) + 1;
}

/** The register index and count an element maps to (PFADD's view; tests). */
export function hllPatLen(ele: string): { index: number; count: number } {
  const count = patLen(ele);
  return { index: patIndex, count };
}

// ---------------------------------------------------------------- buffers

/**
 * A HyperLogLog being edited: its bytes (with zeroed spare room after `len`,
 * like an sds string's free space and terminator) and its length.
 */
export interface HllBuf {
  b: Uint8Array;
  len: number;
}

function toBuf(s: string, extra: number): HllBuf {
  const b = Buffer.alloc(s.length + extra);
  b.write(s, 0, 'latin1');
  return { b, len: s.length };
}

/** The edited bytes as a string value. */
export function bufToString(h: HllBuf): string {
  return Buffer.from(h.b.buffer, h.b.byteOffset, h.len).toString('latin1');
}

function makeRoom(h: HllBuf, add: number): void {
  if (h.len + add + 1 <= h.b.length) return;
  const nb = new Uint8Array(Math.max((h.len + add + 1) * 2, 64));
  nb.set(h.b.subarray(0, h.len));
  h.b = nb;
}

function denseGet(b: Uint8Array, regnum: number): number {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >>> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const b0 = b[byte];
  const b1 = byte + 1 < b.length ? b[byte + 1] : 0;
  return ((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseGetStr(s: string, regnum: number): number {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >>> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const b0 = s.charCodeAt(byte);
  const b1 = s.charCodeAt(byte + 1) | 0;
  return ((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseSet(b: Uint8Array, regnum: number, val: number): void {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >>> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const fb8 = 8 - fb;
  b[byte] = (b[byte] & ~(HLL_REGISTER_MAX << fb)) | (val << fb);
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1] & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8);
}

/** A dense HLL string with register `regnum` set to `val` (the two bytes it spans rewritten). */
function denseSetStr(s: string, regnum: number, val: number): string {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >>> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const fb8 = 8 - fb;
  const b0 = (s.charCodeAt(byte) & ~(HLL_REGISTER_MAX << fb) & 0xff) | ((val << fb) & 0xff);
  if (byte + 1 >= s.length) return s.slice(0, byte) + String.fromCharCode(b0);
  const b1 = (s.charCodeAt(byte + 1) & ~(HLL_REGISTER_MAX >> fb8) & 0xff) | (val >> fb8);
  return s.slice(0, byte) + String.fromCharCode(b0, b1) + s.slice(byte + 2);
}

function invalidateCache(b: Uint8Array): void {
  b[15] |= 0x80;
}

// ---------------------------------------------------------------- validation

/** isHLLObjectOrReply's checks on a string value: header, magic, encoding, dense length. */
export function hllIsValid(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 89 || s.charCodeAt(2) !== 76 || s.charCodeAt(3) !== 76) return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_SPARSE) return false;
  if (enc === HLL_DENSE && s.length !== HLL_DENSE_SIZE) return false;
  return true;
}

/** The encoding byte of a valid HLL value. */
export function hllEncoding(s: string): number {
  return s.charCodeAt(4);
}

/** createHLLObject: an empty sparse HLL (one XZERO opcode covering every register). */
export function hllCreate(): string {
  const b = new Uint8Array(HLL_HDR_SIZE + 2);
  b[0] = 72;
  b[1] = 89;
  b[2] = 76;
  b[3] = 76;
  b[4] = HLL_SPARSE;
  const l = HLL_SPARSE_XZERO_MAX_LEN - 1;
  b[16] = (l >> 8) | 0x40;
  b[17] = l & 0xff;
  return Buffer.from(b).toString('latin1');
}

// ---------------------------------------------------------------- sparse

/** hllSparseToDense: false if the sparse opcodes do not cover exactly 16384 registers. */
function sparseToDense(h: HllBuf): boolean {
  const src = h.b;
  if (src[4] === HLL_DENSE) return true;
  const d = new Uint8Array(HLL_DENSE_SIZE + 1);
  for (let i = 0; i < HLL_HDR_SIZE; i++) d[i] = src[i];
  d[4] = HLL_DENSE;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  const end = h.len;
  while (p < end) {
    const op = src[p];
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += (((op & 0x3f) << 8) | (p + 1 < src.length ? src[p + 1] : 0)) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      if (runlen + idx > HLL_REGISTERS) break;
      while (runlen--) {
        denseSet(d, idx, regval);
        idx++;
      }
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  h.b = d;
  h.len = HLL_DENSE_SIZE;
  return true;
}

function valOp(val: number, len: number): number {
  return (((val - 1) << 2) | (len - 1)) | 0x80;
}

/**
 * hllSparseSet: raise register `index` to `count` in a sparse HLL, splitting
 * the covering opcode and merging equal neighbours as Redis does, promoting to
 * dense when the value does not fit a VAL opcode or the string would outgrow
 * `sparseMax`. Returns 1 if changed, 0 if not, -1 if the opcodes are corrupt.
 */
function sparseSet(h: HllBuf, index: number, count: number, sparseMax: number): number {
  if (count > HLL_SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  makeRoom(h, 3);
  let b = h.b;
  const sparse = HLL_HDR_SIZE;
  let p = sparse;
  let end = h.len;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    let oplen = 1;
    const op = b[p];
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if (op & 0x80) span = (op & 3) + 1;
    else {
      span = (((op & 0x3f) << 8) | b[p + 1]) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = b[p];
  let next = (op & 0xc0) === 0x40 ? p + 2 : p + 1;
  if (next >= end) next = -1;
  let isZero = false;
  let isXzero = false;
  let isVal = false;
  let runlen: number;
  if ((op & 0xc0) === 0) {
    isZero = true;
    runlen = (op & 0x3f) + 1;
  } else if ((op & 0xc0) === 0x40) {
    isXzero = true;
    runlen = (((op & 0x3f) << 8) | b[p + 1]) + 1;
  } else {
    isVal = true;
    runlen = (op & 3) + 1;
  }
  let done = false;
  if (isVal) {
    const oldcount = ((op >> 2) & 0x1f) + 1;
    if (oldcount >= count) return 0;
    if (runlen === 1) {
      b[p] = valOp(count, 1);
      done = true;
    }
  }
  if (!done && isZero && runlen === 1) {
    b[p] = valOp(count, 1);
    done = true;
  }
  if (!done) {
    const seq: number[] = [];
    const last = first + span - 1;
    if (isZero || isXzero) {
      if (index !== first) {
        const len = index - first;
        if (len > HLL_SPARSE_ZERO_MAX_LEN) seq.push(((len - 1) >> 8) | 0x40, (len - 1) & 0xff);
        else seq.push(len - 1);
      }
      seq.push(valOp(count, 1));
      if (index !== last) {
        const len = last - index;
        if (len > HLL_SPARSE_ZERO_MAX_LEN) seq.push(((len - 1) >> 8) | 0x40, (len - 1) & 0xff);
        else seq.push(len - 1);
      }
    } else {
      const curval = ((op >> 2) & 0x1f) + 1;
      if (index !== first) seq.push(valOp(curval, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(curval, last - index));
    }
    const seqlen = seq.length;
    const oldlen = isXzero ? 2 : 1;
    const deltalen = seqlen - oldlen;
    if (deltalen > 0 && h.len + deltalen > sparseMax) return promote(h, index, count);
    if (deltalen !== 0 && next >= 0) b.copyWithin(next + deltalen, next, end);
    h.len += deltalen;
    b[h.len] = 0;
    for (let i = 0; i < seqlen; i++) b[p + i] = seq[i];
    end += deltalen;
  }
  // Step 4: merge adjacent VAL opcodes with the same value, up to 5 opcodes from prev.
  p = prev >= 0 ? prev : sparse;
  let scanlen = 5;
  while (p < end && scanlen--) {
    const o = b[p];
    if ((o & 0xc0) === 0x40) {
      p += 2;
      continue;
    } else if ((o & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end && b[p + 1] & 0x80) {
      const v1 = ((o >> 2) & 0x1f) + 1;
      const v2 = ((b[p + 1] >> 2) & 0x1f) + 1;
      if (v1 === v2) {
        const len = (o & 3) + 1 + (b[p + 1] & 3) + 1;
        if (len <= HLL_SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(v1, len);
          b.copyWithin(p, p + 1, end);
          h.len--;
          end--;
          b[h.len] = 0;
          continue;
        }
      }
    }
    p++;
  }
  b = h.b;
  invalidateCache(b);
  return 1;
}

function promote(h: HllBuf, index: number, count: number): number {
  if (!sparseToDense(h)) return -1;
  const old = denseGet(h.b, index);
  if (count > old) denseSet(h.b, index, count);
  return 1;
}

// ---------------------------------------------------------------- adding

/** Result of hllAdd: the new value (null = unchanged) and how many registers changed, or -1 if corrupt. */
export interface HllAddResult {
  value: string | null;
  updated: number;
  invalid: boolean;
}

/**
 * PFADD's core on a valid HLL string: add elements argv[from..], return the
 * new bytes when something changed. `created` counts as an update (Redis
 * invalidates the cached cardinality of a new key too). On a corrupt sparse
 * HLL the registers changed before the error are kept (as Redis's in-place
 * edit) and `invalid` is set.
 */
export function hllAdd(s: string, elements: readonly string[], from: number, sparseMax: number, created: boolean): HllAddResult {
  let h: HllBuf | null = null;
  let edited = false;
  let updated = created ? 1 : 0;
  let invalid = false;
  for (let j = from; j < elements.length; j++) {
    const count = patLen(elements[j]);
    const index = patIndex;
    const enc = h === null ? s.charCodeAt(4) : h.b[4];
    if (enc === HLL_DENSE) {
      if (h === null) {
        // a dense edit touches 2 bytes: slices and a concatenation (V8 ropes) cost far less than a 12 KB buffer round trip
        if (count > denseGetStr(s, index)) {
          s = denseSetStr(s, index, count);
          edited = true;
          updated++;
        }
      } else if (count > denseGet(h.b, index)) {
        denseSet(h.b, index, count);
        updated++;
      }
    } else {
      if (h === null) h = toBuf(s, 16);
      const r = sparseSet(h, index, count, sparseMax);
      if (r === 1) updated++;
      else if (r === -1) {
        invalid = true;
        break;
      }
    }
  }
  if (invalid) return { value: h === null ? (edited ? s : null) : bufToString(h), updated: 0, invalid };
  if (updated > 0) {
    if (h === null) {
      const b15 = s.charCodeAt(15);
      if ((b15 & 0x80) === 0) s = s.slice(0, 15) + String.fromCharCode(b15 | 0x80) + s.slice(16);
      edited = true;
    } else invalidateCache(h.b);
  }
  if (updated === 0) return { value: null, updated, invalid };
  return { value: h === null ? (edited ? s : null) : bufToString(h), updated, invalid };
}

// ---------------------------------------------------------------- counting

function denseHisto(b: Uint8Array | string, histo: Int32Array): void {
  if (typeof b === 'string') {
    for (let r = 0; r < HLL_REGISTERS; r++) histo[denseGetStr(b, r)]++;
    return;
  }
  for (let r = 0; r < HLL_REGISTERS; r++) histo[denseGet(b, r)]++;
}

/** Histogram of a sparse HLL's registers; returns false if they do not add up to 16384. */
function sparseHisto(s: string, histo: Int32Array): boolean {
  let idx = 0;
  let p = HLL_HDR_SIZE;
  const end = s.length;
  while (p < end) {
    const op = s.charCodeAt(p);
    if ((op & 0xc0) === 0) {
      const runlen = (op & 0x3f) + 1;
      idx += runlen;
      histo[0] += runlen;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      const runlen = (((op & 0x3f) << 8) | (s.charCodeAt(p + 1) | 0)) + 1;
      idx += runlen;
      histo[0] += runlen;
      p += 2;
    } else {
      const runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      idx += runlen;
      histo[regval] += runlen;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= Math.pow(1 - x, 2) * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The estimator of Redis 7.0's hllCount on a register histogram. */
function estimate(histo: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * hllSigma(histo[0] / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** hllCount of a valid HLL string; null when a sparse HLL is corrupt. */
export function hllCount(s: string): number | null {
  const histo = new Int32Array(64);
  if (s.charCodeAt(4) === HLL_DENSE) denseHisto(s, histo);
  else if (!sparseHisto(s, histo)) return null;
  return estimate(histo);
}

/** The cached cardinality if the header says it is valid (bigint when beyond 2^53), else null. */
export function hllCachedCard(s: string): number | bigint | null {
  if (s.charCodeAt(15) & 0x80) return null;
  let lo = 0;
  for (let i = 3; i >= 0; i--) lo = lo * 256 + s.charCodeAt(8 + i);
  let hi = 0;
  for (let i = 3; i >= 0; i--) hi = hi * 256 + s.charCodeAt(12 + i);
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The string with `card` written into the header's cache (valid). */
export function hllWithCachedCard(s: string, card: number): string {
  let lo = card % 4294967296;
  let hi = Math.floor(card / 4294967296);
  let bytes = '';
  for (let i = 0; i < 4; i++) {
    bytes += String.fromCharCode(lo & 0xff);
    lo = Math.floor(lo / 256);
  }
  for (let i = 0; i < 4; i++) {
    bytes += String.fromCharCode(hi & 0xff);
    hi = Math.floor(hi / 256);
  }
  return s.slice(0, 8) + bytes + s.slice(16);
}

// ---------------------------------------------------------------- merging

/** hllMerge: max[i] = MAX(max[i], register i); false when a sparse HLL is corrupt. */
export function hllMergeInto(max: Uint8Array, s: string): boolean {
  if (s.charCodeAt(4) === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGetStr(s, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HDR_SIZE;
  const end = s.length;
  while (p < end) {
    const op = s.charCodeAt(p);
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | (s.charCodeAt(p + 1) | 0)) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      if (runlen + i > HLL_REGISTERS) break;
      while (runlen--) {
        if (regval > max[i]) max[i] = regval;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** PFCOUNT of several keys: the estimate of merged raw registers. */
export function hllCountRaw(max: Uint8Array): number {
  const histo = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]]++;
  return estimate(histo);
}

/**
 * PFMERGE's write: registers `max` into `dest` (a valid HLL string), made
 * dense first when `useDense`, then register by register as Redis does
 * (sparse edits may promote). Returns the new string, or null if dest is
 * corrupt. The cache is invalidated.
 */
export function hllStoreMerged(dest: string, max: Uint8Array, useDense: boolean, sparseMax: number): string | null {
  const h = toBuf(dest, 16);
  if (useDense && !sparseToDense(h)) return null;
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] === 0) continue;
    if (h.b[4] === HLL_DENSE) {
      if (max[j] > denseGet(h.b, j)) denseSet(h.b, j, max[j]);
    } else sparseSet(h, j, max[j], sparseMax);
  }
  invalidateCache(h.b);
  return bufToString(h);
}

// ---------------------------------------------------------------- debugging

/** hllSparseToDense on a string: the dense string, or null if corrupt. */
export function hllToDense(s: string): string | null {
  const h = toBuf(s, 1);
  if (!sparseToDense(h)) return null;
  return bufToString(h);
}

/** The 16384 registers of a dense HLL string. */
export function hllDenseRegisters(s: string): number[] {
  const out = new Array<number>(HLL_REGISTERS);
  for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGetStr(s, i);
  return out;
}

/** PFDEBUG DECODE's text of a sparse HLL. */
export function hllDecodeSparse(s: string): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  const end = s.length;
  while (p < end) {
    const op = s.charCodeAt(p);
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | (s.charCodeAt(p + 1) | 0)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}

/**
 * PFSELFTEST: register access on random values, then the estimate of dense
 * and sparse HLLs fed the same 10 million elements. Returns null on success or
 * the TESTFAILED text.
 */
export function hllSelfTest(sparseMax: number, random: () => number = Math.random): string | null {
  const dense = new Uint8Array(HLL_DENSE_SIZE + 1);
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < 1000; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(random() * 4294967296) & HLL_REGISTER_MAX;
      bytecounters[i] = r;
      denseSet(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, i);
      if (val !== bytecounters[i]) return `TESTFAILED Register ${i} should be ${bytecounters[i]} but is ${val}`;
    }
  }
  dense.fill(0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  const h = toBuf(hllCreate(), 16);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = Math.floor(random() * 4294967296) >>> 0;
  const seedHi = Math.floor(random() * 4294967296) >>> 0;
  const histo = new Int32Array(64);
  const countOf = (b: Uint8Array, len: number): number => {
    histo.fill(0);
    if (b[4] === HLL_DENSE) denseHisto(b, histo);
    else sparseHisto(Buffer.from(b.buffer, b.byteOffset, len).toString('latin1'), histo);
    return estimate(histo);
  };
  for (let j = 1; j <= 10000000; j++) {
    const lo = (j ^ seedLo) >>> 0;
    const ele = String.fromCharCode(lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, seedHi & 0xff, (seedHi >>> 8) & 0xff, (seedHi >>> 16) & 0xff, seedHi >>> 24);
    const count = patLen(ele);
    const index = patIndex;
    if (count > denseGet(dense, index)) denseSet(dense, index, count);
    if (h.b[4] === HLL_DENSE) {
      if (count > denseGet(h.b, index)) denseSet(h.b, index, count);
    } else sparseSet(h, index, count, sparseMax);
    if (j === checkpoint) {
      if (j < sparseMax / 2 && h.b[4] !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
      const cd = countOf(dense, HLL_DENSE_SIZE);
      if (cd !== countOf(h.b, h.len)) return 'TESTFAILED dense/sparse disagree';
      let abserr = checkpoint - cd;
      let maxerr = Math.ceil(relerr * 6 * checkpoint);
      if (j === 10) maxerr = 1;
      if (abserr < 0) abserr = -abserr;
      if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
      checkpoint *= 10;
    }
  }
  return null;
}
