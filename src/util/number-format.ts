/**
 * Redis's number -> text formatting for doubles and long doubles, reproduced bit
 * for bit from what redis-server 7.0 (glibc, x86-64) prints:
 *
 * - `%.17g` (addReplyDouble, d2string, the RDB/AOF score text) with glibc's
 *   round-half-even on exact ties, which JavaScript's `toPrecision` does not do
 *   (it rounds ties away from zero);
 * - `%.17Lf` + trailing-zero trimming (ld2string LD_STR_HUMAN) of an x87 80-bit
 *   `long double`, emulated exactly with BigInt since JavaScript has none.
 *
 * The parsing side (strtod / strtold) and the long double arithmetic live in
 * src/keyspace/types/float.ts. No project imports here.
 */

// ---------------------------------------------------------------------------
// %.17g

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Node only runs on little-endian hosts in practice, but be correct anyway.
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** Number of trailing zero bits of a non-zero 32-bit value. */
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Binary exponent `e` such that `|d| = m * 2^e` with `m` odd (d finite, non-zero).
 */
function oddMantissaExponent(d: number): number {
  f64[0] = d;
  const lo = u32[LO];
  const hi = u32[HI];
  const bexp = (hi >>> 20) & 0x7ff;
  let frHi = hi & 0xfffff;
  let e: number;
  if (bexp === 0) {
    e = -1074;
  } else {
    frHi |= 0x100000;
    e = bexp - 1075;
  }
  if (lo !== 0) return e + ctz32(lo);
  return e + 32 + ctz32(frHi);
}

/**
 * Splits a `toPrecision`/`toExponential` result into its significant digits and
 * decimal exponent (value = 0.d1d2d3... * 10^(exp+1), i.e. d1.d2d3 * 10^exp).
 */
function splitDigits(s: string): { digits: string; exp: number } {
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) i = 1;
  const ePos = s.indexOf('e', i);
  const mant = ePos < 0 ? s.slice(i) : s.slice(i, ePos);
  let exp = ePos < 0 ? 0 : Number(s.slice(ePos + 1));
  const dot = mant.indexOf('.');
  let intPart = dot < 0 ? mant : mant.slice(0, dot);
  const fracPart = dot < 0 ? '' : mant.slice(dot + 1);
  if (ePos < 0) {
    // Fixed notation: position of the first significant digit gives the exponent.
    if (intPart !== '0') {
      exp = intPart.length - 1;
      return { digits: intPart + fracPart, exp };
    }
    let z = 0;
    while (z < fracPart.length && fracPart.charCodeAt(z) === 48) z++;
    return { digits: fracPart.slice(z), exp: -(z + 1) };
  }
  intPart = intPart + fracPart;
  return { digits: intPart, exp };
}

/** Formats `digits` (already rounded to 17 significant digits) like C's `%.17g`. */
function gFormat(neg: boolean, digits: string, exp: number): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  const d = end === digits.length ? digits : digits.slice(0, end);
  let out: string;
  if (exp < -4 || exp >= 17) {
    const ae = exp < 0 ? -exp : exp;
    out =
      d[0] +
      (d.length > 1 ? '.' + d.slice(1) : '') +
      (exp < 0 ? 'e-' : 'e+') +
      (ae < 10 ? '0' + ae : String(ae));
  } else if (exp >= 0) {
    if (d.length <= exp + 1) {
      out = d.length === exp + 1 ? d : d + '0'.repeat(exp + 1 - d.length);
    } else {
      out = d.slice(0, exp + 1) + '.' + d.slice(exp + 1);
    }
  } else {
    out = '0.' + '0'.repeat(-exp - 1) + d;
  }
  return neg ? '-' + out : out;
}

const TWO53 = 9007199254740992;

/**
 * A short binary fraction (1.5, 0.25, 7.125: at most 10 fractional bits, at
 * most 15 significant digits, 1e-4 <= |d| < 1e15) printed by String(), which
 * is then its exact decimal expansion, hence what %.17g prints; null for any
 * other number. With k fractional bits the exact expansion has k fractional
 * digits; when String() shows k fractional digits and at most 15 significant
 * ones it is that expansion (two decimals of <= 15 digits never name the
 * same double).
 */
function shortDyadic(d: number): string | null {
  const a = d < 0 ? -d : d;
  if (a < 1e-4 || a >= 1e15) return null;
  let k = 0;
  let t = a;
  while (Math.floor(t) !== t) {
    if (++k > 10) return null;
    t *= 2;
  }
  const s = String(d);
  const dot = s.indexOf('.');
  if (dot < 0 || s.length - dot - 1 !== k) return null;
  let sig = 0;
  let started = false;
  for (let i = d < 0 ? 1 : 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) continue;
    if (c !== 48) started = true;
    if (started) sig++;
  }
  return sig <= 15 ? s : null;
}

/**
 * C's `printf("%.17g", d)` as glibc prints it (exact value, round-half-even),
 * with `inf`, `-inf`, `nan`, and `-0` for negative zero.
 */
