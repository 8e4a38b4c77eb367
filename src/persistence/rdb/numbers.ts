/**
 * Number <-> string conversions exactly as Redis does them where the bytes
 * matter: string2ll (canonical integers) and strtod for sorted-set scores.
 * The "%.17g" / d2string side is src/util/number-format.ts.
 */


/** Redis's string2ll in strict form (canonical int64 decimal), from the listpack codec. */
export { lpStringToInt as parseCanonicalInt } from '../../keyspace/listpack';

/**
 * Fast check used by the RDB writer: the int value of `s` when it is a
 * canonical integer in the signed 32-bit range (rdbTryIntegerEncoding with
 * len <= 11), else null.
 */
export function parseCanonicalInt32(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 11) return null;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 45) {
    if (n === 1) return null;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c < 49 || c > 57) return n === 1 && c === 48 ? 0 : null;
  let v = c - 48;
  for (let j = i + 1; j < n; j++) {
    const d = s.charCodeAt(j);
    if (d < 48 || d > 57) return null;
    v = v * 10 + (d - 48);
  }
  if (i === 1) v = -v;
  if (v > 2147483647 || v < -2147483648) return null;
  return v;
}

/** Signed 64-bit little-endian integer at b[p..p+8) as a decimal string. */
export function int64LEToString(b: Buffer, p: number): string {
  const lo = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  const hi = b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24);
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * 4294967296 + (lo >>> 0));
  return b.readBigInt64LE(p).toString();
}

const STRTOD_SPECIAL = /^\s*([+-]?)(inf(?:inity)?|nan)/i;

/**
 * C's strtod on a whole string as Redis uses it for scores (zzlStrtod): leading
 * spaces allowed, trailing garbage ignored, "inf"/"infinity"/"nan" in any
 * case. Returns NaN when nothing parses (strtod would return 0; callers treat
 * an unparsable stored score as corruption).
 */
export function strtod(s: string): number {
  const v = parseFloat(s);
  if (v === v) {
    // parseFloat accepts "Infinity", which strtod accepts too; fine.
    return v;
  }
  const m = STRTOD_SPECIAL.exec(s);
  if (m) {
    if (m[2].toLowerCase() === 'nan') return NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  return NaN;
}
