/**
 * Redis's string -> number conversions for doubles and long doubles, reproduced
 * bit for bit from what redis-server 7.0 (glibc, x86-64) does:
 *
 * - glibc `strtod` / `strtold` grammar (leading blanks, sign, inf/infinity, nan,
 *   hex floats `0x1.8p3`, decimal with exponent), plus Redis's wrappers
 *   `string2d` (scores) and `string2ld` (INCRBYFLOAT / HINCRBYFLOAT);
 * - x87 80-bit `long double` arithmetic (64-bit significand, round-half-even),
 *   emulated exactly with BigInt since JavaScript has no long double.
 *
 * The number -> text side (`%.17g`, ld2string) is src/util/number-format.ts.
 * Strings are latin1 (one char per byte).
 */
import { formatLongDouble, type LongDouble } from '../../util/number-format';

// ---------------------------------------------------------------------------
// strtod / strtold scanning

/** C locale `isspace`. */
export function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

function matchCI(s: string, at: number, word: string): boolean {
  if (at + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((s.charCodeAt(at + k) | 32) !== word.charCodeAt(k)) return false;
  }
  return true;
}

const enum Kind {
  None,
  Dec,
  Hex,
  Inf,
  NaN,
}

/** Result of scanning a strtod-style number; offsets index into the input. */
interface Scan {
  kind: Kind;
  neg: boolean;
  /** Significant digits (decimal or hex), leading zeros removed; '' means zero. */
  digits: string;
  /** Dec: value = digits * 10^exp. Hex: value = digits(hex) * 2^exp. */
  exp: number;
  /** Offset just past the accepted text (== start offset when nothing accepted). */
  end: number;
  /** Offset of the sign or first digit (for handing the slice to Number()). */
  numStart: number;
}

/** Clamp for absurd exponents: beyond this everything is 0 or inf anyway. */
const EXP_CLAMP = 1e9;

function scanNumber(s: string, start: number): Scan {
  const n = s.length;
  let i = start;
  while (i < n && isCSpace(s.charCodeAt(i))) i++;
  const numStart = i;
  let neg = false;
  let c = i < n ? s.charCodeAt(i) : -1;
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  const none: Scan = { kind: Kind.None, neg: false, digits: '', exp: 0, end: start, numStart };
  if (i >= n) return none;
  c = s.charCodeAt(i);
  if ((c | 32) === 105 /* i */) {
    if (!matchCI(s, i, 'inf')) return none;
    i += 3;
    if (matchCI(s, i, 'inity')) i += 5;
    return { kind: Kind.Inf, neg, digits: '', exp: 0, end: i, numStart };
  }
  if ((c | 32) === 110 /* n */) {
    if (!matchCI(s, i, 'nan')) return none;
    i += 3;
    if (i < n && s.charCodeAt(i) === 40 /* ( */) {
      let j = i + 1;
      while (j < n) {
        const cc = s.charCodeAt(j);
        if (isDigit(cc) || ((cc | 32) >= 97 && (cc | 32) <= 122) || cc === 95) j++;
        else break;
      }
      if (j < n && s.charCodeAt(j) === 41) i = j + 1;
    }
    return { kind: Kind.NaN, neg, digits: '', exp: 0, end: i, numStart };
  }
  // Hexadecimal float: 0x, then at least one hex digit (possibly after the point).
  if (c === 48 && i + 1 < n && (s.charCodeAt(i + 1) | 32) === 120) {
    let j = i + 2;
    let mant = '';
    let sawDigit = false;
    let fracDigits = 0;
    let seenDot = false;
    while (j < n) {
      const cc = s.charCodeAt(j);
      if (hexVal(cc) >= 0) {
        sawDigit = true;
        if (mant.length > 0 || cc !== 48) mant += s[j];
        if (seenDot) fracDigits++;
        j++;
      } else if (cc === 46 && !seenDot) {
        seenDot = true;
        j++;
      } else break;
    }
    if (sawDigit) {
      let exp = 0;
      if (j < n && (s.charCodeAt(j) | 32) === 112 /* p */) {
        const r = scanExponent(s, j + 1);
        if (r.ok) {
          exp = r.value;
          j = r.end;
        }
      }
      // Strip trailing zero hex digits into the exponent.
      let m = mant.length;
      while (m > 0 && mant.charCodeAt(m - 1) === 48) m--;
      const trailing = mant.length - m;
      return {
        kind: Kind.Hex,
        neg,
        digits: mant.slice(0, m),
        exp: exp - 4 * fracDigits + 4 * trailing,
        end: j,
        numStart,
      };
    }
    // "0x" with no hex digit: strtod reads the "0" only.
    return { kind: Kind.Dec, neg, digits: '', exp: 0, end: i + 1, numStart };
  }
  // Decimal.
  let j = i;
  let intStart = -1;
  let sawDigit = false;
  let digits = '';
  let dotExp = 0;
  let seenDot = false;
  while (j < n) {
    const cc = s.charCodeAt(j);
    if (isDigit(cc)) {
      sawDigit = true;
      if (digits.length > 0 || cc !== 48) {
        if (intStart < 0) intStart = j;
        digits += s[j];
      }
      if (seenDot) dotExp--;
      j++;
    } else if (cc === 46 && !seenDot) {
      seenDot = true;
      j++;
    } else break;
  }
  if (!sawDigit) return none;
  let exp = 0;
  if (j < n && (s.charCodeAt(j) | 32) === 101 /* e */) {
    const r = scanExponent(s, j + 1);
    if (r.ok) {
      exp = r.value;
      j = r.end;
    }
  }
  let m = digits.length;
  while (m > 0 && digits.charCodeAt(m - 1) === 48) m--;
  const trailing = digits.length - m;
  return {
    kind: Kind.Dec,
    neg,
    digits: digits.slice(0, m),
    exp: exp + dotExp + trailing,
    end: j,
    numStart,
  };
}

