/**
 * LZF compression compatible with liblzf 3.x as bundled in Redis
 * (lzfP.h defaults: HLOG 16, VERY_FAST, no hash table init).
 *
 * Format: 000LLLLL <L+1 literal bytes> | LLLooooo oooooooo (back reference of
 * L+2 bytes, L < 7) | 111ooooo LLLLLLLL oooooooo (back reference of L+9 bytes).
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Hash table of positions. Instead of clearing it for every call (64K
 * entries), each call uses a fresh range of "stamps": an entry is
 * `base + position`, and values below the current base are stale. liblzf in
 * Redis does not clear its table either (INIT_HTAB 0); it validates candidates
 * by comparing bytes, exactly like this code does.
 */
const htab = new Int32Array(HSIZE);
let htabBase = 1;

/**
 * Compress src[start..end) into out[0..outLen). Returns the compressed length,
 * or 0 when the result would not fit in outLen bytes (liblzf's contract: the
 * caller then stores the data uncompressed). `out` must hold at least outLen bytes.
 */
export function lzfCompress(src: Uint8Array, start: number, end: number, out: Uint8Array, outLen: number): number {
  const inLen = end - start;
  if (inLen <= 0 || outLen <= 0) return 0;
  if (htabBase + inLen + 2 >= 0x7fffffff) {
    htab.fill(0);
    htabBase = 1;
  }
  const base = htabBase - start; // stamp = base + absolute index in src
  htabBase += inLen + 1;

  let ip = start;
  let op = 0;
  const inEnd = end;
  const outEnd = outLen;
  let lit = 0;
  op++; // start run

  let hval = inLen >= 2 ? (src[ip] << 8) | src[ip + 1] : 0;
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | src[ip + 2]) >>> 0;
    const slot = ((hval >>> 8) - hval * 5) & (HSIZE - 1);
    const stamp = htab[slot];
    htab[slot] = base + ip;
    const ref = stamp - base; // stale stamps give ref < start
    const off = ip - ref - 1;
    if (
      ref > start && // liblzf: ref > in_data (the first byte is never a match source)
      off >= 0 &&
      off < MAX_OFF &&
      ip + 4 < inEnd &&
      src[ref] === src[ip] &&
      src[ref + 1] === src[ip + 1] &&
      src[ref + 2] === src[ip + 2]
    ) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;

      out[op - lit - 1] = (lit - 1) & 0xff; // stop run
      if (lit === 0) op--; // undo run if length is zero

      if (op + 3 + 1 >= outEnd) return 0;

      matched: {
        if (maxlen > 16) {
          // liblzf's unrolled loop: 16 unchecked steps (may run past maxlen by 2)
          for (let k = 0; k < 16; k++) {
            len++;
            if (src[ref + len] !== src[ip + len]) break matched;
          }
        }
        do len++;
        while (len < maxlen && src[ref + len] === src[ip + len]);
      }

      len -= 2; // len is now #octets - 1
      ip++;

      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;

      lit = 0;
      op++; // start run

      ip += len + 1;
      if (ip >= inEnd - 2) break;

      // VERY_FAST: rehash the last two positions of the match
      ip -= 2;
      hval = (src[ip] << 8) | src[ip + 1];
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      htab[((hval >>> 8) - hval * 5) & (HSIZE - 1)] = base + ip;
      ip++;
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      htab[((hval >>> 8) - hval * 5) & (HSIZE - 1)] = base + ip;
      ip++;
    } else {
      // one more literal byte we must copy
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = src[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }

  if (op + 3 > outEnd) return 0; // at most 3 bytes can be missing here

  while (ip < inEnd) {
    lit++;
    out[op++] = src[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = (lit - 1) & 0xff; // end run
  if (lit === 0) op--; // undo run if length is zero
  return op;
}

/**
 * Decompress src[start..end) into out (which must be exactly the expected
 * size or larger). Returns the number of bytes produced, or -1 when the input
 * is malformed or the output would not fit (liblzf's EINVAL / E2BIG).
 */
export function lzfDecompress(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let ip = start;
  let op = 0;
  const outEnd = out.length;
  if (start >= end) return 0;
  do {
    let ctrl = src[ip++];
    if (ctrl < 1 << 5) {
      // literal run
      ctrl++;
      if (op + ctrl > outEnd) return -1;
      if (ip + ctrl > end) return -1;
      if (ctrl < 16) {
        for (let k = 0; k < ctrl; k++) out[op++] = src[ip++];
      } else {
        out.set(src.subarray(ip, ip + ctrl), op);
        op += ctrl;
        ip += ctrl;
      }
    } else {
      // back reference
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= end) return -1;
      if (len === 7) {
        len += src[ip++];
        if (ip >= end) return -1;
      }
      ref -= src[ip++];
      if (op + len + 2 > outEnd) return -1;
      if (ref < 0) return -1;
      len += 2;
      if (op - ref >= len) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        // overlapping copy must go byte by byte (it repeats a pattern)
        for (let k = 0; k < len; k++) out[op++] = out[ref++];
      }
    }
  } while (ip < end);
  return op;
}

/** Scratch output buffer reused by lzfCompressForRdb. */
let scratch: Buffer = Buffer.allocUnsafe(1024);

/**
 * Redis's rdbSaveLzfStringObject rule: compress only strings longer than 4
 * bytes, and only keep the result when it is at most len-4 bytes. Returns the
 * compressed length (the bytes are in the returned scratch buffer, valid until
 * the next call) or 0 when the string must be stored as is.
 */
export function lzfCompressForRdb(src: Uint8Array, start: number, end: number): { len: number; out: Buffer } {
  const len = end - start;
  if (len <= 4) return { len: 0, out: scratch };
  const outLen = len - 4;
  if (scratch.length < outLen + 8) scratch = Buffer.allocUnsafe(Math.max(outLen + 8, scratch.length * 2));
  const n = lzfCompress(src, start, end, scratch, outLen);
  return { len: n, out: scratch };
}
