/**
 * The stream type (Redis's t_stream.c data layer): an ordered array of nodes,
 * each a listpack laid out exactly as Redis lays out a stream node
 * (master entry, then delta-encoded entries), plus consumer groups with their
 * pending entries lists. No replies here; `commands/streams.ts` writes them.
 *
 * A node keeps the listpack bytes after the two counters of its master entry
 * (`count`, `deleted` are JS numbers, re-encoded when the node is saved), so
 * that marking an entry deleted or appending one never shifts bytes. The
 * node's size as Redis counts it (`lpBytes`) is computed exactly, so nodes
 * split where redis-server splits them (stream-node-max-bytes/-entries) and
 * approximate trimming (`~`) removes the same entries.
 *
 * IDs are two unsigned 64-bit halves held as `U64`: a JS number when it is a
 * safe integer, a bigint beyond (so 18446744073709551615 stays exact while
 * ordinary ids cost no bigint arithmetic).
 */

export * from './stream-id';
export { lpStrSize } from './stream-listpack';
export { StreamNack, Pel, StreamConsumer, StreamCG } from './stream-cg';
import { StreamNack, StreamConsumer, StreamCG } from './stream-cg';
import {
  StreamID,
  U64_MAX,
  u64add,
  i64sub,
  cmpId,
  ID_ZERO,
  ID_MAX,
  idIsZero,
  idIncr,
  FLAG_DELETED,
  FLAG_SAMEFIELDS,
} from './stream-id';
import { LpWriter } from './stream-listpack';
import { StreamNode, head, headId, cmpHead, readHead, skipValues, readValues, NO_FIELDS, type StreamEntry } from './stream-node';
export { StreamNode, type StreamEntry } from './stream-node';

/** Decode the entry at offset p of node; returns the next offset. */
function readEntry(node: StreamNode, p: number, out: { e: StreamEntry | null }, wantFields: boolean): number {
  const at = p;
  const v = readHead(node, p);
  const flags = head.flags;
  const id = headId();
  const n = head.n;
  const fv = wantFields ? readValues(node, v, flags, n) : NO_FIELDS;
  out.e = { id, fv, deleted: (flags & FLAG_DELETED) !== 0, node, at };
  return skipValues(node.buf, v, n);
}


/** Node size limits (stream-node-max-bytes, stream-node-max-entries). */
export interface StreamLimits {
  maxBytes: number;
  maxEntries: number;
}

const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

/** Trim arguments (streamAddTrimArgs). */
export interface TrimArgs {
  /** 'maxlen' | 'minid' */
  strategy: 'maxlen' | 'minid';
  approx: boolean;
  /** 0 = no limit */
  limit: number;
  maxlen: number;
  minid: StreamID;
}

function sameFields(fields: string[], fv: string[]): boolean {
  for (let i = 0; i < fields.length; i++) if (fields[i] !== fv[2 * i]) return false;
  return true;
}

/** A stream value. */
export class RStream {
  readonly type = 'stream' as const;
  nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamID = ID_ZERO;
  firstId: StreamID = ID_ZERO;
  maxDeletedId: StreamID = ID_ZERO;
  entriesAdded = 0;
  /** group name -> group; iterate with sortedGroups() for Redis's order */
  cgroups: Map<string, StreamCG> | null = null;
  /**
   * used_memory's estimate of the bytes of every node but the last, kept
   * while the number of nodes (memoNodes) is unchanged: an XADD changes only
   * the last node, so it need not re-sample the others (memory-size.ts).
   */
  memoNodes = -1;
  memoLp = 0;

  encoding(): string {
    return 'stream';
  }

