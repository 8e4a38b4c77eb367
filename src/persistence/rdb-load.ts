/**
 * Load an RDB stream into a server's databases (or into temporary ones, for
 * repl-diskless-load swapdb), chunk by chunk, logging what Redis's rdbLoad
 * logs: "Loading RDB produced by version ...", "RDB age ... seconds",
 * "RDB memory usage when created ... Mb", "Done loading RDB, keys loaded: N,
 * keys expired: M.". The replication AUX fields (repl-id, repl-offset,
 * repl-stream-db) are kept for the caller (see replInfo()).
 */
import * as fs from 'node:fs';
import type { Server } from '../server/server';
import type { Database } from '../keyspace/database';
import { RdbReader } from './rdb/reader';
import { RdbError } from './rdb/errors';
import type { RdbSummary } from './rdb/reader';
import type { PlainValue } from './rdb/model';
import { HeapLimitError } from '../server/eviction';
import { structureLimits, toDbValue, type StructureLimits } from './convert';

/** Options of an RdbLoader. */
export interface RdbLoadOptions {
  /** databases to fill (default: the server's own) */
  dbs?: Database[];
  /** keep keys whose TTL already passed (replicas do; a master drops and counts them) */
  keepExpired: boolean;
  /** log Redis's loading lines (default true) */
  log?: boolean;
  /** collect the function libraries' code here instead of creating them as they are read (a load swapped in only once whole) */
  functions?: string[];
  /** a key dropped because its TTL passed (a master's start-up load propagates its DEL: Redis's RDBFLAGS_FEED_REPL) */
  onExpired?: (db: number, key: string) => void;
}

/** Replication info found in an RDB's AUX fields (Redis's rdbSaveInfo). */
export interface RdbReplInfo {
  /** repl-id */
  id: string;
  /** repl-offset */
  offset: number;
  /** repl-stream-db (-1 when absent) */
  streamDb: number;
}

/** Feeds RDB bytes to the reader and stores the keys. push() and end() throw RdbError on bad input. */
export class RdbLoader {
  readonly aux = new Map<string, string>();
  keysLoaded = 0;
  keysExpired = 0;
  private readonly reader: RdbReader;
  private readonly dbs: Database[];
  private readonly limits: StructureLimits;
  private readonly log: boolean;
  private readonly onExpired: ((db: number, key: string) => void) | undefined;
  /** the clock read once per pushed chunk (keys' LRU time) */
  private now = 0;

  constructor(
    private readonly server: Server,
    opts: RdbLoadOptions,
  ) {
    this.dbs = opts.dbs ?? server.dbs;
    this.limits = structureLimits(server.config);
    this.log = opts.log ?? true;
    this.onExpired = opts.onExpired;
    const keepExpired = opts.keepExpired;
    this.reader = new RdbReader(
      {
        onAux: (k, v) => this.onAux(k, v),
        onKey: (db, key, value, expireAt) => this.onKey(db, key, value, expireAt, keepExpired),
        onString: (db, key, value, expireAt) => this.onString(db, key, value, expireAt, keepExpired),
        // a library (rdbFunctionLoad): loaded without the FUNCTION LOAD time limit
        onFunction: (code) => {
          if (opts.functions !== undefined) return void opts.functions.push(code);
          try {
            server.scripting.functions.create(code, false, 0);
          } catch (e) {
            throw new RdbError('CORRUPT', `Failed loading library: ${(e as Error).message}`);
          }
        },
        onWarning: (m) => server.logger.warning(m),
      },
      { databases: this.dbs.length },
    );
  }

  /** Whether the EOF opcode and checksum were read. */
  get done(): boolean {
    return this.reader.done;
  }

  /** Bytes parsed so far. */
  get offset(): number {
    return this.reader.offset;
  }

  /** Feed bytes. */
  push(chunk: Buffer): void {
    // stop before the process would die of memory: the caller discards what was loaded
    if (this.server.eviction.heapNearLimit()) throw new HeapLimitError('not enough memory to load the dataset');
    this.now = this.server.now();
    this.reader.push(chunk);
  }

