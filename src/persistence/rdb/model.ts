/**
 * The value model shared by the RDB reader, the RDB writer, DUMP/RESTORE and
 * DEBUG DIGEST. Every string is binary safe: a latin1 JS string where one char
 * is one byte (convert with Buffer.from(s, 'latin1') / buf.toString('latin1')).
 */

import type { RStream } from '../../keyspace/types/stream';
import type { QuicklistNodeBytes } from '../../keyspace/types/list';
import { lpToArray } from '../../keyspace/listpack';
import { strtod } from './numbers';

/** A value as the RDB codec sees it, independent of in-memory encodings. */
export type PlainValue =
  /** a string longer than STRING_LIMIT comes as bytes (util/string-limit.ts) */
  | { type: 'string'; value: string | Buffer }
  /**
   * `nodes`: the list's quicklist nodes (listpack bytes, or compressed
   * listpacks), written as they are (RDB_TYPE_LIST_QUICKLIST_2); absent when
   * unknown (the writer cuts the elements into nodes by the quicklist rule).
   */
  | { type: 'list'; value: ListItems; nodes?: readonly QuicklistNodeBytes[] }
  /**
   * `listpack`: the value's listpack bytes (field, value...) when it is
   * listpack-encoded, written and loaded as is (RDB_TYPE_HASH_LISTPACK);
   * `value` is then decoded from it on first use. `big`: the value is
   * hashtable-encoded and saved as such whatever the limits (Redis's
   * rdbSaveObjectType follows the encoding); without either, the writer
   * picks by its limits.
   */
  | { type: 'hash'; value: Map<string, string>; listpack?: string; big?: boolean }
  /**
   * `intset`: the set's in-memory intset bytes (latin1), written as they are
   * (RDB_TYPE_SET_INTSET); null when the set is hashtable-encoded (written as
   * RDB_TYPE_SET, as Redis writes whatever encoding it holds); absent when
   * unknown (the writer picks the encoding from the members).
   */
  | { type: 'set'; value: SetMembers; intset?: string | null }
  /** member, score; sorted by score then member (byte order), like a Redis skiplist */
  /** `listpack`: member, score... listpack bytes when listpack-encoded (RDB_TYPE_ZSET_LISTPACK), as for hashes */
  | { type: 'zset'; value: Array<[string, number]>; listpack?: string; big?: boolean }
  /** the stream structure itself (a copy owned by the codec's caller) */
  | { type: 'stream'; value: RStream };

/** A list's elements: an array, or the list structure itself (iterable, with a length). */
export interface ListItems extends Iterable<string> {
  readonly length: number;
}

/** A set's members: a Set, or the set structure itself (iterable, with a size). */
export interface SetMembers extends Iterable<string> {
  readonly size: number;
}

/** The type names of PlainValue (Redis's TYPE reply names). */
export type PlainValueType = PlainValue['type'];

/** LRU/LFU information stored before a key (only present when the saver wrote it). */
export interface KeyMeta {
  /** RDB_OPCODE_IDLE: seconds idle, -1 when absent */
  lruIdle: number;
  /** RDB_OPCODE_FREQ: LFU logarithmic counter 0..255, -1 when absent */
  lfuFreq: number;
}

/** A hash PlainValue carrying its listpack; the Map is decoded on first use. */
export function hashFromListpack(lp: string): PlainValue & { type: 'hash' } {
  let m: Map<string, string> | null = null;
  return {
    type: 'hash',
    listpack: lp,
    get value(): Map<string, string> {
      if (m === null) {
        m = new Map();
        const a = lpToArray(lp);
        for (let i = 0; i + 1 < a.length; i += 2) m.set(a[i], a[i + 1]);
      }
      return m;
    },
  };
}

/** A zset PlainValue carrying its listpack (member, score... sorted); the pairs are decoded on first use. */
export function zsetFromListpack(lp: string): PlainValue & { type: 'zset' } {
  let arr: Array<[string, number]> | null = null;
  return {
    type: 'zset',
    listpack: lp,
    get value(): Array<[string, number]> {
      if (arr === null) {
        arr = [];
        const a = lpToArray(lp);
        for (let i = 0; i + 1 < a.length; i += 2) arr.push([a[i], strtod(a[i + 1])]);
      }
      return arr;
    },
  };
}