function scanExponent(s: string, at: number): { ok: boolean; value: number; end: number } {
  const n = s.length;
  let j = at;
  let eneg = false;
  if (j < n && (s.charCodeAt(j) === 43 || s.charCodeAt(j) === 45)) {
    eneg = s.charCodeAt(j) === 45;
    j++;
  }
  if (j >= n || !isDigit(s.charCodeAt(j))) return { ok: false, value: 0, end: at };
  let v = 0;
  while (j < n && isDigit(s.charCodeAt(j))) {
    if (v < EXP_CLAMP) v = v * 10 + (s.charCodeAt(j) - 48);
    j++;
  }
  return { ok: true, value: eneg ? -v : v, end: j };
}

// ---------------------------------------------------------------------------
// Exact binary rounding helpers (BigInt)

function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  if (x < 0x100000000n) return 32 - Math.clz32(Number(x));
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(parseInt(h[0], 16)));
}

/**
 * Rounds the exact value M * 2^E (M >= 0) to `prec` significant bits with
 * round-half-even, never going below exponent `minExp` (subnormals).
 * Returns the rounded significand and exponent (m may equal 2^prec after a carry).
 */
function roundBinary(M: bigint, E: number, prec: number, minExp: number): { m: bigint; e: number } {
  const bl = bitLength(M);
  let shift = bl - prec;
  if (E + shift < minExp) shift = minExp - E;
  if (shift <= 0) return { m: M, e: E };
  if (shift > bl + 1) return { m: 0n, e: minExp };
  const bs = BigInt(shift);
  let q = M >> bs;
  const rem = M - (q << bs);
  const half = 1n << (bs - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return { m: q, e: E + shift };
}

interface BinFormat {
  prec: number;
  minExp: number; // exponent of the least significant bit of the smallest subnormal
  maxExp: number; // values >= 2^maxExp overflow
  decHi: number; // decimal exponent above which the value surely overflows
  decLo: number; // decimal exponent below which the value surely underflows to 0
}

const F64: BinFormat = { prec: 53, minExp: -1074, maxExp: 1024, decHi: 310, decLo: -326 };
const F80: BinFormat = { prec: 64, minExp: -16445, maxExp: 16384, decHi: 4934, decLo: -4953 };

/** Exact conversion of a decimal (digits * 10^exp, digits non-empty, no leading 0) to binary. */
function decimalToBinary(digits: string, exp: number, f: BinFormat): { m: bigint; e: number } | null {
  const dexp = digits.length + exp; // value < 10^dexp
  if (dexp > f.decHi) return null; // overflow
  if (dexp < f.decLo) return { m: 0n, e: f.minExp };
  const D = BigInt(digits);
  let r: { m: bigint; e: number };
  if (exp >= 0) {
    r = roundBinary(D * 10n ** BigInt(exp), 0, f.prec, f.minExp);
  } else {
    const k = -exp;
    const P = 5n ** BigInt(k);
    const s = Math.max(0, f.prec + 3 + bitLength(P) - bitLength(D));
    const N = D << BigInt(s);
    const Q = N / P;
    const sticky = N - Q * P === 0n ? 0n : 1n;
    r = roundBinary((Q << 1n) | sticky, -s - k - 1, f.prec, f.minExp);
  }
  if (r.m !== 0n && bitLength(r.m) + r.e > f.maxExp) return null;
  return r;
}

function hexToBinary(digits: string, exp: number, f: BinFormat): { m: bigint; e: number } | null {
  const bits = digits.length * 4;
  if (bits + exp > f.maxExp + 8) return null;
  if (bits + exp < f.minExp - 8) return { m: 0n, e: f.minExp };
  const r = roundBinary(BigInt('0x' + digits), exp, f.prec, f.minExp);
  if (r.m !== 0n && bitLength(r.m) + r.e > f.maxExp) return null;
  return r;
}

function binaryToNumber(m: bigint, e: number): number {
  // m < 2^54 so Number(m) is exact; scale in two steps to dodge intermediate under/overflow.
  let v = Number(m);
  if (e > 1000) {
    v *= 2 ** 1000;
    e -= 1000;
  } else if (e < -1000) {
    v *= 2 ** -1000;
    e += 1000;
  }
  return v * 2 ** e;
}

// ---------------------------------------------------------------------------
// double parsing

/** What glibc `strtod` returns: the value, where it stopped, and whether it set ERANGE. */
export interface StrtodResult {
  /** Parsed value (0 when nothing was accepted; NaN for "nan"). */
  value: number;
  /** Offset just past the accepted text; equals `start` when nothing was accepted. */
  end: number;
  /** errno == ERANGE: overflow to +-inf or underflow to zero of a non-zero number. */
  erange: boolean;
}

/**
 * glibc `strtod(s + start, &end)` in the C locale: skips leading blanks, accepts a
 * sign, "inf"/"infinity", "nan", "nan(...)", hex floats and decimal floats.
 */
export function strtod(s: string, start = 0): StrtodResult {
  const sc = scanNumber(s, start);
  switch (sc.kind) {
    case Kind.None:
      return { value: 0, end: start, erange: false };
    case Kind.Inf:
      return { value: sc.neg ? -Infinity : Infinity, end: sc.end, erange: false };
    case Kind.NaN:
      return { value: NaN, end: sc.end, erange: false };
    case Kind.Dec: {
      if (sc.digits === '') return { value: sc.neg ? -0 : 0, end: sc.end, erange: false };
      // V8's string-to-number is correctly rounded, like glibc.
      const v = Number(s.slice(sc.numStart, sc.end));
      if (v === Infinity || v === -Infinity || v === 0) return { value: v, end: sc.end, erange: true };
      return { value: v, end: sc.end, erange: false };
    }
    case Kind.Hex: {
      if (sc.digits === '') return { value: sc.neg ? -0 : 0, end: sc.end, erange: false };
      const r = hexToBinary(sc.digits, sc.exp, F64);
      if (r === null) return { value: sc.neg ? -Infinity : Infinity, end: sc.end, erange: true };
      const v = binaryToNumber(r.m, r.e);
      return { value: sc.neg ? -v : v, end: sc.end, erange: v === 0 };
    }
  }
}

/**
 * Redis's `string2d` (used by getDoubleFromObject for ZADD/ZINCRBY scores, GEO...):
 * the whole string must be a strtod number, no leading blank, no overflow or
 * underflow to zero, not NaN. Returns null when Redis replies
 * "value is not a valid float".
 */
export function parseDouble(s: string): number | null {
  const n = s.length;
  if (n === 0 || isCSpace(s.charCodeAt(0))) return null;
  const r = strtod(s, 0);
  if (r.end !== n) return null;
  if (r.value !== r.value) return null;
  if (r.erange && (r.value === Infinity || r.value === -Infinity || r.value === 0)) return null;
  return r.value;
}

/**
 * A score bound as zslParseRange reads it (ZRANGEBYSCORE, ZCOUNT,
 * ZREMRANGEBYSCORE...): optional '(' for exclusive, then strtod where the
 * text must end at the end of the string or at a NUL byte; leading blanks,
 * overflow to inf and the empty string (= 0) are accepted, NaN is not.
 * Returns null for Redis's "min or max is not a float".
 */
export function parseScoreBound(s: string): { value: number; exclusive: boolean } | null {
  let start = 0;
  let exclusive = false;
  if (s.charCodeAt(0) === 40 /* ( */) {
    start = 1;
    exclusive = true;
  }
  const r = strtod(s, start);
  if (r.end !== s.length && s.charCodeAt(r.end) !== 0) return null;
  if (r.value !== r.value) return null;
  return { value: r.value, exclusive };
}

// ---------------------------------------------------------------------------
// long double (x87 80-bit extended) emulation

/** Positive zero as a LongDouble. */
export const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0, inf: false };

