/**
 * Sorted set commands (Redis 7.0's t_zset.c): ZADD, ZINCRBY, ZREM, ZCARD,
 * ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, ZRANGE (BYSCORE/BYLEX/
 * REV/LIMIT), ZRANGESTORE and the legacy ZRANGEBYSCORE & co, ZREMRANGEBY*,
 * ZPOPMIN/ZPOPMAX, BZPOPMIN/BZPOPMAX, ZMPOP/BZMPOP, ZUNION/ZINTER/ZDIFF
 * (+STORE), ZINTERCARD, ZRANDMEMBER, ZSCAN.
 *
 * The structure (src/keyspace/types/zset.ts) never writes replies; argument
 * parsing follows Redis's order so the first error reported is Redis's.
 */
import { cmd, numkeysAt, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { ReplyText } from '../protocol/reply';
import { lookupRead, lookupWrite, isOpt, timeoutArg, parseLongLong } from './util';
import { longArg, positiveLongArg, rangeLongArg, numkeysArg, scanCursorArg, scanOptions, EMPTY_SCAN, LONG_MAX, MAX_RANDOM_REPLY } from './collection-util';
import { parseDouble } from '../keyspace/types/float';
import { formatG17 } from '../util/number-format';
import { RZSet, parseScoreRange, parseLexRange, type ZEntry, type ZSetLimits } from '../keyspace/types/zset';
import type { RSet } from '../keyspace/types/set';
import { stringMatch } from '../util/glob';
import type { Client } from '../server/client';

const E_SCORE_RANGE = 'ERR min or max is not a float';
const E_LEX_RANGE = 'ERR min or max not valid string range item';
const E_NAN = 'ERR resulting score is not a number (NaN)';

// ---------------------------------------------------------------- helpers

/** zset-max-listpack-entries / zset-max-listpack-value: the last object while the settings match it (it runs on every zset write). */
function zsetLimits(c: Client): ZSetLimits {
  const s = c.server.config.settings;
  const l = lastLimits;
  if (l.maxListpackEntries === s.zsetMaxListpackEntries && l.maxListpackValue === s.zsetMaxListpackValue) return l;
  return (lastLimits = { maxListpackEntries: s.zsetMaxListpackEntries, maxListpackValue: s.zsetMaxListpackValue });
}
let lastLimits: ZSetLimits = { maxListpackEntries: -1, maxListpackValue: -1 };

/** lookupKeyRead + checkType(OBJ_ZSET). */
function readZset(c: Client, key: string): RZSet | undefined {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'zset') throw new RedisError(Err.wrongType);
  return v;
}

/** lookupKeyWrite + checkType(OBJ_ZSET). */
function writeZset(c: Client, key: string): RZSet | undefined {
  const v = lookupWrite(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'zset') throw new RedisError(Err.wrongType);
  return v;
}

/** server.dirty += n and a keyspace event of class `type`. */
function changed(c: Client, key: string, type: string, event: string, n: number): void {
  c.server.dirty += n;
  c.server.notifyKeyspaceEvent(type, event, key, c.db.id);
}

/** One `$len\r\nmember\r\n` + score as addReplyDouble writes it (bulk in RESP2, `,` in RESP3). */
function scoreText(score: number, resp3: boolean): string {
  const s = formatG17(score);
  return resp3 ? ',' + s + '\r\n' : '$' + s.length + '\r\n' + s + '\r\n';
}

/**
 * A range reply: members only, or with scores as one flat array in RESP2 and
 * [member, score] pairs in RESP3 (Redis 7.0's zrangeResultEmit* functions).
 */
function replyEntries(c: Client, entries: readonly ZEntry[], withScores: boolean): void {
  const r = c.reply;
  if (!r.enabled) return;
  const n = entries.length;
  const resp3 = r.proto === 3;
  const t = new ReplyText('*' + (withScores && !resp3 ? n * 2 : n) + '\r\n');
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    if (withScores && resp3) t.add('*2\r\n');
    t.bulk(e.member);
    if (withScores) t.add(scoreText(e.score, resp3));
  }
  r.raw(t.done());
}

/**
 * Store a computed sorted set at `dst` (setKey), or delete `dst` when empty;
 * replies with the size. `incremental`: built as ZRANGESTORE does, adding in
 * range order to a listpack that converts when it outgrows the limits (so
 * -0 becomes 0 only for what was added before the conversion); a rank range
 * known to be too long starts as a skiplist (zrangeResultBeginStore).
 * Otherwise as ZUNIONSTORE & co: a skiplist turned into a listpack at the
 * end if it fits.
 */
