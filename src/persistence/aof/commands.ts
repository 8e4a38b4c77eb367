/**
 * The dataset as AOF commands (Redis's rewriteAppendOnlyFileRio), for a base
 * file written with `aof-use-rdb-preamble no`: `FUNCTION LOAD` per function
 * library, `SELECT` per non-empty db,
 * then per key SET / RPUSH / SADD / ZADD / HMSET (at most 64 items per
 * command, AOF_REWRITE_ITEMS_PER_CMD) and PEXPIREAT for keys with a TTL.
 */
import type { PlainValue } from '../rdb/model';
import { formatG17 } from '../../util/number-format';
import { ID_ZERO, ID_MAX, idString, type RStream } from '../../keyspace/types/stream';

const ITEMS_PER_CMD = 64;

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

/** Accumulates AOF commands as latin1 text, handed out in Buffers. */
export class AofCommandWriter {
  private out = '';
  private parts: Buffer[] = [];
  private partsBytes = 0;

  /** Bytes buffered and not taken yet. */
  get pending(): number {
    return this.partsBytes + this.out.length;
  }

  private push(s: string): void {
    this.out += s;
    if (this.out.length >= 1 << 16) this.spill();
  }

  private spill(): void {
    if (this.out.length === 0) return;
    const b = Buffer.from(this.out, 'latin1');
    this.parts.push(b);
    this.partsBytes += b.length;
    this.out = '';
  }

  /** `#TS:<unix seconds>` annotation (aof-timestamp-enabled). */
  timestamp(sec: number): void {
    this.push(`#TS:${sec}\r\n`);
  }

  /** FUNCTION LOAD <code> for a library (rewriteFunctions: before the databases). */
  functionLoad(code: string): void {
    this.push('*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n' + bulk(code));
  }

  /** SELECT <db> */
  selectDb(db: number): void {
    this.push('*2\r\n$6\r\nSELECT\r\n' + bulk(String(db)));
  }

  /** The commands rebuilding one key. */
  key(key: string, v: PlainValue, expireAt: number): void {
    switch (v.type) {
      case 'string':
        if (typeof v.value === 'string') this.push('*3\r\n$3\r\nSET\r\n' + bulk(key) + bulk(v.value));
        else {
          // longer than any JS string: its bytes join the output as they are
          this.push('*3\r\n$3\r\nSET\r\n' + bulk(key) + '$' + v.value.length + '\r\n');
          this.spill();
          // a copy: the value may change in place before the part is written
          this.parts.push(Buffer.from(v.value));
          this.partsBytes += v.value.length;
          this.push('\r\n');
        }
        break;
      case 'list':
        this.variadic('RPUSH', key, Array.isArray(v.value) ? v.value : [...v.value], 1);
        break;
      case 'set':
        this.variadic('SADD', key, [...v.value], 1);
        break;
      case 'hash': {
        const flat: string[] = [];
        for (const [f, val] of v.value) flat.push(f, val);
        this.variadic('HMSET', key, flat, 2);
        break;
      }
      case 'zset': {
        const flat: string[] = [];
        for (const [m, score] of v.value) flat.push(formatG17(score), m);
        this.variadic('ZADD', key, flat, 2);
        break;
      }
      case 'stream':
        this.stream(key, v.value);
        break;
    }
    if (expireAt >= 0) this.push('*3\r\n$9\r\nPEXPIREAT\r\n' + bulk(key) + bulk(String(expireAt)));
  }

  /** rewriteStreamObject: XADDs (or an emptied XADD), XSETID, then each group with its consumers and PELs. */
  private stream(key: string, s: RStream): void {
    const cmd = (...argv: string[]): void => {
      let out = '*' + argv.length + '\r\n';
      for (const a of argv) out += bulk(a);
      this.push(out);
    };
    if (s.length) {
      s.range(ID_ZERO, ID_MAX, false, (e) => {
        cmd('XADD', key, idString(e.id), ...e.fv);
        return true;
      });
    } else cmd('XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y');
    cmd('XSETID', key, idString(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', idString(s.maxDeletedId));
    for (const [name, cg] of s.sortedGroups()) {
      cmd('XGROUP', 'CREATE', key, name, idString(cg.lastId), 'ENTRIESREAD', String(cg.entriesRead));
      for (const cons of cg.sortedConsumers()) {
        if (cons.pel.size === 0) {
          cmd('XGROUP', 'CREATECONSUMER', key, name, cons.name);
          continue;
        }
        for (const nack of cons.pel.items) {
          cmd('XCLAIM', key, name, cons.name, '0', idString(nack.id), 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'JUSTID', 'FORCE');
        }
      }
    }
  }

  /** `cmd key item...` in commands of at most 64 items (an item is `width` arguments). */
  private variadic(cmd: string, key: string, flat: readonly string[], width: number): void {
    const items = flat.length / width;
    for (let i = 0; i < items; i += ITEMS_PER_CMD) {
      const n = Math.min(ITEMS_PER_CMD, items - i);
      let s = '*' + (2 + n * width) + '\r\n' + bulk(cmd) + bulk(key);
      for (let j = i * width; j < (i + n) * width; j++) s += bulk(flat[j]);
      this.push(s);
    }
  }

  /** Everything buffered so far. */
  take(): Buffer[] {
    this.spill();
    const p = this.parts;
    this.parts = [];
    this.partsBytes = 0;
    return p;
  }
}
