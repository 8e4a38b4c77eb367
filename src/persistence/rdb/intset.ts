/**
 * Intset (RDB type 11) on Buffers for the RDB codec: thin wrappers over the
 * one intset codec, src/keyspace/intset.ts (which works on latin1 strings, the
 * form a small set keeps in memory).
 */
import { RdbError } from './errors';
import { intsetFrom, intsetMembers, intsetValidate } from '../../keyspace/intset';

/**
 * The intset bytes in b[start..end) as a latin1 string, validated like
 * intsetValidateIntegrity with deep=1 (size, encoding, non-empty, strictly
 * ascending). Throws RdbError('CORRUPT').
 */
export function loadIntset(b: Buffer, start = 0, end: number = b.length): string {
  const s = b.toString('latin1', start, end);
  const bad = intsetValidate(s);
  if (bad !== null) throw new RdbError('CORRUPT', bad);
  return s;
}

/** Decode (and validate) an intset held in b[start..end) into decimal strings. Throws RdbError('CORRUPT'). */
export function decodeIntset(b: Buffer, start = 0, end: number = b.length): string[] {
  return intsetMembers(loadIntset(b, start, end));
}

/**
 * Encode members (all canonical integers) as an intset with the smallest
 * encoding that holds them all. Returns null when a member is not a
 * canonical 64-bit integer (then the set must be stored as a plain set).
 */
export function encodeIntset(members: Iterable<string>): Buffer | null {
  const s = intsetFrom(members);
  return s === null ? null : Buffer.from(s, 'latin1');
}