function storeResult(c: Client, dst: string, entries: readonly ZEntry[], event: string, incremental: boolean, knownLength = false): void {
  if (entries.length > 0) {
    const lim = zsetLimits(c);
    let z: RZSet;
    if (incremental && !(knownLength && entries.length > lim.maxListpackEntries)) {
      z = new RZSet();
      for (const e of entries) z.add(e.member, e.score, lim);
    } else z = RZSet.from(entries, lim);
    c.db.set(dst, z);
    c.reply.int(z.size);
    changed(c, dst, 'z', event, 1);
  } else {
    c.reply.int(0);
    if (c.db.delete(dst)) changed(c, dst, 'g', 'del', 1);
  }
}

// ---------------------------------------------------------------- ZADD / ZINCRBY

/**
 * zaddGenericCommand. Flags are read from argv[2] on for ZINCRBY too, as
 * Redis does (so `ZINCRBY k nx m` is a syntax error, not a float error).
 */
function zaddGeneric(c: Client, argv: string[], incrCmd: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCmd;
  const argc = argv.length;
  let i = 2;
  for (; i < argc; i++) {
    const a = argv[i];
    if (a.length === 2) {
      const l = a.toLowerCase();
      if (l === 'nx') nx = true;
      else if (l === 'xx') xx = true;
      else if (l === 'ch') ch = true;
      else if (l === 'gt') gt = true;
      else if (l === 'lt') lt = true;
      else break;
    } else if (a.length === 4 && a.toLowerCase() === 'incr') incr = true;
    else break;
  }
  const elements = argc - i;
  if (elements === 0 || elements % 2 !== 0) throw new RedisError(Err.syntax);
  const n = elements / 2;
  if (nx && xx) throw new RedisError('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw new RedisError('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && n > 1) throw new RedisError('ERR INCR option supports a single increment-element pair');
  const scores = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    const v = parseDouble(argv[i + 2 * j]);
    if (v === null) throw new RedisError(Err.notFloat);
    scores[j] = v;
  }
  const key = argv[1];
  let z = writeZset(c, key);
  if (z === undefined && !nx && !xx && !gt && !lt && !incr && !ch) {
    // a new key without flags (what loading a dataset does) that stays a listpack: built in one go
    // instead of n sorted inserts (one that converts is built one by one: members added before the
    // conversion went through the listpack, which keeps -0 as 0)
    const lim = zsetLimits(c);
    const last = new Map<string, number>();
    let updated = 0;
    let fits = n <= lim.maxListpackEntries * 2;
    for (let j = 0; j < n && fits; j++) {
      const member = argv[i + 2 * j + 1];
      if (member.length > lim.maxListpackValue) fits = false;
      const prev = last.get(member);
      if (prev !== undefined && prev !== scores[j]) updated++;
      last.set(member, scores[j]);
    }
    if (fits && last.size <= lim.maxListpackEntries) {
      z = RZSet.listpackFromScores(last);
      c.db.set(key, z);
      changed(c, key, 'z', 'zadd', last.size + updated);
      c.reply.int(last.size);
      return;
    }
  }
  if (z === undefined) {
    if (xx) {
      if (incr) c.reply.nullBulk();
      else c.reply.int(0);
      return;
    }
    z = new RZSet();
    c.db.set(key, z);
  }
  const lim = zsetLimits(c);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let nan = false;
  for (let j = 0; j < n; j++) {
    const member = argv[i + 2 * j + 1];
    let s = scores[j];
    const cur = z.score(member);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (s !== s) {
          nan = true;
          break;
        }
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      processed++;
      score = s;
      if (s !== cur) {
        z.add(member, s, lim);
        updated++;
      }
    } else if (!xx) {
      z.add(member, s, lim);
      added++;
      processed++;
      score = s;
    }
  }
  if (z.size === 0) c.db.delete(key);
  if (added + updated > 0) changed(c, key, 'z', incr ? 'zincr' : 'zadd', added + updated);
  if (nan) throw new RedisError(E_NAN);
  if (incr) {
    if (processed > 0) c.reply.double(score);
    else c.reply.nullBulk();
  } else c.reply.int(ch ? added + updated : added);
}

/** Format: ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] (GEOADD runs it on its rewritten argv). */
export function zaddCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, false);
}

// ---------------------------------------------------------------- ZRANGE family

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'fwd' | 'rev';

/**
 * zrangeGenericCommand: ZRANGE / ZRANGESTORE and the legacy Z[REV]RANGE[BYSCORE|BYLEX].
 * `start` is the index of the source key; `store` means ZRANGESTORE (argv[1] is the destination).
 */