/** What glibc `strtold` returns (value null for NaN). */
export interface StrtoldResult {
  value: LongDouble | null;
  end: number;
  erange: boolean;
}

/** glibc `strtold(s + start, &end)` for x86-64 80-bit long double. */
export function strtold(s: string, start = 0): StrtoldResult {
  const sc = scanNumber(s, start);
  switch (sc.kind) {
    case Kind.None:
      return { value: LD_ZERO, end: start, erange: false };
    case Kind.Inf:
      return { value: { neg: sc.neg, m: 0n, e: 0, inf: true }, end: sc.end, erange: false };
    case Kind.NaN:
      return { value: null, end: sc.end, erange: false };
    case Kind.Dec:
    case Kind.Hex: {
      if (sc.digits === '') return { value: { neg: sc.neg, m: 0n, e: 0, inf: false }, end: sc.end, erange: false };
      const r =
        sc.kind === Kind.Dec ? decimalToBinary(sc.digits, sc.exp, F80) : hexToBinary(sc.digits, sc.exp, F80);
      if (r === null) return { value: { neg: sc.neg, m: 0n, e: 0, inf: true }, end: sc.end, erange: true };
      return { value: { neg: sc.neg, m: r.m, e: r.e, inf: false }, end: sc.end, erange: r.m === 0n };
    }
  }
}

