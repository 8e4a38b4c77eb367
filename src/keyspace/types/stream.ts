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
  SAFE,
  u64add,
  i64sub,
  cmpId,
  ID_ZERO,
  ID_MAX,
  idIsZero,
  idString,
  idIncr,
  FLAG_DELETED,
  FLAG_SAMEFIELDS,
} from './stream-id';
import { lpIntSize, LpWriter, R_ISINT, R_INT, R_STR, rd, curString, curNumber, skip } from './stream-listpack';
import { validateStreamListpack, canonicalStreamBody } from './stream-validate';

// ------------------------------------------------------------ nodes

/** One stream node: a listpack with a master entry and delta-encoded entries. */
export class StreamNode {
  /** valid entries */
  count = 0;
  /** entries flagged deleted */
  deleted = 0;
  /** listpack body from the master entry's num-fields on (counters excluded) */
  buf: Buffer;
  len = 0;
  /** the master entry's fields */
  fields: string[];
  /** offset of the first entry (after the master entry's terminating 0) */
  first = 0;
  constructor(
    public master: StreamID,
    fields: string[],
    buf?: Buffer,
  ) {
    this.fields = fields;
    this.buf = buf ?? Buffer.allocUnsafe(0);
  }

  /** lpBytes of the node as Redis stores it: header, both counters, body, terminator. */
  lpBytes(): number {
    return 6 + lpIntSize(this.count) + lpIntSize(this.deleted) + this.len + 1;
  }

  /** The node as a whole Redis listpack (RDB, DUMP). */
  toListpack(): Buffer {
    const total = this.lpBytes();
    const w = new LpWriter(Buffer.allocUnsafe(total), 6);
    w.int(this.count);
    w.int(this.deleted);
    const out = w.buf;
    this.buf.copy(out, w.len, 0, this.len);
    out.writeUInt32LE(total, 0);
    // element count: counters + body elements
    let n = 2;
    for (let p = 0; p < this.len; n++) p = rd(this.buf, p);
    out.writeUInt16LE(n < 65535 ? n : 65535, 4);
    out[total - 1] = 0xff;
    return out;
  }

  /**
   * A node from a whole listpack (RDB load, RESTORE); throws
   * StreamListpackError on one Redis's deep sanitization refuses
   * (stream-validate.ts). Unusual encodings Redis accepts are re-encoded.
   */
  static fromListpack(master: StreamID, lp: Buffer): StreamNode {
    const chk = validateStreamListpack(lp);
    let body: Buffer;
    if (chk.canonical) {
      const p = skip(lp, skip(lp, 6)); // past the two counters
      body = slabCopy(lp.subarray(p, lp.length - 1), lp.length - 1 - p);
    } else {
      const b = canonicalStreamBody(lp);
      body = slabCopy(b, b.length);
    }
    const node = new StreamNode(master, [], body);
    node.len = body.length;
    node.count = chk.count;
    node.deleted = chk.deleted;
    let q = rd(body, 0);
    const nf = curNumber();
    for (let i = 0; i < nf; i++) {
      q = rd(body, q);
      node.fields.push(curString());
    }
    node.first = skip(body, q); // past the master terminator
    return node;
  }

  clone(): StreamNode {
    const copy = Buffer.allocUnsafeSlow(this.len);
    this.buf.copy(copy, 0, 0, this.len);
    const n = new StreamNode(this.master, this.fields.slice(), copy);
    n.len = this.len;
    n.count = this.count;
    n.deleted = this.deleted;
    n.first = this.first;
    return n;
  }

  /**
   * Shrink the buffer to its content (lpShrinkToFit when the node is full).
   * Full nodes are packed into shared slabs: no allocation of its own per
   * node, which is what a million-entry stream's ten thousand nodes would
   * otherwise pay in allocator and ArrayBuffer overhead.
   */
  shrink(): void {
    if (this.buf.length > this.len) this.buf = slabCopy(this.buf, this.len);
  }
}

const SLAB_SIZE = 256 * 1024;
let slab: Buffer = Buffer.alloc(0);
let slabUsed = 0;

