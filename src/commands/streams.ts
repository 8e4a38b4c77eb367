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
import { RedisError, Err } from '../protocol/errors';
import { lookupRead, lookupWrite, isOpt, parseLongLong } from './util';
import { replyHelp, subcommandSyntaxError } from './server-util';
import {
  RStream,
  StreamCG,
  StreamConsumer,
  StreamNack,
  cmpId,
  idString,
  idIncr,
  idDecr,
  idKey,
  idIsZero,
  parseU64,
  ID_ZERO,
  ID_MAX,
  U64_MAX,
  respBegin,
  respEntry,
  respEnd,
  type StreamID,
  type StreamEntry,
  type TrimArgs,
  type StreamLimits,
} from '../keyspace/types/stream';
import type { Client } from '../server/client';

const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

// ---------------------------------------------------------------- helpers

/** The stream at key for reading, undefined when missing; WRONGTYPE otherwise. */
function readStream(c: Client, key: string): RStream | undefined {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'stream') throw new RedisError(Err.wrongType);
  return v;
}

/** Lookup without hit/miss stats (lookupKeyWrite). */
function writeStream(c: Client, key: string): RStream | undefined {
  const e = lookupWrite(c, key);
  if (e === undefined) return undefined;
  const v = e.value;
  if (typeof v === 'string' || v.type !== 'stream') throw new RedisError(Err.wrongType);
  return v;
}