function zrangeGeneric(c: Client, argv: string[], start: number, store: boolean, type: RangeType, dir: Direction): void {
  const argc = argv.length;
  const key = argv[start];
  let minIdx = start + 1;
  let maxIdx = start + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = start + 3; j < argc; j++) {
    const a = argv[j];
    const left = argc - j - 1;
    if (!store && isOpt(a, 'withscores')) withScores = true;
    else if (isOpt(a, 'limit') && left >= 2) {
      offset = longArg(argv[j + 1]);
      limit = longArg(argv[j + 2]);
      j += 2;
    } else if (dir === 'auto' && isOpt(a, 'rev')) dir = 'rev';
    else if (type === 'auto' && isOpt(a, 'bylex')) type = 'lex';
    else if (type === 'auto' && isOpt(a, 'byscore')) type = 'score';
    else throw new RedisError(Err.syntax);
  }
  if (dir === 'auto') dir = 'fwd';
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') throw new RedisError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && type === 'lex') throw new RedisError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  const reverse = dir === 'rev';
  if (reverse && type !== 'rank') {
    // the range is given as max, min
    const t = maxIdx;
    maxIdx = minIdx;
    minIdx = t;
  }
  let run: (z: RZSet) => ZEntry[];
  if (type === 'rank') {
    const from = longArg(argv[minIdx]);
    const to = longArg(argv[maxIdx]);
    run = (z) => z.rangeByRank(from, to, reverse);
  } else if (type === 'score') {
    const range = parseScoreRange(argv[minIdx], argv[maxIdx]);
    if (range === null) throw new RedisError(E_SCORE_RANGE);
    run = (z) => z.rangeByScore(range, offset, limit, reverse);
  } else {
    const range = parseLexRange(argv[minIdx], argv[maxIdx]);
    if (range === null) throw new RedisError(E_LEX_RANGE);
    run = (z) => z.rangeByLex(range, offset, limit, reverse);
  }
  const z = readZset(c, key);
  const entries = z === undefined ? [] : run(z);
  if (store) storeResult(c, argv[1], entries, 'zrangestore', true, type === 'rank');
  else replyEntries(c, entries, withScores);
}

/** zremrangeGenericCommand: ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX. */
function zremrangeGeneric(c: Client, argv: string[], type: 'rank' | 'score' | 'lex'): void {
  const key = argv[1];
  let run: (z: RZSet) => number;
  let event: string;
  if (type === 'rank') {
    const from = longArg(argv[2]);
    const to = longArg(argv[3]);
    run = (z) => z.deleteRangeByRank(from, to);
    event = 'zremrangebyrank';
  } else if (type === 'score') {
    const range = parseScoreRange(argv[2], argv[3]);
    if (range === null) throw new RedisError(E_SCORE_RANGE);
    run = (z) => z.deleteRangeByScore(range);
    event = 'zremrangebyscore';
  } else {
    const range = parseLexRange(argv[2], argv[3]);
    if (range === null) throw new RedisError(E_LEX_RANGE);
    run = (z) => z.deleteRangeByLex(range);
    event = 'zremrangebylex';
  }
  const z = writeZset(c, key);
  if (z === undefined) {
    c.reply.int(0);
    return;
  }
  const deleted = run(z);
  if (deleted > 0) {
    changed(c, key, 'z', event, deleted);
    if (z.size === 0) {
      c.db.delete(key);
      c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
    }
  }
  c.reply.int(deleted);
}

// ---------------------------------------------------------------- pops

/**
 * genericZpopCommand: pop from the first existing key of `keys`. Reply
 * shapes: flat [m, s, ...] (ZPOPMIN/MAX in RESP2 or without count), nested
 * [[m, s], ...] (with count in RESP3), [key, m, s] (BZPOPMIN/MAX), or
 * [key, [[m, s], ...]] (ZMPOP/BZMPOP). Returns the popped key and
 * min(count, size) for propagation, or null when nothing was popped.
 */
function zpopGeneric(
  c: Client,
  keys: readonly string[],
  max: boolean,
  emitKey: boolean,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): { key: string; n: number } | null {
  let z: RZSet | undefined;
  let key = '';
  for (const k of keys) {
    z = writeZset(c, k);
    if (z !== undefined) {
      key = k;
      break;
    }
  }
  const r = c.reply;
  if (z === undefined) {
    if (nilWhenEmpty) r.nullArray();
    else r.arrayLen(0);
    return null;
  }
  if (count === 0) {
    r.arrayLen(0);
    return null;
  }
  const want = count === -1 ? 1 : count;
  const size = z.size;
  const popped = max ? z.popMax(want) : z.popMin(want);
  const n = popped.length;
  const resp3 = r.proto === 3;
  if (r.enabled) {
    let o: string;
    if (!nested && !emitKey) o = '*' + n * 2 + '\r\n';
    else if (nested && !emitKey) o = '*' + n + '\r\n';
    else if (!nested) o = '*' + (n * 2 + 1) + '\r\n$' + key.length + '\r\n' + key + '\r\n';
    else o = '*2\r\n$' + key.length + '\r\n' + key + '\r\n*' + n + '\r\n';
    const t = new ReplyText(o);
    for (let i = 0; i < n; i++) {
      const e = popped[i];
      if (nested) t.add('*2\r\n');
      t.bulk(e.member);
      t.add(scoreText(e.score, resp3));
    }
    r.raw(t.done());
  }
  changed(c, key, 'z', max ? 'zpopmax' : 'zpopmin', n);
  c.server.watch.signalModifiedKey(c.db.id, key);
  if (z.size === 0) {
    c.db.delete(key);
    c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
  }
  return { key, n: want < size ? want : size };
}

