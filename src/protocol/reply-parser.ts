/**
 * Incremental RESP2/RESP3 reply parser (the client side of the protocol; the
 * request side is parser.ts), used by tredis-cli.
 *
 * The reply model mirrors hiredis' `redisReply` closely, because redis-cli's
 * output formats are defined in terms of hiredis reply types. Like hiredis 1.0
 * (redis-cli 7.0), an attribute (`|`) is a protocol error.
 */
import { ProtocolError } from './parser';

/** A RESP aggregate reply kind (hiredis: ARRAY, SET, PUSH, MAP). */
export type AggregateType = 'array' | 'set' | 'push' | 'map';

/** One parsed reply, shaped like hiredis' redisReply. */
export type Reply =
  | { type: 'status'; str: Buffer }
  | { type: 'error'; str: Buffer }
  | { type: 'integer'; int: bigint }
  | { type: 'string'; str: Buffer }
  | { type: 'nil' }
  | { type: 'double'; str: Buffer }
  | { type: 'bool'; bool: boolean }
  | { type: 'verb'; format: string; str: Buffer }
  | { type: 'bignum'; str: Buffer }
  /** For maps, `elements` holds keys and values interleaved (k1, v1, k2, v2...). */
  | { type: AggregateType; elements: Reply[] };

/** hiredis numeric reply type codes (used in "Unknown reply type: N" messages). */
export const HIREDIS_TYPE_CODE: Readonly<Record<Reply['type'], number>> = {
  string: 1,
  array: 2,
  integer: 3,
  nil: 4,
  status: 5,
  error: 6,
  double: 7,
  bool: 8,
  map: 9,
  set: 10,
  push: 12,
  bignum: 13,
  verb: 14,
};

interface PendingAggregate {
  type: AggregateType;
  remaining: number;
  elements: Reply[];
}

/** Render a byte like hiredis' chrtos() for protocol error messages. */
function chrtos(byte: number): string {
  switch (byte) {
    case 0x5c:
    case 0x22:
      return `"\\${String.fromCharCode(byte)}"`;
    case 0x0a:
      return '"\\n"';
    case 0x0d:
      return '"\\r"';
    case 0x09:
      return '"\\t"';
    case 0x07:
      return '"\\a"';
    case 0x08:
      return '"\\b"';
    default:
      if (byte >= 0x20 && byte <= 0x7e) return `"${String.fromCharCode(byte)}"`;
      return `"\\x${byte.toString(16).padStart(2, '0')}"`;
  }
}