  sortedGroups(): Array<[string, StreamCG]> {
    if (this.cgroups === null) return [];
    return [...this.cgroups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /**
   * streamAppendItem. `fv` = field, value, ...; `useId` null = auto (`*`);
   * seqGiven false for `ms-*`. Returns the new id, or 'EDOM' (id not greater
   * than the top item) / 'ERANGE' (too large).
   */
  append(fv: string[], useId: StreamID | null, seqGiven: boolean, now: number, limits: StreamLimits): StreamID | 'EDOM' | 'ERANGE' {
    let id: StreamID;
    const last = this.lastId;
    if (useId !== null) {
      if (seqGiven) id = useId;
      else if (last.ms === useId.ms) {
        if (last.seq === U64_MAX) return 'EDOM';
        id = { ms: last.ms, seq: u64add(last.seq, 1) };
      } else id = useId;
    } else if (now > last.ms) id = { ms: now, seq: 0 };
    else {
      const n = idIncr(last);
      id = n === null ? ID_ZERO : n;
    }
    if (cmpId(id, last) <= 0) return 'EDOM';
    let totelelen = 0;
    for (let i = 0; i < fv.length; i++) totelelen += fv[i].length;
    if (totelelen > STREAM_LISTPACK_MAX_SIZE) return 'ERANGE';
    const numfields = fv.length / 2;
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE) maxBytes = STREAM_LISTPACK_MAX_SIZE;
      let fresh = false;
      if (node.lpBytes() + totelelen >= maxBytes) fresh = true;
      else if (limits.maxEntries && node.count + node.deleted >= limits.maxEntries) fresh = true;
      if (fresh) {
        node.shrink();
        node = undefined;
      }
    }
    let flags = 0;
    if (node === undefined) {
      // a new node usually repeats the previous master fields: share that array
      const prev = this.nodes.length > 0 ? this.nodes[this.nodes.length - 1].fields : null;
      let fields: string[];
      if (prev !== null && prev.length === numfields && sameFields(prev, fv)) fields = prev;
      else {
        fields = new Array(numfields);
        for (let i = 0; i < numfields; i++) fields[i] = fv[2 * i];
      }
      let prealloc = 4096;
      if (limits.maxBytes > 0 && limits.maxBytes < prealloc) prealloc = limits.maxBytes;
      const w = new LpWriter(Buffer.allocUnsafeSlow(prealloc), 0);
      w.int(numfields);
      for (let i = 0; i < numfields; i++) w.str(fields[i]);
      w.int(0);
      node = new StreamNode(id, fields, w.buf);
      node.len = w.len;
      node.first = w.len;
      this.nodes.push(node);
      flags = FLAG_SAMEFIELDS;
    } else {
      const mf = node.fields;
      if (mf.length === numfields) {
        let i = 0;
        for (; i < numfields; i++) if (mf[i] !== fv[2 * i]) break;
        if (i === numfields) flags = FLAG_SAMEFIELDS;
      }
    }
    node.count++;
    const w = new LpWriter(node.buf, node.len);
    w.int(flags);
    w.int(i64sub(id.ms, node.master.ms));
    w.int(i64sub(id.seq, node.master.seq));
    const same = (flags & FLAG_SAMEFIELDS) !== 0;
    if (!same) w.int(numfields);
    for (let i = 0; i < numfields; i++) {
      if (!same) w.str(fv[2 * i]);
      w.str(fv[2 * i + 1]);
    }
    w.int(same ? numfields + 3 : numfields + 3 + numfields + 1);
    node.buf = w.buf;
    node.len = w.len;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
    return id;
  }

  /** Index of the node that may hold `id` (last node with master <= id), or 0. */
  private nodeIndexFor(id: StreamID): number {
    const a = this.nodes;
    let lo = 0;
    let hi = a.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpId(a[mid].master, id) <= 0) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /**
   * Visit entries with start <= id <= end in order (reverse when rev), skipping
   * tombstones unless withDeleted. The visitor returns false to stop.
   */
  range(start: StreamID, end: StreamID, rev: boolean, visit: (e: StreamEntry) => boolean, withDeleted = false, wantFields = true): void {
    this.walk(start, end, rev, withDeleted, (node, at, v) => {
      const flags = head.flags;
      const fv = wantFields ? readValues(node, v, flags, head.n) : NO_FIELDS;
      return visit({ id: headId(), fv, deleted: (flags & FLAG_DELETED) !== 0, node, at });
    });
  }

  /**
   * fn(node, at) for the live entries start..end (reversed when rev; at most
   * count entries, 0 = all), where each is in its node's bytes: XRANGE's
   * path (commands/stream-resp.ts writes them), no object per entry.
   * Returns the number of entries visited.
   */
  forRange(start: StreamID, end: StreamID, rev: boolean, count: number, fn: (node: StreamNode, at: number) => void): number {
    let n = 0;
    this.walk(start, end, rev, false, (node, at) => {
      fn(node, at);
      return ++n !== count;
    });
    return n;
  }