/** The ZPOPMIN/ZPOPMAX form a pop is propagated as (Redis's rewriteClientCommandVector). */
function popArgv(max: boolean, key: string, count: number | null): string[] {
  const name = max ? 'ZPOPMAX' : 'ZPOPMIN';
  return count === null ? [name, key] : [name, key, String(count)];
}

/** ZPOPMIN / ZPOPMAX key [count] */
function zpopMinMax(c: Client, argv: string[], max: boolean): void {
  if (argv.length > 3) throw new RedisError(Err.syntax);
  const count = argv.length === 3 ? positiveLongArg(argv[2]) : -1;
  zpopGeneric(c, [argv[1]], max, false, count, c.reply.proto === 3 && count !== -1, false);
}

/**
 * blockingGenericZpopCommand: pop at once from the first non-empty key, or
 * block (BZPOPMIN/BZPOPMAX with count -1: flat [key, member, score];
 * BZMPOP: [key, [[member, score], ...]]). Served pops propagate as
 * ZPOPMIN/ZPOPMAX key [count].
 */
function blockingZpop(c: Client, argv: string[], keys: string[], max: boolean, timeoutIdx: number, count: number, nested: boolean): void {
  const timeoutAt = timeoutArg(c, argv[timeoutIdx]);
  for (const k of keys) {
    const z = writeZset(c, k);
    if (z === undefined || z.size === 0) continue;
    const res = zpopGeneric(c, [k], max, true, count, nested, nested);
    if (res !== null) c.server.propagation.rewrite(popArgv(max, res.key, count === -1 ? null : res.n));
    return;
  }
  // Inside EXEC (or for clients that cannot wait) an empty pop is a timeout.
  if (c.denyBlocking || c.isFake || c.socket === null) {
    c.reply.nullArray();
    return;
  }
  const s = c.server;
  const dbIndex = c.db.id;
  s.blocking.block(c, {
    kind: 'keys',
    keys,
    db: dbIndex,
    timeoutAt,
    argv,
    tryServe: () => {
      const db = s.dbs[dbIndex];
      for (const k of keys) {
        const v = db.get(k);
        if (v === undefined) continue;
        if (typeof v === 'string' || v.type !== 'zset' || v.size === 0) continue;
        s.watch.beforeKeyWrite(dbIndex, k);
        const res = zpopGeneric(c, [k], max, true, count, nested, nested);
        if (res === null) return false;
        s.propagation.also(dbIndex, popArgv(max, res.key, count === -1 ? null : res.n));
        return true;
      }
      return false;
    },
    onTimeout: () => c.reply.nullArray(),
  });
}

/** zmpopGenericCommand: ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] and BZMPOP timeout numkeys ... */
function zmpopGeneric(c: Client, argv: string[], numkeysIdx: number, block: boolean): void {
  const argc = argv.length;
  const numkeys = numkeysArg(argv[numkeysIdx]);
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argc) throw new RedisError(Err.syntax);
  let max: boolean;
  if (isOpt(argv[whereIdx], 'min')) max = false;
  else if (isOpt(argv[whereIdx], 'max')) max = true;
  else throw new RedisError(Err.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < argc; j++) {
    const more = argc - 1 - j;
    if (count === -1 && isOpt(argv[j], 'count') && more > 0) {
      j++;
      count = rangeLongArg(argv[j], 1n, LONG_MAX, 'ERR count should be greater than 0');
    } else throw new RedisError(Err.syntax);
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys);
  if (block) {
    blockingZpop(c, argv, keys, max, 1, count, true);
    return;
  }
  const res = zpopGeneric(c, keys, max, true, count, true, true);
  if (res !== null) c.server.propagation.rewrite(popArgv(max, res.key, res.n));
}

// ---------------------------------------------------------------- ZUNION / ZINTER / ZDIFF