const INTEGER_RE = /^-?[0-9]+$/;
const DOUBLE_RE = /^(?:[-+]?(?:inf|nan)|[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+\.)$/i;

/**
 * Streaming RESP parser. Feed it bytes with {@link RespParser.feed}, then pull
 * complete replies with {@link RespParser.next} until it returns undefined.
 */
export class RespParser {
  private chunks: Buffer[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private queued = 0;
  /** Minimum number of unread bytes needed before another parse attempt can progress. */
  private need = 1;
  private stack: PendingAggregate[] = [];

  /** Append received bytes. */
  feed(data: Buffer): void {
    this.chunks.push(data);
    this.queued += data.length;
  }

  /** True when no partially received reply is buffered. */
  get idle(): boolean {
    return this.stack.length === 0 && this.buf.length - this.pos + this.queued === 0;
  }

  private available(): number {
    return this.buf.length - this.pos + this.queued;
  }

  private compact(): void {
    if (this.chunks.length === 0) return;
    const rest = this.buf.subarray(this.pos);
    this.buf = rest.length === 0 && this.chunks.length === 1 ? this.chunks[0] : Buffer.concat([rest, ...this.chunks]);
    this.chunks = [];
    this.queued = 0;
    this.pos = 0;
  }

  /**
   * Return the next complete reply, or undefined when more bytes are needed.
   * Throws {@link ProtocolError} on malformed input, with hiredis' errstr as its message.
   */
  next(): Reply | undefined {
    if (this.available() < this.need) return undefined;
    this.compact();
    for (;;) {
      const item = this.parseItem();
      if (item === undefined) return undefined;
      let reply: Reply | null = item;
      // Attach completed values to pending aggregates, popping finished ones.
      while (reply !== null) {
        const top = this.stack[this.stack.length - 1];
        if (top === undefined) {
          this.need = 1;
          return reply;
        }
        top.elements.push(reply);
        top.remaining--;
        if (top.remaining === 0) {
          this.stack.pop();
          reply = { type: top.type, elements: top.elements };
        } else {
          reply = null;
        }
      }
    }
  }

  /** Read a CRLF-terminated line starting at pos+1 (after the type byte). */
  private readLine(): Buffer | undefined {
    const end = this.buf.indexOf('\r\n', this.pos + 1, 'latin1');
    if (end < 0) {
      this.need = this.buf.length - this.pos + 1;
      return undefined;
    }
    const line = this.buf.subarray(this.pos + 1, end);
    this.pos = end + 2;
    return line;
  }

  /**
   * Parse one value or aggregate header. Returns a complete Reply, null when an
   * aggregate header was pushed on the stack, or undefined if incomplete.
   */
  private parseItem(): Reply | undefined {
    for (;;) {
      if (this.pos >= this.buf.length) {
        this.need = 1;
        return undefined;
      }
      const start = this.pos;
      const typeByte = this.buf[this.pos];
      switch (typeByte) {
        case 0x2b /* + */:
        case 0x2d /* - */:
        case 0x3a /* : */:
        case 0x2c /* , */:
        case 0x23 /* # */:
        case 0x5f /* _ */:
        case 0x28 /* ( */: {
          const line = this.readLine();
          if (line === undefined) return undefined;
          return this.scalar(typeByte, line);
        }
        case 0x24 /* $ */:
        case 0x21 /* ! */:
        case 0x3d /* = */: {
          const line = this.readLine();
          if (line === undefined) return undefined;
          const text = line.toString('latin1');
          if (!INTEGER_RE.test(text)) throw new ProtocolError('Bad integer value');
          const len = Number(text);
          if (len < -1 || len > 512 * 1024 * 1024 * 4) throw new ProtocolError('Bulk string length out of range');
          if (len === -1) return { type: 'nil' };
          if (this.buf.length - this.pos < len + 2) {
            this.need = this.buf.length - start + (len + 2 - (this.buf.length - this.pos));
            this.pos = start;
            return undefined;
          }
          const data = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
          this.pos += len + 2;
          if (typeByte === 0x24) return { type: 'string', str: data };
          if (typeByte === 0x21) return { type: 'error', str: data };
          if (data.length < 4 || data[3] !== 0x3a) {
            throw new ProtocolError('Verbatim string 4 bytes of content type are missing or incorrectly encoded.');
          }
          return { type: 'verb', format: data.subarray(0, 3).toString('latin1'), str: data.subarray(4) };
        }
        case 0x2a /* * */:
        case 0x7e /* ~ */:
        case 0x25 /* % */:
        case 0x3e /* > */: {
          const line = this.readLine();
          if (line === undefined) return undefined;
          const text = line.toString('latin1');
          if (!INTEGER_RE.test(text)) throw new ProtocolError('Bad integer value');
          let count = Number(text);
          if (count < -1) throw new ProtocolError('Multi-bulk length out of range');
          if (count === -1) return { type: 'nil' };
          const type: AggregateType =
            typeByte === 0x2a ? 'array' : typeByte === 0x7e ? 'set' : typeByte === 0x25 ? 'map' : 'push';
          if (type === 'map') count *= 2;
          if (count === 0) return { type, elements: [] };
          this.stack.push({ type, remaining: count, elements: [] });
          continue;
        }
        default:
          throw new ProtocolError(`Protocol error, got ${chrtos(typeByte)} as reply type byte`);
      }
    }
  }

  private scalar(typeByte: number, line: Buffer): Reply {
    const data = Buffer.from(line);
    switch (typeByte) {
      case 0x2b:
        return { type: 'status', str: data };
      case 0x2d:
        return { type: 'error', str: data };
      case 0x3a: {
        const text = data.toString('latin1');
        if (!INTEGER_RE.test(text)) throw new ProtocolError('Bad integer value');
        return { type: 'integer', int: BigInt(text) };
      }
      case 0x2c: {
        if (!DOUBLE_RE.test(data.toString('latin1'))) throw new ProtocolError('Bad double value');
        return { type: 'double', str: data };
      }
      case 0x23: {
        const text = data.toString('latin1');
        if (text !== 't' && text !== 'f') throw new ProtocolError('Bad bool value');
        return { type: 'bool', bool: text === 't' };
      }
      case 0x5f:
        if (data.length !== 0) throw new ProtocolError('Bad nil value');
        return { type: 'nil' };
      default:
        return { type: 'bignum', str: data };
    }
  }
}
