/** Whole-file and whole-buffer reads over the streaming RdbReader: parseRdbBuffer (tests, DUMP payloads), readRdbFile. */
import { createReadStream } from 'node:fs';
import type { KeyMeta, PlainValue } from './model';
import { RdbReader, type RdbHandlers, type RdbReaderOptions, type RdbSummary } from './reader';

/** A key as collected by parseRdbBuffer without handlers. */
export interface RdbKeyRecord {
  db: number;
  key: string;
  value: PlainValue;
  /** absolute unix ms, -1 when none */
  expireAt: number;
  meta?: KeyMeta;
}

/** Everything in an RDB, as collected by parseRdbBuffer without handlers. */
export interface ParsedRdb {
  summary: RdbSummary;
  aux: Map<string, string>;
  keys: RdbKeyRecord[];
  functions: string[];
}

/**
 * Parse a whole RDB held in memory (small inputs, tests, DEBUG RELOAD). With
 * handlers, calls them and returns an empty collection; without, collects
 * every key. Throws RdbError.
 */
export function parseRdbBuffer(buf: Buffer, handlers?: RdbHandlers, options?: RdbReaderOptions): ParsedRdb {
  const aux = new Map<string, string>();
  const keys: RdbKeyRecord[] = [];
  const functions: string[] = [];
  const h: RdbHandlers = handlers ?? {
    onAux: (k, v) => void aux.set(k, v),
    onKey: (db, key, value, expireAt, meta) => void keys.push(meta ? { db, key, value, expireAt, meta } : { db, key, value, expireAt }),
    onFunction: (code) => void functions.push(code),
  };
  const r = new RdbReader(h, options);
  r.push(buf);
  r.end();
  return { summary: r.summary as RdbSummary, aux, keys, functions };
}

/**
 * Stream an RDB file from disk through a reader (1 MB reads). Resolves with
 * the summary; rejects with RdbError (or the fs error).
 */
export async function readRdbFile(
  path: string,
  handlers: RdbHandlers,
  options?: RdbReaderOptions & { highWaterMark?: number },
): Promise<RdbSummary> {
  const reader = new RdbReader(handlers, options);
  const stream = createReadStream(path, { highWaterMark: options?.highWaterMark ?? 1 << 20 });
  for await (const chunk of stream) reader.push(chunk as Buffer);
  reader.end();
  return reader.summary as RdbSummary;
}
