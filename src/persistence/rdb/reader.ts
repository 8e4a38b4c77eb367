/**
 * Streaming RDB reader (versions 1..10, as Redis 7.0's rdbLoadRio).
 *
 * Push-based: feed it chunks as they arrive (file, replication socket) with
 * `push()`, then call `end()`. It parses record by record; an aggregate value
 * (list, set, hash, zset) is parsed element by element, so only one element
 * (or one encoded blob) is ever buffered beyond what is already parsed, and a
 * partial element never gets re-parsed more than once per needed refill.
 *
 * Every error is an RdbError carrying the absolute byte offset. Values that
 * come as one encoded blob (ziplist, zipmap, intset, listpack) are decoded
 * by read-values.ts.
 */
import * as C from './constants';
import { Crc64 } from './crc64';
import { RdbError, printableKey } from './errors';
import { decodeListpack, validateListpack } from './listpack';
import { RList } from '../../keyspace/types/list';
import { lpFromElements } from '../../keyspace/listpack';
import { lzfDecompress } from '../../util/lzf';
import type { PlainValue } from './model';
import { strtod } from './numbers';
import { decodeEncodedValue, sortZsetPairs } from './read-values';
import { decodeZiplist } from './ziplist';
import { RStream, StreamNode, StreamCG, StreamConsumer, StreamNack, decodeIdBytes, idKey, cmpId, u64, ID_ZERO, type StreamID, type U64 } from '../../keyspace/types/stream';

/** Node's Buffer.prototype.latin1Slice (not in the public typings). */
interface Latin1Sliceable {
  latin1Slice(start: number, end: number): string;
}

export type { RdbHandlers, RdbSummary, RdbReaderOptions } from './reader-types';
import type { RdbHandlers, RdbSummary, RdbReaderOptions } from './reader-types';
import { MAX_STRING_BYTES, STRING_LIMIT } from '../../util/string-limit';

import { NEED, NeedMore, S_MAGIC, S_OP, S_VALUE, S_CKSUM, S_DUMP, S_DONE, EMPTY, MAX_BUFFER, TWO32, tooLongText, isObjectType } from './reader-types';

/**
 * The streaming RDB parser. Typical use:
 * ```ts
 * const r = new RdbReader({ onKey(db, key, value, expireAt) { ... } });
 * socket.on('data', (c) => r.push(c));   // throws RdbError on bad input
 * r.end();                                // throws if the RDB is incomplete
 * ```
 */
