/**
 * Incremental RESP request parser (multibulk and inline), as Redis's
 * processMultibulkBuffer / processInlineBuffer. Arguments come out as latin1
 * strings (one char per byte), which keeps them binary safe.
 */

/**
 * Thrown for malformed RESP: by RequestParser (the text follows "ERR Protocol
 * error: ") and by reply-parser.ts (hiredis' errstr).
 */
export class ProtocolError extends Error {}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit */
  maxQueryBuffer: number;
  /** our master's replication stream: neither limit applies (Redis's CLIENT_MASTER) */
  master?: boolean;
  /** requirepass is set and the client has not authenticated: frames of at most 10 arguments of 16 KB (Redis 7.0.15) */
  unauthenticated?: boolean;
}

import './buffer-ext';
import { splitArgs } from '../util/split-args';
import { STRING_LIMIT, bigArgToken } from '../util/string-limit';

const CR = 13;
const LF = 10;
const INLINE_MAX = 64 * 1024;
/** Redis 7.0 accepts up to INT_MAX arguments per command */
const MULTIBULK_MAX = 2147483647;
/** before AUTH, when a password is required (Redis 7.0.15's authRequired checks) */
const UNAUTH_MULTIBULK_MAX = 10;
const UNAUTH_BULK_MAX = 16384;
const BIG_ARG = 32 * 1024;

/** Most frames RequestParser.peekArgs looks ahead at. */
export const WARM_MAX = 32;

/**
 * What RequestParser.peekArgs found: for frame f (0 <= f < n), argc[f]
 * arguments, argument k (1..3, when k < argc) at buf[start[3f+k-1], end[3f+k-1]).
 */
export class ArgsAhead {
  buf: Buffer = EMPTY;
  n = 0;
  readonly argc = new Int32Array(WARM_MAX);
  readonly start = new Int32Array(3 * WARM_MAX);
  readonly end = new Int32Array(3 * WARM_MAX);
}
const EMPTY = Buffer.alloc(0);

/**
 * Feed raw bytes with push(); take complete commands with next().
 * Holds one buffer with a read offset; a partial frame stays buffered until the
 * rest arrives, however many reads it is split across.
 */