interface OpSource {
  z: RZSet | null;
  s: RSet | null;
  weight: number;
  size: number;
}

/** Score of a member in a source (sets give 1), undefined when absent. */
function sourceScore(src: OpSource, member: string): number | undefined {
  if (src.z !== null) return src.z.score(member);
  if (src.s !== null) return src.s.has(member) ? 1 : undefined;
  return undefined;
}

/** Members with their scores (sets give 1) of a non-empty source. */
function sourceEntries(src: OpSource): ZEntry[] {
  if (src.z !== null) return src.z.toArray();
  const out: ZEntry[] = [];
  if (src.s !== null) for (const m of src.s.members()) out.push({ member: m, score: 1 });
  return out;
}

/** zunionInterAggregate: SUM keeps inf + -inf as 0 instead of NaN; MIN/MAX keep the target on NaN. */
function aggregate(target: number, val: number, how: number): number {
  if (how === 0) {
    const r = target + val;
    return r !== r ? 0 : r;
  }
  if (how === 1) return val < target ? val : target;
  return val > target ? val : target;
}

function byScoreThenMember(a: ZEntry, b: ZEntry): number {
  if (a.score < b.score) return -1;
  if (a.score > b.score) return 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

/**
 * zunionInterDiffGenericCommand. `dstIdx` 0 for the reply forms, 1 for
 * *STORE; `cardOnly` for ZINTERCARD. Sources are read (and type-checked)
 * before the options are parsed, as Redis does.
 */
function zsetOp(c: Client, argv: string[], name: string, dstIdx: number, numkeysIdx: number, op: 'union' | 'inter' | 'diff', cardOnly: boolean): void {
  const argc = argv.length;
  const setnum = longArg(argv[numkeysIdx]);
  if (setnum < 1) throw new RedisError(`ERR at least 1 input key is needed for '${name}' command`);
  if (setnum > argc - (numkeysIdx + 1)) throw new RedisError(Err.syntax);
  const srcs: OpSource[] = new Array<OpSource>(setnum);
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = lookupRead(c, argv[j]);
    if (v === undefined) srcs[i] = { z: null, s: null, weight: 1, size: 0 };
    else if (typeof v !== 'string' && v.type === 'zset') srcs[i] = { z: v, s: null, weight: 1, size: v.size };
    else if (typeof v !== 'string' && v.type === 'set') srcs[i] = { z: null, s: v, weight: 1, size: v.size };
    else throw new RedisError(Err.wrongType);
  }
  let how = 0; // 0 sum, 1 min, 2 max
  let withScores = false;
  let limit = 0;
  while (j < argc) {
    const remaining = argc - j;
    const a = argv[j];
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && isOpt(a, 'weights')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDouble(argv[j]);
        if (w === null) throw new RedisError('ERR weight value is not a float');
        srcs[i].weight = w;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && isOpt(a, 'aggregate')) {
      j++;
      const g = argv[j];
      if (isOpt(g, 'sum')) how = 0;
      else if (isOpt(g, 'min')) how = 1;
      else if (isOpt(g, 'max')) how = 2;
      else throw new RedisError(Err.syntax);
      j++;
    } else if (remaining >= 1 && dstIdx === 0 && !cardOnly && isOpt(a, 'withscores')) {
      j++;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && isOpt(a, 'limit')) {
      j++;
      limit = positiveLongArg(argv[j], "ERR LIMIT can't be negative");
      j++;
    } else throw new RedisError(Err.syntax);
  }
  // smallest first (a stable sort, like glibc's merge-sort qsort): the order scores are summed in
  if (op !== 'diff') srcs.sort((a, b) => a.size - b.size);

  const result: ZEntry[] = [];
  let card = 0;
  if (op === 'inter') {
    const first = srcs[0];
    if (first.size > 0) {
      for (const e of sourceEntries(first)) {
        let score = first.weight * e.score;
        if (score !== score) score = 0;
        let k = 1;
        for (; k < setnum; k++) {
          const o = srcs[k];
          let v: number | undefined;
          if ((o.z !== null && o.z === first.z) || (o.s !== null && o.s === first.s)) v = e.score;
          else v = sourceScore(o, e.member);
          if (v === undefined) break;
          score = aggregate(score, v * o.weight, how);
        }
        if (k < setnum) continue;
        if (cardOnly) {
          card++;
          if (limit > 0 && card >= limit) break;
        } else result.push({ member: e.member, score });
      }
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    for (const src of srcs) {
      if (src.size === 0) continue;
      for (const e of sourceEntries(src)) {
        let score = src.weight * e.score;
        if (score !== score) score = 0;
        const prev = acc.get(e.member);
        acc.set(e.member, prev === undefined ? score : aggregate(prev, score, how));
      }
    }
    for (const [member, score] of acc) result.push({ member, score });
  } else {
    const first = srcs[0];
    let same = false;
    for (let k = 1; k < setnum; k++) {
      const o = srcs[k];
      if ((o.z !== null && o.z === first.z) || (o.s !== null && o.s === first.s)) same = true;
    }
    if (first.size > 0 && !same) {
      for (const e of sourceEntries(first)) {
        let found = false;
        for (let k = 1; k < setnum && !found; k++) found = sourceScore(srcs[k], e.member) !== undefined;
        if (!found) result.push({ member: e.member, score: e.score });
      }
    }
  }

  if (cardOnly) {
    c.reply.int(card);
    return;
  }
  if (dstIdx !== 0) {
    storeResult(c, argv[dstIdx], result, op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore', false);
    return;
  }
  result.sort(byScoreThenMember);
  replyEntries(c, result, withScores);
}

// ---------------------------------------------------------------- ZRANDMEMBER / ZSCAN

/** ZRANDMEMBER key count [WITHSCORES] (zrandmemberWithCountCommand). */
function zrandmemberWithCount(c: Client, argv: string[], l: number, withScores: boolean): void {
  const z = readZset(c, argv[1]);
  const r = c.reply;
  if (z === undefined) {
    r.arrayLen(0);
    return;
  }
  const size = z.size;
  const uniq = l >= 0;
  const count = uniq ? l : -l;
  if (count === 0) {
    r.arrayLen(0);
    return;
  }
  // Redis would stream a reply this big; a JS string cannot hold it.
  if (!uniq && count > MAX_RANDOM_REPLY) throw new RedisError('ERR value is out of range');
  let entries: ZEntry[];
  if (!uniq || count === 1) entries = z.randomMembers(-count);
  else if (count >= size) entries = [...z.reversed()]; // the whole set, iterated from the tail as Redis does
  else entries = z.randomMembers(count);
  replyEntries(c, entries, withScores);
}

const TWO62 = 4611686018427387904;

/**
 * A score as a listpack stores it (Redis 7.0's d2string): integral values
 * within +-LLONG_MAX/2 as integers (123456789012345678 -> "123456789012345680"),
 * anything else as %.17g. ZSCAN of a listpack returns this text.
 */
function listpackScoreText(d: number): string {
  if (d === 0) return '0';
  if (Number.isInteger(d) && d >= -TWO62 && d <= TWO62) return BigInt(d).toString();
  return formatG17(d);
}

/** ZSCAN key cursor [MATCH pattern] [COUNT count]: scores as bulk strings in both protocols. */
function zscan(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(argv[2]);
  const z = readZset(c, argv[1]);
  if (z === undefined) {
    c.reply.raw(EMPTY_SCAN);
    return;
  }
  const opts = scanOptions(argv, 3);
  const out: ZEntry[] = [];
  // a listpack hands out its stored text, a skiplist formats with %.17Lg
  const fmt = z.encoding() === 'listpack' ? listpackScoreText : formatG17;
  const next = z.scan(cursor, opts.count, out);
  const items: string[] = [];
  for (const e of out) {
    if (opts.pattern !== null && !stringMatch(opts.pattern, e.member)) continue;
    items.push(e.member, fmt(e.score));
  }
  const r = c.reply;
  r.arrayLen(2);
  r.bulk(String(next));
  r.bulks(items);
}

// ---------------------------------------------------------------- specs

const noKeys = (): number[] => [];
const firstKeyOnly = (): number[] => [1];

/** Sorted set command specs. */
export const zsetCommands: CommandSpec[] = [
  /** Format: ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] */
  cmd('zadd', -4, 'write denyoom fast', 1, 1, 1, zaddCommand),
  /** Format: ZINCRBY key increment member */
  cmd('zincrby', 4, 'write denyoom fast', 1, 1, 1, (c, argv) => zaddGeneric(c, argv, true)),
  /** Format: ZREM key member [member ...] */
  cmd('zrem', -3, 'write fast', 1, 1, 1, (c, argv) => {
    const key = argv[1];
    const z = writeZset(c, key);
    if (z === undefined) {
      c.reply.int(0);
      return;
    }
    let deleted = 0;
    let removed = false;
    for (let i = 2; i < argv.length; i++) {
      if (z.remove(argv[i])) deleted++;
      if (z.size === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
    if (deleted > 0) {
      changed(c, key, 'z', 'zrem', deleted);
      if (removed) c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
    }
    c.reply.int(deleted);
  }),
  /** Format: ZCARD key */
  cmd('zcard', 2, 'readonly fast', 1, 1, 1, (c, argv) => c.reply.int(readZset(c, argv[1])?.size ?? 0)),
  /** Format: ZSCORE key member */
  cmd('zscore', 3, 'readonly fast', 1, 1, 1, (c, argv) => {
    const s = readZset(c, argv[1])?.score(argv[2]);
    if (s === undefined) c.reply.nullBulk();
    else c.reply.double(s);
  }),
  /** Format: ZMSCORE key member [member ...] */
  cmd('zmscore', -3, 'readonly fast', 1, 1, 1, (c, argv) => {
    const z = readZset(c, argv[1]);
    const r = c.reply;
    r.arrayLen(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const s = z?.score(argv[i]);
      if (s === undefined) r.nullBulk();
      else r.double(s);
    }
  }),
  /** Format: ZRANK key member */
  cmd('zrank', 3, 'readonly fast', 1, 1, 1, (c, argv) => {
    const rank = readZset(c, argv[1])?.rank(argv[2], false);
    if (rank === undefined) c.reply.nullBulk();
    else c.reply.int(rank);
  }),
  /** Format: ZREVRANK key member */
  cmd('zrevrank', 3, 'readonly fast', 1, 1, 1, (c, argv) => {
    const rank = readZset(c, argv[1])?.rank(argv[2], true);
    if (rank === undefined) c.reply.nullBulk();
    else c.reply.int(rank);
  }),
  /** Format: ZCOUNT key min max */
  cmd('zcount', 4, 'readonly fast', 1, 1, 1, (c, argv) => {
    const range = parseScoreRange(argv[2], argv[3]);
    if (range === null) throw new RedisError(E_SCORE_RANGE);
    c.reply.int(readZset(c, argv[1])?.countInScoreRange(range) ?? 0);
  }),
  /** Format: ZLEXCOUNT key min max */
  cmd('zlexcount', 4, 'readonly fast', 1, 1, 1, (c, argv) => {
    const range = parseLexRange(argv[2], argv[3]);
    if (range === null) throw new RedisError(E_LEX_RANGE);
    const z = readZset(c, argv[1]);
    // A listpack counts forward from the first match (what mixed scores give in Redis); a skiplist by ranks.
    c.reply.int(z === undefined ? 0 : z.encoding() === 'listpack' ? z.rangeByLex(range).length : z.countInLexRange(range));
  }),
  /** Format: ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES] */
  cmd('zrange', -4, 'readonly', 1, 1, 1, (c, argv) => zrangeGeneric(c, argv, 1, false, 'auto', 'auto')),
  /** Format: ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] */
  cmd('zrangestore', -5, 'write denyoom', 1, 2, 1, (c, argv) => zrangeGeneric(c, argv, 2, true, 'auto', 'auto'), { writeKeys: firstKeyOnly }),
  /** Format: ZREVRANGE key start stop [WITHSCORES] */
  cmd('zrevrange', -4, 'readonly', 1, 1, 1, (c, argv) => zrangeGeneric(c, argv, 1, false, 'rank', 'rev')),
  /** Format: ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] */
  cmd('zrangebyscore', -4, 'readonly', 1, 1, 1, (c, argv) => zrangeGeneric(c, argv, 1, false, 'score', 'fwd')),
  /** Format: ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count] */
  cmd('zrevrangebyscore', -4, 'readonly', 1, 1, 1, (c, argv) => zrangeGeneric(c, argv, 1, false, 'score', 'rev')),
  /** Format: ZRANGEBYLEX key min max [LIMIT offset count] */
  cmd('zrangebylex', -4, 'readonly', 1, 1, 1, (c, argv) => zrangeGeneric(c, argv, 1, false, 'lex', 'fwd')),
  /** Format: ZREVRANGEBYLEX key max min [LIMIT offset count] */
  cmd('zrevrangebylex', -4, 'readonly', 1, 1, 1, (c, argv) => zrangeGeneric(c, argv, 1, false, 'lex', 'rev')),
  /** Format: ZREMRANGEBYRANK key start stop */
  cmd('zremrangebyrank', 4, 'write', 1, 1, 1, (c, argv) => zremrangeGeneric(c, argv, 'rank')),
  /** Format: ZREMRANGEBYSCORE key min max */
  cmd('zremrangebyscore', 4, 'write', 1, 1, 1, (c, argv) => zremrangeGeneric(c, argv, 'score')),
  /** Format: ZREMRANGEBYLEX key min max */
  cmd('zremrangebylex', 4, 'write', 1, 1, 1, (c, argv) => zremrangeGeneric(c, argv, 'lex')),
  /** Format: ZPOPMIN key [count] */
  cmd('zpopmin', -2, 'write fast', 1, 1, 1, (c, argv) => zpopMinMax(c, argv, false), { writeKeys: noKeys }),
  /** Format: ZPOPMAX key [count] */
  cmd('zpopmax', -2, 'write fast', 1, 1, 1, (c, argv) => zpopMinMax(c, argv, true), { writeKeys: noKeys }),
  /** Format: BZPOPMIN key [key ...] timeout */
  cmd('bzpopmin', -3, 'write noscript blocking fast', 1, -2, 1, (c, argv) => blockingZpop(c, argv, argv.slice(1, -1), false, argv.length - 1, -1, false), { writeKeys: noKeys }),
  /** Format: BZPOPMAX key [key ...] timeout */
  cmd('bzpopmax', -3, 'write noscript blocking fast', 1, -2, 1, (c, argv) => blockingZpop(c, argv, argv.slice(1, -1), true, argv.length - 1, -1, false), { writeKeys: noKeys }),
  /** Format: ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
  cmd('zmpop', -4, 'write', 0, 0, 0, (c, argv) => zmpopGeneric(c, argv, 1, false), { getKeys: numkeysAt(1), writeKeys: noKeys }),
  /** Format: BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
  cmd('bzmpop', -5, 'write blocking', 0, 0, 0, (c, argv) => zmpopGeneric(c, argv, 2, true), { getKeys: numkeysAt(2), writeKeys: noKeys }),
  /** Format: ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] */
  cmd('zunion', -3, 'readonly', 0, 0, 0, (c, argv) => zsetOp(c, argv, 'zunion', 0, 1, 'union', false), { getKeys: numkeysAt(1) }),
  /** Format: ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] */
  cmd('zinter', -3, 'readonly', 0, 0, 0, (c, argv) => zsetOp(c, argv, 'zinter', 0, 1, 'inter', false), { getKeys: numkeysAt(1) }),
  /** Format: ZDIFF numkeys key [key ...] [WITHSCORES] */
  cmd('zdiff', -3, 'readonly', 0, 0, 0, (c, argv) => zsetOp(c, argv, 'zdiff', 0, 1, 'diff', false), { getKeys: numkeysAt(1) }),
  /** Format: ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] */
  cmd('zunionstore', -4, 'write denyoom', 1, 1, 1, (c, argv) => zsetOp(c, argv, 'zunionstore', 1, 2, 'union', false), {
    getKeys: numkeysAt(2, 1),
    writeKeys: firstKeyOnly,
  }),
  /** Format: ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] */
  cmd('zinterstore', -4, 'write denyoom', 1, 1, 1, (c, argv) => zsetOp(c, argv, 'zinterstore', 1, 2, 'inter', false), {
    getKeys: numkeysAt(2, 1),
    writeKeys: firstKeyOnly,
  }),
  /** Format: ZDIFFSTORE destination numkeys key [key ...] */
  cmd('zdiffstore', -4, 'write denyoom', 1, 1, 1, (c, argv) => zsetOp(c, argv, 'zdiffstore', 1, 2, 'diff', false), {
    getKeys: numkeysAt(2, 1),
    writeKeys: firstKeyOnly,
  }),
  /** Format: ZINTERCARD numkeys key [key ...] [LIMIT limit] */
  cmd('zintercard', -3, 'readonly', 0, 0, 0, (c, argv) => zsetOp(c, argv, 'zintercard', 0, 1, 'inter', true), { getKeys: numkeysAt(1) }),
  /** Format: ZRANDMEMBER key [count [WITHSCORES]] */
  cmd(
    'zrandmember',
    -2,
    'readonly',
    1,
    1,
    1,
    (c, argv) => {
      const argc = argv.length;
      if (argc >= 3) {
        const l = rangeLongArg(argv[2], -LONG_MAX, LONG_MAX);
        if (argc > 4 || (argc === 4 && !isOpt(argv[3], 'withscores'))) throw new RedisError(Err.syntax);
        const withScores = argc === 4;
        if (withScores) {
          // count * 2 must not overflow: exact check on the int64 value
          const exact = parseLongLong(argv[2]) ?? 0n;
          if (exact < -(LONG_MAX / 2n) || exact > LONG_MAX / 2n) throw new RedisError('ERR value is out of range');
        }
        zrandmemberWithCount(c, argv, l, withScores);
        return;
      }
      const z = readZset(c, argv[1]);
      if (z === undefined) {
        c.reply.nullBulk();
        return;
      }
      c.reply.bulk(z.randomMember()!.member);
    },
    { tips: ['nondeterministic_output'] },
  ),
  /** Format: ZSCAN key cursor [MATCH pattern] [COUNT count] */
  cmd('zscan', -3, 'readonly', 1, 1, 1, zscan, { tips: ['nondeterministic_output'] }),
];
