/**
 * Consumer-group and introspection commands of streams: XGROUP, XACK,
 * XPENDING, XCLAIM, XAUTOCLAIM, XINFO (the rest is in streams.ts).
 */
import { RedisError, Err, cstr } from '../protocol/errors';
import { isOpt, parseLongLong } from './util';
import { subcommandSyntaxError } from './server-util';
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
  ID_ZERO,
  ID_MAX,
  U64_MAX,
  type StreamID,
  type StreamEntry,
} from '../keyspace/types/stream';
import type { Client } from '../server/client';

import {
  readStream,
  writeStream,
  llArg,
  parseId,
  parseStrictId,
  parseIntervalId,
  capture,
  notify,
  signalReady,
  RWR_RAWENTRIES,
  replyEntry,
  propagateXclaim,
  propagateGroupId,
  replyWithRange,
  createConsumer,
  lookupConsumer,
  delConsumer,
} from './stream-util';

export const XGROUP_HELP = [
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
export function xgroup(c: Client, argv: string[]): void {
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
      throw new RedisError(`NOGROUP No such consumer group '${cstr(grpname)}' for key name '${cstr(key)}'`);
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
export function xack(c: Client, argv: string[]): void {
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
export function readStreamNoStats(c: Client, key: string): RStream | undefined {
  return readStream(c, key);
}

/** Format: XPENDING key group [[IDLE min-idle-time] start end count [consumer]] */
export function xpending(c: Client, argv: string[]): void {
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
  if (s === undefined || cg === undefined) throw new RedisError(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(groupname)}'`);
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
export function xclaim(c: Client, argv: string[]): void {
  const key = argv[1];
  const groupname = argv[2];
  const s = readStream(c, key);
  const cg = s === undefined ? undefined : s.group(groupname);
  if (s === undefined || cg === undefined) throw new RedisError(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(groupname)}'`);
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
    } else throw new RedisError(`ERR Unrecognized XCLAIM option '${cstr(opt)}'`);
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
export function xautoclaim(c: Client, argv: string[]): void {
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
  if (s === undefined || cg === undefined) throw new RedisError(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(groupname)}'`);
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

// ---------------------------------------------------------------- XINFO

export const XINFO_HELP = ['CONSUMERS <key> <groupname>', '    Show consumers of <groupname>.', 'GROUPS <key>', '    Show the stream consumer groups.', 'STREAM <key> [FULL [COUNT <count>]', '    Show information about the stream.'];

/**
 * rax->numnodes for the node keys: rax is a compressed trie whose nodes are
 * the root, every key, every prefix where two keys diverge and each child of
 * such a prefix (keys are 16 bytes, so no key is a prefix of another).
 */
export function raxNodeCount(s: RStream): number {
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

export function xinfoStream(c: Client, s: RStream, argv: string[]): void {
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
export function xinfo(c: Client, argv: string[]): void {
  const opt = argv[1].toLowerCase();
  const key = argv[2];
  const s = readStream(c, key);
  if (s === undefined) throw new RedisError(Err.noSuchKey);
  const r = c.reply;
  if (opt === 'consumers' && argv.length === 4) {
    const cg = s.group(argv[3]);
    if (cg === undefined) throw new RedisError(`NOGROUP No such consumer group '${cstr(argv[3])}' for key name '${cstr(key)}'`);
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

