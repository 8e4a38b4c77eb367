/**
 * Stream commands (t_stream.c): XADD, XRANGE/XREVRANGE, XLEN, XDEL, XTRIM,
 * XSETID, XREAD/XREADGROUP (with BLOCK), XGROUP, XACK, XPENDING, XCLAIM,
 * XAUTOCLAIM, XINFO. Replies, errors, keyspace events and propagation follow
 * Redis 7.0: XADD propagates the id it generated (and `~` trimming as the
 * exact `=` trim it amounted to), XREADGROUP/XCLAIM/XAUTOCLAIM propagate
 * `XCLAIM ... LASTID` per delivered entry and `XGROUP SETID` / `XGROUP
 * CREATECONSUMER` for the group's other effects.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { lookupWrite, isOpt, parseLongLong } from './util';
import { replyHelp } from './server-util';
import {
  RStream,
  StreamCG,
  StreamConsumer,
  cmpId,
  idString,
  idIncr,
  idDecr,
  idIsZero,
  ID_ZERO,
  ID_MAX,
  U64_MAX,
  type StreamID,
  type TrimArgs,
} from '../keyspace/types/stream';
import type { Client } from '../server/client';

import {
  readStream,
  writeStream,
  llArg,
  parseIdFull,
  parseStrictId,
  parseIntervalId,
  capture,
  streamLimits,
  mustObey,
  notify,
  mayBlock,
  RWR_NOACK,
  RWR_HISTORY,
  PropInfo,
  propagateConsumerCreation,
  replyWithRange,
  createConsumer,
  lookupConsumer,
} from './stream-util';
import { XGROUP_HELP, xgroup, xack, xpending, xclaim, xautoclaim, XINFO_HELP, xinfo } from './stream-groups';

// ---------------------------------------------------------------- XADD / XTRIM arguments

interface AddTrimArgs extends TrimArgs {
  idGiven: boolean;
  seqGiven: boolean;
  id: StreamID;
  noMkstream: boolean;
  hasStrategy: boolean;
  /** index of the MAXLEN/MINID value, for the rewrite */
  strategyArgIdx: number;
}

