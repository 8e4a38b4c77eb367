/**
 * Pure Redis value structures (no replies, no I/O): list, hash, set, sorted set,
 * and Redis's double / long double text conversions.
 */
export * from './list';
export * from './hash';
export * from './set';
export * from './zset';
export * from './stream';
export * from './float';
export { randomIndex, sampleDistinct } from './random';
