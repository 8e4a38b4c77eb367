/**
 * Redis's LFU access counter (evict.c): an 8-bit logarithmic counter that
 * starts at LFU_INIT_VAL, grows with probability 1/((counter-5)*lfu-log-factor+1)
 * on each access and loses one per lfu-decay-time minutes without access.
 * tredis keeps the counter and the last access (unix seconds) in the key
 * table's lfu and lru columns.
 */

export const LFU_INIT_VAL = 5;

/** LFUDecrAndReturn: the counter after the decay owed since the last access (minutes, as Redis's 16-bit minute clock). */
export function lfuDecrAndReturn(counter: number, lastAccessSec: number, now: number, decayTime: number): number {
  if (decayTime <= 0) return counter;
  const elapsed = Math.floor(now / 60000) - Math.floor(lastAccessSec / 60);
  const periods = Math.floor(Math.max(0, elapsed) / decayTime);
  return periods > counter ? 0 : counter - periods;
}

/** LFULogIncr: one access, counted logarithmically (saturates at 255). */
export function lfuLogIncr(counter: number, logFactor: number, rnd: () => number = Math.random): number {
  if (counter >= 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  const p = 1 / (base * logFactor + 1);
  return rnd() < p ? counter + 1 : counter;
}
