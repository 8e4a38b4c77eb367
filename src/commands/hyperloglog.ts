/**
 * HyperLogLog commands (Redis 7.0's hyperloglog.c): PFADD, PFCOUNT, PFMERGE,
 * PFDEBUG, PFSELFTEST. The value is a string holding Redis's exact bytes
 * (src/keyspace/hll.ts); a single-key PFCOUNT writes the recomputed
 * cardinality back into the header and, as in Redis, counts as a change
 * (dirty++, so a master propagates the PFCOUNT and a replica or AOF replays it).
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { lookupRead, lookupWrite } from './util';
import { markRaw } from './strings';
import type { Client } from '../server/client';
import type { DbValue } from '../keyspace/database';
import {
  HLL_REGISTERS,
  HLL_DENSE,
  HLL_SPARSE,
  HLL_WRONGTYPE,
  HLL_INVALID,
  hllIsValid,
  hllCreate,
  hllAdd,
  hllCount,
  hllCachedCard,
  hllWithCachedCard,
  hllMergeInto,
  hllCountRaw,
  hllStoreMerged,
  hllToDense,
  hllDenseRegisters,
  hllDecodeSparse,
  hllSelfTest,
} from '../keyspace/hll';

/** isHLLObjectOrReply: WRONGTYPE for other types and for strings that are not HLLs. */
function hllValue(v: DbValue): string {
  // a value longer than any JS string is no HLL (those are at most a few KB)
  if (typeof v !== 'string') throw new RedisError(v.type === 'string' ? HLL_WRONGTYPE : Err.wrongType);
  if (!hllIsValid(v)) throw new RedisError(HLL_WRONGTYPE);
  return v;
}

/** Store a new HLL value keeping the TTL; a raw string from now on (dbUnshareStringValue). */
function storeHll(c: Client, key: string, v: string): void {
  c.db.set(key, v, true);
  markRaw(c.db, key);
}

/** Format: PFADD key [element [element ...]] */
function pfaddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const e = lookupWrite(c, key);
  let created = false;
  let cur: string;
  if (e === undefined) {
    cur = hllCreate();
    created = true;
  } else cur = hllValue(e);
  const r = hllAdd(cur, argv, 2, c.server.config.settings.hllSparseMaxBytes, created);
  // dbUnshareStringValue / createHLLObject: a raw string from now on
  if (r.value !== null || created) storeHll(c, key, r.value ?? cur);
  else markRaw(c.db, key);
  if (r.invalid) throw new RedisError(HLL_INVALID);
  if (r.updated > 0) {
    c.server.notifyKeyspaceEvent('$', 'pfadd', key, c.db.id);
    c.server.dirty += r.updated;
  }
  c.reply.int(r.updated > 0 ? 1 : 0);
}

/** Format: PFCOUNT key [key ...] */
function pfcountCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const e = lookupRead(c, argv[j]);
      if (e === undefined) continue;
      const v = hllValue(e);
      if (!hllMergeInto(max, v)) throw new RedisError(HLL_INVALID);
    }
    c.reply.int(hllCountRaw(max));
    return;
  }
  const key = argv[1];
  const e = lookupRead(c, key);
  if (e === undefined) {
    c.reply.int(0);
    return;
  }
  const v = hllValue(e);
  markRaw(c.db, key); // Redis unshares the value before reading the cache
  const cached = hllCachedCard(v);
  if (cached !== null) {
    c.reply.int(cached);
    return;
  }
  const card = hllCount(v);
  if (card === null) throw new RedisError(HLL_INVALID);
  // a read-only command that changes the value: tell a running snapshot first
  c.server.watch.beforeKeyWrite(c.db.id, key);
  storeHll(c, key, hllWithCachedCard(v, card));
  c.server.dirty++;
  c.reply.int(card);
}

/** Format: PFMERGE destkey [sourcekey [sourcekey ...]] */
function pfmergeCommand(c: Client, argv: string[]): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const e = lookupRead(c, argv[j]);
    if (e === undefined) continue;
    const v = hllValue(e);
    if (v.charCodeAt(4) === HLL_DENSE) useDense = true;
    if (!hllMergeInto(max, v)) throw new RedisError(HLL_INVALID);
  }
  const key = argv[1];
  const e = lookupWrite(c, key);
  const merged = hllStoreMerged(e === undefined ? hllCreate() : (e as string), max, useDense, c.server.config.settings.hllSparseMaxBytes);
  if (merged === null) throw new RedisError(HLL_INVALID);
  storeHll(c, key, merged);
  c.server.notifyKeyspaceEvent('$', 'pfadd', key, c.db.id);
  c.server.dirty++;
  c.reply.ok();
}

/** Format: PFSELFTEST */
function pfselftestCommand(c: Client): void {
  const err = hllSelfTest(c.server.config.settings.hllSparseMaxBytes);
  if (err !== null) throw new RedisError(err);
  c.reply.ok();
}

/** Format: PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */
function pfdebugCommand(c: Client, argv: string[]): void {
  const sub = argv[1];
  const key = argv[2];
  const e = lookupWrite(c, key);
  if (e === undefined) throw new RedisError('ERR The specified key does not exist');
  let v = hllValue(e);
  markRaw(c.db, key);
  const lsub = sub.toLowerCase();
  if (lsub === 'getreg') {
    if (v.charCodeAt(4) === HLL_SPARSE) {
      const d = hllToDense(v);
      if (d === null) throw new RedisError(HLL_INVALID);
      storeHll(c, key, (v = d));
      c.server.dirty++; // force propagation on encoding change, as Redis
    }
    const regs = hllDenseRegisters(v);
    const r = c.reply;
    r.arrayLen(regs.length);
    for (const x of regs) r.int(x);
  } else if (lsub === 'decode') {
    if (v.charCodeAt(4) !== HLL_SPARSE) throw new RedisError('ERR HLL encoding is not sparse');
    c.reply.bulk(hllDecodeSparse(v));
  } else if (lsub === 'encoding') {
    c.reply.simple(v.charCodeAt(4) === HLL_DENSE ? 'dense' : 'sparse');
  } else if (lsub === 'todense') {
    let conv = 0;
    if (v.charCodeAt(4) === HLL_SPARSE) {
      const d = hllToDense(v);
      if (d === null) throw new RedisError(HLL_INVALID);
      storeHll(c, key, d);
      conv = 1;
      c.server.dirty++;
    }
    c.reply.int(conv);
  } else {
    throw new RedisError(`ERR Unknown PFDEBUG subcommand '${cstr(sub)}'`);
  }
}

/** The HyperLogLog family. */
export const hyperloglogCommands: CommandSpec[] = [
  cmd('pfselftest', 1, 'admin', 0, 0, 0, pfselftestCommand),
  cmd('pfadd', -2, 'write denyoom fast', 1, 1, 1, pfaddCommand),
  cmd('pfcount', -2, 'readonly may_replicate', 1, -1, 1, pfcountCommand),
  cmd('pfmerge', -2, 'write denyoom', 1, -1, 1, pfmergeCommand, { writeKeys: () => [1] }),
  cmd('pfdebug', 3, 'write denyoom admin', 2, 2, 1, pfdebugCommand),
];
