/**
 * Reply writer for RESP2 and RESP3. Replies accumulate in a latin1 string that
 * the connection writes once per event-loop turn (one syscall for a whole pipeline).
 * RESP3-only shapes degrade to their RESP2 forms as Redis does (map -> flat
 * array, set -> array, double -> bulk string, null -> $-1 / *-1, push -> array).
 */
import { formatG17 } from '../util/number-format';

const CRLF = '\r\n';

/**
 * The texts of the commonest headers, made once (as Redis's shared integers
 * and shared bulk/multibulk headers): ':n\r\n', '$n\r\n' and '*n\r\n'
 * for n < SHARED_HEADERS. Replying one is a load instead of formatting a
 * number and two concatenations.
 */
const SHARED_HEADERS = 1024;
const sharedHeaders = (prefix: string): string[] => Array.from({ length: SHARED_HEADERS }, (_, n) => prefix + n + CRLF);
const INT_REPLY = sharedHeaders(':');
const BULK_HEADER = sharedHeaders('$');
const ARRAY_HEADER = sharedHeaders('*');

const fcc = String.fromCharCode;

/**
 * ':' + v + '\r\n' for a non-negative int32 v, built from its digits in one
 * String.fromCharCode: a count that grows (INCR, LPUSH's length) is a new
 * number each time, which misses V8's number-to-string cache and then costs
 * a string of its own and two concatenations (measured 41-49 ns vs 30).
 */
export function intReplyText(v: number): string {
  if (v < SHARED_HEADERS) return INT_REPLY[v];
  let a = v;
  let t = (a / 10) | 0;
  const d0 = 48 + a - t * 10;
  a = t;
  t = (a / 10) | 0;
  const d1 = 48 + a - t * 10;
  a = t;
  t = (a / 10) | 0;
  const d2 = 48 + a - t * 10;
  a = t;
  // v >= 1024: four digits at least
  t = (a / 10) | 0;
  const d3 = 48 + a - t * 10;
  a = t;
  if (a === 0) return fcc(58, d3, d2, d1, d0, 13, 10);
  t = (a / 10) | 0;
  const d4 = 48 + a - t * 10;
  a = t;
  if (a === 0) return fcc(58, d4, d3, d2, d1, d0, 13, 10);
  t = (a / 10) | 0;
  const d5 = 48 + a - t * 10;
  a = t;
  if (a === 0) return fcc(58, d5, d4, d3, d2, d1, d0, 13, 10);
  t = (a / 10) | 0;
  const d6 = 48 + a - t * 10;
  a = t;
  if (a === 0) return fcc(58, d6, d5, d4, d3, d2, d1, d0, 13, 10);
  t = (a / 10) | 0;
  const d7 = 48 + a - t * 10;
  a = t;
  if (a === 0) return fcc(58, d7, d6, d5, d4, d3, d2, d1, d0, 13, 10);
  t = (a / 10) | 0;
  const d8 = 48 + a - t * 10;
  a = t;
  if (a === 0) return fcc(58, d8, d7, d6, d5, d4, d3, d2, d1, d0, 13, 10);
  // ten digits (up to 2^31 - 1)
  return fcc(58, 48 + a, d8, d7, d6, d5, d4, d3, d2, d1, d0, 13, 10);
}

/** Number of decimal digits of a non-negative safe integer. */
export function decimalLength(v: number): number {
  let d = 1;
  for (let p = 10; v >= p; p *= 10) d++;
  return d;
}

/** Writes the d decimal digits of a non-negative safe integer v at o[q..q+d); returns q + d. */
export function putDigits(o: Buffer, q: number, v: number, d: number): number {
  const end = q + d;
  q = end;
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
  return end;
}

/** The buffer ReplyText writes into (a reply that needs more grows a copy of its own, dropped after it). */
const scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
/** a ReplyText is writing into `scratch` (another one started meanwhile gets a buffer of its own) */
let scratchBusy = false;