  /**
   * The walk of range() and forRange(): visit(node, at, v) for each entry in
   * start..end, with `head` holding the entry's decoded head and v where its
   * values start; no object is made per entry. The visitor returns false to stop.
   */
  private walk(start: StreamID, end: StreamID, rev: boolean, withDeleted: boolean, visit: (node: StreamNode, at: number, v: number) => boolean): void {
    if (this.nodes.length === 0 || cmpId(start, end) > 0) return;
    if (!rev) {
      for (let ni = this.nodeIndexFor(start); ni < this.nodes.length; ni++) {
        const node = this.nodes[ni];
        if (cmpId(node.master, end) > 0) return;
        const b = node.buf;
        let p = node.first;
        while (p < node.len) {
          const at = p;
          const v = readHead(node, p);
          p = skipValues(b, v, head.n);
          if (head.flags & FLAG_DELETED && !withDeleted) continue;
          if (cmpHead(start) < 0) continue;
          if (cmpHead(end) > 0) return;
          if (!visit(node, at, v)) return;
        }
      }
      return;
    }
    const ats: number[] = [];
    for (let ni = this.nodeIndexFor(end); ni >= 0; ni--) {
      const node = this.nodes[ni];
      const b = node.buf;
      ats.length = 0;
      let p = node.first;
      while (p < node.len) {
        ats.push(p);
        p = skipValues(b, readHead(node, p), head.n);
      }
      for (let i = ats.length - 1; i >= 0; i--) {
        const at = ats[i];
        const v = readHead(node, at);
        if (head.flags & FLAG_DELETED && !withDeleted) continue;
        if (cmpHead(end) > 0) continue;
        if (cmpHead(start) < 0) return;
        if (!visit(node, at, v)) return;
      }
    }
  }

