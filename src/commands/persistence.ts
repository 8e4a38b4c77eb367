/**
 * Persistence commands: SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF (rdb.c /
 * aof.c) and DUMP, RESTORE, RESTORE-ASKING (cluster.c), with Redis 7.0's
 * replies and errors. The work is done by src/persistence.
 */
import { cmd, type CommandSpec } from './spec';
import type { Client } from '../server/client';
import { RedisError, Err } from '../protocol/errors';
import { isOpt, lookupRead, parseLongLong, valueArg } from './util';
import { STRING_LIMIT } from '../util/string-limit';
import { snapshotInProgress } from '../persistence/snapshot';
import { encodeDumpPayload, decodeDumpPayload, RdbError } from '../persistence/rdb/index';
import { toPlainValue, toDbValue, structureLimits, writerLimits } from '../persistence/convert';

/** Inside EXEC (Redis's server.in_exec): background jobs are only scheduled. */
function inExec(c: Client): boolean {
  return c.denyBlocking && !c.isFake;
}

/** Format: SAVE */
function saveCommand(c: Client): void {
  const p = c.server.persistence;
  if (p.rdb.rdbChildActive()) throw new RedisError('ERR Background save already in progress');
  p.rdb.saves++;
  if (!p.rdb.saveSync()) throw new RedisError('ERR');
  c.reply.ok();
}

/** Format: BGSAVE [SCHEDULE] */
function bgsaveCommand(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && isOpt(argv[1], 'schedule')) schedule = true;
    else throw new RedisError(Err.syntax);
  }
  const s = c.server;
  const p = s.persistence;
  if (p.rdb.rdbChildActive()) throw new RedisError('ERR Background save already in progress');
  if (snapshotInProgress(s) || inExec(c)) {
    if (schedule || inExec(c)) {
      p.rdb.bgsaveScheduled = true;
      c.reply.simple('Background saving scheduled');
      return;
    }
    throw new RedisError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
  }
  if (!p.rdb.startBgsave()) throw new RedisError('ERR');
  c.reply.simple('Background saving started');
}

/** Format: BGREWRITEAOF */
function bgrewriteaofCommand(c: Client): void {
  const s = c.server;
  const aof = s.persistence.aof;
  if (aof.rewrite !== null) throw new RedisError('ERR Background append only file rewriting already in progress');
  if (snapshotInProgress(s) || inExec(c)) {
    aof.rewriteScheduled = true;
    // a manual request resets the failure count so it runs at once
    aof.consecutiveFailures = 0;
    c.reply.simple('Background append only file rewriting scheduled');
    return;
  }
  if (!aof.rewriteBackground()) throw new RedisError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  c.reply.simple('Background append only file rewriting started');
}

/** Format: LASTSAVE */
function lastsaveCommand(c: Client): void {
  c.reply.int(c.server.lastSave);
}

/** Format: DUMP key -> the serialized value (RDB value + RDB version + CRC-64), or nil. */
function dumpCommand(c: Client, argv: string[]): void {
  const v = lookupRead(c, argv[1]);
  if (v === undefined) {
    c.reply.nullBulk();
    return;
  }
  const cfg = c.server.config;
  const payload = encodeDumpPayload(toPlainValue(v), { compression: cfg.settings.rdbcompression, limits: writerLimits(cfg) });
  if (payload.length > STRING_LIMIT) c.reply.bulkBytes(payload);
  else c.reply.bulk(payload.toString('latin1'));
}