/**
 * The text of a reply of many elements, written into a byte buffer and read
 * back as one flat string. `o += piece` in a loop leaves a chain of V8 cons
 * strings, an object per piece, that lives until the reply is written: a
 * pipelining client's batch of big replies then fills the young generation
 * and the scavenger copies it all (redis-benchmark -P 16 LRANGE_600 spent
 * most of its CPU there), and writing it flattens the chain piece by piece.
 * Here an element costs a few byte stores (short ones) or one copy (long
 * ones), and the reply one string.
 */
export class ReplyText {
  private buf: Buffer;
  private k = 0;
  private readonly own: boolean;

  constructor(head: string) {
    this.own = scratchBusy;
    this.buf = this.own ? Buffer.allocUnsafe(1024) : scratch;
    scratchBusy = true;
    this.add(head);
  }

  /** A bulk string element. */
  bulk(s: string): void {
    const n = s.length;
    if (this.k + n + 24 > this.buf.length) this.grow(n + 24);
    const b = this.buf;
    let k = this.k;
    b[k++] = 36; // '$'
    // one and two digits inline (most elements): measurably cheaper than putDigits' loops for LRANGE
    if (n < 10) b[k++] = 48 + n;
    else if (n < 100) {
      b[k++] = 48 + ((n / 10) | 0);
      b[k++] = 48 + (n % 10);
    } else k = putDigits(b, k, n, decimalLength(n));
    b[k++] = 13;
    b[k++] = 10;
    if (n <= 32) for (let i = 0; i < n; i++) b[k++] = s.charCodeAt(i);
    else k += b.latin1Write(s, k, n);
    b[k++] = 13;
    b[k++] = 10;
    this.k = k;
  }

  /** Pre-encoded text (a header, a score). */
  add(s: string): void {
    const n = s.length;
    if (this.k + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let k = this.k;
    if (n <= 32) for (let i = 0; i < n; i++) b[k++] = s.charCodeAt(i);
    else k += b.latin1Write(s, k, n);
    this.k = k;
  }

  /** A bulk string element of the bytes b[start, start + len) (a listpack's element, written without a string). */
  bulkFrom(b: Buffer, start: number, len: number): void {
    if (this.k + len + 24 > this.buf.length) this.grow(len + 24);
    const o = this.buf;
    let k = this.k;
    o[k++] = 36; // '$'
    k = putDigits(o, k, len, decimalLength(len));
    o[k++] = 13;
    o[k++] = 10;
    // Buffer.copy's fixed cost dwarfs a short copy
    if (len < 64) for (let i = 0; i < len; i++) o[k++] = b[start + i];
    else k += b.copy(o, k, start, start + len);
    o[k++] = 13;
    o[k++] = 10;
    this.k = k;
  }

  /** The decimal digits of a non-negative safe integer, written without a string. */
  digits(v: number): void {
    const d = decimalLength(v);
    if (this.k + d > this.buf.length) this.grow(d);
    this.k = putDigits(this.buf, this.k, v, d);
  }

  /**
   * Room for n more bytes: the buffer to write them into, from `pos` on (a
   * writer of its own encoding, e.g. a stream entry's head, then sets pos).
   */
  reserve(n: number): Buffer {
    if (this.k + n > this.buf.length) this.grow(n);
    return this.buf;
  }

  /** Where the next byte goes. */
  get pos(): number {
    return this.k;
  }

  set pos(k: number) {
    this.k = k;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.k + need));
    this.buf.copy(bigger, 0, 0, this.k);
    this.buf = bigger;
  }

  /** The whole text (the ReplyText is done with). */
  done(): string {
    // the shared buffer is free again first (a reply longer than any JS string throws here); one grown past it is dropped
    if (!this.own) scratchBusy = false;
    return this.buf.latin1Slice(0, this.k);
  }
}