  /**
   * The entries with these ids (ascending), null for ids not in the stream or
   * deleted: one forward pass through each node instead of a seek per id
   * (a consumer's history, XCLAIM's ids).
   */
  getMany(ids: readonly StreamID[]): Array<StreamEntry | null> {
    const out: Array<StreamEntry | null> = new Array(ids.length).fill(null);
    const nodes = this.nodes;
    let ni = -1;
    let p = 0;
    let prev: StreamID | null = null;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (nodes.length === 0) break;
      const target = this.nodeIndexFor(id);
      if (target !== ni || prev === null || cmpId(id, prev) <= 0) {
        ni = target;
        p = nodes[ni].first;
      }
      prev = id;
      const node = nodes[ni];
      const b = node.buf;
      while (p < node.len) {
        const at = p;
        const v = readHead(node, p);
        const c = cmpHead(id);
        if (c > 0) break;
        const flags = head.flags;
        const n = head.n;
        const hid = headId();
        p = skipValues(b, v, n);
        if (c === 0) {
          if (!(flags & FLAG_DELETED)) out[k] = { id: hid, fv: readValues(node, v, flags, n), deleted: false, node, at };
          break;
        }
      }
    }
    return out;
  }

  /** The entry with exactly this id (not a tombstone), or null. */
  get(id: StreamID): StreamEntry | null {
    let found: StreamEntry | null = null;
    this.range(id, id, false, (e) => {
      found = e;
      return false;
    });
    return found;
  }

  /** streamEntryExists */
  has(id: StreamID): boolean {
    let found = false;
    this.range(
      id,
      id,
      false,
      () => {
        found = true;
        return false;
      },
      false,
      false,
    );
    return found;
  }

  /** streamGetEdgeID: first/last id (tombstones included unless skip); max/min id when none. */
  edgeId(first: boolean, skipTombstones: boolean): StreamID {
    let found: StreamID | null = null;
    this.range(
      ID_ZERO,
      ID_MAX,
      !first,
      (e) => {
        found = e.id;
        return false;
      },
      !skipTombstones,
      false,
    );
    return found ?? (first ? ID_MAX : ID_ZERO);
  }

  /** streamLastValidID: the last live entry's id (0-0 when empty). */
  lastValidId(): StreamID {
    let found: StreamID = ID_ZERO;
    this.range(
      ID_ZERO,
      ID_MAX,
      true,
      (e) => {
        found = e.id;
        return false;
      },
      false,
      false,
    );
    return found;
  }

  /** Flag an entry deleted (streamIteratorRemoveEntry); drops the node when it held the last live entry. */
  private removeEntry(e: StreamEntry): void {
    const node = e.node;
    if (node.count === 1) {
      const i = this.nodes.indexOf(node);
      this.nodes.splice(i, 1);
    } else {
      node.buf[e.at] |= FLAG_DELETED; // flags are 0..3: one byte, 7-bit uint encoding
      node.count--;
      node.deleted++;
    }
    this.length--;
  }

  /** streamDeleteItem */
  deleteId(id: StreamID): boolean {
    const e = this.get(id);
    if (e === null) return false;
    this.removeEntry(e);
    return true;
  }

  /** streamTrim; returns the number of entries removed. */
  trim(args: TrimArgs): number {
    let deleted = 0;
    const { strategy, approx, limit, maxlen, minid } = args;
    while (this.nodes.length > 0) {
      if (strategy === 'maxlen' && this.length <= maxlen) break;
      const node = this.nodes[0];
      const entries = node.count;
      if (limit && deleted + entries > limit) break;
      let removeNode: boolean;
      if (strategy === 'maxlen') removeNode = this.length - entries >= maxlen;
      else {
        // last id of the node (tombstones included), lpGetEdgeStreamID
        let lastOfNode: StreamID = node.master;
        const box: { e: StreamEntry | null } = { e: null };
        let p = node.first;
        while (p < node.len) {
          p = readEntry(node, p, box, false);
          lastOfNode = (box.e as StreamEntry).id;
        }
        removeNode = cmpId(lastOfNode, minid) < 0;
      }
      if (removeNode) {
        this.nodes.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      let fromNode = 0;
      const box: { e: StreamEntry | null } = { e: null };
      let p = node.first;
      while (p < node.len) {
        const next = readEntry(node, p, box, false);
        const e = box.e as StreamEntry;
        const stop = strategy === 'maxlen' ? this.length <= maxlen : cmpId(e.id, minid) >= 0;
        if (stop) break;
        if (!e.deleted) {
          node.buf[e.at] |= FLAG_DELETED;
          fromNode++;
          this.length--;
        }
        p = next;
      }
      deleted += fromNode;
      node.count -= fromNode;
      node.deleted += fromNode;
      break;
    }
    if (this.length === 0) this.firstId = ID_ZERO;
    else if (deleted) this.firstId = this.edgeId(true, true);
    return deleted;
  }

  /** streamRangeHasTombstones */
  rangeHasTombstones(start: StreamID | null, end: StreamID | null): boolean {
    if (!this.length || idIsZero(this.maxDeletedId)) return false;
    if (cmpId(this.firstId, this.maxDeletedId) > 0) return false;
    const s = start ?? ID_ZERO;
    const e = end ?? ID_MAX;
    return cmpId(s, this.maxDeletedId) <= 0 && cmpId(this.maxDeletedId, e) <= 0;
  }

  /** streamEstimateDistanceFromFirstEverEntry; -1 when unknown. */
  estimateDistance(id: StreamID): number {
    if (!this.entriesAdded) return 0;
    if (!this.length && cmpId(id, this.lastId) < 1) return this.entriesAdded;
    const cmpLast = cmpId(id, this.lastId);
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return -1;
    const cmpFirst = cmpId(id, this.firstId);
    const cmpXdelFirst = cmpId(this.maxDeletedId, this.firstId);
    if (idIsZero(this.maxDeletedId) || cmpXdelFirst < 0) {
      if (cmpFirst < 0) return this.entriesAdded - this.length;
      if (cmpFirst === 0) return this.entriesAdded - this.length + 1;
    }
    return -1;
  }

  /** The lag of a group, or null when it cannot be computed (streamReplyWithCGLag). */
  groupLag(cg: StreamCG): number | null {
    if (!this.entriesAdded) return 0;
    if (cg.entriesRead !== -1 && !this.rangeHasTombstones(cg.lastId, null)) return this.entriesAdded - cg.entriesRead;
    const er = this.estimateDistance(cg.lastId);
    if (er !== -1) return this.entriesAdded - er;
    return null;
  }

  /** streamCreateCG; null when the name exists. */
  createGroup(name: string, id: StreamID, entriesRead: number): StreamCG | null {
    if (this.cgroups === null) this.cgroups = new Map();
    if (this.cgroups.has(name)) return null;
    const cg = new StreamCG(id, entriesRead);
    this.cgroups.set(name, cg);
    return cg;
  }

  group(name: string): StreamCG | undefined {
    return this.cgroups === null ? undefined : this.cgroups.get(name);
  }

  /** A deep copy (COPY, snapshots). */
  clone(): RStream {
    const s = new RStream();
    s.nodes = this.nodes.map((n) => n.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.cgroups !== null) {
      s.cgroups = new Map();
      for (const [name, cg] of this.cgroups) {
        const ncg = new StreamCG(cg.lastId, cg.entriesRead);
        for (const [cname, cons] of cg.consumers) ncg.consumers.set(cname, new StreamConsumer(cname, cons.seenTime));
        for (const nack of cg.pel.items) {
          const cons = nack.consumer === null ? null : (ncg.consumers.get(nack.consumer.name) ?? null);
          const nn = new StreamNack(nack.id, nack.key, nack.deliveryTime, nack.deliveryCount, cons);
          ncg.pel.items.push(nn);
          if (cons !== null) cons.pel.items.push(nn);
        }
        s.cgroups.set(name, ncg);
      }
    }
    return s;
  }

  /** Bytes held by the nodes (for MEMORY USAGE). */
  nodeBytes(): number {
    let t = 0;
    for (const n of this.nodes) t += n.lpBytes();
    return t;
  }
}

