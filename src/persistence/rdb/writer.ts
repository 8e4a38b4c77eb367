/**
 * RDB v10 writer, choosing the encodings Redis 7.0 itself writes:
 * strings (int-encoded / LZF like rdbSaveRawString), lists as QUICKLIST_2 of
 * listpack nodes (node split like quicklist with list-max-listpack-size),
 * sets as INTSET or SET, hashes as LISTPACK or HASH, zsets as LISTPACK or
 * ZSET_2 (binary scores, highest first, as rdbSaveObject walks the skiplist
 * from its tail).
 *
 * Output is produced in chunks of about `chunkSize` bytes that the caller
 * takes with takeChunk(); see rdbChunks() for the generator form and
 * writeRdb() for an async driver that respects back-pressure and yields to
 * the event loop.
 */
import { encodeIdBytes, type RStream } from '../../keyspace/types/stream';
import { quicklistAllowInsert, type QuicklistNodeBytes } from '../../keyspace/types/list';
import * as C from './constants';
import { Crc64 } from './crc64';
import { intsetFrom } from '../../keyspace/intset';
import { ListpackBuilder, lpEntrySize } from './listpack';
import { lzfCompressForRdb } from '../../util/lzf';
import type { PlainValue } from './model';
import { parseCanonicalInt32 } from './numbers';
import { zzlScoreText } from '../../keyspace/types/zset-listpack';

/** Thresholds for the compact encodings (Redis config names in camelCase). */
export interface EncodingLimits {
  listMaxListpackSize: number;
  setMaxIntsetEntries: number;
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
}

/** Writer options. */
export interface RdbWriterOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes when it saves space (default true) */
  compression?: boolean;
  /** rdbchecksum: write the CRC-64 (default true; false writes 8 zero bytes) */
  checksum?: boolean;
  /** target chunk size in bytes (default 64 KB) */
  chunkSize?: number;
  /** encoding thresholds (default: Redis 7.0 defaults) */
  limits?: Partial<EncodingLimits>;
}

/** AUX fields written after the header, in Redis's order. */
export interface RdbAuxInfo {
  /** default "7.0.15" */
  redisVer?: string;
  /** default 64 */
  redisBits?: number;
  /** unix seconds, default now */
  ctime?: number;
  /** bytes, default process RSS */
  usedMem?: number;
  /** replication info (written by SAVE/BGSAVE/full sync when the server has it) */
  repl?: { streamDb: number; id: string; offset: number };
  /** aof-base (default false) */
  aofBase?: boolean;
  /** more AUX fields, written after the standard ones */
  extra?: Array<[string, string]>;
}

/** Optional LRU/LFU info written before a key. */
export interface RdbKeyExtras {
  /** IDLE opcode: seconds */
  lruIdle?: number;
  /** FREQ opcode: 0..255 */
  lfuFreq?: number;
}

const PACKED_THRESHOLD = 1 << 30;
const TWO32 = 4294967296;

/**
 * Low-level RDB encoder. Call writeHeader(), then per non-empty db selectDb()
 * and writeKey() for each key, then writeEnd(); take output with takeChunk()
 * (or takeAll()) whenever convenient: complete chunks are queued as soon as
 * they fill up, so memory stays bounded if the caller drains regularly.
 */
