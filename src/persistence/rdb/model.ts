/**
 * The value model shared by the RDB reader, the RDB writer, DUMP/RESTORE and
 * DEBUG DIGEST. Every string is binary safe: a latin1 JS string where one char
 * is one byte (convert with Buffer.from(s, 'latin1') / buf.toString('latin1')).
 */

import type { RStream } from '../../keyspace/types/stream';

/** A value as the RDB codec sees it, independent of in-memory encodings. */
export type PlainValue =
  | { type: 'string'; value: string }
  | { type: 'list'; value: string[] }
  | { type: 'hash'; value: Map<string, string> }
  | { type: 'set'; value: Set<string> }
  /** member, score; sorted by score then member (byte order), like a Redis skiplist */
  | { type: 'zset'; value: Array<[string, number]> }
  /** the stream structure itself (a copy owned by the codec's caller) */
  | { type: 'stream'; value: RStream };

/** The type names of PlainValue (Redis's TYPE reply names). */
export type PlainValueType = PlainValue['type'];

/** LRU/LFU information stored before a key (only present when the saver wrote it). */
export interface KeyMeta {
  /** RDB_OPCODE_IDLE: seconds idle, -1 when absent */
  lruIdle: number;
  /** RDB_OPCODE_FREQ: LFU logarithmic counter 0..255, -1 when absent */
  lfuFreq: number;
}