/** getLongLongFromObjectOrReply */
function llArg(s: string, msg: string = Err.notInt): number {
  const v = parseLongLong(s);
  if (v === null) throw new RedisError(msg);
  return Number(v);
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/** Redis's string2ull: string2ll (refusing negatives), else strtoull's rules. */
function string2ull(s: string): StreamID['ms'] | null {
  const ll = parseLongLong(s);
  if (ll !== null) return ll < 0n ? null : parseU64(String(ll));
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const digits = s.slice(i);
  if (digits.length === 0 || !/^[0-9]+$/.test(digits)) return null;
  let v = BigInt(digits);
  if (v > U64_MAX) return null;
  if (neg) v = BigInt.asUintN(64, -v);
  return parseU64(String(v));
}

interface ParsedId {
  id: StreamID;
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: `-`, `+`, `ms`, `ms-seq`, and `ms-*` when
 * allowSeqStar (XADD). Strict refuses `-` and `+`.
 */
function parseIdFull(s: string, missingSeq: StreamID['seq'], strict: boolean, allowSeqStar: boolean): ParsedId {
  if (s.length > 127) throw new RedisError(INVALID_ID);
  if (strict && (s === '-' || s === '+')) throw new RedisError(INVALID_ID);
  if (s === '-') return { id: ID_ZERO, seqGiven: true };
  if (s === '+') return { id: ID_MAX, seqGiven: true };
  // a NUL ends the C string
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  const dash = s.indexOf('-');
  const msPart = dash >= 0 ? s.slice(0, dash) : s;
  const ms = string2ull(msPart);
  if (ms === null) throw new RedisError(INVALID_ID);
  if (dash >= 0) {
    const rest = s.slice(dash + 1);
    if (allowSeqStar && rest === '*') return { id: { ms, seq: 0 }, seqGiven: false };
    const seq = string2ull(rest);
    if (seq === null) throw new RedisError(INVALID_ID);
    return { id: { ms, seq }, seqGiven: true };
  }
  return { id: { ms, seq: missingSeq }, seqGiven: true };
}

function parseId(s: string, missingSeq: StreamID['seq'] = 0): StreamID {
  return parseIdFull(s, missingSeq, false, false).id;
}

function parseStrictId(s: string, missingSeq: StreamID['seq'] = 0): StreamID {
  return parseIdFull(s, missingSeq, true, false).id;
}

/** streamParseIntervalIDOrReply: `(id` is exclusive. */
function parseIntervalId(s: string, missingSeq: StreamID['seq']): { id: StreamID; exclude: boolean } {
  const exclude = s.length > 1 && s[0] === '(';
  if (exclude) return { id: parseStrictId(s.slice(1), missingSeq), exclude };
  return { id: parseId(s, missingSeq), exclude };
}

/** Run fn writing into a fresh reply buffer; returns what it wrote and fn's result (Redis's deferred lengths). */
function capture<T>(c: Client, fn: () => T): [string, T] {
  const r = c.reply;
  const saved = r.out;
  r.out = '';
  let res: T;
  let body: string;
  try {
    res = fn();
  } finally {
    body = r.out;
    r.out = saved;
  }
  return [body, res];
}

function streamLimits(c: Client): StreamLimits {
  const s = c.server.config.settings;
  return { maxBytes: Number(s.streamNodeMaxBytes), maxEntries: Number(s.streamNodeMaxEntries) };
}

/** mustObeyClient: the master link and the AOF loader apply trims verbatim. */
function mustObey(c: Client): boolean {
  return c.isMaster || (c.isFake && c.server.loading);
}

function notify(c: Client, event: string, key: string): void {
  c.server.notifyKeyspaceEvent('t', event, key, c.db.id);
}

/** Redis's CLIENT_DENY_BLOCKING (MULTI, scripts, fake clients). */
function mayBlock(c: Client): boolean {
  if (c.isFake || c.socket === null || c.multi !== null || c.denyBlocking) return false;
  const lc = c.lastCmd;
  return lc !== null && lc.isBlocking;
}

function signalReady(c: Client, key: string): void {
  c.server.blocking.signalKeyReady(c.db.id + '\0' + key);
}

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

// ---------------------------------------------------------------- ranges

const RWR_NOACK = 1;
const RWR_RAWENTRIES = 2;
const RWR_HISTORY = 4;

/** The key and group name a read propagates its effects under (streamPropInfo). */
interface PropInfo {
  key: string;
  group: string;
}

function replyEntry(c: Client, e: StreamEntry): void {
  const r = c.reply;
  r.arrayLen(2);
  r.bulk(idString(e.id));
  r.arrayLen(e.fv.length);
  for (let i = 0; i < e.fv.length; i++) r.bulk(e.fv[i]);
}

/** streamPropagateXCLAIM */
function propagateXclaim(c: Client, key: string, cg: StreamCG, group: string, id: string, nack: StreamNack): void {
  c.server.propagation.also(c.db.id, [
    'XCLAIM',
    key,
    group,
    (nack.consumer as StreamConsumer).name,
    '0',
    id,
    'TIME',
    String(nack.deliveryTime),
    'RETRYCOUNT',
    String(nack.deliveryCount),
    'FORCE',
    'JUSTID',
    'LASTID',
    idString(cg.lastId),
  ]);
}

/** streamPropagateGroupID */
function propagateGroupId(c: Client, key: string, cg: StreamCG, group: string): void {
  c.server.propagation.also(c.db.id, ['XGROUP', 'SETID', key, group, idString(cg.lastId), 'ENTRIESREAD', String(cg.entriesRead)]);
}

/** streamPropagateConsumerCreation */
function propagateConsumerCreation(c: Client, key: string, group: string, consumer: string): void {
  c.server.propagation.also(c.db.id, ['XGROUP', 'CREATECONSUMER', key, group, consumer]);
}

/**
 * streamReplyWithRange: reply with entries start..end (count 0 = all); with a
 * group, advance its last id and add the entries to the PELs (propagated).
 * Returns the number of entries emitted.
 */
function replyWithRange(
  c: Client,
  s: RStream,
  start: StreamID,
  end: StreamID,
  count: number,
  rev: boolean,
  cg: StreamCG | null,
  consumer: StreamConsumer | null,
  flags: number,
  spi: PropInfo | null,
): number {
  if (cg !== null && flags & RWR_HISTORY) return replyFromConsumerPel(c, s, start, end, count, consumer as StreamConsumer);
  if (cg === null) {
    // a plain read: RESP written straight from the node bytes
    let n = 0;
    respBegin();
    s.range(
      start,
      end,
      rev,
      (e) => {
        respEntry(e);
        n++;
        return !(count && count === n);
      },
      false,
      false,
    );
    if (!(flags & RWR_RAWENTRIES)) c.reply.arrayLen(n);
    c.reply.raw(respEnd());
    return n;
  }
  const noack = (flags & RWR_NOACK) !== 0;
  let propagateLastId = false;
  const now = c.server.now();
  const [body, n] = capture(c, () => {
    let arraylen = 0;
    s.range(start, end, rev, (e) => {
      if (cg !== null && cmpId(e.id, cg.lastId) > 0) {
        if (cg.entriesRead !== -1 && !s.rangeHasTombstones(e.id, null)) cg.entriesRead++;
        else if (s.entriesAdded) cg.entriesRead = s.estimateDistance(e.id);
        cg.lastId = e.id;
        if (noack) propagateLastId = true;
      }
      replyEntry(c, e);
      if (cg !== null && !noack) {
        const cons = consumer as StreamConsumer;
        const key = idKey(e.id);
        let nack = new StreamNack(e.id, key, now, 1, cons);
        if (!cg.pel.insert(nack)) {
          nack = cg.pel.get(key) as StreamNack;
          (nack.consumer as StreamConsumer).pel.remove(key);
          nack.consumer = cons;
          nack.deliveryTime = now;
          nack.deliveryCount = 1;
          cons.pel.insert(nack);
        } else cons.pel.insert(nack);
        if (spi !== null) propagateXclaim(c, spi.key, cg, spi.group, idString(e.id), nack);
      }
      arraylen++;
      return !(count && count === arraylen);
    });
    if (spi !== null && propagateLastId && cg !== null) propagateGroupId(c, spi.key, cg, spi.group);
    return arraylen;
  });
  if (!(flags & RWR_RAWENTRIES)) c.reply.arrayLen(n);
  c.reply.raw(body);
  return n;
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's history (deleted entries as id + null). */
function replyFromConsumerPel(c: Client, s: RStream, start: StreamID, end: StreamID | null, count: number, consumer: StreamConsumer): number {
  const items = consumer.pel.items;
  const now = c.server.now();
  const endKey = end === null ? null : idKey(end);
  let arraylen = 0;
  const picked: StreamNack[] = [];
  for (let i = consumer.pel.lowerBound(idKey(start)); i < items.length && (!count || picked.length < count); i++) {
    const nack = items[i];
    if (endKey !== null && nack.key > endKey) break;
    picked.push(nack);
  }
  const found = s.getMany(picked.map((n) => n.id));
  const [body] = capture(c, () => {
    for (let i = 0; i < picked.length; i++) {
      const nack = picked[i];
      const e = found[i];
      if (e === null) {
        c.reply.arrayLen(2);
        c.reply.bulk(idString(nack.id));
        c.reply.nullArray();
      } else {
        replyEntry(c, e);
        nack.deliveryTime = now;
        nack.deliveryCount++;
      }
      arraylen++;
    }
  });
  c.reply.arrayLen(arraylen);
  c.reply.raw(body);
  return arraylen;
}

/** Format: XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count] */
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
  const e = lookupWrite(c, key);
  if (e === undefined) throw new RedisError(Err.noSuchKey);
  const s = e.value;
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

// ---------------------------------------------------------------- groups

/** streamCreateConsumer (dirty++ and the event unless told otherwise). */
function createConsumer(c: Client, cg: StreamCG, name: string, key: string, notifyAndDirty = true): StreamConsumer | null {
  if (cg.consumers.has(name)) return null;
  const cons = new StreamConsumer(name, c.server.now());
  cg.consumers.set(name, cons);
  if (notifyAndDirty) {
    c.server.dirty++;
    notify(c, 'xgroup-createconsumer', key);
  }
  return cons;
}

/** streamLookupConsumer (refreshing seen-time unless noRefresh). */
function lookupConsumer(c: Client, cg: StreamCG, name: string, noRefresh = false): StreamConsumer | undefined {
  const cons = cg.consumers.get(name);
  if (cons !== undefined && !noRefresh) cons.seenTime = c.server.now();
  return cons;
}

/** streamDelConsumer */
function delConsumer(cg: StreamCG, cons: StreamConsumer): void {
  for (const nack of cons.pel.items) cg.pel.remove(nack.key);
  cg.consumers.delete(cons.name);
}

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

/** xgroupCommand: every subcommand but HELP. */
function xgroup(c: Client, argv: string[]): void {
  const opt = argv[1].toLowerCase();
  let s: RStream | undefined;
  let cg: StreamCG | undefined;
  let mkstream = false;
  let entriesRead = -1;
  const key = argv[2];
  const grpname = argv[3];
  if (argv.length >= 4) {
    let i = 5;
    const create = opt === 'create';
    const setid = opt === 'setid';
    while (i < argv.length) {
      if (create && isOpt(argv[i], 'mkstream')) {
        mkstream = true;
        i++;
      } else if ((create || setid) && isOpt(argv[i], 'entriesread') && i + 1 < argv.length) {
        entriesRead = llArg(argv[i + 1]);
        if (entriesRead < 0 && entriesRead !== -1) throw new RedisError('ERR value for ENTRIESREAD must be positive or -1');
        i += 2;
      } else throw subcommandSyntaxError(argv[1], 'XGROUP');
    }
    s = writeStream(c, key);
  }
  if (argv.length >= 4 && !mkstream) {
    if (s === undefined)
      throw new RedisError(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
    cg = s.group(grpname);
    if (cg === undefined && (opt === 'setid' || opt === 'createconsumer' || opt === 'delconsumer'))
      throw new RedisError(`NOGROUP No such consumer group '${grpname}' for key name '${key}'`);
  }
  const n = argv.length;
  if (opt === 'create' && n >= 5 && n <= 8) {
    let id: StreamID;
    if (argv[4] === '$') id = s !== undefined ? s.lastId : ID_ZERO;
    else id = parseStrictId(argv[4]);
    if (s === undefined) {
      s = new RStream();
      c.db.set(key, s);
      c.server.watch.signalModifiedKey(c.db.id, key);
    }
    if (s.createGroup(grpname, id, entriesRead) !== null) {
      c.reply.ok();
      c.server.dirty++;
      notify(c, 'xgroup-create', key);
    } else throw new RedisError('BUSYGROUP Consumer Group name already exists');
  } else if (opt === 'setid' && (n === 5 || n === 7)) {
    const st = s as RStream;
    const g = cg as StreamCG;
    const id = argv[4] === '$' ? st.lastId : parseId(argv[4]);
    g.lastId = id;
    g.entriesRead = entriesRead;
    c.reply.ok();
    c.server.dirty++;
    notify(c, 'xgroup-setid', key);
  } else if (opt === 'destroy' && n === 4) {
    const st = s as RStream;
    if (cg !== undefined) {
      (st.cgroups as Map<string, StreamCG>).delete(grpname);
      c.reply.int(1);
      c.server.dirty++;
      notify(c, 'xgroup-destroy', key);
      signalReady(c, key);
    } else c.reply.int(0);
  } else if (opt === 'createconsumer' && n === 5) {
    const created = createConsumer(c, cg as StreamCG, argv[4], key);
    c.reply.int(created !== null ? 1 : 0);
  } else if (opt === 'delconsumer' && n === 5) {
    const g = cg as StreamCG;
    let pending = 0;
    const cons = lookupConsumer(c, g, argv[4], true);
    if (cons !== undefined) {
      pending = cons.pel.size;
      delConsumer(g, cons);
      c.server.dirty++;
      notify(c, 'xgroup-delconsumer', key);
    }
    c.reply.int(pending);
  } else throw subcommandSyntaxError(argv[1], 'XGROUP');
}

/** Format: XACK key group id [id ...] */
function xack(c: Client, argv: string[]): void {
  const s = readStreamNoStats(c, argv[1]);
  const cg = s === undefined ? undefined : s.group(argv[2]);
  if (s === undefined || cg === undefined) {
    c.reply.int(0);
    return;
  }
  const ids: StreamID[] = [];
  for (let j = 3; j < argv.length; j++) ids.push(parseStrictId(argv[j]));
  let acked = 0;
  for (const id of ids) {
    const k = idKey(id);
    const nack = cg.pel.remove(k);
    if (nack !== undefined) {
      if (nack.consumer !== null) nack.consumer.pel.remove(k);
      acked++;
      c.server.dirty++;
    }
  }
  c.reply.int(acked);
}

/** lookupKeyRead without counting (Redis's lookupKeyRead counts; used where Redis uses it). */
function readStreamNoStats(c: Client, key: string): RStream | undefined {
  return readStream(c, key);
}

/** Format: XPENDING key group [[IDLE min-idle-time] start end count [consumer]] */
function xpending(c: Client, argv: string[]): void {
  const justinfo = argv.length === 3;
  const key = argv[1];
  const groupname = argv[2];
  let start: StreamID = ID_ZERO;
  let end: StreamID = ID_MAX;
  let count = 0;
  let minidle = 0;
  let consumername: string | null = null;
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) throw new RedisError(Err.syntax);
  if (argv.length >= 6) {
    let startidx = 3;
    if (isOpt(argv[3], 'idle')) {
      minidle = llArg(argv[4]);
      if (argv.length < 8) throw new RedisError(Err.syntax);
      startidx += 2;
    }
    count = llArg(argv[startidx + 2]);
    if (count < 0) count = 0;
    const st = parseIntervalId(argv[startidx], 0);
    start = st.id;
    if (st.exclude) {
      const n = idIncr(start);
      if (n === null) throw new RedisError('ERR invalid start ID for the interval');
      start = n;
    }
    const en = parseIntervalId(argv[startidx + 1], U64_MAX);
    end = en.id;
    if (en.exclude) {
      const n = idDecr(end);
      if (n === null) throw new RedisError('ERR invalid end ID for the interval');
      end = n;
    }
    if (startidx + 3 < argv.length) consumername = argv[startidx + 3];
  }
  const s = readStream(c, key);
  const cg = s === undefined ? undefined : s.group(groupname);
  if (s === undefined || cg === undefined) throw new RedisError(`NOGROUP No such key '${key}' or consumer group '${groupname}'`);
  const r = c.reply;
  if (justinfo) {
    r.arrayLen(4);
    r.int(cg.pel.size);
    if (cg.pel.size === 0) {
      r.nullBulk();
      r.nullBulk();
      r.nullArray();
    } else {
      r.bulk(idString(cg.pel.items[0].id));
      r.bulk(idString(cg.pel.items[cg.pel.size - 1].id));
      const conss = cg.sortedConsumers().filter((x) => x.pel.size > 0);
      r.arrayLen(conss.length);
      for (const cons of conss) {
        r.arrayLen(2);
        r.bulk(cons.name);
        r.bulk(String(cons.pel.size));
      }
    }
    return;
  }
  let pel = cg.pel;
  if (consumername !== null) {
    const cons = lookupConsumer(c, cg, consumername, true);
    if (cons === undefined) {
      r.arrayLen(0);
      return;
    }
    pel = cons.pel;
  }
  const now = c.server.now();
  const endKey = idKey(end);
  const out: StreamNack[] = [];
  for (let i = pel.lowerBound(idKey(start)); count && i < pel.items.length; i++) {
    const nack = pel.items[i];
    if (nack.key > endKey) break;
    if (minidle) {
      if (now - nack.deliveryTime < minidle) continue;
    }
    out.push(nack);
    count--;
  }
  r.arrayLen(out.length);
  for (const nack of out) {
    r.arrayLen(4);
    r.bulk(idString(nack.id));
    r.bulk((nack.consumer as StreamConsumer).name);
    const elapsed = now - nack.deliveryTime;
    r.int(elapsed < 0 ? 0 : elapsed);
    r.int(nack.deliveryCount);
  }
}

/** Format: XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid] */
function xclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const groupname = argv[2];
  const s = readStream(c, key);
  const cg = s === undefined ? undefined : s.group(groupname);
  if (s === undefined || cg === undefined) throw new RedisError(`NOGROUP No such key '${key}' or consumer group '${groupname}'`);
  let minidle = llArg(argv[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minidle < 0) minidle = 0;
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    try {
      ids.push(parseStrictId(argv[j]));
    } catch {
      break;
    }
  }
  const lastIdArg = j - 1;
  const now = c.server.now();
  let lastId: StreamID = ID_ZERO;
  let propagateLastId = false;
  let force = false;
  let justid = false;
  let retrycount = -1;
  let deliverytime = -1;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j];
    if (isOpt(opt, 'force')) force = true;
    else if (isOpt(opt, 'justid')) justid = true;
    else if (isOpt(opt, 'idle') && moreargs) {
      j++;
      deliverytime = now - llArg(argv[j], 'ERR Invalid IDLE option argument for XCLAIM');
    } else if (isOpt(opt, 'time') && moreargs) {
      j++;
      deliverytime = llArg(argv[j], 'ERR Invalid TIME option argument for XCLAIM');
    } else if (isOpt(opt, 'retrycount') && moreargs) {
      j++;
      retrycount = llArg(argv[j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    } else if (isOpt(opt, 'lastid') && moreargs) {
      j++;
      lastId = parseStrictId(argv[j]);
    } else throw new RedisError(`ERR Unrecognized XCLAIM option '${opt}'`);
  }
  if (cmpId(lastId, cg.lastId) > 0) {
    cg.lastId = lastId;
    propagateLastId = true;
  }
  if (deliverytime !== -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else deliverytime = now;
  let consumer: StreamConsumer | null = null;
  const name = argv[3];
  const [body, arraylen] = capture(c, () => {
    let n = 0;
    for (let k = 5; k <= lastIdArg; k++) {
      const id = ids[k - 5];
      const ik = idKey(id);
      let nack = cg.pel.get(ik);
      if (!s.has(id)) {
        if (nack !== undefined) {
          propagateXclaim(c, key, cg, groupname, argv[k], nack);
          propagateLastId = false;
          c.server.dirty++;
          cg.pel.remove(ik);
          if (nack.consumer !== null) nack.consumer.pel.remove(ik);
        }
        continue;
      }
      if (force && nack === undefined) {
        nack = new StreamNack(id, ik, now, 1, null);
        cg.pel.insert(nack);
      }
      if (nack !== undefined) {
        if (nack.consumer !== null && minidle) {
          if (now - nack.deliveryTime < minidle) continue;
        }
        if (consumer === null) consumer = lookupConsumer(c, cg, name) ?? createConsumer(c, cg, name, key);
        const cons = consumer as StreamConsumer;
        if (nack.consumer !== cons && nack.consumer !== null) nack.consumer.pel.remove(ik);
        nack.deliveryTime = deliverytime;
        if (retrycount >= 0) nack.deliveryCount = retrycount;
        else if (!justid) nack.deliveryCount++;
        if (nack.consumer !== cons) {
          cons.pel.insert(nack);
          nack.consumer = cons;
        }
        if (justid) c.reply.bulk(idString(id));
        else replyEntry(c, s.get(id) as StreamEntry);
        n++;
        propagateXclaim(c, key, cg, groupname, argv[k], nack);
        propagateLastId = false;
        c.server.dirty++;
      }
    }
    return n;
  });
  if (propagateLastId) {
    propagateGroupId(c, key, cg, groupname);
    c.server.dirty++;
  }
  c.reply.arrayLen(arraylen);
  c.reply.raw(body);
  c.server.propagation.prevent = true;
}

/** Format: XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
function xautoclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const groupname = argv[2];
  let minidle = llArg(argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minidle < 0) minidle = 0;
  const st = parseIntervalId(argv[5], 0);
  let start = st.id;
  if (st.exclude) {
    const n = idIncr(start);
    if (n === null) throw new RedisError('ERR invalid start ID for the interval');
    start = n;
  }
  let count = 100;
  let justid = false;
  const maxCount = 9223372036854775807n / 16n;
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j];
    if (isOpt(opt, 'count') && moreargs) {
      const v = parseLongLong(argv[j + 1]);
      if (v === null || v < 1n || v > maxCount) throw new RedisError('ERR COUNT must be > 0');
      count = Number(v);
      j++;
    } else if (isOpt(opt, 'justid')) justid = true;
    else throw new RedisError(Err.syntax);
  }
  const s = readStream(c, key);
  const cg = s === undefined ? undefined : s.group(groupname);
  if (s === undefined || cg === undefined) throw new RedisError(`NOGROUP No such key '${key}' or consumer group '${groupname}'`);
  let attempts = count * 10;
  const now = c.server.now();
  const name = argv[3];
  let consumer: StreamConsumer | null = null;
  const deletedIds: StreamID[] = [];
  const items = cg.pel.items;
  let i = cg.pel.lowerBound(idKey(start));
  const [body, arraylen] = capture(c, () => {
    let n = 0;
    while (attempts-- && count && i < items.length) {
      const nack = items[i];
      const id = nack.id;
      if (!s.has(id)) {
        propagateXclaim(c, key, cg, groupname, idString(id), nack);
        c.server.dirty++;
        cg.pel.remove(nack.key);
        if (nack.consumer !== null) nack.consumer.pel.remove(nack.key);
        deletedIds.push(id);
        count--;
        continue; // i now points at the next item
      }
      i++;
      if (minidle && now - nack.deliveryTime < minidle) continue;
      if (consumer === null) consumer = lookupConsumer(c, cg, name) ?? createConsumer(c, cg, name, key);
      const cons = consumer as StreamConsumer;
      if (nack.consumer !== cons && nack.consumer !== null) nack.consumer.pel.remove(nack.key);
      nack.deliveryTime = now;
      if (!justid) nack.deliveryCount++;
      if (nack.consumer !== cons) {
        cons.pel.insert(nack);
        nack.consumer = cons;
      }
      if (justid) c.reply.bulk(idString(id));
      else replyEntry(c, s.get(id) as StreamEntry);
      n++;
      count--;
      propagateXclaim(c, key, cg, groupname, idString(id), nack);
      c.server.dirty++;
    }
    return n;
  });
  const r = c.reply;
  r.arrayLen(3);
  r.bulk(i < items.length ? idString(items[i].id) : '0-0');
  r.arrayLen(arraylen);
  r.raw(body);
  r.arrayLen(deletedIds.length);
  for (const id of deletedIds) r.bulk(idString(id));
  c.server.propagation.prevent = true;
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
    const e = c.db.lookup(key);
    const o = e === undefined ? undefined : e.value;
    if (o !== undefined && (typeof o === 'string' || o.type !== 'stream')) throw new RedisError(Err.wrongType);
    if (groupname !== null) {
      const g = o === undefined ? undefined : o.group(groupname);
      if (g === undefined) throw new RedisError(`NOGROUP No such key '${key}' or consumer group '${groupname}' in XREADGROUP with GROUP option`);
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
      const e = c.db.lookup(key);
      if (e === undefined) continue;
      const s = e.value as RStream;
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
    const e = c.db.lookup(key);
    const s = e === undefined ? undefined : e.value;
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

// ---------------------------------------------------------------- XINFO

const XINFO_HELP = ['CONSUMERS <key> <groupname>', '    Show consumers of <groupname>.', 'GROUPS <key>', '    Show the stream consumer groups.', 'STREAM <key> [FULL [COUNT <count>]', '    Show information about the stream.'];

/**
 * rax->numnodes for the node keys: rax is a compressed trie whose nodes are
 * the root, every key, every prefix where two keys diverge and each child of
 * such a prefix (keys are 16 bytes, so no key is a prefix of another).
 */
function raxNodeCount(s: RStream): number {
  const keys = s.nodes.map((n) => idKey(n.master));
  if (keys.length === 0) return 1;
  const nodes = new Set<string>(['']);
  for (const k of keys) nodes.add(k);
  for (let i = 1; i < keys.length; i++) {
    const a = keys[i - 1];
    const b = keys[i];
    let l = 0;
    while (l < 16 && a.charCodeAt(l) === b.charCodeAt(l)) l++;
    const p = a.slice(0, l);
    nodes.add(p);
    nodes.add(a.slice(0, l + 1));
    nodes.add(b.slice(0, l + 1));
  }
  // the children of a branching prefix also include the first and last keys' branches found above;
  // a prefix shared by more than two keys is added once per adjacent pair (the Set dedups)
  return nodes.size;
}

function xinfoStream(c: Client, s: RStream, argv: string[]): void {
  const optv = argv.slice(3);
  let full = false;
  let count = 10;
  if (optv.length > 0) {
    if (optv.length !== 1 && optv.length !== 3) throw subcommandSyntaxError(argv[1], 'XINFO');
    if (!isOpt(optv[0], 'full')) throw subcommandSyntaxError(argv[1], 'XINFO');
    full = true;
    if (optv.length === 3) {
      if (!isOpt(optv[1], 'count')) throw subcommandSyntaxError(argv[1], 'XINFO');
      count = llArg(optv[2]);
      if (count < 0) count = 10;
    }
  }
  const r = c.reply;
  r.mapLen(full ? 9 : 10);
  r.bulk('length');
  r.int(s.length);
  r.bulk('radix-tree-keys');
  r.int(s.nodes.length);
  r.bulk('radix-tree-nodes');
  r.int(raxNodeCount(s));
  r.bulk('last-generated-id');
  r.bulk(idString(s.lastId));
  r.bulk('max-deleted-entry-id');
  r.bulk(idString(s.maxDeletedId));
  r.bulk('entries-added');
  r.int(s.entriesAdded);
  r.bulk('recorded-first-entry-id');
  r.bulk(idString(s.firstId));
  if (!full) {
    r.bulk('groups');
    r.int(s.cgroups === null ? 0 : s.cgroups.size);
    r.bulk('first-entry');
    if (!replyWithRange(c, s, ID_ZERO, ID_MAX, 1, false, null, null, RWR_RAWENTRIES, null)) r.nullBulk();
    r.bulk('last-entry');
    if (!replyWithRange(c, s, ID_ZERO, ID_MAX, 1, true, null, null, RWR_RAWENTRIES, null)) r.nullBulk();
    return;
  }
  r.bulk('entries');
  replyWithRange(c, s, ID_ZERO, ID_MAX, count, false, null, null, 0, null);
  r.bulk('groups');
  const groups = s.sortedGroups();
  r.arrayLen(groups.length);
  for (const [name, cg] of groups) {
    r.mapLen(7);
    r.bulk('name');
    r.bulk(name);
    r.bulk('last-delivered-id');
    r.bulk(idString(cg.lastId));
    r.bulk('entries-read');
    if (cg.entriesRead !== -1) r.int(cg.entriesRead);
    else r.nullBulk();
    r.bulk('lag');
    const lag = s.groupLag(cg);
    if (lag === null) r.nullBulk();
    else r.int(lag);
    r.bulk('pel-count');
    r.int(cg.pel.size);
    r.bulk('pending');
    const pn = count ? Math.min(count, cg.pel.size) : cg.pel.size;
    r.arrayLen(pn);
    for (let i = 0; i < pn; i++) {
      const nack = cg.pel.items[i];
      r.arrayLen(4);
      r.bulk(idString(nack.id));
      r.bulk((nack.consumer as StreamConsumer).name);
      r.int(nack.deliveryTime);
      r.int(nack.deliveryCount);
    }
    r.bulk('consumers');
    const conss = cg.sortedConsumers();
    r.arrayLen(conss.length);
    for (const cons of conss) {
      r.mapLen(4);
      r.bulk('name');
      r.bulk(cons.name);
      r.bulk('seen-time');
      r.int(cons.seenTime);
      r.bulk('pel-count');
      r.int(cons.pel.size);
      r.bulk('pending');
      const cn = count ? Math.min(count, cons.pel.size) : cons.pel.size;
      r.arrayLen(cn);
      for (let i = 0; i < cn; i++) {
        const nack = cons.pel.items[i];
        r.arrayLen(3);
        r.bulk(idString(nack.id));
        r.int(nack.deliveryTime);
        r.int(nack.deliveryCount);
      }
    }
  }
}

/** xinfoCommand for STREAM, GROUPS, CONSUMERS. */
function xinfo(c: Client, argv: string[]): void {
  const opt = argv[1].toLowerCase();
  const key = argv[2];
  const s = readStream(c, key);
  if (s === undefined) throw new RedisError(Err.noSuchKey);
  const r = c.reply;
  if (opt === 'consumers' && argv.length === 4) {
    const cg = s.group(argv[3]);
    if (cg === undefined) throw new RedisError(`NOGROUP No such consumer group '${argv[3]}' for key name '${key}'`);
    const conss = cg.sortedConsumers();
    const now = c.server.now();
    r.arrayLen(conss.length);
    for (const cons of conss) {
      let idle = now - cons.seenTime;
      if (idle < 0) idle = 0;
      r.mapLen(3);
      r.bulk('name');
      r.bulk(cons.name);
      r.bulk('pending');
      r.int(cons.pel.size);
      r.bulk('idle');
      r.int(idle);
    }
  } else if (opt === 'groups' && argv.length === 3) {
    const groups = s.sortedGroups();
    r.arrayLen(groups.length);
    for (const [name, cg] of groups) {
      r.mapLen(6);
      r.bulk('name');
      r.bulk(name);
      r.bulk('consumers');
      r.int(cg.consumers.size);
      r.bulk('pending');
      r.int(cg.pel.size);
      r.bulk('last-delivered-id');
      r.bulk(idString(cg.lastId));
      r.bulk('entries-read');
      if (cg.entriesRead !== -1) r.int(cg.entriesRead);
      else r.nullBulk();
      r.bulk('lag');
      const lag = s.groupLag(cg);
      if (lag === null) r.nullBulk();
      else r.int(lag);
    }
  } else if (opt === 'stream') {
    xinfoStream(c, s, argv);
  } else throw subcommandSyntaxError(argv[1], 'XINFO');
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