export class RdbWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private readonly crc = new Crc64();
  private readonly chunkSize: number;
  private readonly compression: boolean;
  private readonly checksum: boolean;
  private readonly limits: EncodingLimits;
  private readonly lp = new ListpackBuilder(1024);
  private scratch: Buffer = Buffer.allocUnsafe(1024);
  /** recycled chunk buffers (see recycle()) */
  private readonly spare: Buffer[] = [];
  /** intset bytes (latin1) prepared by valueType() for the value about to be written */
  private intsetBlob: string | null = null;
  private ended = false;
  /** bytes produced so far (queued or taken) */
  bytesWritten = 0;
  /** keys written */
  keys = 0;
  /** empty aggregates that were skipped (Redis would drop them on load anyway) */
  skippedEmpty = 0;

  constructor(options: RdbWriterOptions = {}) {
    this.chunkSize = Math.max(options.chunkSize ?? 65536, 64);
    this.compression = options.compression ?? true;
    this.checksum = options.checksum ?? true;
    this.limits = { ...C.DEFAULT_ENCODING_LIMITS, ...options.limits };
    this.buf = Buffer.allocUnsafe(this.chunkSize);
  }

  // ---------------------------------------------------------------- output

  /** Bytes ready to take (complete chunks), not counting the chunk being filled. */
  get pendingBytes(): number {
    return this.queued;
  }

  /** Whether a complete chunk is ready. */
  hasChunk(): boolean {
    return this.queue.length > 0;
  }

  /** The next complete chunk (after writeEnd(): everything), or null. */
  takeChunk(): Buffer | null {
    const c = this.queue.shift();
    if (c === undefined) return null;
    this.queued -= c.length;
    return c;
  }

  /** All queued chunks. */
  takeAll(): Buffer[] {
    const all = this.queue.splice(0, this.queue.length);
    this.queued = 0;
    return all;
  }

  /** Move the partially filled chunk to the queue (e.g. at the end of a time slice). */
  flush(): void {
    if (this.pos === 0) return;
    const c = this.buf.subarray(0, this.pos);
    if (this.checksum) this.crc.update(c);
    this.queue.push(c);
    this.queued += c.length;
    this.bytesWritten += c.length;
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.chunkSize);
    this.pos = 0;
  }

  /**
   * Give back a chunk taken with takeChunk() once nothing references it any
   * more (e.g. its file write completed): its memory is reused for the next
   * chunks instead of leaving garbage for the GC (long saves stay small).
   */
  recycle(chunk: Buffer): void {
    // only whole buffers of our own size: smaller ones may be slices of Node's shared pool
    if (this.chunkSize <= Buffer.poolSize || chunk.byteOffset !== 0 || chunk.buffer.byteLength !== this.chunkSize || this.spare.length >= 4) return;
    this.spare.push(Buffer.from(chunk.buffer, 0, this.chunkSize));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  private byte(v: number): void {
    if (this.pos >= this.buf.length) this.flush();
    this.buf[this.pos++] = v;
  }

  /** Append raw bytes src[start..end), splitting them across chunks so every chunk is full. */
  private raw(src: Buffer, start = 0, end: number = src.length): void {
    let p = start;
    while (p < end) {
      let space = this.buf.length - this.pos;
      if (space === 0) {
        this.flush();
        space = this.buf.length;
      }
      const k = Math.min(space, end - p);
      if (k < 64) {
        const b = this.buf;
        let q = this.pos;
        for (let i = p; i < p + k; i++) b[q++] = src[i];
      } else {
        src.copy(this.buf, this.pos, p, p + k);
      }
      this.pos += k;
      p += k;
    }
  }

  // ---------------------------------------------------------------- primitives

  /** rdbSaveLen. */
  private len(v: number): void {
    this.ensure(9);
    const b = this.buf;
    let p = this.pos;
    if (v < 64) {
      b[p++] = v;
    } else if (v < 16384) {
      b[p++] = (v >>> 8) | 0x40;
      b[p++] = v & 0xff;
    } else if (v <= 0xffffffff) {
      b[p++] = C.RDB_32BITLEN;
      b.writeUInt32BE(v, p);
      p += 4;
    } else {
      b[p++] = C.RDB_64BITLEN;
      b.writeUInt32BE(Math.floor(v / TWO32), p);
      b.writeUInt32BE(v % TWO32, p + 4);
      p += 8;
    }
    this.pos = p;
  }

  /** rdbEncodeInteger for a value known to fit 32 bits. */
  private intEnc(v: number): void {
    this.ensure(5);
    const b = this.buf;
    const p = this.pos;
    if (v >= -128 && v <= 127) {
      b[p] = 0xc0 | C.RDB_ENC_INT8;
      b[p + 1] = v & 0xff;
      this.pos = p + 2;
    } else if (v >= -32768 && v <= 32767) {
      b[p] = 0xc0 | C.RDB_ENC_INT16;
      b[p + 1] = v & 0xff;
      b[p + 2] = (v >> 8) & 0xff;
      this.pos = p + 3;
    } else {
      b[p] = 0xc0 | C.RDB_ENC_INT32;
      b.writeInt32LE(v, p + 1);
      this.pos = p + 5;
    }
  }

  private lzfBlob(out: Buffer, clen: number, len: number): void {
    this.byte(0xc0 | C.RDB_ENC_LZF);
    this.len(clen);
    this.len(len);
    this.raw(out, 0, clen);
  }

  /** rdbSaveRawString for a latin1 JS string: int encoding, LZF, or verbatim. */
  writeString(s: string): void {
    const len = s.length;
    if (len <= 11) {
      const iv = parseCanonicalInt32(s);
      if (iv !== null) {
        this.intEnc(iv);
        return;
      }
    }
    if (this.compression && len > 20) {
      if (this.scratch.length < len) this.scratch = Buffer.allocUnsafe(Math.max(len, this.scratch.length * 2));
      const src = this.scratch;
      if (len < 128) {
        for (let i = 0; i < len; i++) src[i] = s.charCodeAt(i);
      } else {
        src.write(s, 0, len, 'latin1');
      }
      const r = lzfCompressForRdb(src, 0, len);
      if (r.len > 0) {
        this.lzfBlob(r.out, r.len, len);
        return;
      }
      this.len(len);
      this.raw(src, 0, len);
      return;
    }
    this.len(len);
    if (len <= this.buf.length - this.pos) {
      if (len < 64) {
        const b = this.buf;
        let p = this.pos;
        for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
        this.pos = p;
      } else {
        this.pos += this.buf.write(s, this.pos, len, 'latin1');
      }
    } else {
      this.raw(Buffer.from(s, 'latin1'));
    }
  }

  /** rdbSaveRawString for bytes (encoded blobs: listpacks, intsets). */
  writeBytes(src: Buffer): void {
    const len = src.length;
    if (len <= 11) {
      const iv = parseCanonicalInt32(src.toString('latin1'));
      if (iv !== null) {
        this.intEnc(iv);
        return;
      }
    }
    if (this.compression && len > 20) {
      const r = lzfCompressForRdb(src, 0, len);
      if (r.len > 0) {
        this.lzfBlob(r.out, r.len, len);
        return;
      }
    }
    this.len(len);
    this.raw(src);
  }

  private ms(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / TWO32);
    this.buf.writeUInt32LE(v - hi * TWO32, this.pos);
    this.buf.writeInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  // ---------------------------------------------------------------- records

  /** "REDIS0010" and the AUX fields Redis writes (rdbSaveInfoAuxFields), in its order. */
  writeHeader(aux: RdbAuxInfo = {}): void {
    this.raw(Buffer.from(`REDIS${String(C.RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    this.writeAux('redis-ver', aux.redisVer ?? '7.0.15');
    this.writeAux('redis-bits', String(aux.redisBits ?? 64));
    this.writeAux('ctime', String(aux.ctime ?? Math.floor(Date.now() / 1000)));
    this.writeAux('used-mem', String(aux.usedMem ?? process.memoryUsage().rss));
    if (aux.repl) {
      this.writeAux('repl-stream-db', String(aux.repl.streamDb));
      this.writeAux('repl-id', aux.repl.id);
      this.writeAux('repl-offset', String(aux.repl.offset));
    }
    this.writeAux('aof-base', aux.aofBase ? '1' : '0');
    if (aux.extra) for (const [k, v] of aux.extra) this.writeAux(k, v);
  }

  /** One AUX field (integers are int-encoded automatically, as Redis does). */
  writeAux(key: string, value: string): void {
    this.byte(C.RDB_OPCODE_AUX);
    this.writeString(key);
    this.writeString(value);
  }

  /** A function library (FUNCTION2 opcode): Redis writes these after the AUX fields, before the dbs. */
  writeFunction(code: string): void {
    this.byte(C.RDB_OPCODE_FUNCTION2);
    this.writeString(code);
  }

  /** SELECTDB + RESIZEDB for a db that has keys. */
  selectDb(db: number, dbSize: number, expiresSize: number): void {
    this.byte(C.RDB_OPCODE_SELECTDB);
    this.len(db);
    this.byte(C.RDB_OPCODE_RESIZEDB);
    this.len(dbSize);
    this.len(expiresSize);
  }

  /**
   * One key: optional EXPIRETIME_MS (expireAtMs >= 0), optional IDLE/FREQ,
   * then type, key and value. Empty aggregates are skipped (counted in skippedEmpty).
   */
  writeKey(key: string, value: PlainValue, expireAtMs = -1, extras?: RdbKeyExtras): void {
    if (value.type !== 'string') {
      const v = value.value;
      if ((Array.isArray(v) ? v.length : (v as Map<string, string> | Set<string>).size) === 0) {
        this.skippedEmpty++;
        return;
      }
    }
    if (expireAtMs >= 0) {
      this.byte(C.RDB_OPCODE_EXPIRETIME_MS);
      this.ms(expireAtMs);
    }
    if (extras) {
      if (extras.lruIdle !== undefined && extras.lruIdle >= 0) {
        this.byte(C.RDB_OPCODE_IDLE);
        this.len(extras.lruIdle);
      }
      if (extras.lfuFreq !== undefined && extras.lfuFreq >= 0) {
        this.byte(C.RDB_OPCODE_FREQ);
        this.byte(extras.lfuFreq & 0xff);
      }
    }
    const t = this.valueType(value);
    this.byte(t);
    this.writeString(key);
    this.writeValueBody(t, value);
    this.keys++;
  }

  /** The type byte + value, as in a DUMP payload (rdbSaveObjectType + rdbSaveObject). */
  writeObject(value: PlainValue): void {
    const t = this.valueType(value);
    this.byte(t);
    this.writeValueBody(t, value);
  }

  /** EOF opcode and the CRC-64 (or 8 zero bytes when checksums are off). Flushes everything. */
  writeEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.byte(C.RDB_OPCODE_EOF);
    this.flush();
    const sum = Buffer.alloc(8);
    if (this.checksum) this.crc.writeLE(sum, 0);
    this.queue.push(sum);
    this.queued += 8;
    this.bytesWritten += 8;
  }

  /** Everything written so far as one Buffer (flushes; for small outputs and tests). */
  toBuffer(): Buffer {
    this.flush();
    return Buffer.concat(this.takeAll());
  }

  // ---------------------------------------------------------------- values

  /** The RDB type byte Redis 7.0 would use for this value. */
  valueType(value: PlainValue): number {
    const L = this.limits;
    switch (value.type) {
      case 'string':
        return C.RDB_TYPE_STRING;
      case 'list':
        return C.RDB_TYPE_LIST_QUICKLIST_2;
      case 'set': {
        // the encoding it has in memory, as rdbSaveObject writes it (a copy of the intset bytes)
        if (value.intset !== undefined) {
          this.intsetBlob = value.intset;
          return value.intset !== null ? C.RDB_TYPE_SET_INTSET : C.RDB_TYPE_SET;
        }
        const s = value.value;
        this.intsetBlob = s.size <= L.setMaxIntsetEntries && mayBeIntset(s) ? intsetFrom(s) : null;
        return this.intsetBlob ? C.RDB_TYPE_SET_INTSET : C.RDB_TYPE_SET;
      }
      case 'hash': {
        // a listpack-encoded value is saved as its bytes, whatever the limits (rdbSaveObjectType follows the encoding)
        if (value.listpack !== undefined) return C.RDB_TYPE_HASH_LISTPACK;
        if (value.big) return C.RDB_TYPE_HASH;
        const h = value.value;
        if (h.size > L.hashMaxListpackEntries) return C.RDB_TYPE_HASH;
        const max = L.hashMaxListpackValue;
        for (const [f, v] of h) if (f.length > max || v.length > max) return C.RDB_TYPE_HASH;
        return C.RDB_TYPE_HASH_LISTPACK;
      }
      case 'zset': {
        if (value.listpack !== undefined) return C.RDB_TYPE_ZSET_LISTPACK;
        if (value.big) return C.RDB_TYPE_ZSET_2;
        const z = value.value;
        if (z.length > L.zsetMaxListpackEntries) return C.RDB_TYPE_ZSET_2;
        const max = L.zsetMaxListpackValue;
        for (let i = 0; i < z.length; i++) if (z[i][0].length > max) return C.RDB_TYPE_ZSET_2;
        return C.RDB_TYPE_ZSET_LISTPACK;
      }
      case 'stream':
        return C.RDB_TYPE_STREAM_LISTPACKS_2;
    }
  }

  /** rdbSaveLen of an unsigned 64-bit value (a number or bigint). */
  private lenU64(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v <= 0xffffffff) return this.len(v);
    const big = BigInt.asUintN(64, BigInt(v));
    this.ensure(9);
    this.buf[this.pos] = C.RDB_64BITLEN;
    this.buf.writeBigUInt64BE(big, this.pos + 1);
    this.pos += 9;
  }

  /** rdbSaveMillisecondTime: 8 bytes little endian. */
  private msTime(v: number): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(v), this.pos);
    this.pos += 8;
  }

  /** RDB_TYPE_STREAM_LISTPACKS_2 body (rdbSaveObject for OBJ_STREAM). */
  private writeStream(s: RStream): void {
    this.len(s.nodes.length);
    for (const node of s.nodes) {
      this.writeBytes(encodeIdBytes(node.master));
      this.writeBytes(node.toListpack());
    }
    this.len(s.length);
    this.lenU64(s.lastId.ms);
    this.lenU64(s.lastId.seq);
    this.lenU64(s.firstId.ms);
    this.lenU64(s.firstId.seq);
    this.lenU64(s.maxDeletedId.ms);
    this.lenU64(s.maxDeletedId.seq);
    this.len(s.entriesAdded);
    const groups = s.sortedGroups();
    this.len(groups.length);
    for (const [name, cg] of groups) {
      this.writeString(name);
      this.lenU64(cg.lastId.ms);
      this.lenU64(cg.lastId.seq);
      this.lenU64(cg.entriesRead);
      this.len(cg.pel.size);
      for (const nack of cg.pel.items) {
        this.raw(Buffer.from(nack.key, 'latin1'));
        this.msTime(nack.deliveryTime);
        this.len(nack.deliveryCount);
      }
      const conss = cg.sortedConsumers();
      this.len(conss.length);
      for (const cons of conss) {
        this.writeString(cons.name);
        this.msTime(cons.seenTime);
        this.len(cons.pel.size);
        for (const nack of cons.pel.items) this.raw(Buffer.from(nack.key, 'latin1'));
      }
    }
  }

  private writeValueBody(t: number, value: PlainValue): void {
    switch (value.type) {
      case 'stream':
        this.writeStream(value.value);
        return;
      case 'string':
        if (typeof value.value === 'string') this.writeString(value.value);
        else this.writeBytes(value.value);
        return;
      case 'list':
        if (value.nodes !== undefined) this.writeQuicklistNodes(value.nodes);
        else this.writeQuicklist(Array.isArray(value.value) ? value.value : [...value.value]);
        return;
      case 'set':
        if (t === C.RDB_TYPE_SET_INTSET) {
          const blob = this.intsetBlob ?? intsetFrom(value.value);
          this.intsetBlob = null;
          if (!blob) throw new Error('set is not intset-encodable');
          this.writeString(blob);
          return;
        }
        this.len(value.value.size);
        for (const m of value.value) this.writeString(m);
        return;
      case 'hash':
        if (t === C.RDB_TYPE_HASH_LISTPACK && value.listpack !== undefined) {
          this.writeString(value.listpack);
          return;
        }
        if (t === C.RDB_TYPE_HASH_LISTPACK) {
          const lp = this.lp;
          lp.reset();
          for (const [f, v] of value.value) {
            lp.append(f);
            lp.append(v);
          }
          this.writeBytes(lp.finish());
          return;
        }
        this.len(value.value.size);
        for (const [f, v] of value.value) {
          this.writeString(f);
          this.writeString(v);
        }
        return;
      case 'zset': {
        if (t === C.RDB_TYPE_ZSET_LISTPACK && value.listpack !== undefined) {
          this.writeString(value.listpack);
          return;
        }
        const z = value.value;
        if (t === C.RDB_TYPE_ZSET_LISTPACK) {
          const lp = this.lp;
          lp.reset();
          for (let i = 0; i < z.length; i++) {
            lp.append(z[i][0]);
            lp.append(zzlScoreText(z[i][1]));
          }
          this.writeBytes(lp.finish());
          return;
        }
        this.len(z.length);
        for (let i = z.length - 1; i >= 0; i--) {
          this.writeString(z[i][0]);
          this.ensure(8);
          this.buf.writeDoubleLE(z[i][1], this.pos);
          this.pos += 8;
        }
        return;
      }
    }
  }

  /**
   * A list's own quicklist nodes as QUICKLIST_2, as rdbSaveObject writes them:
   * a listpack node with rdbSaveRawString, a compressed one as its LZF blob.
   */
  private writeQuicklistNodes(nodes: readonly QuicklistNodeBytes[]): void {
    this.len(nodes.length);
    for (const x of nodes) {
      this.len(C.QUICKLIST_NODE_CONTAINER_PACKED);
      if (typeof x === 'string') {
        this.writeString(x);
        continue;
      }
      const n = x.lzf.length;
      if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, this.scratch.length * 2));
      this.scratch.write(x.lzf, 0, n, 'latin1');
      this.lzfBlob(this.scratch, n, x.sz);
    }
  }

  /** A list as QUICKLIST_2: nodes split by quicklist's rule for list-max-listpack-size. */
  private writeQuicklist(items: readonly string[]): void {
    const fill = this.limits.listMaxListpackSize;
    // First pass: node boundaries (so the node count can be written first).
    const bounds: number[] = [];
    let nodeSz = 0;
    let count = 0;
    let plainRun = false;
    for (let i = 0; i < items.length; i++) {
      const sz = items[i].length;
      if (sz >= PACKED_THRESHOLD) {
        bounds.push(i);
        plainRun = true;
        count = 0;
        continue;
      }
      if (i === 0 || plainRun || !quicklistAllowInsert(nodeSz, count, fill, sz)) {
        bounds.push(i);
        nodeSz = 7;
        count = 0;
        plainRun = false;
      }
      nodeSz += lpEntrySize(items[i]);
      count++;
    }
    bounds.push(items.length);
    this.len(bounds.length - 1);
    const lp = this.lp;
    for (let n = 0; n + 1 < bounds.length; n++) {
      const a = bounds[n];
      const b = bounds[n + 1];
      if (b - a === 1 && items[a].length >= PACKED_THRESHOLD) {
        this.len(C.QUICKLIST_NODE_CONTAINER_PLAIN);
        this.writeString(items[a]);
        continue;
      }
      this.len(C.QUICKLIST_NODE_CONTAINER_PACKED);
      lp.reset();
      for (let i = a; i < b; i++) lp.append(items[i]);
      this.writeBytes(lp.finish());
    }
  }
}

/** Cheap pre-check before encodeIntset does the exact one (ranges, leading zeros). */
function mayBeIntset(s: Iterable<string>): boolean {
  for (const m of s) {
    const n = m.length;
    if (n === 0 || n > 20) return false;
    const c = m.charCodeAt(0);
    if (!((c >= 48 && c <= 57) || c === 45)) return false;
  }
  return true;
}

// ------------------------------------------------------------------ datasets

/** One key of a dataset to save. The writer does not keep the object: it may be reused. */
export interface RdbEntry {
  key: string;
  value: PlainValue;
  /** absolute unix ms, -1 when none */
  expireAt: number;
  lruIdle?: number;
  lfuFreq?: number;
}

/** One database of a dataset to save. */
export interface RdbDbSource {
  id: number;
  /** number of keys (for RESIZEDB; a db of size 0 is skipped as Redis does) */
  size: number;
  /** number of keys with an expire (for RESIZEDB) */
  expiresSize: number;
  entries(): Iterable<RdbEntry>;
}

/** What to save: AUX info, function libraries, databases in ascending id order. */
export interface RdbDataset {
  aux?: RdbAuxInfo;
  functions?: Iterable<string>;
  dbs: Iterable<RdbDbSource>;
}

/** Counters returned when a save completes. */
export interface RdbWriteStats {
  bytes: number;
  keys: number;
  skippedEmpty: number;
}

/**
 * The whole RDB as a lazy sequence of ~chunkSize Buffers. Each next() does
 * only the work needed to fill a chunk, so a caller can interleave saving
 * with other work (time slices) simply by pausing between next() calls.
 * The generator's return value holds the stats.
 */
export function* rdbChunks(dataset: RdbDataset, options?: RdbWriterOptions): Generator<Buffer, RdbWriteStats, undefined> {
  const w = new RdbWriter(options);
  w.writeHeader(dataset.aux);
  if (dataset.functions) for (const f of dataset.functions) w.writeFunction(f);
  for (const db of dataset.dbs) {
    if (db.size === 0) continue;
    w.selectDb(db.id, db.size, db.expiresSize);
    for (const e of db.entries()) {
      w.writeKey(
        e.key,
        e.value,
        e.expireAt,
        e.lruIdle !== undefined || e.lfuFreq !== undefined ? { lruIdle: e.lruIdle, lfuFreq: e.lfuFreq } : undefined,
      );
      let c: Buffer | null;
      while ((c = w.takeChunk()) !== null) yield c;
    }
  }
  w.writeEnd();
  let c: Buffer | null;
  while ((c = w.takeChunk()) !== null) yield c;
  return { bytes: w.bytesWritten, keys: w.keys, skippedEmpty: w.skippedEmpty };
}

/** The whole RDB in one Buffer (small datasets, tests, DEBUG RELOAD). */
export function rdbToBuffer(dataset: RdbDataset, options?: RdbWriterOptions): Buffer {
  const parts: Buffer[] = [];
  const it = rdbChunks(dataset, options);
  for (let r = it.next(); !r.done; r = it.next()) parts.push(r.value);
  return Buffer.concat(parts);
}

/**
 * Where RDB bytes go. Node's Writable (file stream, socket) fits: write()
 * returning false means "wait for 'drain'". A write() returning a Promise is
 * awaited (e.g. a FileHandle-based sink).
 */
export interface RdbSink {
  write(chunk: Buffer): boolean | void | Promise<unknown>;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Options of writeRdb. */
export interface WriteRdbOptions extends RdbWriterOptions {
  /** yield to the event loop after this many ms of work (default 5) */
  sliceMs?: number;
  /** how to yield (default: setImmediate) */
  yieldFn?: () => Promise<void>;
  /** abort between chunks when this returns true (throws Error('RDB save aborted')) */
  shouldAbort?: () => boolean;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Write a dataset as RDB to a sink, awaiting 'drain' when the sink asks for
 * it and yielding to the event loop every sliceMs of CPU time. The dataset's
 * iterators run across those yields: the caller must make sure the data
 * they see does not change underneath (snapshot / copy-on-write).
 */
export async function writeRdb(sink: RdbSink, dataset: RdbDataset, options: WriteRdbOptions = {}): Promise<RdbWriteStats> {
  const sliceMs = options.sliceMs ?? 5;
  const yieldFn = options.yieldFn ?? immediate;
  const it = rdbChunks(dataset, options);
  let sliceStart = performance.now();
  for (;;) {
    if (options.shouldAbort?.()) {
      it.return({ bytes: 0, keys: 0, skippedEmpty: 0 });
      throw new Error('RDB save aborted');
    }
    const r = it.next();
    if (r.done) return r.value;
    const res = sink.write(r.value);
    if (res instanceof Promise) {
      await res;
      sliceStart = performance.now();
    } else if (res === false && sink.once) {
      const once = sink.once.bind(sink);
      await new Promise<void>((resolve) => once('drain', resolve));
      sliceStart = performance.now();
    } else if (performance.now() - sliceStart >= sliceMs) {
      await yieldFn();
      sliceStart = performance.now();
    }
  }
}

/** Group flat key records into a dataset (ascending db ids), for tests and small saves. */
export function datasetFromRecords(
  records: Iterable<{ db: number; key: string; value: PlainValue; expireAt: number }>,
  aux?: RdbAuxInfo,
): RdbDataset {
  const byDb = new Map<number, RdbEntry[]>();
  for (const r of records) {
    let l = byDb.get(r.db);
    if (!l) byDb.set(r.db, (l = []));
    l.push({ key: r.key, value: r.value, expireAt: r.expireAt });
  }
  const dbs: RdbDbSource[] = [...byDb.keys()]
    .sort((a, b) => a - b)
    .map((id) => {
      const l = byDb.get(id) as RdbEntry[];
      return { id, size: l.length, expiresSize: l.filter((e) => e.expireAt >= 0).length, entries: () => l };
    });
  return { aux, dbs };
}