/** A copy of b[0..len) carved from the current slab (a slab lives while any node in it does). */
function slabCopy(b: Buffer, len: number): Buffer {
  if (len > SLAB_SIZE / 8) {
    const own = Buffer.allocUnsafeSlow(len);
    b.copy(own, 0, 0, len);
    return own;
  }
  if (slabUsed + len > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  b.copy(slab, slabUsed, 0, len);
  const out = slab.subarray(slabUsed, slabUsed + len);
  slabUsed += len;
  return out;
}

/** One decoded entry, as node iteration yields it. */
export interface StreamEntry {
  id: StreamID;
  /** field, value, field, value... */
  fv: string[];
  deleted: boolean;
  node: StreamNode;
  /** offset of the entry's flags element in node.buf */
  at: number;
}

// The head of the entry last read by readHead: its flags, id, where its
// values start and how many elements follow (values, or fields and values).
let H_FLAGS = 0;
let H_ID: StreamID = { ms: 0, seq: 0 };
let H_N = 0;

/** Decode flags, id and num-fields of the entry at p; returns the position of its first value (or field). */
function readHead(node: StreamNode, p: number): number {
  const b = node.buf;
  // flags are 0..3 and deltas mostly small: one-byte 7-bit integers are read inline
  const f = b[p];
  if (f < 0x80) {
    H_FLAGS = f;
    p += 2;
  } else {
    p = rd(b, p);
    H_FLAGS = curNumber();
  }
  const m = node.master;
  let c = b[p];
  if (c < 0x80 && typeof m.ms === 'number' && m.ms < SAFE - 128) {
    H_ID = { ms: m.ms + c, seq: 0 };
    p += 2;
  } else {
    p = rd(b, p);
    H_ID = { ms: u64add(m.ms, R_INT), seq: 0 };
  }
  c = b[p];
  if (c < 0x80 && typeof m.seq === 'number' && m.seq < SAFE - 128) {
    H_ID.seq = m.seq + c;
    p += 2;
  } else {
    p = rd(b, p);
    H_ID.seq = u64add(m.seq, R_INT);
  }
  if (H_FLAGS & FLAG_SAMEFIELDS) H_N = node.fields.length;
  else {
    p = rd(b, p);
    H_N = curNumber() * 2;
  }
  return p;
}

/** Skip the values of the entry whose head was just read (and its lp-count). */
function skipValues(b: Buffer, p: number, n: number): number {
  for (let i = 0; i < n; i++) p = skip(b, p);
  return skip(b, p);
}

/** Field, value... of an entry whose values start at p (flags and n from its head). */
function readValues(node: StreamNode, p: number, flags: number, n: number): string[] {
  const b = node.buf;
  if (flags & FLAG_SAMEFIELDS) {
    const fv = new Array<string>(n * 2);
    const fields = node.fields;
    for (let i = 0; i < n; i++) {
      p = rd(b, p);
      fv[2 * i] = fields[i];
      fv[2 * i + 1] = R_ISINT ? String(R_INT) : R_STR;
    }
    return fv;
  }
  const fv = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    p = rd(b, p);
    fv[i] = R_ISINT ? String(R_INT) : R_STR;
  }
  return fv;
}

const NO_FIELDS: string[] = [];

// RESP of entries written straight from the node bytes into one scratch
// buffer, read back as one latin1 string: no string per field or value.
let OUT = Buffer.allocUnsafeSlow(64 * 1024);
let OUT_POS = 0;

function outEnsure(n: number): void {
  if (OUT_POS + n <= OUT.length) return;
  let cap = OUT.length * 2;
  while (cap < OUT_POS + n) cap *= 2;
  const nb = Buffer.allocUnsafeSlow(cap);
  OUT.copy(nb, 0, 0, OUT_POS);
  OUT = nb;
}

function outAscii(s: string): void {
  outEnsure(s.length);
  for (let i = 0; i < s.length; i++) OUT[OUT_POS++] = s.charCodeAt(i);
}

function outBulkString(s: string): void {
  outEnsure(s.length + 24);
  const l = s.length;
  if (l < 10) {
    OUT[OUT_POS++] = 36;
    OUT[OUT_POS++] = 48 + l;
    OUT[OUT_POS++] = 13;
    OUT[OUT_POS++] = 10;
  } else outAscii('$' + l + '\r\n');
  if (s.length < 32) for (let i = 0; i < s.length; i++) OUT[OUT_POS++] = s.charCodeAt(i);
  else OUT_POS += OUT.write(s, OUT_POS, s.length, 'latin1');
  OUT[OUT_POS++] = 13;
  OUT[OUT_POS++] = 10;
}

