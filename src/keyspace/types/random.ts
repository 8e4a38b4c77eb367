/**
 * Random sampling shared by HRANDFIELD, SRANDMEMBER, SPOP and ZRANDMEMBER.
 */

/** Uniform integer in [0, n). */
export function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * `count` distinct indexes out of [0, n), 0 < count < n, in random order.
 * Small samples use rejection into a Set (O(count)); samples close to n use a
 * partial Fisher-Yates shuffle (O(n), and n < 3 * count there, like Redis's
 * "SUB_STRATEGY_MUL 3" switch).
 */
export function sampleDistinct(n: number, count: number): number[] {
  const out = new Array<number>(count);
  if (count * 3 > n) {
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      out[i] = idx[i];
    }
    return out;
  }
  const seen = new Set<number>();
  let k = 0;
  while (k < count) {
    const i = Math.floor(Math.random() * n);
    if (seen.has(i)) continue;
    seen.add(i);
    out[k++] = i;
  }
  return out;
}
