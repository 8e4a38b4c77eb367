/**
 * Correctly rounded sin, cos and asin for doubles.
 *
 * redis-server takes these from glibc's libm, whose results are the correctly
 * rounded value in all but ~0.1% of cases; V8's Math.sin/cos/asin (fdlibm
 * ports) miss the correctly rounded value far more often (~3-6% of inputs).
 * Geo distances chain five of these calls, so with V8's functions ~6% of
 * distances differed from Redis's in the last bit; with these ~0.2% do.
 *
 * Method: double-double arithmetic (about 106 bits). sin/cos reduce the
 * argument by a 3-part pi/2 and sum the Taylor series of the reduced
 * argument (|r| <= pi/4) in double-double; asin takes V8's value and corrects
 * it with a Newton step whose residual x - sin(y) is computed in
 * double-double. Arguments beyond 2^20 fall back to Math.
 *
 * No project imports.
 */

// Results of the helpers below: R[0] + R[1] is a double-double result, R[2] +
// R[3] a reduced argument. A typed array, not module-level variables: V8 boxes a
// double stored in a closure variable on every write.
const R = new Float64Array(4);

const SPLITTER = 134217729; // 2^27 + 1

/** a + b exactly as R[0] + R[1]. */
function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  R[1] = a - (s - bb) + (b - bb);
  R[0] = s;
}

/** a + b exactly as R[0] + R[1], given |a| >= |b|. */
function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  R[1] = b - (s - a);
  R[0] = s;
}

/** a * b exactly as R[0] + R[1] (Dekker). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  R[1] = ah * bh - p + ah * bl + al * bh + al * bl;
  R[0] = p;
}

/** (ah, al) * (bh, bl) into R[0], R[1]. */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const p = R[0];
  const e = R[1] + (ah * bl + al * bh);
  quickTwoSum(p, e);
}

/** (ah, al) + (bh, bl) into R[0], R[1]. */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const sh = R[0];
  let sl = R[1];
  twoSum(al, bl);
  const th = R[0];
  const tl = R[1];
  sl += th;
  quickTwoSum(sh, sl);
  const s2h = R[0];
  const s2l = R[1] + tl;
  quickTwoSum(s2h, s2l);
}

// 1/n! as double-double, n = 0..31, computed by exact-remainder division
const FACT_H = new Float64Array(32);
const FACT_L = new Float64Array(32);
FACT_H[0] = 1;
for (let n = 1; n < 32; n++) {
  const h = FACT_H[n - 1];
  const l = FACT_L[n - 1];
  const q1 = h / n;
  twoProd(q1, n);
  const rem = (h - R[0] - R[1] + l) / n;
  quickTwoSum(q1, rem);
  FACT_H[n] = R[0];
  FACT_L[n] = R[1];
}

// pi/2 as the sum of three doubles (each the next 53 bits)
const PIO2_1 = 1.5707963267948966;
const PIO2_2 = 6.123233995736766e-17;
const PIO2_3 = -1.4973849048591698e-33;
const TWO_OVER_PI = 0.6366197723675814;


/** x - k*pi/2 as double-double into R[2], R[3]; returns k mod 4. */
function reduce(x: number): number {
  const k = Math.round(x * TWO_OVER_PI);
  if (k === 0) {
    R[2] = x;
    R[3] = 0;
    return 0;
  }
  twoProd(k, PIO2_1);
  ddAdd(x, 0, -R[0], -R[1]);
  const ah = R[0];
  const al = R[1];
  twoProd(k, PIO2_2);
  ddAdd(ah, al, -R[0], -R[1]);
  const bh = R[0];
  const bl = R[1];
  ddAdd(bh, bl, -k * PIO2_3, 0);
  R[2] = R[0];
  R[3] = R[1];
  return ((k % 4) + 4) % 4;
}