  /** No more bytes: throws if the RDB is incomplete; logs the "Done loading RDB" line. */
  end(): RdbSummary {
    this.reader.end();
    if (this.log) this.server.logger.notice(`Done loading RDB, keys loaded: ${this.keysLoaded}, keys expired: ${this.keysExpired}.`);
    return this.reader.summary as RdbSummary;
  }

  /** Bytes that followed the RDB (the EOF mark of a diskless transfer, the start of a command stream). */
  takeRemaining(): Buffer {
    return this.reader.takeRemaining();
  }

  /** repl-id / repl-offset / repl-stream-db when the file carried them, else null. */
  replInfo(): RdbReplInfo | null {
    const id = this.aux.get('repl-id');
    const off = this.aux.get('repl-offset');
    if (id === undefined || off === undefined) return null;
    const sdb = this.aux.get('repl-stream-db');
    return { id, offset: Number(off), streamDb: sdb === undefined ? -1 : Number(sdb) };
  }

  private onAux(k: string, v: string): void {
    this.aux.set(k, v);
    if (!this.log) return;
    const log = this.server.logger;
    switch (k) {
      case 'redis-ver':
        log.notice(`Loading RDB produced by version ${v}`);
        break;
      case 'ctime': {
        let age = Math.floor(this.server.now() / 1000) - (parseInt(v, 10) || 0);
        if (age < 0) age = 0;
        log.notice(`RDB age ${age} seconds`);
        break;
      }
      case 'used-mem':
        log.notice(`RDB memory usage when created ${((parseInt(v, 10) || 0) / (1024 * 1024)).toFixed(2)} Mb`);
        break;
      case 'aof-preamble':
        if ((parseInt(v, 10) || 0) !== 0) log.notice('RDB has an AOF tail');
        break;
      case 'aof-base':
        if ((parseInt(v, 10) || 0) !== 0) log.notice('RDB is base AOF');
        break;
      case 'redis-bits':
      case 'repl-id':
      case 'repl-offset':
      case 'repl-stream-db':
      case 'lua':
        break;
      default:
        log.debug(`Unrecognized RDB AUX field: '${k}'`);
    }
  }

  private onKey(dbIndex: number, key: string, value: PlainValue, expireAt: number, keepExpired: boolean): void {
    if (!keepExpired && expireAt >= 0 && expireAt < this.server.now()) {
      this.keysExpired++;
      this.onExpired?.(dbIndex, key);
      return;
    }
    this.dbs[dbIndex].setNew(key, toDbValue(value, this.limits), expireAt, this.now);
    this.keysLoaded++;
  }

  /** onKey for a plain string (no PlainValue wrapper). */
  private onString(dbIndex: number, key: string, value: string, expireAt: number, keepExpired: boolean): void {
    if (expireAt >= 0 && !keepExpired && expireAt < this.server.now()) {
      this.keysExpired++;
      this.onExpired?.(dbIndex, key);
      return;
    }
    this.dbs[dbIndex].setNew(key, value, expireAt, this.now);
    this.keysLoaded++;
  }
}

/** Options of loadRdbFile. */
export interface RdbFileLoadOptions extends RdbLoadOptions {
  /** called between chunks (replicas send a newline to their master from here) */
  onChunk?: (bytesRead: number) => void;
  /** read size (default 1 MB) */
  chunkSize?: number;
}

/**
 * Load an RDB file chunk by chunk, yielding to the event loop between
 * chunks (clients meanwhile get -LOADING if the caller set server.loading).
 * Rejects with RdbError or the fs error.
 */
export async function loadRdbFile(server: Server, file: string, opts: RdbFileLoadOptions): Promise<RdbLoader> {
  const loader = new RdbLoader(server, opts);
  const stream = fs.createReadStream(file, { highWaterMark: opts.chunkSize ?? 1 << 20 });
  let read = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    read += b.length;
    loader.push(b);
    opts.onChunk?.(read);
  }
  loader.end();
  return loader;
}
