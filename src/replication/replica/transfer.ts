/**
 * The transfer step of a full sync (Redis's readSyncBulkPayload): the
 * "$<len>" or "$EOF:<mark>" line, then the RDB either written to a temp file
 * that is renamed to dbfilename and loaded (repl-diskless-load disabled), or
 * parsed as it arrives into the live databases (on-empty-db) or temporary
 * ones swapped in at the end (swapdb). It ends by handing the socket to the
 * master link. Failures are TransferErrors carrying the lines the run loop
 * logs; a half-loaded dataset is never kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Server } from '../../server/server';
import { Database } from '../../keyspace/database';
import { RdbLoader, loadRdbFile } from '../../persistence/rdb-load';
import type { SyncAttempt } from './attempt';
import { ReplicaStepError, TransferError, notice, readFailed, warning, type LogLine } from './errors';
import { streamAfterFullSync } from './master-link';
import { HeapLimitError } from '../../server/eviction';
import type { ReplicaSide } from './replica-side';

/** repl-diskless-load: load straight from the socket instead of a temp file. */
function useDisklessLoad(s: Server): boolean {
  const mode = s.config.settings.replDisklessLoad;
  if (mode === 'swapdb') return true;
  if (mode === 'on-empty-db') return s.dbs.every((d) => d.size === 0);
  return false;
}

/** Receive the master's RDB (state transfer), load it, and start streaming from the master. */
export async function transfer(att: SyncAttempt, signal: AbortSignal): Promise<void> {
  const side = att.side;
  const s = att.server;
  const diskless = useDisklessLoad(s);
  if (!diskless) {
    const name = `temp-${Math.floor(s.now() / 1000)}.${process.pid}.rdb`;
    const tmp = path.join(s.dataDir, name);
    try {
      att.fd = fs.openSync(tmp, 'wx', 0o644);
      att.tmpfile = tmp;
    } catch (e) {
      throw new TransferError('later', [warning(`Opening the temp file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`)]);
    }
  }
  side.state = 'transfer';
  side.transferSize = -1;
  side.transferRead = 0;
  side.transferLastIo = s.now();
  const mark = await bulkHeader(att, signal, diskless);
  if (diskless) await loadFromSocket(att, signal, mark);
  else await transferToDisk(att, signal, mark);
}