/** streamParseAddOrTrimArgsOrReply: returns the args and the position of the ID (XADD). */
function parseAddTrim(c: Client, argv: string[], xadd: boolean): [AddTrimArgs, number] {
  const a: AddTrimArgs = {
    strategy: 'maxlen',
    approx: false,
    limit: 0,
    maxlen: 0,
    minid: ID_ZERO,
    idGiven: false,
    seqGiven: false,
    id: ID_ZERO,
    noMkstream: false,
    hasStrategy: false,
    strategyArgIdx: 0,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && opt === '*') break;
    else if (isOpt(opt, 'maxlen') && moreargs) {
      if (a.hasStrategy) throw new RedisError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      a.approx = false;
      const next = argv[i + 1];
      if (moreargs >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') i++;
      const ml = llArg(argv[i + 1]);
      if (ml < 0) throw new RedisError('ERR The MAXLEN argument must be >= 0.');
      a.maxlen = ml;
      i++;
      a.strategy = 'maxlen';
      a.hasStrategy = true;
      a.strategyArgIdx = i;
    } else if (isOpt(opt, 'minid') && moreargs) {
      if (a.hasStrategy) throw new RedisError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      a.approx = false;
      const next = argv[i + 1];
      if (moreargs >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') i++;
      a.minid = parseStrictId(argv[i + 1]);
      i++;
      a.strategy = 'minid';
      a.hasStrategy = true;
      a.strategyArgIdx = i;
    } else if (isOpt(opt, 'limit') && moreargs) {
      const l = llArg(argv[i + 1]);
      if (l < 0) throw new RedisError('ERR The LIMIT argument must be >= 0.');
      a.limit = l;
      limitGiven = true;
      i++;
    } else if (xadd && isOpt(opt, 'nomkstream')) {
      a.noMkstream = true;
    } else if (xadd) {
      const p = parseIdFull(opt, 0, true, true);
      a.id = p.id;
      a.seqGiven = p.seqGiven;
      a.idGiven = true;
      break;
    } else throw new RedisError(Err.syntax);
  }
  if (a.limit && !a.hasStrategy) throw new RedisError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && !a.hasStrategy) throw new RedisError('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (mustObey(c)) a.limit = 0;
  else if (limitGiven) {
    if (!a.approx) throw new RedisError('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (a.approx) {
    let l = 100 * Number(c.server.config.settings.streamNodeMaxEntries);
    if (l <= 0) l = 10000;
    if (l > 1000000) l = 1000000;
    a.limit = l;
  } else a.limit = 0;
  return [a, i];
}

/** streamRewriteApproxSpecifier + streamRewriteTrimArgument on a copy of argv. */
function rewriteTrim(argv: string[], s: RStream, a: AddTrimArgs): void {
  argv[a.strategyArgIdx - 1] = '=';
  argv[a.strategyArgIdx] = a.strategy === 'maxlen' ? String(s.length) : idString(s.edgeId(true, false));
}

/** Format: XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...] */
function xadd(c: Client, argv: string[]): void {
  const [a, idpos] = parseAddTrim(c, argv, true);
  const fieldPos = idpos + 1;
  const n = argv.length - fieldPos;
  if (n < 2 || n % 2 === 1) throw new RedisError(`ERR wrong number of arguments for '${c.lastCmd?.fullName ?? 'xadd'}' command`);
  if (a.idGiven && a.seqGiven && idIsZero(a.id)) throw new RedisError('ERR The ID specified in XADD must be greater than 0-0');
  const key = argv[1];
  let s = writeStream(c, key);
  if (s === undefined) {
    if (a.noMkstream) {
      c.reply.nullBulk();
      return;
    }
    s = new RStream();
    c.db.set(key, s);
  }
  if (s.lastId.ms === U64_MAX && s.lastId.seq === U64_MAX) throw new RedisError('ERR The stream has exhausted the last possible ID, unable to add more items');
  const res = s.append(argv.slice(fieldPos), a.idGiven ? a.id : null, a.seqGiven, c.server.now(), streamLimits(c));
  if (res === 'EDOM') {
    if (s.length === 0 && s.cgroups === null && s.entriesAdded === 0 && idIsZero(s.lastId)) c.db.delete(key);
    throw new RedisError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
  }
  if (res === 'ERANGE') throw new RedisError('ERR Elements are too large to be stored');
  const replyId = idString(res);
  c.reply.bulk(replyId);
  notify(c, 'xadd', key);
  c.server.dirty++;
  let out: string[] | null = null;
  if (a.hasStrategy) {
    if (s.trim(a)) notify(c, 'xtrim', key);
    if (a.approx) {
      out = argv.slice();
      rewriteTrim(out, s, a);
    }
  }
  if (!a.idGiven || !a.seqGiven) {
    if (out === null) out = argv.slice();
    out[idpos] = replyId;
  }
  if (out !== null) c.server.propagation.rewrite(out);
}

/** Format: XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] */
function xtrim(c: Client, argv: string[]): void {
  const [a] = parseAddTrim(c, argv, false);
  const key = argv[1];
  const s = writeStream(c, key);
  if (s === undefined) {
    c.reply.int(0);
    return;
  }
  const deleted = s.trim(a);
  if (deleted) {
    notify(c, 'xtrim', key);
    if (a.approx) {
      const out = argv.slice();
      rewriteTrim(out, s, a);
      c.server.propagation.rewrite(out);
    }
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

function xrangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const startArg = rev ? argv[3] : argv[2];
  const endArg = rev ? argv[2] : argv[3];
  const st = parseIntervalId(startArg, 0);
  let start: StreamID = st.id;
  if (st.exclude) {
    const n = idIncr(start);
    if (n === null) throw new RedisError('ERR invalid start ID for the interval');
    start = n;
  }
  const en = parseIntervalId(endArg, U64_MAX);
  let end: StreamID = en.id;
  if (en.exclude) {
    const n = idDecr(end);
    if (n === null) throw new RedisError('ERR invalid end ID for the interval');
    end = n;
  }
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    if (isOpt(argv[j], 'count') && additional >= 1) {
      count = llArg(argv[j + 1]);
      if (count < 0) count = 0;
      j++;
    } else throw new RedisError(Err.syntax);
  }
  const s = readStream(c, argv[1]);
  if (s === undefined) {
    c.reply.arrayLen(0);
    return;
  }
  if (count === 0) c.reply.nullArray();
  else replyWithRange(c, s, start, end, count === -1 ? 0 : count, rev, null, null, 0, null);
}

/** Format: XLEN key */
function xlen(c: Client, argv: string[]): void {
  const s = readStream(c, argv[1]);
  c.reply.int(s === undefined ? 0 : s.length);
}

/** Format: XDEL key id [id ...] */
function xdel(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = writeStream(c, key);
  if (s === undefined) {
    c.reply.int(0);
    return;
  }
  const ids: StreamID[] = [];
  for (let j = 2; j < argv.length; j++) ids.push(parseStrictId(argv[j]));
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (s.deleteId(id)) {
      if (cmpId(id, s.firstId) === 0) firstEntry = true;
      if (cmpId(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
      deleted++;
    }
  }
  if (deleted) {
    if (s.length === 0) s.firstId = ID_ZERO;
    else if (firstEntry) s.firstId = s.edgeId(true, true);
    notify(c, 'xdel', key);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

/** Format: XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id] */
function xsetid(c: Client, argv: string[]): void {
  const id = parseStrictId(argv[2]);
  let maxXdel: StreamID = ID_ZERO;
  let entriesAdded = -1;
  let i = 3;
  while (i < argv.length) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i];
    if (isOpt(opt, 'entriesadded') && moreargs) {
      entriesAdded = llArg(argv[i + 1]);
      if (entriesAdded < 0) throw new RedisError('ERR entries_added must be positive');
      i += 2;
    } else if (isOpt(opt, 'maxdeletedid') && moreargs) {
      maxXdel = parseStrictId(argv[i + 1]);
      if (cmpId(id, maxXdel) < 0) throw new RedisError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i += 2;
    } else throw new RedisError(Err.syntax);
  }
  const key = argv[1];
  const s = lookupWrite(c, key);
  if (s === undefined) throw new RedisError(Err.noSuchKey);
  if (typeof s === 'string' || s.type !== 'stream') throw new RedisError(Err.wrongType);
  if (s.length > 0) {
    const maxid = s.lastValidId();
    if (cmpId(id, maxid) < 0) throw new RedisError('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) throw new RedisError('ERR The entries_added specified in XSETID is smaller than the target stream length');
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!idIsZero(maxXdel)) s.maxDeletedId = maxXdel;
  c.reply.ok();
  c.server.dirty++;
  notify(c, 'xsetid', key);
}

// ---------------------------------------------------------------- XREAD / XREADGROUP

const XREAD_BLOCKED_DEFAULT_COUNT = 1000;

/** Format: XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]; XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...] */
function xread(c: Client, argv: string[]): void {
  const xreadgroup = argv[0].length === 10;
  let timeoutAt = -1;
  let count = 0;
  let streamsArg = 0;
  let streamsCount = 0;
  let noack = false;
  let groupname: string | null = null;
  let consumername: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1;
    const o = argv[i];
    if (isOpt(o, 'block') && moreargs) {
      i++;
      timeoutAt = blockTimeoutMs(c, argv[i]);
    } else if (isOpt(o, 'count') && moreargs) {
      i++;
      count = llArg(argv[i]);
      if (count < 0) count = 0;
    } else if (isOpt(o, 'streams') && moreargs) {
      streamsArg = i + 1;
      streamsCount = argv.length - streamsArg;
      if (streamsCount % 2 !== 0)
        throw new RedisError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      streamsCount /= 2;
      break;
    } else if (isOpt(o, 'group') && moreargs >= 2) {
      if (!xreadgroup) throw new RedisError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      groupname = argv[i + 1];
      consumername = argv[i + 2];
      i += 2;
    } else if (isOpt(o, 'noack')) {
      if (!xreadgroup) throw new RedisError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else throw new RedisError(Err.syntax);
  }
  // the command propagates its effects itself
  c.server.propagation.prevent = true;
  if (streamsArg === 0) throw new RedisError(Err.syntax);
  if (xreadgroup && groupname === null) throw new RedisError('ERR Missing GROUP option for XREADGROUP');
  const ids: StreamID[] = new Array(streamsCount);
  const groups: StreamCG[] = [];
  for (let i = streamsArg + streamsCount; i < argv.length; i++) {
    const idx = i - streamsArg - streamsCount;
    const key = argv[i - streamsCount];
    const o = c.db.get(key);
    if (o !== undefined && (typeof o === 'string' || o.type !== 'stream')) throw new RedisError(Err.wrongType);
    if (groupname !== null) {
      const g = o === undefined ? undefined : o.group(groupname);
      if (g === undefined) throw new RedisError(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(groupname)}' in XREADGROUP with GROUP option`);
      groups[idx] = g;
    }
    if (argv[i] === '$') {
      if (xreadgroup)
        throw new RedisError(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      ids[idx] = o !== undefined ? o.lastId : ID_ZERO;
      continue;
    } else if (argv[i] === '>') {
      if (!xreadgroup) throw new RedisError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids[idx] = ID_MAX;
      continue;
    }
    ids[idx] = parseStrictId(argv[i]);
  }
  const [body, arraylen] = capture(c, () => {
    let n = 0;
    for (let i = 0; i < streamsCount; i++) {
      const key = argv[streamsArg + i];
      const s = c.db.get(key) as RStream;
      if (s === undefined) continue;
      let gt = ids[i];
      let serve = false;
      let history = false;
      if (groupname !== null) {
        if (gt.ms !== U64_MAX || gt.seq !== U64_MAX) {
          serve = true;
          history = true;
        } else if (s.length) {
          const maxid = s.lastValidId();
          if (cmpId(maxid, groups[i].lastId) > 0) {
            serve = true;
            gt = groups[i].lastId;
          }
        }
      } else if (s.length) {
        const maxid = s.lastValidId();
        if (cmpId(maxid, gt) > 0) serve = true;
      }
      if (!serve) continue;
      n++;
      const start = idIncr(gt) ?? ID_ZERO;
      if (c.reply.proto === 2) c.reply.arrayLen(2);
      c.reply.bulk(key);
      let consumer: StreamConsumer | null = null;
      const spi: PropInfo = { key, group: groupname ?? '' };
      if (groupname !== null) {
        const cg = groups[i];
        consumer = lookupConsumer(c, cg, consumername as string) ?? null;
        if (consumer === null) {
          consumer = createConsumer(c, cg, consumername as string, key) as StreamConsumer;
          if (noack) propagateConsumerCreation(c, key, groupname, consumer.name);
        }
      }
      let flags = 0;
      if (noack) flags |= RWR_NOACK;
      if (history) flags |= RWR_HISTORY;
      replyWithRange(c, s, start, ID_MAX, count, false, groupname !== null ? groups[i] : null, consumer, flags, groupname !== null ? spi : null);
      if (groupname !== null) c.server.dirty++;
    }
    return n;
  });
  if (arraylen) {
    if (c.reply.proto === 2) c.reply.arrayLen(arraylen);
    else c.reply.mapLen(arraylen);
    c.reply.raw(body);
    return;
  }
  if (timeoutAt !== -1) {
    if (!mayBlock(c)) {
      c.reply.nullArray();
      return;
    }
    blockOnStreams(c, argv, argv.slice(streamsArg, streamsArg + streamsCount), ids, timeoutAt, count ? count : XREAD_BLOCKED_DEFAULT_COUNT, groupname, consumername, noack);
    return;
  }
  c.reply.nullArray();
}

/** BLOCK milliseconds -> absolute ms (0 = forever), errors as getTimeoutFromObjectOrReply(UNIT_MILLISECONDS). */
function blockTimeoutMs(c: Client, s: string): number {
  const v = parseLongLong(s);
  if (v === null) throw new RedisError('ERR timeout is not an integer or out of range');
  if (v < 0n) throw new RedisError(Err.timeoutNeg);
  if (v === 0n) return 0;
  return c.server.now() + Number(v);
}

/** Block a reader until an XADD serves it (serveClientsBlockedOnStreamKey), a timeout, or its group / key goes away. */
function blockOnStreams(
  c: Client,
  argv: string[],
  keys: string[],
  ids: StreamID[],
  timeoutAt: number,
  count: number,
  groupname: string | null,
  consumername: string | null,
  noack: boolean,
): void {
  const want = new Map<string, StreamID>();
  for (let i = 0; i < keys.length; i++) if (!want.has(keys[i])) want.set(keys[i], ids[i]);
  const unique = [...want.keys()];
  const tryKey = (key: string): boolean => {
    const s = c.db.get(key);
    if (s === undefined || typeof s === 'string' || s.type !== 'stream') {
      if (groupname === null) return false;
      const msg = 'UNBLOCKED the stream key no longer exists';
      c.server.countError(msg);
      c.reply.error(msg);
      return true;
    }
    let gt = want.get(key) as StreamID;
    let cg: StreamCG | undefined;
    if (groupname !== null) {
      cg = s.group(groupname);
      if (cg === undefined) {
        const msg = 'NOGROUP the consumer group this client was blocked on no longer exists';
        c.server.countError(msg);
        c.reply.error(msg);
        return true;
      }
      gt = cg.lastId;
      want.set(key, gt);
    }
    if (cmpId(s.lastId, gt) <= 0) return false;
    const start = idIncr(gt) ?? ID_ZERO;
    let consumer: StreamConsumer | null = null;
    if (cg !== undefined) {
      consumer = lookupConsumer(c, cg, consumername as string) ?? null;
      if (consumer === null) {
        consumer = createConsumer(c, cg, consumername as string, key) as StreamConsumer;
        if (noack) propagateConsumerCreation(c, key, groupname as string, consumer.name);
      }
    }
    if (c.reply.proto === 2) {
      c.reply.arrayLen(1);
      c.reply.arrayLen(2);
    } else c.reply.mapLen(1);
    c.reply.bulk(key);
    replyWithRange(c, s, start, ID_MAX, count, false, cg ?? null, consumer, noack ? RWR_NOACK : 0, cg !== undefined ? { key, group: groupname as string } : null);
    return true;
  };
  c.server.blocking.block(c, {
    kind: 'keys',
    keys: unique,
    db: c.db.id,
    timeoutAt,
    argv,
    tryServe: (key?: string) => {
      if (key !== undefined) return tryKey(key);
      for (const k of unique) if (tryKey(k)) return true;
      return false;
    },
    onTimeout: () => c.reply.nullArray(),
  });
}

const NONE: (argv: string[]) => number[] = () => [];

/** XREAD/XREADGROUP keys: after STREAMS, the first half. */
function xreadKeys(argv: string[]): number[] {
  for (let i = 1; i < argv.length; i++) {
    if (isOpt(argv[i], 'streams')) {
      const n = argv.length - i - 1;
      if (n % 2 !== 0) return [];
      const out: number[] = [];
      for (let j = 0; j < n / 2; j++) out.push(i + 1 + j);
      return out;
    }
    if (isOpt(argv[i], 'group')) i += 2;
    else if (isOpt(argv[i], 'block') || isOpt(argv[i], 'count')) i++;
  }
  return [];
}

export const streamCommands: CommandSpec[] = [
  cmd('xadd', -5, 'write denyoom fast', 1, 1, 1, xadd, { group: 'stream', since: '5.0.0' }),
  cmd('xrange', -4, 'readonly', 1, 1, 1, (c, argv) => xrangeGeneric(c, argv, false), { group: 'stream', since: '5.0.0' }),
  cmd('xrevrange', -4, 'readonly', 1, 1, 1, (c, argv) => xrangeGeneric(c, argv, true), { group: 'stream', since: '5.0.0' }),
  cmd('xlen', 2, 'readonly fast', 1, 1, 1, xlen, { group: 'stream', since: '5.0.0' }),
  cmd('xread', -4, 'readonly blocking', 0, 0, 0, xread, { group: 'stream', since: '5.0.0', getKeys: xreadKeys }),
  cmd('xreadgroup', -7, 'write blocking', 0, 0, 0, xread, { group: 'stream', since: '5.0.0', getKeys: xreadKeys, writeKeys: NONE }),
  cmd('xdel', -3, 'write fast', 1, 1, 1, xdel, { group: 'stream', since: '5.0.0' }),
  cmd('xtrim', -4, 'write', 1, 1, 1, xtrim, { group: 'stream', since: '5.0.0' }),
  cmd('xsetid', -3, 'write denyoom fast', 1, 1, 1, xsetid, { group: 'stream', since: '5.0.0', writeKeys: NONE }),
  cmd('xack', -4, 'write fast', 1, 1, 1, xack, { group: 'stream', since: '5.0.0', writeKeys: NONE }),
  cmd('xpending', -3, 'readonly', 1, 1, 1, xpending, { group: 'stream', since: '5.0.0' }),
  cmd('xclaim', -6, 'write fast', 1, 1, 1, xclaim, { group: 'stream', since: '5.0.0', writeKeys: NONE }),
  cmd('xautoclaim', -6, 'write fast', 1, 1, 1, xautoclaim, { group: 'stream', since: '6.2.0', writeKeys: NONE }),
  cmd('xgroup', -2, '', 0, 0, 0, () => {}, {
    group: 'stream',
    since: '5.0.0',
    subcommands: [
      cmd('create', -5, 'write denyoom', 2, 2, 1, xgroup, { writeKeys: NONE }),
      cmd('createconsumer', 5, 'write denyoom', 2, 2, 1, xgroup, { writeKeys: NONE }),
      cmd('delconsumer', 5, 'write', 2, 2, 1, xgroup, { writeKeys: NONE }),
      cmd('destroy', 4, 'write', 2, 2, 1, xgroup, { writeKeys: NONE }),
      cmd('setid', -5, 'write', 2, 2, 1, xgroup, { writeKeys: NONE }),
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'XGROUP', XGROUP_HELP)),
    ],
  }),
  cmd('xinfo', -2, '', 0, 0, 0, () => {}, {
    group: 'stream',
    since: '5.0.0',
    subcommands: [
      cmd('consumers', 4, 'readonly', 2, 2, 1, xinfo),
      cmd('groups', 3, 'readonly', 2, 2, 1, xinfo),
      cmd('stream', -3, 'readonly', 2, 2, 1, xinfo),
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'XINFO', XINFO_HELP)),
    ],
  }),
];
