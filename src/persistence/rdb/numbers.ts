/**
 * Number <-> string conversions exactly as Redis does them where the bytes
 * matter: string2ll (canonical integers), "%.17g" (snprintf), d2string and
 * strtod for sorted-set scores.
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Redis's string2ll in strict form: returns the value when `s` is exactly the
 * canonical decimal form of a signed 64-bit integer ("0", "-12", no '+', no
 * leading zeros, no spaces, no "-0"), else null. Values beyond 2^53 come back
 * as bigint so they stay exact.
 */
export function parseCanonicalInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 45 /* - */) {
    if (n === 1) return null;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c < 49 || c > 57) return n === 1 && c === 48 ? 0 : null;
  for (let j = i + 1; j < n; j++) {
    const d = s.charCodeAt(j);
    if (d < 48 || d > 57) return null;
  }
  if (n - i <= 15) return +s;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  if (b <= SAFE && b >= -SAFE) return Number(b);
  return b;
}

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

const dv = new DataView(new ArrayBuffer(8));

/** Exact decimal digits of a positive finite double: digits (no trailing zeros) and the exponent of the first digit. */
function exactDecimal(x: number): { digits: string; exp: number } {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let m = BigInt(hi & 0xfffff) * 4294967296n + BigInt(lo);
  let e2: number;
  if (e === 0) e2 = -1074;
  else {
    m += 1n << 52n;
    e2 = e - 1075;
  }
  let digits: string;
  let exp: number;
  if (e2 >= 0) {
    digits = (m << BigInt(e2)).toString();
    exp = digits.length - 1;
  } else {
    digits = (m * 5n ** BigInt(-e2)).toString();
    exp = digits.length - 1 + e2;
  }
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  return { digits: digits.slice(0, end), exp };
}

/**
 * Significant digits (17 of them) and decimal exponent of a positive finite
 * double, rounded like glibc's printf (round-half-even on the exact value).
 */
function digits17(a: number): { digits: string; exp: number } {
  const s = a.toExponential(16); // d.dddddddddddddddde[+-]x, correctly rounded, ties away
  let digits = s[0] + s.slice(2, 18);
  let exp = +s.slice(19);
  // A tie needs an exact expansion of exactly 18 significant digits ending in 5.
  const t = a.toExponential(17);
  if (t.charCodeAt(18) === 53 /* '5' */) {
    const ex = exactDecimal(a);
    if (ex.digits.length === 18 && ex.digits.charCodeAt(17) === 53) {
      // round half to even on the 17th digit
      const head = ex.digits.slice(0, 17);
      const last = head.charCodeAt(16) - 48;
      if ((last & 1) === 0) {
        digits = head;
        exp = ex.exp;
      } else {
        const up = (BigInt(head) + 1n).toString();
        if (up.length > 17) {
          digits = up.slice(0, 17);
          exp = ex.exp + 1;
        } else {
          digits = up;
          exp = ex.exp;
        }
      }
    }
  }
  return { digits, exp };
}

/** C's printf("%.17g", x) (glibc output, including "inf", "-inf", "nan", "-0"). */
export function formatDouble17g(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const neg = x < 0;
  const { digits, exp } = digits17(neg ? -x : x);
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  const d = digits.slice(0, end);
  let out: string;
  if (exp < -4 || exp >= 17) {
    out = d.length > 1 ? d[0] + '.' + d.slice(1) : d;
    const ae = exp < 0 ? -exp : exp;
    out += (exp < 0 ? 'e-' : 'e+') + (ae < 10 ? '0' + ae : String(ae));
  } else if (exp < 0) {
    out = '0.' + '0'.repeat(-exp - 1) + d;
  } else if (d.length <= exp + 1) {
    out = d + '0'.repeat(exp + 1 - d.length);
  } else {
    out = d.slice(0, exp + 1) + '.' + d.slice(exp + 1);
  }
  return neg ? '-' + out : out;
}

/**
 * Redis's d2string (util.c), used to store sorted-set scores in listpacks:
 * integral values in (-(2^52-1), 2^52) as integers, others with "%.17g".
 */
export function d2string(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (x > -4503599627370495 && x < 4503599627370496 && Math.trunc(x) === x) return String(x);
  return formatDouble17g(x);
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
