/**
 * Stream entries as RESP, written straight from the node bytes into one
 * scratch buffer and read back as one latin1 string (XRANGE, XREVRANGE,
 * XREAD): no object or string per entry, field or value.
 */
import { FLAG_SAMEFIELDS } from './stream-id';
import { R_INT, rd, skip } from './stream-listpack';
import { StreamNode, head, readHead } from './stream-node';

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

/** Number of decimal digits of a non-negative safe integer. */
function digitCount(v: number): number {
  let d = 1;
  for (let p = 10; v >= p; p *= 10) d++;
  return d;
}

/** Write the decimal digits of a non-negative safe integer (`d` of them) at OUT_POS. */
function outDigits(v: number, d: number): void {
  const o = OUT;
  let q = OUT_POS + d;
  OUT_POS = q;
  while (v > 0x7fffffff) {
    const r = v % 10;
    o[--q] = 48 + r;
    v = (v - r) / 10;
  }
  // int32 arithmetic for the rest
  let w = v | 0;
  do {
    const t = (w / 10) | 0;
    o[--q] = 48 + w - t * 10;
    w = t;
  } while (w > 0);
}

/** `*2\r\n$<len>\r\n<ms>-<seq>\r\n*<n>\r\n` for the entry readHead read last: its array, its id and its field array's header, written without a string. */
function outEntryHead(n: number): void {
  const ms = head.ms;
  const seq = head.seq;
  if (typeof ms !== 'number' || typeof seq !== 'number') {
    const t = ms + '-' + seq;
    outAscii('*2\r\n$' + t.length + '\r\n' + t + '\r\n*' + n + '\r\n');
    return;
  }
  const dm = digitCount(ms);
  const ds = digitCount(seq);
  const idLen = dm + 1 + ds;
  outEnsure(idLen + 40);
  const o = OUT;
  o[OUT_POS++] = 42; // *
  o[OUT_POS++] = 50; // 2
  o[OUT_POS++] = 13;
  o[OUT_POS++] = 10;
  o[OUT_POS++] = 36; // $
  outDigits(idLen, idLen < 10 ? 1 : 2);
  o[OUT_POS++] = 13;
  o[OUT_POS++] = 10;
  outDigits(ms, dm);
  o[OUT_POS++] = 45; // -
  outDigits(seq, ds);
  o[OUT_POS++] = 13;
  o[OUT_POS++] = 10;
  o[OUT_POS++] = 42; // *
  outDigits(n, digitCount(n));
  o[OUT_POS++] = 13;
  o[OUT_POS++] = 10;
}

/** Append the entry at offset `at` of node as Redis replies it: [id, [field, value, ...]]. */
export function respAt(node: StreamNode, at: number): void {
  const v = readHead(node, at);
  const flags = head.flags;
  const n = head.n;
  const b = node.buf;
  let p = v;
  if (flags & FLAG_SAMEFIELDS) {
    outEntryHead(n * 2);
    const fields = node.fields;
    for (let i = 0; i < n; i++) {
      outBulkString(fields[i]);
      p = outBulkElement(b, p);
    }
  } else {
    outEntryHead(n);
    for (let i = 0; i < n; i++) p = outBulkElement(b, p);
  }
}

/** What was written since respBegin(), as one latin1 string. */
export function respEnd(): string {
  return OUT.latin1Slice(0, OUT_POS);
}