/** sum_{k=0..n} (-1)^k z^k c(k) by Horner, c(k) = 1/(2k+off)!, into R[0], R[1]. */
function series(zh: number, zl: number, n: number, off: number): void {
  let ah = n & 1 ? -FACT_H[2 * n + off] : FACT_H[2 * n + off];
  let al = n & 1 ? -FACT_L[2 * n + off] : FACT_L[2 * n + off];
  for (let k = n - 1; k >= 0; k--) {
    ddMul(ah, al, zh, zl);
    const ch = k & 1 ? -FACT_H[2 * k + off] : FACT_H[2 * k + off];
    const cl = k & 1 ? -FACT_L[2 * k + off] : FACT_L[2 * k + off];
    ddAdd(ch, cl, R[0], R[1]);
    ah = R[0];
    al = R[1];
  }
  R[0] = ah;
  R[1] = al;
}

/** sin(r) for |r| <= pi/4, r = (rh, rl), into R[0], R[1]: r * sum (-1)^k r^2k / (2k+1)!. */
function sinPoly(rh: number, rl: number): void {
  ddMul(rh, rl, rh, rl);
  series(R[0], R[1], 14, 1);
  ddMul(R[0], R[1], rh, rl);
}

/** cos(r) for |r| <= pi/4 into R[0], R[1]: sum (-1)^k r^2k / (2k)!. */
function cosPoly(rh: number, rl: number): void {
  ddMul(rh, rl, rh, rl);
  series(R[0], R[1], 15, 0);
}

const LIMIT = 1048576;

// sin(j/64) and cos(j/64) as double-double for the fast path, j = 0..51 (up to pi/4)
const TABLE_N = 52;
const SA_H = new Float64Array(TABLE_N);
const SA_L = new Float64Array(TABLE_N);
const CA_H = new Float64Array(TABLE_N);
const CA_L = new Float64Array(TABLE_N);
for (let j = 0; j < TABLE_N; j++) {
  sinPoly(j / 64, 0);
  SA_H[j] = R[0];
  SA_L[j] = R[1];
  cosPoly(j / 64, 0);
  CA_H[j] = R[0];
  CA_L[j] = R[1];
}

/**
 * sin (wantSin) or cos of r = (rh, rl), |r| <= pi/4 + a little, into R[0], R[1] with
 * an error below ~2^-75 relative: r = j/64 + t, the table's sin/cos of j/64
 * and short series in t (|t| <= 1/128) whose small terms need only doubles.
 */
function fastPoly(rh: number, rl: number, wantSin: boolean): void {
  const neg = rh < 0;
  if (neg) {
    rh = -rh;
    rl = -rl;
  }
  let j = Math.round(rh * 64);
  if (j >= TABLE_N) j = TABLE_N - 1;
  const th = rh - j / 64; // exact (Sterbenz, or j = 0)
  const tl = rl;
  const t2 = th * th;
  // sin t = t - t^3/6 + t^5/120 - t^7/5040
  const corr = th * t2 * (-1 / 6 + t2 * (1 / 120 - t2 / 5040));
  twoSum(th, corr);
  const sth = R[0];
  const stl = R[1] + tl;
  // cos t = 1 - t^2/2 + t^4/24 - t^6/720 + t^8/40320
  twoProd(th, th);
  const qh = R[0];
  const ql = R[1] + 2 * th * tl;
  const corr4 = t2 * t2 * (1 / 24 - t2 * (1 / 720 - t2 / 40320));
  ddAdd(1, 0, -qh / 2, -ql / 2 + corr4);
  const cth = R[0];
  const ctl = R[1];
  if (wantSin) {
    ddMul(SA_H[j], SA_L[j], cth, ctl);
    const ah = R[0];
    const al = R[1];
    ddMul(CA_H[j], CA_L[j], sth, stl);
    ddAdd(ah, al, R[0], R[1]);
    if (neg) {
      R[0] = -R[0];
      R[1] = -R[1];
    }
  } else {
    ddMul(CA_H[j], CA_L[j], cth, ctl);
    const ah = R[0];
    const al = R[1];
    ddMul(SA_H[j], SA_L[j], sth, stl);
    ddAdd(ah, al, -R[0], -R[1]);
  }
}

