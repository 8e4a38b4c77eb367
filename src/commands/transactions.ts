/**
 * Transactions (Redis's multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * The executor queues commands while `c.multi !== null` and flags
 * `c.multiDirty` when one is rejected at queueing time; a rejected EXEC
 * becomes `-EXECABORT Transaction discarded because of: ...` there too.
 * WATCH is indexed both ways (server.watch.watchedKeys and c.watched); the
 * server breaks it on writes (signalModifiedKey), expiry and
 * FLUSHDB/FLUSHALL/SWAPDB/full sync (touchWatchedKeysInDb); EXEC also fails when a WATCHed key has logically
 * expired since WATCH (Redis 7.0's isWatchedKeyExpired).
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError } from '../protocol/errors';
import type { Client } from '../server/client';

/** Leave MULTI state: drop the queue and the flags, forget every WATCH. */
export function discardTransaction(c: Client): void {
  c.multi = null;
  c.multiDirty = false;
  c.casDirty = false;
  c.server.watch.unwatchAll(c);
}

/** isWatchedKeyExpired: a WATCHed key (live at WATCH time) has logically expired since. */
function watchedKeyExpired(c: Client): boolean {
  if (c.server.loading) return false;
  for (const k of c.watched) {
    if (c.watchedStale.has(k)) continue;
    const sep = k.indexOf('\0');
    const db = c.server.dbs[Number(k.slice(0, sep))];
    const key = k.slice(sep + 1);
    if (db.peek(key) !== undefined && !db.isLive(key)) return true;
  }
  return false;
}

/** Transaction command specs. */
export const transactionCommands: CommandSpec[] = [
  /** Format: MULTI */
  cmd('multi', 1, 'noscript loading stale fast allow_busy', 0, 0, 0, (c) => {
    if (c.multi !== null) throw new RedisError('ERR MULTI calls can not be nested');
    c.multi = [];
    c.reply.ok();
  }),
  /**
   * Format: EXEC. Runs the queue inside the current execution unit, so what
   * the commands propagate is wrapped in MULTI/EXEC when there is more than
   * one; EXEC itself is never propagated.
   */
  cmd('exec', 1, 'noscript loading stale skip_slowlog', 0, 0, 0, (c) => {
    const queue = c.multi;
    if (queue === null) throw new RedisError('ERR EXEC without MULTI');
    const s = c.server;
    if (!c.casDirty && watchedKeyExpired(c)) c.casDirty = true;
    if (c.multiDirty || c.casDirty) {
      const aborted = c.multiDirty;
      discardTransaction(c);
      if (aborted) throw new RedisError('EXECABORT Transaction discarded because of previous errors.');
      c.reply.nullArray();
      return;
    }
    // Unwatch first: the transaction's own writes must not matter.
    discardTransaction(c);
    const denied = c.denyBlocking;
    c.denyBlocking = true;
    c.reply.arrayLen(queue.length);
    try {
      for (const q of queue) {
        // ACL rules may have changed since the command was queued
        const denied = s.executor.execAclError(c, q.cmd, q.argv);
        if (denied !== null) {
          s.countError(denied);
          c.reply.error(denied);
        } else s.executor.call(c, q.cmd, q.argv);
      }
    } finally {
      c.denyBlocking = denied;
    }
    s.propagation.prevent = true;
  }),
  /** Format: DISCARD */
  cmd('discard', 1, 'noscript loading stale fast allow_busy', 0, 0, 0, (c) => {
    if (c.multi === null) throw new RedisError('ERR DISCARD without MULTI');
    discardTransaction(c);
    c.reply.ok();
  }),
  /** Format: WATCH key [key ...] */
  cmd('watch', -2, 'noscript loading stale fast allow_busy', 1, -1, 1, (c, argv) => {
    if (c.multi !== null) throw new RedisError('ERR WATCH inside MULTI is not allowed');
    // no point in watching once a WATCHed key was touched
    if (!c.casDirty) for (let i = 1; i < argv.length; i++) c.server.watch.watch(c, argv[i]);
    c.reply.ok();
  }),
  /** Format: UNWATCH */
  cmd('unwatch', 1, 'noscript loading stale fast allow_busy', 0, 0, 0, (c) => {
    c.server.watch.unwatchAll(c);
    c.casDirty = false;
    c.reply.ok();
  }),
];