/** The listpack element at p as a RESP bulk string; returns the next position. */
function outBulkElement(b: Buffer, p: number): number {
  const c = b[p];
  let start: number;
  let len: number;
  if ((c & 0xc0) === 0x80) {
    start = p + 1;
    len = c & 0x3f;
  } else if ((c & 0xf0) === 0xe0) {
    start = p + 2;
    len = ((c & 0x0f) << 8) | b[p + 1];
  } else if (c === 0xf0) {
    start = p + 5;
    len = b.readUInt32LE(p + 1);
  } else {
    const next = rd(b, p);
    outBulkString(String(R_INT));
    return next;
  }
  outEnsure(len + 16);
  const o = OUT;
  let q = OUT_POS;
  o[q++] = 36; // $
  if (len < 10) o[q++] = 48 + len;
  else if (len < 100) {
    o[q++] = 48 + ((len / 10) | 0);
    o[q++] = 48 + (len % 10);
  } else {
    const t = String(len);
    for (let i = 0; i < t.length; i++) o[q++] = t.charCodeAt(i);
  }
  o[q++] = 13;
  o[q++] = 10;
  // Buffer.copy's fixed cost dwarfs a short copy
  if (len < 64) for (let i = 0; i < len; i++) o[q++] = b[start + i];
  else {
    b.copy(o, q, start, start + len);
    q += len;
  }
  OUT_POS = q;
  OUT[OUT_POS++] = 13;
  OUT[OUT_POS++] = 10;
  return skip(b, p);
}

/** Start writing RESP into the scratch buffer. */
export function respBegin(): void {
  OUT_POS = 0;
}

/** Append one entry as Redis replies it: [id, [field, value, ...]]. */
export function respEntry(e: StreamEntry): void {
  const node = e.node;
  const v = readHead(node, e.at);
  const flags = H_FLAGS;
  const n = H_N;
  const id = idString(e.id);
  const b = node.buf;
  let p = v;
  if (flags & FLAG_SAMEFIELDS) {
    outAscii('*2\r\n$' + id.length + '\r\n' + id + '\r\n*' + n * 2 + '\r\n');
    const fields = node.fields;
    for (let i = 0; i < n; i++) {
      outBulkString(fields[i]);
      p = outBulkElement(b, p);
    }
  } else {
    outAscii('*2\r\n$' + id.length + '\r\n' + id + '\r\n*' + n + '\r\n');
    for (let i = 0; i < n; i++) p = outBulkElement(b, p);
  }
}

/** What was written since respBegin(), as one latin1 string. */
export function respEnd(): string {
  return OUT.latin1Slice(0, OUT_POS);
}

/** Decode the entry at offset p of node; returns the next offset. */
function readEntry(node: StreamNode, p: number, out: { e: StreamEntry | null }, wantFields: boolean): number {
  const at = p;
  const v = readHead(node, p);
  const flags = H_FLAGS;
  const id = H_ID;
  const n = H_N;
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
          const flags = H_FLAGS;
          const id = H_ID;
          const n = H_N;
          p = skipValues(b, v, n);
          const deleted = (flags & FLAG_DELETED) !== 0;
          if (deleted && !withDeleted) continue;
          if (cmpId(id, start) < 0) continue;
          if (cmpId(id, end) > 0) return;
          if (!visit({ id, fv: wantFields ? readValues(node, v, flags, n) : NO_FIELDS, deleted, node, at })) return;
        }
      }
    } else {
      const ats: number[] = [];
      for (let ni = this.nodeIndexFor(end); ni >= 0; ni--) {
        const node = this.nodes[ni];
        const b = node.buf;
        ats.length = 0;
        let p = node.first;
        while (p < node.len) {
          ats.push(p);
          p = skipValues(b, readHead(node, p), H_N);
        }
        for (let i = ats.length - 1; i >= 0; i--) {
          const at = ats[i];
          const v = readHead(node, at);
          const flags = H_FLAGS;
          const id = H_ID;
          const deleted = (flags & FLAG_DELETED) !== 0;
          if (deleted && !withDeleted) continue;
          if (cmpId(id, end) > 0) continue;
          if (cmpId(id, start) < 0) return;
          if (!visit({ id, fv: wantFields ? readValues(node, v, flags, H_N) : NO_FIELDS, deleted, node, at })) return;
        }
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
        const c = cmpId(H_ID, id);
        if (c > 0) break;
        const flags = H_FLAGS;
        const n = H_N;
        const hid = H_ID;
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

