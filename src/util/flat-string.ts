/**
 * A flat copy of a latin1 string. A concatenation is a rope (a V8 ConsString:
 * 32 bytes plus its parts, kept alive) until something flattens it; a string
 * kept for long (a key, a value) should be flat, as those read off a socket
 * are.
 */
interface Latin1Buffer extends Buffer {
  latin1Write(s: string, offset?: number, length?: number): number;
  latin1Slice(start: number, end: number): string;
}

let scratch = Buffer.allocUnsafe(256) as Latin1Buffer;

export function flatString(s: string): string {
  if (s.length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length, scratch.length * 2)) as Latin1Buffer;
  const n = scratch.latin1Write(s, 0, s.length);
  return scratch.latin1Slice(0, n);
}

/**
 * `${prefix}:${n}` as a flat string: short ones are flat as concatenated,
 * longer ones are built by Array.prototype.join, which writes one flat string
 * (cheaper than flatString's copy through a buffer).
 */
export function flatJoin(prefix: string, n: number): string {
  const s = prefix + ':' + n;
  return s.length < 13 ? s : [prefix, ':', n].join('');
}