/** "$<len>" (sets transferSize; returns null) or "$EOF:<40 bytes mark>" (returns the mark); newlines before it are keepalives. */
async function bulkHeader(att: SyncAttempt, signal: AbortSignal, diskless: boolean): Promise<Buffer | null> {
  const side = att.side;
  const s = att.server;
  const log = s.logger;
  let line = '';
  for (;;) {
    try {
      line = await att.reader.readLine(signal);
    } catch (e) {
      readFailed(e, signal, (why) => new TransferError('now', [warning(`I/O error reading bulk count from MASTER: ${why}`)]));
    }
    if (line[0] === '-') throw new TransferError('now', [warning(`MASTER aborted replication with an error: ${line.slice(1)}`)]);
    if (line === '') {
      // a newline is the master's keepalive while it prepares the RDB
      side.transferLastIo = s.now();
      continue;
    }
    if (line[0] !== '$') {
      throw new TransferError('now', [
        warning(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`),
      ]);
    }
    break;
  }
  const usemark = line.startsWith('$EOF:') && line.length - 5 >= 40;
  const mark = usemark ? Buffer.from(line.slice(5, 45), 'latin1') : null;
  if (usemark) {
    side.transferSize = 0;
    log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${diskless ? 'to parser' : 'to disk'}`);
  } else {
    side.transferSize = parseInt(line.slice(1), 10) || 0;
    log.notice(`MASTER <-> REPLICA sync: receiving ${side.transferSize} bytes from master ${diskless ? 'to parser' : 'to disk'}`);
    // an RDB is the compact form of a dataset: when even its bytes exceed the heap left, loading it would kill the process
    const room = s.eviction.heapAvailable();
    if (side.transferSize > room) {
      throw memoryAbort(side, `the master's RDB (${side.transferSize} bytes) is bigger than the memory this replica has left (${room} bytes)`);
    }
  }
  side.transferLastIo = s.now();
  return mark;
}

/** Disk load: write the RDB to the temp file, then flush, rename to dbfilename and load it. */
async function transferToDisk(att: SyncAttempt, signal: AbortSignal, mark: Buffer | null): Promise<void> {
  const side = att.side;
  const s = att.server;
  const log = s.logger;
  let hold: Buffer = Buffer.alloc(0);
  let leftover: Buffer = Buffer.alloc(0);
  let done = mark === null && side.transferSize === 0;
  while (!done) {
    let chunk: Buffer = Buffer.alloc(0);
    try {
      chunk = await att.reader.readChunk(signal);
    } catch (e) {
      readFailed(e, signal, () => new TransferError('now', [warning('I/O error trying to sync with MASTER: connection lost')]));
    }
    side.transferLastIo = s.now();
    if (mark !== null) {
      side.transferRead += chunk.length;
      const all = hold.length > 0 ? Buffer.concat([hold, chunk]) : chunk;
      if (all.length >= 40 && all.subarray(all.length - 40).equals(mark)) {
        writeTemp(att, all.subarray(0, all.length - 40));
        done = true;
      } else {
        const keep = Math.min(40, all.length);
        writeTemp(att, all.subarray(0, all.length - keep));
        hold = Buffer.from(all.subarray(all.length - keep));
      }
    } else {
      const left = side.transferSize - side.transferRead;
      if (chunk.length > left) {
        leftover = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      writeTemp(att, chunk);
      side.transferRead += chunk.length;
      done = side.transferRead >= side.transferSize;
    }
  }
  try {
    fs.fsyncSync(att.fd);
  } catch (e) {
    throw new TransferError('now', [warning(`Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: ${(e as Error).message}`)]);
  }
  fs.closeSync(att.fd);
  att.fd = -1;
  // like Redis, stop reading the master while loading: its stream waits in the socket
  att.socket.pause();
  side.attachToNewMaster();
  // like Redis: the AOF describes the old data, so it stops now and restarts (with a rewrite) after the load
  side.repl.storage.stopAofForSync();
  log.notice('MASTER <-> REPLICA sync: Flushing old data');
  s.emptyData();
  log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
  const dbfilename = s.config.path('dbfilename');
  const dbfile = path.join(s.dataDir, dbfilename);
  try {
    fs.renameSync(att.tmpfile as string, dbfile);
    att.tmpfile = null;
  } catch (e) {
    throw new TransferError('now', [
      warning(`Failed trying to rename the temp DB into ${dbfilename} in MASTER <-> REPLICA synchronization: ${(e as Error).message}`),
    ]);
  }
  s.loading = true;
  att.loading = true;
  let loader: RdbLoader;
  try {
    loader = await loadRdbFile(s, dbfile, {
      keepExpired: true,
      onChunk: () => {
        side.transferLastIo = s.now();
        sendNewlineToMaster(att);
      },
    });
  } catch (e) {
    s.loading = false;
    att.loading = false;
    s.emptyData(); // never keep a half-loaded dataset
    if (signal.aborted) throw signal.reason;
    const failed = warning(`Failed trying to load the MASTER synchronization DB from disk: ${(e as Error).message}`);
    if (e instanceof HeapLimitError) throw memoryAbort(side, "the master's dataset does not fit in this replica's memory", [failed]);
    throw new TransferError('now', [failed]);
  }
  s.loading = false;
  att.loading = false;
  // loading a file takes no signal: a cancel that came meanwhile takes effect now (what was loaded stays, as before)
  signal.throwIfAborted();
  streamAfterFullSync(att, loader.replInfo()?.streamDb ?? -1, mark !== null, leftover);
}

function writeTemp(att: SyncAttempt, data: Buffer): void {
  if (data.length === 0) return;
  try {
    let off = 0;
    while (off < data.length) off += fs.writeSync(att.fd, data, off, data.length - off);
  } catch (e) {
    throw new TransferError('now', [
      warning(`Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`),
    ]);
  }
}

/** Diskless load: parse the RDB as it arrives, into the live dbs (emptied first) or temporary ones (swapdb). */
async function loadFromSocket(att: SyncAttempt, signal: AbortSignal, mark: Buffer | null): Promise<void> {
  const side = att.side;
  const s = att.server;
  const log = s.logger;
  const swap = s.config.settings.replDisklessLoad === 'swapdb';
  let target: Database[];
  let asyncLoading = false;
  if (swap) {
    target = s.dbs.map((_, i) => new Database(i, s));
    // same history: keep serving the old data while loading
    asyncLoading = side.repl.replid === side.masterReplid;
  } else {
    side.attachToNewMaster();
    side.repl.storage.stopAofForSync();
    log.notice('MASTER <-> REPLICA sync: Flushing old data');
    s.emptyData();
    target = s.dbs;
  }
  log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
  if (!asyncLoading) {
    s.loading = true;
    att.loading = true;
  }
  const loader = new RdbLoader(s, { dbs: target, keepExpired: true });
  let leftover: Buffer = Buffer.alloc(0);
  /** The next bytes; a closed socket is a load failure worded like Redis's. */
  const read = async (): Promise<Buffer> => {
    try {
      return await att.reader.readChunk(signal);
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw new Error((e as Error).message === 'connection lost' ? 'Connection reset by peer' : (e as Error).message);
    }
  };
  try {
    let left = mark === null ? side.transferSize : Infinity;
    while (!loader.done && left > 0) {
      let chunk = await read();
      side.transferLastIo = s.now();
      if (chunk.length > left) {
        leftover = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      side.transferRead += chunk.length;
      loader.push(chunk);
      sendNewlineToMaster(att);
    }
    loader.end();
    if (mark !== null) {
      let tail = loader.takeRemaining();
      while (tail.length < 40) {
        let more: Buffer;
        try {
          more = await read();
        } catch (e) {
          if (signal.aborted) throw e;
          throw new Error('Connection reset by peer');
        }
        tail = Buffer.concat([tail, more]);
      }
      if (!tail.subarray(0, 40).equals(mark)) throw new TransferError('now', [warning('Replication stream EOF marker is broken')]);
      leftover = tail.subarray(40);
    } else {
      const rest = loader.takeRemaining();
      if (rest.length > 0) leftover = Buffer.concat([rest, leftover]);
    }
  } catch (e) {
    s.loading = false;
    att.loading = false;
    const lines: LogLine[] = e instanceof ReplicaStepError ? [...e.lines] : [warning(`Failed trying to load the MASTER synchronization DB from socket: ${(e as Error).message}`)];
    if (swap) lines.push(notice('MASTER <-> REPLICA sync: Discarding temporary DB in background'));
    else s.emptyData(); // remove the half-loaded data
    if (signal.aborted) throw signal.reason;
    if (e instanceof HeapLimitError) throw memoryAbort(side, "the master's dataset does not fit in this replica's memory", lines);
    throw new TransferError('now', lines);
  }
  if (swap) {
    side.attachToNewMaster();
    side.repl.storage.stopAofForSync();
    log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
    s.replaceData(target);
    log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
  }
  s.dirty++;
  s.loading = false;
  att.loading = false;
  streamAfterFullSync(att, loader.replInfo()?.streamDb ?? -1, mark !== null, leftover);
}

/** replicationSendNewlineToMaster(): at most once a second while loading, so the master does not time us out. */
function sendNewlineToMaster(att: SyncAttempt): void {
  const side = att.side;
  const sec = Math.floor(att.server.now() / 1000);
  if (sec === side.lastNewline) return;
  side.lastNewline = sec;
  if (!att.socket.destroyed) att.socket.write('\n');
}

/**
 * Give up this sync because the dataset cannot fit: log it, back off (5 s,
 * doubling to 5 minutes while it keeps failing: every retry costs the master
 * a full sync) and retry. Never a crash, never a tight loop.
 */
function memoryAbort(side: ReplicaSide, why: string, before: LogLine[] = []): TransferError {
  side.memoryFailures++;
  const delay = Math.min(300_000, 5000 * 2 ** (side.memoryFailures - 1));
  side.retryDelay = delay;
  return new TransferError('later', [...before, warning(`MASTER <-> REPLICA sync: aborting the synchronization: ${why}. Retrying in ${delay / 1000} seconds.`)]);
}