export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  // state of a multibulk frame in progress
  private mbLeft = 0; // remaining bulk args of current command (0 = none in progress)
  private bulkLen = -1; // length of the next bulk once its header was read
  private args: string[] = [];
  /** Bytes consumed by the last command taken with next() (for replication offsets). */
  lastSize = 0;
  /** bytes of skipped empty commands, counted in the next command's lastSize (as Redis's reploff does) */
  private skipped = 0;
  private cmdStart = 0;
  private consumedBefore = 0;
  private inCommand = false;
  private big: Buffer | null = null;
  private bigFill = 0;
  /** set by push() when a large argument being filled passed client-query-buffer-limit: next() throws */
  private overLimit = false;
  /**
   * Arguments of the command last returned by next() longer than
   * STRING_LIMIT (util/string-limit.ts), which no JS string may hold: argv
   * has a placeholder (bigArgToken) in each one's place, and this maps it to
   * the bytes. The caller takes it and resets it to null (the hot path never
   * writes it). null when none.
   */
  bigArgs: Map<string, Buffer> | null = null;
  private bigSeen: Map<string, Buffer> | null = null;

  constructor(public limits: ParserLimits) {}

  /** Append bytes read from the socket. */
  push(chunk: Buffer): void {
    if (this.overLimit) return;
    if (this.big !== null) {
      // a large bulk argument is being filled in place (no repeated concat);
      // what the command holds so far counts against client-query-buffer-limit, as Redis's querybuf + argv
      if (this.consumedBefore + chunk.length > this.limits.maxQueryBuffer && this.limits.master !== true) {
        this.overLimit = true;
        this.big = null;
        return;
      }
      const take = Math.min(chunk.length, this.big.length - this.bigFill);
      chunk.copy(this.big, this.bigFill, 0, take);
      this.bigFill += take;
      this.consumedBefore += take;
      chunk = chunk.subarray(take);
      if (this.bigFill === this.big.length) {
        this.args.push(this.big.length - 2 > STRING_LIMIT ? this.keepBig(this.big.subarray(0, this.big.length - 2)) : this.big.latin1Slice(0, this.big.length - 2));
        this.big = null;
        this.bulkLen = -1;
        this.mbLeft--;
      }
      if (chunk.length === 0) return;
    }
    // drop what was parsed already; remember its size for lastSize
    this.consumedBefore += this.pos - this.cmdStart;
    const rest = this.buf.subarray(this.pos);
    this.pos = 0;
    this.cmdStart = 0;
    this.buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
  }

  /**
   * Copy the bytes not parsed yet out of the last pushed chunk, so the caller
   * may reuse that chunk's memory (the connection reads into one shared buffer).
   */
  own(): void {
    const rest = this.buf.length - this.pos;
    this.consumedBefore += this.pos - this.cmdStart;
    this.buf = rest === 0 ? EMPTY : Buffer.from(this.buf.subarray(this.pos));
    this.pos = 0;
    this.cmdStart = 0;
  }

  /** Bytes held but not yet parsed into a command (the query buffer). */
  get pending(): number {
    return this.buf.length - this.cmdStart;
  }

  /** Unparsed bytes after the last complete command (used when a master link switches to RDB mode). */
  takeRemaining(): Buffer {
    const rest = this.buf.subarray(this.pos);
    this.buf = EMPTY;
    this.pos = 0;
    this.cmdStart = 0;
    return rest;
  }

  /**
   * The next complete command, or null when more bytes are needed.
   * Empty inline lines are skipped. Throws ProtocolError on malformed input.
   */
  next(): string[] | null {
    if (this.overLimit) throw new QueryBufferLimitError();
    for (;;) {
      const buf = this.buf;
      if (!this.inCommand) {
        if (this.pos >= buf.length) return null;
        this.cmdStart = this.pos;
        this.consumedBefore = 0;
        if (buf[this.pos] === 42 /* '*' */) {
          const whole = this.wholeFrame(buf);
          if (whole !== null) return whole;
        } else {
          const r = this.inline();
          if (r === null) return null;
          if (r.length === 0) {
            this.skipped += this.pos - this.cmdStart;
            continue;
          }
          this.lastSize = this.pos - this.cmdStart + this.skipped;
          this.skipped = 0;
          this.cmdStart = this.pos;
          return r;
        }
        const nl = headerEnd(buf, this.pos);
        if (nl < 0) {
          if (nl === -1 && buf.length - this.pos > INLINE_MAX) throw new ProtocolError('too big mbulk count string');
          return null;
        }
        const n = parseIntStrict(buf, this.pos + 1, nl - 1);
        if (n === null || n > MULTIBULK_MAX) throw new ProtocolError('invalid multibulk length');
        if (n > UNAUTH_MULTIBULK_MAX && this.limits.unauthenticated === true) throw new ProtocolError('unauthenticated multibulk length');
        this.pos = nl + 1;
        if (n <= 0) {
          // "*0\r\n" / "*-1\r\n" are empty commands, skipped as Redis does
          this.skipped += this.pos - this.cmdStart;
          this.cmdStart = this.pos;
          continue;
        }
        this.mbLeft = n;
        this.inCommand = true;
        this.args = new Array<string>(0);
        this.bulkLen = -1;
      }
      // read bulk args
      while (this.mbLeft > 0) {
        if (this.big !== null) return null;
        if (this.bulkLen < 0) {
          if (this.pos >= buf.length) return null;
          const nl = headerEnd(buf, this.pos);
          if (nl < 0) {
            if (nl === -1 && buf.length - this.pos > INLINE_MAX) throw new ProtocolError('too big bulk count string');
            return null;
          }
          if (buf[this.pos] !== 36 /* '$' */) {
            throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
          }
          const len = parseIntStrict(buf, this.pos + 1, nl - 1);
          if (len === null || len < 0 || (len > this.limits.maxBulkLen && this.limits.master !== true)) throw new ProtocolError('invalid bulk length');
          if (len > UNAUTH_BULK_MAX && this.limits.unauthenticated === true) throw new ProtocolError('unauthenticated bulk length');
          this.pos = nl + 1;
          this.bulkLen = len;
        }
        if (buf.length - this.pos < this.bulkLen + 2) {
          if (this.pending + this.consumedBefore > this.limits.maxQueryBuffer && this.limits.master !== true) throw new QueryBufferLimitError();
          if (this.bulkLen >= BIG_ARG) {
            this.big = Buffer.allocUnsafe(this.bulkLen + 2);
            this.bigFill = buf.copy(this.big, 0, this.pos);
            this.consumedBefore += this.pos - this.cmdStart + this.bigFill;
            this.buf = EMPTY;
            this.pos = 0;
            this.cmdStart = 0;
          }
          return null;
        }
        this.args.push(this.bulkLen > STRING_LIMIT ? this.keepBig(Buffer.from(buf.subarray(this.pos, this.pos + this.bulkLen))) : buf.latin1Slice(this.pos, this.pos + this.bulkLen));
        this.pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.mbLeft--;
      }
      const args = this.args;
      this.args = [];
      this.inCommand = false;
      if (this.bigSeen !== null) {
        this.bigArgs = this.bigSeen;
        this.bigSeen = null;
      }
      this.lastSize = this.pos - this.cmdStart + this.consumedBefore + this.skipped;
      this.skipped = 0;
      this.consumedBefore = 0;
      this.cmdStart = this.pos;
      return args;
    }
  }

  /**
   * Where the arguments 1..3 of the whole multibulk frames buffered after the
   * next one to run lie, without parsing them (a look ahead for
   * Database.warm): fills `ahead` with up to `max` (<= WARM_MAX) frames,
   * stopping at anything that is not a plain whole frame. Nothing is consumed.
   */
  peekArgs(ahead: ArgsAhead, max = WARM_MAX): void {
    ahead.buf = this.buf;
    ahead.n = 0;
    if (this.inCommand || this.big !== null) return;
    const buf = this.buf;
    const end = buf.length;
    let p = this.pos;
    let f = 0;
    while (f < max && p < end && buf[p] === 42 /* '*' */) {
      let n = 0;
      let d: number;
      p++;
      while (p < end && (d = buf[p] - 48) >= 0 && d <= 9 && n < 1024) {
        n = n * 10 + d;
        p++;
      }
      if (p + 1 >= end || buf[p] !== CR || n <= 0 || n >= 1024) break;
      p += 2;
      let k = 0;
      for (; k < n; k++) {
        if (p >= end || buf[p] !== 36 /* '$' */) break;
        p++;
        let len = 0;
        while (p < end && (d = buf[p] - 48) >= 0 && d <= 9 && len < BIG_ARG) {
          len = len * 10 + d;
          p++;
        }
        if (p >= end || buf[p] !== CR || len >= BIG_ARG) break;
        p += 2;
        if (p + len + 2 > end) break;
        if (k >= 1 && k <= 3) {
          ahead.start[3 * f + k - 1] = p;
          ahead.end[3 * f + k - 1] = p + len;
        }
        p += len + 2;
      }
      if (k < n) break;
      ahead.argc[f] = n;
      f++;
    }
    ahead.n = f;
  }

  /** An argument longer than STRING_LIMIT: its placeholder in argv, its bytes in bigArgs. */
  private keepBig(bytes: Buffer): string {
    const token = bigArgToken();
    (this.bigSeen ??= new Map()).set(token, bytes);
    return token;
  }

  /** the command name of the last whole frame */
  private lastName = '';

  /**
   * Fast path: a whole multibulk frame is already buffered (the usual case,
   * pipelined or not). Parses it in one pass without per-argument state and
   * returns its argv; returns null having consumed nothing for anything else
   * (a partial frame, an empty or malformed one), which the general code in
   * next() then handles with its exact errors and incremental state.
   */
  private wholeFrame(buf: Buffer): string[] | null {
    const end = buf.length;
    let p = this.pos + 1;
    let n = 0;
    let d: number;
    // anything over a limit goes to next()'s general path, which has the exact errors
    const lim = this.limits;
    const maxArgs = lim.unauthenticated === true ? UNAUTH_MULTIBULK_MAX : MULTIBULK_MAX;
    while (p < end && (d = buf[p]) !== CR) {
      d -= 48;
      if (d < 0 || d > 9 || n > maxArgs) return null;
      n = n * 10 + d;
      p++;
    }
    // a leading zero ("*01") is an error only next() words exactly
    if (n === 0 || n > maxArgs || p + 1 >= end || buf[p + 1] !== LF || p === this.pos + 1 || buf[this.pos + 1] === 48) return null;
    // a count far beyond the bytes buffered is not a whole frame (and no huge array is allocated for it)
    if (n > end - p) return null;
    p += 2;
    const maxBulk = lim.master === true ? Number.MAX_SAFE_INTEGER : lim.unauthenticated === true ? Math.min(UNAUTH_BULK_MAX, lim.maxBulkLen) : lim.maxBulkLen;
    const args = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      if (p >= end || buf[p] !== 36 /* '$' */) return null;
      const start = ++p;
      let len = 0;
      while (p < end && (d = buf[p]) !== CR) {
        d -= 48;
        if (d < 0 || d > 9 || len > maxBulk) return null;
        len = len * 10 + d;
        p++;
      }
      if (p === start || len > maxBulk || len > STRING_LIMIT || p + 1 >= end || buf[p + 1] !== LF || (buf[start] === 48 && p - start > 1)) return null;
      p += 2;
      if (end - p < len + 2) return null;
      if (k === 0) {
        // the command name: usually the one before it (pipelines), kept instead of built again
        const last = this.lastName;
        let same = len === last.length;
        for (let i = 0; same && i < len; i++) same = buf[p + i] === last.charCodeAt(i);
        args[0] = same ? last : (this.lastName = len <= 24 ? shortLatin1(buf, p, len) : buf.latin1Slice(p, p + len));
      } else args[k] = len <= 24 ? shortLatin1(buf, p, len) : buf.latin1Slice(p, p + len);
      p += len + 2;
    }
    this.pos = p;
    this.lastSize = p - this.cmdStart + this.skipped;
    this.skipped = 0;
    this.cmdStart = p;
    return args;
  }

  private inline(): string[] | null {
    const buf = this.buf;
    // find the end of line in JS (short lines: cheaper than indexOf), noting quotes
    const stop = Math.min(buf.length, this.pos + 256);
    let nl = this.pos;
    let quoted = false;
    let nul = false;
    for (let b: number; nl < stop && (b = buf[nl]) !== LF; nl++) {
      if (b === 34 || b === 39) quoted = true;
      else if (b === 0) nul = true;
    }
    if (nl === stop) {
      nl = buf.indexOf(LF, this.pos);
      quoted = true;
      if (!nul) {
        const z = buf.indexOf(0, this.pos);
        nul = z >= 0 && (nl < 0 || z < nl);
      }
    }
    // Redis finds the end of an inline line with strchr, which stops at a NUL: a line with a NUL
    // before its newline never ends (until it is too big)
    if (nul) nl = -1;
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    if (!quoted) {
      // no quotes: sdssplitargs is a split on whitespace
      const out: string[] = [];
      let i = this.pos;
      for (;;) {
        while (i < end && isSpace(buf[i])) i++;
        if (i >= end) break;
        const start = i;
        while (i < end && !isSpace(buf[i])) i++;
        out.push(i - start <= 24 ? shortLatin1(buf, start, i - start) : buf.latin1Slice(start, i));
      }
      this.pos = nl + 1;
      return out;
    }
    const line = buf.latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) throw new ProtocolError('unbalanced quotes in request');
    return args;
  }
}