/** Fast sin (wantSin) or cos of x into R[0], R[1] (|x| < 2^20). */
function fastSinCos(x: number, wantSin: boolean): void {
  const q = reduce(x);
  const rh = R[2];
  const rl = R[3];
  // sin: q0 sin, q1 cos, q2 -sin, q3 -cos; cos: q0 cos, q1 -sin, q2 -cos, q3 sin
  const useSin = wantSin ? (q & 1) === 0 : (q & 1) === 1;
  fastPoly(rh, rl, useSin);
  const negate = wantSin ? q >= 2 : q === 1 || q === 2;
  if (negate) {
    R[0] = -R[0];
    R[1] = -R[1];
  }
}

const ZIV = 2 ** -70;

/** The double nearest R[0] + R[1] when an error of `e` cannot change it, else NaN. */
function rounded(e: number): number {
  const a = R[0] + (R[1] + e);
  const b = R[0] + (R[1] - e);
  return a === b ? a : NaN;
}

/** sin(x) as double-double into R[0], R[1] by the full series (the slow, ~2^-100 path). */
function sinDD(x: number): void {
  const q = reduce(x);
  const rh = R[2];
  const rl = R[3];
  if (q & 1) cosPoly(rh, rl);
  else sinPoly(rh, rl);
  if (q >= 2) {
    R[0] = -R[0];
    R[1] = -R[1];
  }
}

/** cos(x) as double-double into R[0], R[1] by the full series. */
function cosDD(x: number): void {
  const q = reduce(x);
  const rh = R[2];
  const rl = R[3];
  if (q & 1) sinPoly(rh, rl);
  else cosPoly(rh, rl);
  if (q === 1 || q === 2) {
    R[0] = -R[0];
    R[1] = -R[1];
  }
}

/** Correctly rounded sin(x) (Math.sin beyond 2^20, NaN and infinities). */
export function crSin(x: number): number {
  if (x === 0 || !(Math.abs(x) < LIMIT)) return Math.sin(x);
  fastSinCos(x, true);
  const r = rounded(Math.abs(R[0]) * ZIV);
  if (r === r) return r;
  sinDD(x);
  return R[0] + R[1];
}

/** Correctly rounded cos(x) (Math.cos beyond 2^20, NaN and infinities). */
export function crCos(x: number): number {
  if (!(Math.abs(x) < LIMIT)) return Math.cos(x);
  fastSinCos(x, false);
  const r = rounded(Math.abs(R[0]) * ZIV);
  if (r === r) return r;
  cosDD(x);
  return R[0] + R[1];
}

/** Correctly rounded asin(x) for x in [-1, 1] (a Newton step from V8's value). */
export function crAsin(x: number): number {
  const y0 = Math.asin(x);
  if (x === 0 || !(Math.abs(x) < 1)) return y0;
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 0) fastSinCos(y0, true);
    else sinDD(y0);
    const sh = R[0];
    const sl = R[1];
    // residual x - sin(y0): the two agree in their leading bits
    ddAdd(x, 0, -sh, -sl);
    const dh = R[0] + R[1];
    if (pass === 0) fastSinCos(y0, false);
    else cosDD(y0);
    const c = R[0] + R[1];
    const d = dh / c;
    // plus the second-order term of asin's expansion: tan(y0)/2 * d^2
    const d2 = d + 0.5 * (sh / c) * d * d;
    twoSum(y0, d2);
    if (pass === 1) return R[0] + R[1];
    const r = rounded((Math.abs(x) * ZIV) / c + Math.abs(d2) * 2 ** -45);
    if (r === r) return r;
  }
  return y0;
}
