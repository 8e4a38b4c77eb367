/**
 * Stream entries as RESP, written straight from the node bytes into a
 * ReplyText (XRANGE, XREVRANGE, XREAD): no object or string per entry,
 * field or value.
 */
import { FLAG_SAMEFIELDS } from '../keyspace/types/stream-id';
import { R_INT, rd, skip } from '../keyspace/types/stream-listpack';
import { StreamNode, head, readHead } from '../keyspace/types/stream-node';
import { decimalLength, putDigits, type ReplyText } from '../protocol/reply';

/** The listpack element at p as a RESP bulk string; returns the next position. */
function outBulkElement(t: ReplyText, b: Buffer, p: number): number {
  const c = b[p];
  if ((c & 0xc0) === 0x80) t.bulkFrom(b, p + 1, c & 0x3f);
  else if ((c & 0xf0) === 0xe0) t.bulkFrom(b, p + 2, ((c & 0x0f) << 8) | b[p + 1]);
  else if (c === 0xf0) t.bulkFrom(b, p + 5, b.readUInt32LE(p + 1));
  else {
    const next = rd(b, p);
    t.bulk(String(R_INT));
    return next;
  }
  return skip(b, p);
}

/** `*2\r\n$<len>\r\n<ms>-<seq>\r\n*<n>\r\n` for the entry readHead read last: its array, its id and its field array's header, written without a string. */
function outEntryHead(t: ReplyText, n: number): void {
  const ms = head.ms;
  const seq = head.seq;
  if (typeof ms !== 'number' || typeof seq !== 'number') {
    const id = ms + '-' + seq;
    t.add('*2\r\n$' + id.length + '\r\n' + id + '\r\n*' + n + '\r\n');
    return;
  }
  const dm = decimalLength(ms);
  const ds = decimalLength(seq);
  const idLen = dm + 1 + ds;
  const o = t.reserve(idLen + 40);
  let q = t.pos;
  o[q++] = 42; // *
  o[q++] = 50; // 2
  o[q++] = 13;
  o[q++] = 10;
  o[q++] = 36; // $
  q = putDigits(o, q, idLen, decimalLength(idLen));
  o[q++] = 13;
  o[q++] = 10;
  q = putDigits(o, q, ms, dm);
  o[q++] = 45; // -
  q = putDigits(o, q, seq, ds);
  o[q++] = 13;
  o[q++] = 10;
  o[q++] = 42; // *
  q = putDigits(o, q, n, decimalLength(n));
  o[q++] = 13;
  o[q++] = 10;
  t.pos = q;
}

/** Append to t the entry at offset `at` of node as Redis replies it: [id, [field, value, ...]]. */
export function respAt(t: ReplyText, node: StreamNode, at: number): void {
  const v = readHead(node, at);
  const flags = head.flags;
  const n = head.n;
  const b = node.buf;
  let p = v;
  if (flags & FLAG_SAMEFIELDS) {
    outEntryHead(t, n * 2);
    const fields = node.fields;
    for (let i = 0; i < n; i++) {
      t.bulk(fields[i]);
      p = outBulkElement(t, b, p);
    }
  } else {
    outEntryHead(t, n);
    for (let i = 0; i < n; i++) p = outBulkElement(t, b, p);
  }
}