/** MAX_LONG_DOUBLE_CHARS in Redis: longer inputs are refused by string2ld. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

/**
 * Redis's `string2ld` (INCRBYFLOAT operands, HINCRBYFLOAT, stored values):
 * non-empty, shorter than 5120 bytes, no leading blank, whole string consumed,
 * no overflow / underflow to zero, not NaN. Infinity ("inf") is accepted.
 * Returns null for "value is not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= MAX_LONG_DOUBLE_CHARS || isCSpace(s.charCodeAt(0))) return null;
  const r = strtold(s, 0);
  if (r.end !== n || r.value === null) return null;
  if (r.erange && (r.value.inf || r.value.m === 0n)) return null;
  return r.value;
}

/** True for a finite LongDouble. */
export function isLongDoubleFinite(x: LongDouble): boolean {
  return !x.inf;
}

/** Exact conversion of a JS integer (e.g. a listpack integer field) to LongDouble. */
export function longDoubleFromInteger(v: number | bigint): LongDouble {
  let b = typeof v === 'bigint' ? v : BigInt(v);
  const neg = b < 0n;
  if (neg) b = -b;
  const r = roundBinary(b, 0, F80.prec, F80.minExp);
  return { neg, m: r.m, e: r.e, inf: false };
}

/**
 * `a + b` in x87 extended precision (round-half-even). Returns null for NaN
 * (inf + -inf); the result may be infinite (overflow or an infinite operand).
 */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  if (a.m === 0n) {
    if (b.m === 0n) return { neg: a.neg && b.neg, m: 0n, e: 0, inf: false };
    return b;
  }
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const am = a.m << BigInt(a.e - e);
  const bm = b.m << BigInt(b.e - e);
  let sum = (a.neg ? -am : am) + (b.neg ? -bm : bm);
  if (sum === 0n) return { neg: false, m: 0n, e: 0, inf: false };
  const neg = sum < 0n;
  if (neg) sum = -sum;
  const r = roundBinary(sum, e, F80.prec, F80.minExp);
  if (bitLength(r.m) + r.e > F80.maxExp) return { neg, m: 0n, e: 0, inf: true };
  return { neg, m: r.m, e: r.e, inf: false };
}

/** Outcome of an INCRBYFLOAT-style update. */
export type IncrFloatResult =
  | { ok: true; value: string }
  | { ok: false; error: 'notfloat' | 'nanorinf' };

/**
 * INCRBYFLOAT's arithmetic on stored text: `current` (null = missing key = 0) plus
 * `incr`, both read with string2ld, summed in long double and formatted with
 * ld2string HUMAN. `notfloat` -> "ERR value is not a valid float";
 * `nanorinf` -> "ERR increment would produce NaN or Infinity".
 * (HINCRBYFLOAT additionally rejects an infinite increment up front with
 * "ERR value is NaN or Infinity" and says "hash value is not a float" for a bad
 * current value; its caller does those checks with parseLongDouble.)
 */
export function incrByFloat(current: string | null, incr: string): IncrFloatResult {
  const cur = current === null ? LD_ZERO : parseLongDouble(current);
  if (cur === null) return { ok: false, error: 'notfloat' };
  const inc = parseLongDouble(incr);
  if (inc === null) return { ok: false, error: 'notfloat' };
  const sum = addLongDouble(cur, inc);
  if (sum === null || sum.inf) return { ok: false, error: 'nanorinf' };
  return { ok: true, value: formatLongDouble(sum) };
}
