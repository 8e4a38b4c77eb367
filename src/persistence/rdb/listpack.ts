/**
 * The RDB side of listpacks: thin wrappers over the one codec in
 * src/keyspace/listpack.ts that turn its validation errors into RdbError
 * CORRUPT and keep the names the RDB reader/writer use.
 */
import { RdbError } from './errors';
import { LpBuilder, ListpackError, lpValidate, lpToArray, lpFromElements } from '../../keyspace/listpack';

export { lpBacklenSize, lpEntrySize } from '../../keyspace/listpack';

/**
 * Decode a listpack held in b[start..end) into its elements; integers come
 * back in decimal form (as lpGet does). Throws RdbError('CORRUPT') when the
 * listpack is not valid (lpValidateIntegrity with deep=1).
 */
export function decodeListpack(b: Buffer, start = 0, end: number = b.length): string[] {
  validateListpack(b, start, end);
  return lpToArray(b.latin1Slice(start, end));
}

/** lpValidateIntegrity (deep) of b[start..end); returns the element count, throws RdbError CORRUPT. */
export function validateListpack(b: Buffer, start = 0, end: number = b.length, onEntry?: (p: number) => boolean): number {
  try {
    return lpValidate(b, start, end, onEntry);
  } catch (e) {
    if (e instanceof ListpackError) throw new RdbError('CORRUPT', e.message);
    throw e;
  }
}

/** The codec's builder under the writer's names (append / appendInt / finish). */
export class ListpackBuilder extends LpBuilder {
  /** Append an element, integer-encoded when canonical like lpAppend. */
  append(s: string): void {
    this.add(s);
  }

  /** Append an integer (a safe integer or an int64 bigint). */
  appendInt(v: number | bigint): void {
    this.addInt(v);
  }

  /** The finished listpack as a new Buffer. */
  finish(): Buffer {
    return this.toBuffer();
  }
}

/** Encode a whole array of elements as one listpack. */
export function encodeListpack(items: readonly string[]): Buffer {
  return Buffer.from(lpFromElements(items), 'latin1');
}