export class RdbReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** absolute offset of buf[0] */
  private base = 0;
  /** start of the unit being parsed (rollback point) */
  private mark = 0;
  private pend: Buffer[] = [];
  private pendLen = 0;
  private needAbs = 0;
  private tail: Buffer[] = [];

  private readonly crc = new Crc64();
  private crcOn: boolean;
  private crcPos = 0;

  private state: number;
  private ended = false;
  private failed: Error | null = null;

  /** RDB version from the header (0 until read) */
  version = 0;
  private db = 0;
  private expire = -1;
  private lruIdle = -1;
  private lfuFreq = -1;
  private keys = 0;
  private emptyKeys = 0;

  // aggregate value in progress
  private curType = 0;
  private curKey = '';
  private curCount = 0;
  private curLeft = 0;
  private curStart = 0;
  private curList: string[] | null = null;
  private curSet: Set<string> | null = null;
  private curHash: Map<string, string> | null = null;
  private curZset: Array<[string, number]> | null = null;
  private curSeen: Set<string> | null = null;
  private curStream: RStream | null = null;

  private readonly verify: boolean;
  private readonly databases: number;
  /** the value of a DUMP payload (dump mode only) */
  dumpValue: PlainValue | null = null;
  /** set once the whole RDB was read */
  summary: RdbSummary | null = null;

  /**
   * @param handlers callbacks (onKey is required)
   * @param options see RdbReaderOptions
   * @param dumpMode internal: parse one "type + value" (DUMP payload body) instead of a file
   */
  constructor(
    private readonly handlers: RdbHandlers,
    options: RdbReaderOptions = {},
    private readonly dumpMode = false,
  ) {
    this.verify = options.verifyChecksum ?? true;
    this.databases = options.databases ?? Infinity;
    this.state = dumpMode ? S_DUMP : S_MAGIC;
    this.crcOn = !dumpMode;
  }

  /** True once the EOF opcode and checksum were parsed. */
  get done(): boolean {
    return this.state === S_DONE;
  }

  /** Absolute number of bytes parsed so far. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Feed the next bytes. Parses as much as possible; throws RdbError on bad input. */
  push(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    if (this.ended) throw new Error('RdbReader.push() after end()');
    if (this.state === S_DONE) {
      if (chunk.length) this.tail.push(chunk);
      return;
    }
    if (chunk.length === 0) return;
    if (this.needAbs > 0 && this.base + this.buf.length + this.pendLen + chunk.length < this.needAbs) {
      this.pend.push(chunk);
      this.pendLen += chunk.length;
      return;
    }
    this.absorb(chunk);
    this.run(false);
  }

  /** No more bytes will come: finish parsing, throwing RdbError('EOF') if the RDB is incomplete. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.ended) return;
    this.ended = true;
    if (this.state === S_DONE) return;
    if (this.pendLen > 0) this.absorb(null);
    this.run(true);
  }

  /** Bytes that followed the RDB (e.g. an AOF tail after an RDB preamble). */
  takeRemaining(): Buffer {
    const t = this.tail;
    this.tail = [];
    return t.length === 0 ? EMPTY : t.length === 1 ? t[0] : Buffer.concat(t);
  }

  // ---------------------------------------------------------------- buffering

  private absorb(chunk: Buffer | null): void {
    const b = this.buf;
    const pos = this.pos;
    if (this.crcOn && pos > this.crcPos) this.crc.update(b, this.crcPos, pos);
    const parts: Buffer[] = [];
    if (pos < b.length) parts.push(pos === 0 ? b : b.subarray(pos));
    for (const c of this.pend) parts.push(c);
    if (chunk) parts.push(chunk);
    this.base += pos;
    this.buf = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0] : Buffer.concat(parts);
    this.pos = 0;
    this.mark = 0;
    this.crcPos = 0;
    this.pend = [];
    this.pendLen = 0;
    this.needAbs = 0;
  }

  private run(final: boolean): void {
    for (;;) {
      const st = this.state;
      if (st === S_DONE) return;
      this.mark = this.pos;
      try {
        switch (st) {
          case S_OP: this.stepOp(); break;
          case S_VALUE: this.stepValue(); break;
          case S_MAGIC: this.stepMagic(); break;
          case S_CKSUM: this.stepChecksum(); break;
          default: this.stepDump(); break;
        }
      } catch (e) {
        if (e === NEED) {
          this.pos = this.mark;
          if (final) {
            const err = new RdbError('EOF', `Unexpected EOF reading RDB file (reading ${NEED.what})`, NEED.at);
            this.failed = err;
            throw err;
          }
          this.needAbs = NEED.need;
          return;
        }
        this.failed = e instanceof Error ? e : new Error(String(e));
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- primitives

  private short(atPos: number, needEnd: number, what: string): never {
    NEED.at = this.base + atPos;
    NEED.need = this.base + needEnd;
    NEED.what = what;
    throw NEED;
  }

  private corrupt(detail: string, atPos: number = this.pos): never {
    throw new RdbError('CORRUPT', detail, this.base + atPos);
  }

  private u8(what: string): number {
    const p = this.pos;
    if (p >= this.buf.length) this.short(p, p + 1, what);
    this.pos = p + 1;
    return this.buf[p];
  }

  /** rdbLoadLen with Redis's leniency (an encoded-value byte reads as its 6-bit number). */
  private len(what: string): number {
    const b = this.buf;
    const p = this.pos;
    if (p >= b.length) this.short(p, p + 1, what);
    const c = b[p];
    const t = c >> 6;
    if (t === 0 || t === 3) {
      this.pos = p + 1;
      return c & 0x3f;
    }
    if (t === 1) {
      if (p + 2 > b.length) this.short(p, p + 2, what);
      this.pos = p + 2;
      return ((c & 0x3f) << 8) | b[p + 1];
    }
    if (c === C.RDB_32BITLEN) {
      if (p + 5 > b.length) this.short(p, p + 5, what);
      this.pos = p + 5;
      return b.readUInt32BE(p + 1);
    }
    if (c === C.RDB_64BITLEN) {
      if (p + 9 > b.length) this.short(p, p + 9, what);
      const hi = b.readUInt32BE(p + 1);
      const lo = b.readUInt32BE(p + 5);
      if (hi > 0x1fffff) this.corrupt(`Length too large (${what})`, p);
      this.pos = p + 9;
      return hi * TWO32 + lo;
    }
    return this.corrupt(`Unknown length encoding ${t} in rdbLoadLen() (${what})`, p);
  }

  /** A string (rdbGenericLoadStringObject) as a latin1 JS string. */
  private str(what: string): string {
    const b = this.buf;
    const p = this.pos;
    if (p >= b.length) this.short(p, p + 1, what);
    const c = b[p];
    if (c >= 0xc0) {
      switch (c & 0x3f) {
        case C.RDB_ENC_INT8:
          if (p + 2 > b.length) this.short(p, p + 2, what);
          this.pos = p + 2;
          return String((b[p + 1] << 24) >> 24);
        case C.RDB_ENC_INT16:
          if (p + 3 > b.length) this.short(p, p + 3, what);
          this.pos = p + 3;
          return String(((b[p + 1] | (b[p + 2] << 8)) << 16) >> 16);
        case C.RDB_ENC_INT32:
          if (p + 5 > b.length) this.short(p, p + 5, what);
          this.pos = p + 5;
          return String(b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24));
        case C.RDB_ENC_LZF: {
          const out = this.lzf(what);
          if (out.length > MAX_STRING_BYTES) this.corrupt(`${tooLongText(out.length)} (${what})`, p);
          return out.toString('latin1');
        }
        default:
          return this.corrupt(`Unknown RDB string encoding type ${c & 0x3f} (${what})`, p);
      }
    }
    const len = this.len(what);
    if (len > MAX_STRING_BYTES) this.corrupt(`${tooLongText(len)} (${what})`, p);
    const s = this.pos;
    if (s + len > b.length) this.short(p, s + len, what);
    this.pos = s + len;
    // Buffer's own latin1Slice: what toString('latin1', s, e) ends in, without its argument handling
    return (b as unknown as Latin1Sliceable).latin1Slice(s, s + len);
  }

  /**
   * At a string: its length when it is longer than STRING_LIMIT (a value the
   * keyspace holds as bytes), else -1. Consumes nothing.
   */
  private bigStringLen(what: string): number {
    const b = this.buf;
    const p = this.pos;
    if (p >= b.length) this.short(p, p + 1, what);
    const c = b[p];
    let n: number;
    if (c >= 0xc0) {
      if ((c & 0x3f) !== C.RDB_ENC_LZF) return -1;
      this.pos = p + 1;
      this.len(`${what} (LZF compressed length)`);
      n = this.len(`${what} (LZF uncompressed length)`);
    } else {
      n = this.len(what);
    }
    this.pos = p;
    return n > STRING_LIMIT ? n : -1;
  }

  /**
   * A string as bytes (for encoded blobs). Raw strings come back as a view
   * into the read buffer: use it before the next push.
   */
  private bytes(what: string): Buffer {
    const b = this.buf;
    const p = this.pos;
    if (p >= b.length) this.short(p, p + 1, what);
    const c = b[p];
    if (c >= 0xc0) {
      if ((c & 0x3f) === C.RDB_ENC_LZF) return this.lzf(what);
      return Buffer.from(this.str(what), 'latin1');
    }
    const len = this.len(what);
    const s = this.pos;
    if (s + len > b.length) this.short(p, s + len, what);
    this.pos = s + len;
    return b.subarray(s, s + len);
  }

  private lzf(what: string): Buffer {
    const p = this.pos;
    this.pos = p + 1;
    const clen = this.len(`${what} (LZF compressed length)`);
    const ulen = this.len(`${what} (LZF uncompressed length)`);
    const s = this.pos;
    if (s + clen > this.buf.length) this.short(p, s + clen, what);
    if (ulen > MAX_BUFFER) this.corrupt(`LZF string too large (${ulen} bytes) (${what})`, p);
    const out = Buffer.allocUnsafe(ulen);
    const n = lzfDecompress(this.buf, s, s + clen, out);
    // liblzf answers 0 on malformed input, and Redis compares that with the length:
    // a string announced as empty loads (empty) whatever its compressed bytes
    if (n !== ulen && !(n < 0 && ulen === 0)) this.corrupt(`Invalid LZF compressed string (${what})`, p);
    this.pos = s + clen;
    return out;
  }

  /** rdbLoadDoubleValue (old ZSET type 3): length-prefixed text, 253/254/255 = nan/+inf/-inf. */
  private textDouble(what: string): number {
    const p = this.pos;
    const l = this.u8(what);
    if (l === 255) return -Infinity;
    if (l === 254) return Infinity;
    if (l === 253) return NaN;
    if (this.pos + l > this.buf.length) this.short(p, this.pos + l, what);
    const s = this.buf.toString('latin1', this.pos, this.pos + l);
    this.pos += l;
    return strtod(s);
  }

  private binDouble(what: string): number {
    const p = this.pos;
    if (p + 8 > this.buf.length) this.short(p, p + 8, what);
    this.pos = p + 8;
    return this.buf.readDoubleLE(p);
  }

  // ---------------------------------------------------------------- steps

  private stepMagic(): void {
    const b = this.buf;
    if (b.length < 9) this.short(0, 9, 'RDB header');
    if (b.toString('latin1', 0, 5) !== 'REDIS') {
      throw new RdbError('SIGNATURE', 'Wrong signature trying to load DB from file', this.base);
    }
    const v = parseInt(b.toString('latin1', 5, 9), 10);
    const ver = v === v ? v : 0;
    if (ver < 1 || ver > C.RDB_VERSION) {
      throw new RdbError('VERSION', `Can't handle RDB format version ${ver}`, this.base + 5);
    }
    this.version = ver;
    this.pos = 9;
    this.state = S_OP;
  }

  private stepOp(): void {
    const b = this.buf;
    const p = this.pos;
    if (p >= b.length) this.short(p, p + 1, 'type/opcode');
    const t = b[p];
    this.pos = p + 1;
    switch (t) {
      case C.RDB_OPCODE_EXPIRETIME_MS: {
        if (p + 9 > b.length) this.short(p, p + 9, 'expire time (ms)');
        this.expire = b.readInt32LE(p + 5) * TWO32 + b.readUInt32LE(p + 1);
        this.pos = p + 9;
        return;
      }
      case C.RDB_OPCODE_EXPIRETIME: {
        if (p + 5 > b.length) this.short(p, p + 5, 'expire time (s)');
        this.expire = b.readInt32LE(p + 1) * 1000;
        this.pos = p + 5;
        return;
      }
      case C.RDB_OPCODE_FREQ:
        this.lfuFreq = this.u8('LFU frequency');
        return;
      case C.RDB_OPCODE_IDLE:
        this.lruIdle = this.len('LRU idle time');
        return;
      case C.RDB_OPCODE_EOF:
        if (this.crcOn) {
          this.crc.update(b, this.crcPos, this.pos);
          this.crcPos = this.pos;
          this.crcOn = false;
        }
        if (this.version >= 5) this.state = S_CKSUM;
        else this.finish('absent', null);
        return;
      case C.RDB_OPCODE_SELECTDB: {
        const db = this.len('database number');
        if (db >= this.databases) {
          throw new RdbError(
            'UNSUPPORTED',
            `Data file was created with a Redis server configured to handle more than ${this.databases} databases (SELECTDB ${db})`,
            this.base + p,
          );
        }
        this.db = db;
        this.handlers.onSelectDb?.(db);
        return;
      }
      case C.RDB_OPCODE_RESIZEDB: {
        const size = this.len('RESIZEDB db size');
        const expires = this.len('RESIZEDB expires size');
        this.handlers.onResizeDb?.(size, expires);
        return;
      }
      case C.RDB_OPCODE_AUX: {
        const k = this.str('AUX field name');
        const v = this.str('AUX field value');
        this.handlers.onAux?.(k, v);
        return;
      }
      case C.RDB_OPCODE_MODULE_AUX:
        throw new RdbError('UNSUPPORTED', 'The RDB file contains AUX module data, and tredis does not support modules', this.base + p);
      case C.RDB_OPCODE_FUNCTION2: {
        const code = this.str('function library payload');
        if (!this.handlers.onFunction) {
          throw new RdbError('UNSUPPORTED', 'The RDB file contains a function library (FUNCTION2), which tredis cannot load', this.base + p);
        }
        this.handlers.onFunction(code);
        return;
      }
      case C.RDB_OPCODE_FUNCTION_PRE_GA: {
        const name = this.str('library name');
        const engine = this.str('engine name');
        const hasDesc = this.len('library description indicator');
        if (hasDesc) this.str('library description');
        const blob = this.str('library blob');
        if (!this.handlers.onFunction) {
          throw new RdbError('UNSUPPORTED', 'The RDB file contains a function library (FUNCTION pre-GA), which tredis cannot load', this.base + p);
        }
        this.handlers.onFunction(`#!${engine} name=${name}\n${blob}`);
        return;
      }
      default: {
        if (!isObjectType(t)) this.corrupt(`Unknown RDB type or opcode ${t}`, p);
        const key = this.str('key');
        this.beginValue(t, key, p);
      }
    }
  }

  private stepDump(): void {
    const p = this.pos;
    const t = this.u8('value type');
    if (!isObjectType(t)) this.corrupt(`Unknown RDB value type ${t}`, p);
    this.beginValue(t, '', p);
  }

  private keyInfo(key: string): string {
    return this.dumpMode ? '' : ` (key ${printableKey(key)})`;
  }

  /** After the type byte and key: read the value, or its header for aggregates. */
  private beginValue(t: number, key: string, typePos: number): void {
    switch (t) {
      case C.RDB_TYPE_STRING: {
        if (this.bigStringLen('string value') >= 0) {
          // longer than STRING_LIMIT: kept as bytes (a copy: raw bytes are a view of the read buffer)
          const lzf = this.buf[this.pos] >= 0xc0;
          const bytes = this.bytes('string value');
          this.emit(key, { type: 'string', value: lzf ? bytes : Buffer.from(bytes) });
          return;
        }
        const v = this.str('string value');
        if (this.handlers.onString !== undefined && !this.dumpMode) this.emitString(key, v);
        else this.emit(key, { type: 'string', value: v });
        return;
      }
      case C.RDB_TYPE_LIST:
      case C.RDB_TYPE_SET:
      case C.RDB_TYPE_ZSET:
      case C.RDB_TYPE_ZSET_2:
      case C.RDB_TYPE_HASH:
      case C.RDB_TYPE_LIST_QUICKLIST:
      case C.RDB_TYPE_LIST_QUICKLIST_2: {
        const n = this.len(`${C.rdbTypeName(t)} length`);
        if (n === 0) {
          this.emptyKey(key);
          return;
        }
        this.curType = t;
        this.curKey = key;
        this.curCount = n;
        this.curLeft = n;
        this.curStart = typePos;
        this.curList = null;
        this.curSet = null;
        this.curHash = null;
        this.curZset = null;
        this.curSeen = null;
        switch (t) {
          case C.RDB_TYPE_SET: this.curSet = new Set(); break;
          case C.RDB_TYPE_HASH: this.curHash = new Map(); break;
          case C.RDB_TYPE_ZSET:
          case C.RDB_TYPE_ZSET_2:
            this.curZset = [];
            this.curSeen = new Set();
            break;
          default: this.curList = [];
        }
        this.state = S_VALUE;
        return;
      }
      case C.RDB_TYPE_MODULE:
      case C.RDB_TYPE_MODULE_2:
        throw new RdbError('UNSUPPORTED', `Module values are not supported by tredis${this.keyInfo(key)}`, this.base + typePos);
      case C.RDB_TYPE_STREAM_LISTPACKS:
      case C.RDB_TYPE_STREAM_LISTPACKS_2: {
        const n = this.len('stream listpacks count');
        this.curType = t;
        this.curKey = key;
        this.curCount = n;
        this.curLeft = n;
        this.curStart = typePos;
        this.curStream = new RStream();
        this.state = S_VALUE;
        return;
      }
      default: {
        const at = this.pos;
        const blob = this.bytes(`${C.rdbTypeName(t)} blob`);
        const v = decodeEncodedValue(t, blob, this.keyInfo(key), this.base + at);
        if (v === null) this.emptyKey(key);
        else this.emit(key, v);
      }
    }
  }

  /** rdbLoadLen of a full uint64 (stream ids and counters). */
  private lenU64(what: string): U64 {
    const b = this.buf;
    const p = this.pos;
    if (p < b.length && b[p] === C.RDB_64BITLEN) {
      if (p + 9 > b.length) this.short(p, p + 9, what);
      this.pos = p + 9;
      return u64(b.readBigUInt64BE(p + 1));
    }
    return this.len(what);
  }

  /** rdbLoadMillisecondTime: 8 bytes little endian. */
  private msTime(what: string): number {
    const p = this.pos;
    if (p + 8 > this.buf.length) this.short(p, p + 8, what);
    this.pos = p + 8;
    return Number(this.buf.readBigInt64LE(p));
  }

  private rawId(what: string): StreamID {
    const p = this.pos;
    if (p + 16 > this.buf.length) this.short(p, p + 16, what);
    this.pos = p + 16;
    return decodeIdBytes(this.buf, p);
  }

  /** A stream's nodes (one unit each), then its metadata and groups (one unit), as rdbLoadObject. */
  private stepStream(): void {
    const s = this.curStream as RStream;
    const key = this.curKey;
    const v2 = this.curType === C.RDB_TYPE_STREAM_LISTPACKS_2;
    while (this.curLeft > 0) {
      const at = this.pos;
      const nodeKey = this.bytes('stream node key');
      if (nodeKey.length !== 16) this.corrupt(`Stream node key entry is not the size of a stream ID${this.keyInfo(key)}`, at);
      const master = decodeIdBytes(nodeKey, 0);
      const lp = this.bytes('stream listpack');
      if (lp.length <= 7) this.corrupt(`Empty listpack inside stream${this.keyInfo(key)}`, at);
      let node: StreamNode;
      try {
        node = StreamNode.fromListpack(master, lp);
      } catch (e) {
        this.corrupt(`Stream listpack integrity check failed: ${(e as Error).message}${this.keyInfo(key)}`, at);
      }
      s.nodes.push(node);
      this.curLeft--;
      this.mark = this.pos;
    }
    // metadata and groups: all or nothing (re-read from here when more bytes are needed)
    const length = this.lenU64('stream length');
    const lastId = { ms: this.lenU64('stream last id'), seq: this.lenU64('stream last id') };
    let firstId = ID_ZERO;
    let maxDeleted = ID_ZERO;
    let entriesAdded: U64 = 0;
    if (v2) {
      firstId = { ms: this.lenU64('stream first id'), seq: this.lenU64('stream first id') };
      maxDeleted = { ms: this.lenU64('stream max deleted id'), seq: this.lenU64('stream max deleted id') };
      entriesAdded = this.lenU64('stream entries added');
    }
    const groups: Array<{ name: string; cg: StreamCG }> = [];
    const ngroups = this.len('stream cgroup count');
    for (let g = 0; g < ngroups; g++) {
      const name = this.str('stream cgroup name');
      const cgId = { ms: this.lenU64('stream cgroup id'), seq: this.lenU64('stream cgroup id') };
      let entriesRead = -1;
      if (v2) entriesRead = Number(BigInt.asIntN(64, BigInt(this.lenU64('stream cgroup entries read'))));
      const cg = new StreamCG(cgId, entriesRead);
      const pelSize = this.len('stream PEL size');
      for (let i = 0; i < pelSize; i++) {
        const id = this.rawId('stream PEL id');
        const t = this.msTime('stream PEL delivery time');
        const cnt = Number(this.lenU64('stream PEL delivery count'));
        if (!cg.pel.insert(new StreamNack(id, idKey(id), t, cnt, null))) this.corrupt(`Duplicated global PEL entry loading stream consumer group${this.keyInfo(key)}`);
      }
      const nconsumers = this.len('stream consumers count');
      for (let i = 0; i < nconsumers; i++) {
        const cname = this.str('stream consumer name');
        if (cg.consumers.has(cname)) this.corrupt(`Duplicate stream consumer detected${this.keyInfo(key)}`);
        const cons = new StreamConsumer(cname, this.msTime('stream consumer seen time'));
        cg.consumers.set(cname, cons);
        const n = this.len('stream consumer PEL size');
        for (let j = 0; j < n; j++) {
          const id = this.rawId('stream consumer PEL id');
          const nack = cg.pel.get(idKey(id));
          if (nack === undefined) this.corrupt(`Consumer entry not found in group global PEL${this.keyInfo(key)}`);
          nack.consumer = cons;
          if (!cons.pel.insert(nack)) this.corrupt(`Duplicated consumer PEL entry loading a stream consumer group${this.keyInfo(key)}`);
        }
      }
      // every pending entry must belong to a consumer (Redis checks it under deep sanitization; without
      // it Redis keeps a consumer-less entry and crashes on XINFO STREAM FULL / XPENDING: always check)
      for (const nack of cg.pel.items) if (nack.consumer === null) this.corrupt(`Stream CG PEL entry without consumer${this.keyInfo(key)}`);
      groups.push({ name, cg });
    }
    // committed: apply
    s.nodes.sort((a, b) => cmpId(a.master, b.master));
    for (let i = 1; i < s.nodes.length; i++) {
      if (cmpId(s.nodes[i - 1].master, s.nodes[i].master) === 0) this.corrupt(`Listpack re-added with existing key${this.keyInfo(key)}`, this.curStart);
    }
    s.length = Number(length);
    s.lastId = lastId;
    if (s.length && s.nodes.length === 0) this.corrupt(`Stream length inconsistent with rax entries${this.keyInfo(key)}`, this.curStart);
    if (v2) {
      s.firstId = firstId;
      s.maxDeletedId = maxDeleted;
      s.entriesAdded = Number(entriesAdded);
    } else {
      s.maxDeletedId = ID_ZERO;
      s.entriesAdded = s.length;
      s.firstId = s.edgeId(true, true);
    }
    for (const { name, cg } of groups) {
      if (!v2) cg.entriesRead = s.estimateDistance(cg.lastId);
      if (s.cgroups === null) s.cgroups = new Map();
      if (s.cgroups.has(name)) this.corrupt(`Duplicated consumer group name ${name}${this.keyInfo(key)}`, this.curStart);
      s.cgroups.set(name, cg);
    }
    this.curStream = null;
    this.curKey = '';
    this.emit(key, { type: 'stream', value: s });
  }

  /** Parse elements of the aggregate in progress, committing after each one. */
  private stepValue(): void {
    if (this.curType === C.RDB_TYPE_STREAM_LISTPACKS || this.curType === C.RDB_TYPE_STREAM_LISTPACKS_2) return this.stepStream();
    switch (this.curType) {
      case C.RDB_TYPE_LIST: {
        const l = this.curList as string[];
        while (this.curLeft > 0) {
          l.push(this.str('list element'));
          this.curLeft--;
          this.mark = this.pos;
        }
        break;
      }
      case C.RDB_TYPE_SET: {
        const s = this.curSet as Set<string>;
        while (this.curLeft > 0) {
          s.add(this.str('set element'));
          this.curLeft--;
          this.mark = this.pos;
        }
        if (s.size !== this.curCount) this.corrupt(`Duplicate set members detected${this.keyInfo(this.curKey)}`, this.curStart);
        break;
      }
      case C.RDB_TYPE_HASH: {
        const h = this.curHash as Map<string, string>;
        while (this.curLeft > 0) {
          const f = this.str('hash field');
          const v = this.str('hash value');
          h.set(f, v);
          this.curLeft--;
          this.mark = this.pos;
        }
        if (h.size !== this.curCount) this.corrupt(`Duplicate hash fields detected${this.keyInfo(this.curKey)}`, this.curStart);
        break;
      }
      case C.RDB_TYPE_ZSET:
      case C.RDB_TYPE_ZSET_2: {
        const z = this.curZset as Array<[string, number]>;
        const seen = this.curSeen as Set<string>;
        const binary = this.curType === C.RDB_TYPE_ZSET_2;
        while (this.curLeft > 0) {
          const m = this.str('zset member');
          const sc = binary ? this.binDouble('zset score') : this.textDouble('zset score');
          if (sc !== sc) this.corrupt(`Zset with NAN score detected${this.keyInfo(this.curKey)}`, this.mark);
          z.push([m, sc]);
          seen.add(m);
          this.curLeft--;
          this.mark = this.pos;
        }
        if (seen.size !== z.length) this.corrupt(`Duplicate zset fields detected${this.keyInfo(this.curKey)}`, this.curStart);
        this.curSeen = null;
        sortZsetPairs(z);
        break;
      }
      case C.RDB_TYPE_LIST_QUICKLIST: {
        const l = this.curList as string[];
        while (this.curLeft > 0) {
          const at = this.pos;
          const blob = this.bytes('quicklist node');
          if (blob.length === 0) this.corrupt(`Empty quicklist node${this.keyInfo(this.curKey)}`, at);
          let items: string[];
          try {
            items = decodeZiplist(blob);
          } catch (e) {
            if (e instanceof RdbError) this.corrupt(`Ziplist integrity check failed: ${e.detail}${this.keyInfo(this.curKey)}`, at);
            throw e;
          }
          for (let i = 0; i < items.length; i++) l.push(items[i]);
          this.curLeft--;
          this.mark = this.pos;
        }
        break;
      }
      case C.RDB_TYPE_LIST_QUICKLIST_2: {
        const l = this.curList as string[];
        while (this.curLeft > 0) {
          const at = this.pos;
          const container = this.len('quicklist node container');
          if (container !== C.QUICKLIST_NODE_CONTAINER_PACKED && container !== C.QUICKLIST_NODE_CONTAINER_PLAIN) {
            this.corrupt(`Quicklist integrity check failed: container ${container}${this.keyInfo(this.curKey)}`, at);
          }
          const blob = this.bytes('quicklist node');
          if (blob.length === 0) this.corrupt(`Empty quicklist node${this.keyInfo(this.curKey)}`, at);
          // nodes are kept as the listpack bytes they are (validated), a PLAIN node as a one-element listpack
          if (container === C.QUICKLIST_NODE_CONTAINER_PLAIN) {
            l.push(lpFromElements([blob.toString('latin1')]));
          } else {
            try {
              validateListpack(blob);
            } catch (e) {
              if (e instanceof RdbError) this.corrupt(`Listpack integrity check failed: ${e.detail}${this.keyInfo(this.curKey)}`, at);
              throw e;
            }
            l.push(blob.toString('latin1'));
          }
          this.curLeft--;
          this.mark = this.pos;
        }
        break;
      }
    }
    // the whole value is read
    let v: PlainValue | null;
    switch (this.curType) {
      case C.RDB_TYPE_SET: v = { type: 'set', value: this.curSet as Set<string> }; break;
      case C.RDB_TYPE_HASH: v = { type: 'hash', value: this.curHash as Map<string, string> }; break;
      case C.RDB_TYPE_ZSET:
      case C.RDB_TYPE_ZSET_2: v = { type: 'zset', value: this.curZset as Array<[string, number]> }; break;
      case C.RDB_TYPE_LIST_QUICKLIST_2: {
        // curList holds listpack nodes here; a list of empty nodes is an empty key
        const list = RList.fromNodes(this.curList as string[]);
        v = list.length ? { type: 'list', value: list, nodes: list.rdbNodes() } : null;
        break;
      }
      default: {
        const l = this.curList as string[];
        v = l.length ? { type: 'list', value: l } : null;
      }
    }
    const key = this.curKey;
    this.curList = null;
    this.curSet = null;
    this.curHash = null;
    this.curZset = null;
    this.curKey = '';
    if (v === null) this.emptyKey(key);
    else this.emit(key, v);
  }

  private stepChecksum(): void {
    const p = this.pos;
    if (p + 8 > this.buf.length) this.short(p, p + 8, 'checksum');
    this.pos = p + 8;
    const stored = Crc64.fromLE(this.buf, p);
    let status: RdbSummary['checksum'];
    if (!this.verify) status = 'skipped';
    else if (stored.isZero()) {
      status = 'disabled';
      this.handlers.onWarning?.('RDB file was saved with checksum disabled: no check performed.');
    } else if (stored.lo !== this.crc.lo || stored.hi !== this.crc.hi) {
      throw new RdbError(
        'CHECKSUM',
        `Wrong RDB checksum expected: (${this.crc.toBigInt().toString(16)}) but got (${stored.toBigInt().toString(16)})`,
        this.base + p,
      );
    } else status = 'verified';
    this.finish(status, stored.toHex());
  }

  private finish(status: RdbSummary['checksum'], stored: string | null): void {
    this.state = S_DONE;
    const b = this.buf;
    if (this.pos < b.length) this.tail.push(b.subarray(this.pos));
    for (const c of this.pend) this.tail.push(c);
    this.pend = [];
    this.pendLen = 0;
    this.summary = {
      version: this.version,
      keys: this.keys,
      emptyKeysSkipped: this.emptyKeys,
      checksum: status,
      storedChecksum: stored,
      bytes: this.base + this.pos,
    };
    this.handlers.onEnd?.(this.summary);
  }

  private emit(key: string, v: PlainValue): void {
    if (this.dumpMode) {
      this.dumpValue = v;
      this.state = S_DONE;
      return;
    }
    this.keys++;
    const expire = this.expire;
    const meta = this.lruIdle >= 0 || this.lfuFreq >= 0 ? { lruIdle: this.lruIdle, lfuFreq: this.lfuFreq } : undefined;
    this.expire = -1;
    this.lruIdle = -1;
    this.lfuFreq = -1;
    this.state = S_OP;
    this.handlers.onKey(this.db, key, v, expire, meta);
  }

  /** emit() for a plain string with an onString handler (no wrapper object, no meta). */
  private emitString(key: string, v: string): void {
    this.keys++;
    const expire = this.expire;
    this.expire = -1;
    this.lruIdle = -1;
    this.lfuFreq = -1;
    this.state = S_OP;
    this.handlers.onString!(this.db, key, v, expire);
  }

  private emptyKey(key: string): void {
    if (this.dumpMode) this.corrupt('Empty value in DUMP payload', this.mark);
    this.emptyKeys++;
    this.expire = -1;
    this.lruIdle = -1;
    this.lfuFreq = -1;
    this.state = S_OP;
    if (this.emptyKeys <= 10) this.handlers.onWarning?.(`rdbLoadObject skipping empty key: ${key}`);
  }
}
