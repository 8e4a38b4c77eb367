/**
 * Shared pieces of the stream commands (t_stream.c): id parsing, the stream
 * lookups, keyspace events, the range replies and the propagation of
 * consumer-group effects, consumers.
 */
import { RedisError, Err } from '../protocol/errors';
import { ReplyText } from '../protocol/reply';
import { respAt } from './stream-resp';
import { lookupRead, lookupWrite, parseLongLong } from './util';
import {
  RStream,
  StreamCG,
  StreamConsumer,
  StreamNack,
  cmpId,
  idString,
  idKey,
  parseU64,
  ID_ZERO,
  ID_MAX,
  U64_MAX,
  type StreamID,
  type StreamEntry,
  type StreamLimits,
} from '../keyspace/types/stream';
import type { Client } from '../server/client';



export const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

// ---------------------------------------------------------------- helpers

/** The stream at key for reading, undefined when missing; WRONGTYPE otherwise. */
export function readStream(c: Client, key: string): RStream | undefined {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'stream') throw new RedisError(Err.wrongType);
  return v;
}

/** Lookup without hit/miss stats (lookupKeyWrite). */
export function writeStream(c: Client, key: string): RStream | undefined {
  const v = lookupWrite(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'stream') throw new RedisError(Err.wrongType);
  return v;
}

/** getLongLongFromObjectOrReply */
export function llArg(s: string, msg: string = Err.notInt): number {
  const v = parseLongLong(s);
  if (v === null) throw new RedisError(msg);
  return Number(v);
}

export function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/** Redis's string2ull: string2ll (refusing negatives), else strtoull's rules. */
export function string2ull(s: string): StreamID['ms'] | null {
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

export interface ParsedId {
  id: StreamID;
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: `-`, `+`, `ms`, `ms-seq`, and `ms-*` when
 * allowSeqStar (XADD). Strict refuses `-` and `+`.
 */
export function parseIdFull(s: string, missingSeq: StreamID['seq'], strict: boolean, allowSeqStar: boolean): ParsedId {
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

export function parseId(s: string, missingSeq: StreamID['seq'] = 0): StreamID {
  return parseIdFull(s, missingSeq, false, false).id;
}

export function parseStrictId(s: string, missingSeq: StreamID['seq'] = 0): StreamID {
  return parseIdFull(s, missingSeq, true, false).id;
}

/** streamParseIntervalIDOrReply: `(id` is exclusive. */
export function parseIntervalId(s: string, missingSeq: StreamID['seq']): { id: StreamID; exclude: boolean } {
  const exclude = s.length > 1 && s[0] === '(';
  if (exclude) return { id: parseStrictId(s.slice(1), missingSeq), exclude };
  return { id: parseId(s, missingSeq), exclude };
}

/** Run fn writing into a fresh reply buffer; returns what it wrote and fn's result (Redis's deferred lengths). */
export function capture<T>(c: Client, fn: () => T): [string, T] {
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

export function streamLimits(c: Client): StreamLimits {
  const s = c.server.config.settings;
  return { maxBytes: Number(s.streamNodeMaxBytes), maxEntries: Number(s.streamNodeMaxEntries) };
}

/** mustObeyClient: the master link and the AOF loader apply trims verbatim. */
export function mustObey(c: Client): boolean {
  return c.isMaster || (c.isFake && c.server.loading);
}

export function notify(c: Client, event: string, key: string): void {
  c.server.notifyKeyspaceEvent('t', event, key, c.db.id);
}

/** Redis's CLIENT_DENY_BLOCKING (MULTI, scripts, fake clients). */
export function mayBlock(c: Client): boolean {
  if (c.isFake || c.socket === null || c.multi !== null || c.denyBlocking) return false;
  const lc = c.lastCmd;
  return lc !== null && lc.isBlocking;
}

export function signalReady(c: Client, key: string): void {
  c.server.blocking.signalKeyReady(c.db.id + '\0' + key);
}

// ---------------------------------------------------------------- ranges

export const RWR_NOACK = 1;
export const RWR_RAWENTRIES = 2;
export const RWR_HISTORY = 4;

/** The key and group name a read propagates its effects under (streamPropInfo). */
export interface PropInfo {
  key: string;
  group: string;
}

export function replyEntry(c: Client, e: StreamEntry): void {
  const r = c.reply;
  r.arrayLen(2);
  r.bulk(idString(e.id));
  r.arrayLen(e.fv.length);
  for (let i = 0; i < e.fv.length; i++) r.bulk(e.fv[i]);
}

/** streamPropagateXCLAIM */
export function propagateXclaim(c: Client, key: string, cg: StreamCG, group: string, id: string, nack: StreamNack): void {
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
export function propagateGroupId(c: Client, key: string, cg: StreamCG, group: string): void {
  c.server.propagation.also(c.db.id, ['XGROUP', 'SETID', key, group, idString(cg.lastId), 'ENTRIESREAD', String(cg.entriesRead)]);
}

/** streamPropagateConsumerCreation */
export function propagateConsumerCreation(c: Client, key: string, group: string, consumer: string): void {
  c.server.propagation.also(c.db.id, ['XGROUP', 'CREATECONSUMER', key, group, consumer]);
}

/**
 * streamReplyWithRange: reply with entries start..end (count 0 = all); with a
 * group, advance its last id and add the entries to the PELs (propagated).
 * Returns the number of entries emitted.
 */
export function replyWithRange(
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
    const t = new ReplyText('');
    const n = s.forRange(start, end, rev, count, (node, at) => respAt(t, node, at));
    if (!(flags & RWR_RAWENTRIES)) c.reply.arrayLen(n);
    c.reply.raw(t.done());
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
export function replyFromConsumerPel(c: Client, s: RStream, start: StreamID, end: StreamID | null, count: number, consumer: StreamConsumer): number {
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
// ---------------------------------------------------------------- groups

/** streamCreateConsumer (dirty++ and the event unless told otherwise). */
export function createConsumer(c: Client, cg: StreamCG, name: string, key: string, notifyAndDirty = true): StreamConsumer | null {
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
export function lookupConsumer(c: Client, cg: StreamCG, name: string, noRefresh = false): StreamConsumer | undefined {
  const cons = cg.consumers.get(name);
  if (cons !== undefined && !noRefresh) cons.seenTime = c.server.now();
  return cons;
}

/** streamDelConsumer */
export function delConsumer(cg: StreamCG, cons: StreamConsumer): void {
  for (const nack of cons.pel.items) cg.pel.remove(nack.key);
  cg.consumers.delete(cons.name);
}