/** Format: RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restoreCommand(c: Client, argv: string[]): void {
  const s = c.server;
  let replace = false;
  let absttl = false;
  let lruIdle = -1;
  let lfuFreq = -1;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const o = argv[j].toLowerCase();
    if (o === 'replace') replace = true;
    else if (o === 'absttl') absttl = true;
    else if (o === 'idletime' && additional >= 1 && lfuFreq === -1) {
      const v = parseLongLong(argv[j + 1]);
      if (v === null) throw new RedisError(Err.notInt);
      if (v < 0n) throw new RedisError('ERR Invalid IDLETIME value, must be >= 0');
      lruIdle = Number(v);
      j++;
    } else if (o === 'freq' && additional >= 1 && lruIdle === -1) {
      const v = parseLongLong(argv[j + 1]);
      if (v === null) throw new RedisError(Err.notInt);
      if (v < 0n || v > 255n) throw new RedisError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      lfuFreq = Number(v);
      j++;
    } else throw new RedisError(Err.syntax);
  }
  const key = argv[1];
  const db = c.db;
  if (!replace && db.get(key) !== undefined) throw new RedisError('BUSYKEY Target key name already exists.');
  const ttlBig = parseLongLong(argv[2]);
  if (ttlBig === null) throw new RedisError(Err.notInt);
  if (ttlBig < 0n) throw new RedisError('ERR Invalid TTL value, must be >= 0');
  let ttl = Number(ttlBig);
  const arg = valueArg(c, argv, 3);
  const payload = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg.bytes;
  let value;
  try {
    value = toDbValue(decodeDumpPayload(payload), structureLimits(s.config));
  } catch (e) {
    if (e instanceof RdbError && e.code === 'DUMP_PAYLOAD') throw new RedisError('ERR DUMP payload version or checksum are wrong');
    throw new RedisError('ERR Bad data format');
  }
  const deleted = replace ? db.delete(key) : false;
  if (ttl !== 0 && !absttl) ttl += s.now();
  if (ttl !== 0 && ttl <= s.now() && !s.loading && !s.isReplica()) {
    // already expired: the key is not created (and an old one replaced is gone)
    if (deleted) {
      s.propagation.rewrite([s.config.settings.lazyfreeLazyServerDel ? 'UNLINK' : 'DEL', key]);
      s.notifyKeyspaceEvent('g', 'del', key, db.id);
      s.dirty++;
    }
    c.reply.ok();
    return;
  }
  db.set(key, value);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!absttl) {
      // propagate the TTL as an absolute time
      const rewritten = argv.slice();
      rewritten[2] = String(ttl);
      rewritten.push('ABSTTL');
      s.propagation.rewrite(rewritten);
    }
  }
  // objectSetLRUOrLFU: FREQ under an LFU policy, IDLETIME otherwise
  const nowSec = Math.floor(s.now() / 1000);
  const slot = db.slotOf(key);
  if (s.config.settings.maxmemoryPolicy.endsWith('lfu')) {
    if (lfuFreq >= 0) {
      db.table.setLfu(slot, lfuFreq);
      db.table.setLru(slot, nowSec);
    }
  } else if (lruIdle >= 0) {
    db.table.setLru(slot, Math.max(0, nowSec - lruIdle));
  }
  s.notifyKeyspaceEvent('g', 'restore', key, db.id);
  c.reply.ok();
  s.dirty++;
}

/** Persistence command specs. */
export const persistenceCommands: CommandSpec[] = [
  cmd('save', 1, 'admin noscript no_async_loading no_multi', 0, 0, 0, saveCommand, { group: 'server', since: '1.0.0', summary: 'Synchronously save the dataset to disk' }),
  cmd('bgsave', -1, 'admin noscript no_async_loading', 0, 0, 0, bgsaveCommand, { group: 'server', since: '1.0.0', summary: 'Asynchronously save the dataset to disk' }),
  cmd('bgrewriteaof', 1, 'admin noscript no_async_loading', 0, 0, 0, bgrewriteaofCommand, { group: 'server', since: '1.0.0', summary: 'Asynchronously rewrite the append-only file' }),
  cmd('lastsave', 1, 'loading stale fast', 0, 0, 0, lastsaveCommand, { group: 'server', since: '1.0.0', summary: 'Get the UNIX time stamp of the last successful save to disk' }),
  cmd('dump', 2, 'readonly', 1, 1, 1, dumpCommand, { group: 'generic', since: '2.6.0', summary: 'Return a serialized version of the value stored at the specified key.' }),
  cmd('restore', -4, 'write denyoom', 1, 1, 1, restoreCommand, { bigValues: true, group: 'generic', since: '2.6.0', summary: 'Create a key using the provided serialized value, previously obtained using DUMP.' }),
  cmd('restore-asking', -4, 'write denyoom asking', 1, 1, 1, restoreCommand, { group: 'server', since: '3.0.0', summary: 'An internal command for migrating keys in a cluster' }),
];