/** Writes replies for one client. `out` is drained by the connection. */
export class ReplyWriter {
  out = '';
  /**
   * Replies holding values longer than any JS string (bulkBytes): the text
   * written before each value, then its bytes; `out` is what follows the
   * last. null in the common case.
   */
  big: Array<string | Buffer> | null = null;
  /** 2 or 3, set by HELLO. */
  proto = 2;
  /** When false every reply is dropped (master link, AOF loader, CLIENT REPLY OFF). */
  enabled = true;
  /**
   * Replies are off because the client asked (CLIENT REPLY OFF/SKIP), not
   * because it is a fake client: push messages (subscription confirmations,
   * messages, invalidations) are still written, as Redis's CLIENT_PUSHING.
   */
  muted = false;

  /** Turn replies on or off for CLIENT REPLY ON/OFF/SKIP (pushes keep flowing while off). */
  setMuted(off: boolean): void {
    this.muted = off;
    this.enabled = !off;
  }

  /** Write a push (already encoded) even while muted by CLIENT REPLY. */
  pushRaw(s: string): void {
    if (this.enabled || this.muted) this.out += s;
  }

  /** Run fn's writes as a push: written even while muted by CLIENT REPLY (Redis's CLIENT_PUSHING). */
  asPush(fn: () => void): void {
    if (!this.muted) {
      fn();
      return;
    }
    this.enabled = true;
    try {
      fn();
    } finally {
      this.enabled = false;
    }
  }

  /** +OK */
  ok(): void {
    if (this.enabled) this.out += '+OK\r\n';
  }

  /** A status reply: +text */
  simple(s: string): void {
    if (this.enabled) this.out += '+' + s + CRLF;
  }

  /** An error reply; `msg` starts with the code, e.g. "ERR syntax error". */
  error(msg: string): void {
    if (this.enabled) this.out += '-' + msg.replace(/[\r\n]+/g, ' ') + CRLF;
  }

  /** :n */
  int(n: number | bigint): void {
    if (this.enabled) this.out += typeof n === 'number' && (n | 0) === n && n >= 0 ? intReplyText(n) : ':' + n + CRLF;
  }

  /** $len value (a latin1 string, binary safe) */
  bulk(s: string): void {
    if (this.enabled) this.out += (s.length < SHARED_HEADERS ? BULK_HEADER[s.length] : '$' + s.length + CRLF) + s + CRLF;
  }