const fcc = String.fromCharCode;

/**
 * buf.latin1Slice(s, s + n) for n <= 24: a native call costs more than
 * building short strings in JS (measured ~60-75 ns vs ~15 ns for 3 bytes,
 * ~35 ns for 24; the gain is gone around 40 bytes).
 */
function shortLatin1(b: Buffer, s: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return fcc(b[s]);
    case 2:
      return fcc(b[s], b[s + 1]);
    case 3:
      return fcc(b[s], b[s + 1], b[s + 2]);
    case 4:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    case 9:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8]);
    case 10:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9]);
    case 11:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10]);
    case 12:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11]);
    case 13:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12]);
    case 14:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13]);
    case 15:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14]);
    case 16:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15]);
    case 17:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16]);
    case 18:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17]);
    case 19:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18]);
    case 20:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19]);
    case 21:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20]);
    case 22:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20], b[s + 21]);
    case 23:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20], b[s + 21], b[s + 22]);
    case 24:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20], b[s + 21], b[s + 22], b[s + 23]);
    default:
      return b.latin1Slice(s, s + n);
  }
}

/** Raised when a client's pending input exceeds client-query-buffer-limit. */
export class QueryBufferLimitError extends Error {}

/**
 * Where a `*`/`$` header line ends, as Redis's processMultibulkBuffer finds
 * it: at the first CR (strchr on the query buffer, so a NUL byte before it
 * means none), the byte after it taken as the LF whatever it is. Returns the
 * index of that byte (the "LF"), -1 when there is no CR, -2 when the CR is
 * the last byte buffered (wait for one more).
 */
function headerEnd(buf: Buffer, pos: number): number {
  const cr = buf.indexOf(CR, pos);
  if (cr < 0) return -1;
  if (buf.subarray(pos, cr).indexOf(0) >= 0) return -1;
  return cr + 1 < buf.length ? cr + 1 : -2;
}

function parseIntStrict(buf: Buffer, start: number, end: number): number | null {
  // digits in [start, end) ; end points at CR
  if (end <= start || buf[end] !== CR) return null;
  let neg = false;
  let i = start;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  if (i >= end) return null;
  // string2ll: "0" alone, else no leading zero (so no "-0", "00", "01")
  if (buf[i] === 48 && (neg || end - i > 1)) return null;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
    if (n > 9007199254740991) return null;
  }
  return neg ? -n : n;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}
