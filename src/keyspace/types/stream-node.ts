/**
 * Stream nodes (one listpack laid out as Redis lays out a stream node: master
 * entry, then delta-encoded entries) and the decoding of an entry's head
 * (flags, id, element count) into the shared `head` record, which the stream
 * (stream.ts) and the reply writer (commands/stream-resp.ts) read without making an
 * object per entry.
 */
import { StreamID, U64, SAFE, u64add, FLAG_SAMEFIELDS } from './stream-id';
import { lpIntSize, LpWriter, R_ISINT, R_INT, R_STR, rd, curString, curNumber, skip } from './stream-listpack';
import { validateStreamListpack, canonicalStreamBody } from './stream-validate';

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
export const head = { flags: 0, ms: 0 as U64, seq: 0 as U64, n: 0 };

/** The id of the entry last read by readHead, as a new StreamID. */
export function headId(): StreamID {
  return { ms: head.ms, seq: head.seq } as StreamID;
}

/** cmpId(the entry last read by readHead's id, b), without making an id. */
export function cmpHead(b: StreamID): number {
  if (head.ms !== b.ms) return head.ms < b.ms ? -1 : 1;
  if (head.seq !== b.seq) return head.seq < b.seq ? -1 : 1;
  return 0;
}

/** Decode flags, id and num-fields of the entry at p; returns the position of its first value (or field). */
export function readHead(node: StreamNode, p: number): number {
  const b = node.buf;
  // flags are 0..3 and deltas mostly small: one-byte 7-bit integers are read inline
  const f = b[p];
  if (f < 0x80) {
    head.flags = f;
    p += 2;
  } else {
    p = rd(b, p);
    head.flags = curNumber();
  }
  const m = node.master;
  let c = b[p];
  if (c < 0x80 && typeof m.ms === 'number' && m.ms < SAFE - 128) {
    head.ms = m.ms + c;
    p += 2;
  } else {
    p = rd(b, p);
    head.ms = u64add(m.ms, R_INT);
  }
  c = b[p];
  if (c < 0x80 && typeof m.seq === 'number' && m.seq < SAFE - 128) {
    head.seq = m.seq + c;
    p += 2;
  } else {
    p = rd(b, p);
    head.seq = u64add(m.seq, R_INT);
  }
  if (head.flags & FLAG_SAMEFIELDS) head.n = node.fields.length;
  else {
    p = rd(b, p);
    head.n = curNumber() * 2;
  }
  return p;
}

/** Skip the values of the entry whose head was just read (and its lp-count). */
export function skipValues(b: Buffer, p: number, n: number): number {
  for (let i = 0; i < n; i++) p = skip(b, p);
  return skip(b, p);
}

/** Field, value... of an entry whose values start at p (flags and n from its head). */
export function readValues(node: StreamNode, p: number, flags: number, n: number): string[] {
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

export const NO_FIELDS: string[] = [];