export function formatG17(d: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return 1 / d < 0 ? '-0' : '0';
  // Integers below 2^53 have at most 16 digits: printed exactly by String().
  if (d > -TWO53 && d < TWO53 && Math.floor(d) === d) return String(d);
  const short = shortDyadic(d);
  if (short !== null) return short;
  const neg = d < 0;
  const s17 = d.toPrecision(17);
  const sp = splitDigits(s17);
  // toPrecision rounds exact ties away from zero, glibc to even. A tie needs
  // the exact decimal expansion to have exactly 18 significant digits.
  const e2 = oddMantissaExponent(d);
  if (e2 < 0) {
    const n = -e2 + sp.exp + 1; // exact significant digits if no carry happened
    if (n === 18 || n === 19) {
      const sp18 = splitDigits(d.toPrecision(18));
      const dg = sp18.digits;
      if (-e2 + sp18.exp + 1 === 18 && dg.charCodeAt(17) === 53 && (dg.charCodeAt(16) & 1) === 0) {
        return gFormat(neg, dg.slice(0, 17), sp18.exp);
      }
    }
  } else {
    // Integer >= 2^53: check exactly with BigInt (rare: huge integral scores).
    const exact = (neg ? -BigInt(d) : BigInt(d)).toString();
    let end = exact.length;
    while (exact.charCodeAt(end - 1) === 48) end--;
    if (end === 18 && exact.charCodeAt(17) === 53 && (exact.charCodeAt(16) & 1) === 0) {
      return gFormat(neg, exact.slice(0, 17), exact.length - 1);
    }
  }
  return gFormat(neg, sp.digits, sp.exp);
}

/**
 * A double as Redis 7.0's addReplyDouble writes it (RESP2 bulk / RESP3 `,`):
 * `%.17g`, with `inf` / `-inf` for infinities. Example: 1.1 -> "1.1000000000000001".
 */
export function formatDouble(d: number): string {
  return formatG17(d);
}

/**
 * Redis's `d2string` (util.c): "-0"/"0" for zeros, integer printing for integral
 * values inside (-2^52, 2^52), otherwise `%.17g`. Same output as formatG17 for
 * every double, kept as a separate name for the places Redis uses it (listpack
 * score storage, RDB ziplist/listpack encoding).
 */
export function d2string(d: number): string {
  return formatG17(d);
}

// ---------------------------------------------------------------------------
// long double (x87 80-bit extended)

/**
 * An x87 80-bit extended-precision value: (-1)^neg * m * 2^e with m < 2^64
 * (not necessarily normalised), or an infinity when `inf` is set.
 */
export interface LongDouble {
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
  readonly inf: boolean;
}

/**
 * Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` (exact, round-half-even),
 * then trailing zeros and a trailing '.' removed, "-0" turned into "0";
 * infinities as "inf"/"-inf". This is the text INCRBYFLOAT / HINCRBYFLOAT store
 * and reply.
 */
export function formatLongDouble(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  if (x.m === 0n) return '0';
  if (x.e >= 0) {
    const v = (x.m << BigInt(x.e)).toString();
    return x.neg ? '-' + v : v;
  }
  const k = BigInt(-x.e);
  const scaled = x.m * 100000000000000000n; // 10^17
  let q = scaled >> k;
  const rem = scaled - (q << k);
  const half = 1n << (k - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  if (q === 0n) return '0';
  let str = q.toString();
  if (str.length <= 17) str = '0'.repeat(18 - str.length) + str;
  const intPart = str.slice(0, str.length - 17);
  let frac = str.slice(str.length - 17);
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  const out = frac.length > 0 ? intPart + '.' + frac : intPart;
  return x.neg ? '-' + out : out;
}

// ---------------------------------------------------------------------------
// %.<n>f and doubles printed as long doubles

/** The exact value of a finite double as m * 2^e (m a non-negative BigInt). */
function exactDouble(d: number): { neg: boolean; m: bigint; e: number } {
  f64[0] = d;
  const lo = u32[LO];
  const hi = u32[HI];
  const neg = (hi >>> 31) === 1;
  const bexp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = bexp - 1075;
  }
  return { neg, m, e };
}

/**
 * C's `printf("%.<prec>f", d)` as glibc prints it: the exact binary value
 * rounded half-to-even, `inf`/`-inf`/`nan`, the sign of negative values
 * (and of -0) kept.
 */
export function formatFixed(d: number, prec: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  const { neg, m, e } = exactDouble(d);
  const scale = 10n ** BigInt(prec);
  let q: bigint;
  if (e >= 0) q = (m << BigInt(e)) * scale;
  else {
    const k = BigInt(-e);
    const scaled = m * scale;
    q = scaled >> k;
    const rem = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  let str = q.toString();
  if (prec > 0) {
    if (str.length <= prec) str = '0'.repeat(prec + 1 - str.length) + str;
    str = str.slice(0, str.length - prec) + '.' + str.slice(str.length - prec);
  }
  return neg ? '-' + str : str;
}

/** A double printed as Redis's addReplyHumanLongDouble prints it (ld2string LD_STR_HUMAN of the widened value). */
export function formatHumanDouble(d: number): string {
  if (d === Infinity || d === -Infinity) return d > 0 ? 'inf' : '-inf';
  const { neg, m, e } = exactDouble(d);
  return formatLongDouble({ neg, m, e, inf: false });
}
