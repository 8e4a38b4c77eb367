/**
 * The value model shared by the RDB reader, the RDB writer, DUMP/RESTORE and
 * DEBUG DIGEST. Every string is binary safe: a latin1 JS string where one char
 * is one byte (convert with Buffer.from(s, 'latin1') / buf.toString('latin1')).
 */

import type { RStream } from '../../keyspace/types/stream';
import type { QuicklistNodeBytes } from '../../keyspace/types/list';

/** A value as the RDB codec sees it, independent of in-memory encodings. */
export type PlainValue =
  | { type: 'string'; value: string }
  /**
   * `nodes`: the list's quicklist nodes (listpack bytes, or compressed
   * listpacks), written as they are (RDB_TYPE_LIST_QUICKLIST_2); absent when
   * unknown (the writer cuts the elements into nodes by the quicklist rule).
   */
  | { type: 'list'; value: ListItems; nodes?: readonly QuicklistNodeBytes[] }
  | { type: 'hash'; value: Map<string, string> }
  /**
   * `intset`: the set's in-memory intset bytes (latin1), written as they are
   * (RDB_TYPE_SET_INTSET); null when the set is hashtable-encoded (written as
   * RDB_TYPE_SET, as Redis writes whatever encoding it holds); absent when
   * unknown (the writer picks the encoding from the members).
   */
  | { type: 'set'; value: SetMembers; intset?: string | null }
  /** member, score; sorted by score then member (byte order), like a Redis skiplist */
  | { type: 'zset'; value: Array<[string, number]> }
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