  /** bulk or null */
  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.nullBulk();
    else this.bulk(s);
  }

  /** Null bulk: $-1 in RESP2, _ in RESP3. */
  nullBulk(): void {
    if (this.enabled) this.out += this.proto === 3 ? '_\r\n' : '$-1\r\n';
  }

  /** Null array: *-1 in RESP2, _ in RESP3. */
  nullArray(): void {
    if (this.enabled) this.out += this.proto === 3 ? '_\r\n' : '*-1\r\n';
  }

  /** Array header; the caller writes n elements. */
  arrayLen(n: number): void {
    if (this.enabled) this.out += n >>> 0 === n && n < SHARED_HEADERS ? ARRAY_HEADER[n] : '*' + n + CRLF;
  }

  /** Map header of n pairs (RESP2: array of 2n). */
  mapLen(n: number): void {
    if (this.enabled) this.out += this.mapHeader(n);
  }

  /** The text of mapLen(n) (the head of a ReplyText). */
  mapHeader(n: number): string {
    return this.proto === 3 ? '%' + n + CRLF : '*' + 2 * n + CRLF;
  }

  /** Set header (RESP2: array). */
  setLen(n: number): void {
    if (this.enabled) this.out += this.setHeader(n);
  }

  /** The text of setLen(n) (the head of a ReplyText). */
  setHeader(n: number): string {
    return this.proto === 3 ? '~' + n + CRLF : '*' + n + CRLF;
  }

  /** Push header (RESP2: array). */
  pushLen(n: number): void {
    if (this.enabled) this.out += this.proto === 3 ? '>' + n + CRLF : '*' + n + CRLF;
  }

  /** Double, formatted as Redis 7.0's addReplyDouble (%.17g, inf, -inf). */
  double(d: number): void {
    if (!this.enabled) return;
    const s = formatG17(d);
    this.out += this.proto === 3 ? ',' + s + CRLF : '$' + s.length + CRLF + s + CRLF;
  }

  /** Double reply that a RESP2 client sees as a bulk of the given text (humanfriendly forms). */
  doubleText(text: string): void {
    if (!this.enabled) return;
    this.out += this.proto === 3 ? ',' + text + CRLF : '$' + text.length + CRLF + text + CRLF;
  }

  /** Boolean: RESP3 #t/#f, RESP2 :1/:0. */
  bool(b: boolean): void {
    if (this.enabled) this.out += this.proto === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n';
  }

  /** Verbatim string (RESP3 =len txt:...), a bulk in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (!this.enabled) return;
    if (this.proto === 3) this.out += '=' + (s.length + 4) + CRLF + format + ':' + s + CRLF;
    else this.bulk(s);
  }

  /** Array of bulk strings. */
  bulks(items: readonly string[]): void {
    if (!this.enabled) return;
    const t = new ReplyText('*' + items.length + CRLF);
    for (let i = 0; i < items.length; i++) t.bulk(items[i]);
    this.out += t.done();
  }

  /** Array of bulk-or-null. */
  bulksOrNull(items: ReadonlyArray<string | null>): void {
    if (!this.enabled) return;
    this.arrayLen(items.length);
    for (const s of items) this.bulkOrNull(s);
  }

  /** Raw pre-encoded bytes. */
  raw(s: string): void {
    if (this.enabled) this.out += s;
  }

  /** A bulk string of bytes (a value longer than any JS string); a copy is kept (the value may change before it is written). */
  bulkBytes(b: Buffer): void {
    if (!this.enabled) return;
    (this.big ??= []).push(this.out + '$' + b.length + CRLF, Buffer.from(b));
    this.out = CRLF;
    // what came before cannot be withdrawn by rollback() any more
    this.taken++;
  }

  /** Bytes pending, `big` included. */
  get pendingBytes(): number {
    let n = this.out.length;
    if (this.big !== null) for (const p of this.big) n += p.length;
    return n;
  }

  /** Takes and clears the pending output when it holds bytes (big): each part in order. */
  takeParts(): Array<string | Buffer> {
    const parts = this.big ?? [];
    this.big = null;
    parts.push(this.take());
    return parts;
  }

  /** Takes and clears the pending output. */
  take(): string {
    const o = this.out;
    this.out = '';
    this.taken++;
    return o;
  }

  /** How many times the output was taken (a reply begun before a take cannot be withdrawn). */
  taken = 0;

  /**
   * Withdraw what was written since `mark` (out.length then) if it is all
   * still here (`taken` unchanged): a command that failed half way through
   * its reply leaves no half reply. False when part of it already left.
   */
  rollback(mark: number, taken: number): boolean {
    if (this.taken !== taken || this.out.length < mark) return false;
    this.out = this.out.slice(0, mark);
    return true;
  }
}

/** Encode argv as a RESP multibulk (what propagation, AOF and clients send). */
export function encodeCommand(argv: readonly string[]): string {
  let o = '*' + argv.length + CRLF;
  for (const a of argv) o += '$' + a.length + CRLF + a + CRLF;
  return o;
}

/** encodeCommand for an argv holding placeholders of long arguments (Client.bigArgs): a new Buffer, the bytes copied. */
export function encodeCommandBytes(argv: readonly string[], big: ReadonlyMap<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  let o = '*' + argv.length + CRLF;
  for (const a of argv) {
    const b = big.get(a);
    if (b === undefined) {
      o += '$' + a.length + CRLF + a + CRLF;
      continue;
    }
    parts.push(Buffer.from(o + '$' + b.length + CRLF, 'latin1'), b);
    o = CRLF;
  }
  parts.push(Buffer.from(o, 'latin1'));
  return Buffer.concat(parts);
}
