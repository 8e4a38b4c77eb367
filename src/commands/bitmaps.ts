/**
 * Bitmap commands (bitops.c of Redis 7.0): SETBIT, GETBIT, BITCOUNT, BITPOS,
 * BITOP, BITFIELD and BITFIELD_RO. Bitmaps are string values: the string
 * helpers (lookup for write, "raw" encoding mark, int64 arguments) come from
 * strings.ts.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { readString, wrote } from './util';
import type { Client } from '../server/client';
import { int64Number, lookupStringWrite, markRaw, optName, parseInt64, storeString } from './strings';
import { RBigString, strByteAt, strFromBytes, strWrite, type StrValue } from '../keyspace/big-string';

const INT64_MAX = 9223372036854775807n;

const BIT_OFFSET_ERR = 'ERR bit offset is not an integer or out of range';

/** Bits set in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/**
 * getBitOffsetFromArgument: a bit offset, `#n` meaning n*bits when `bits` > 0
 * (BITFIELD), refused when negative or past proto-max-bulk-len bytes.
 */
function bitOffsetArg(c: Client, arg: string, bits: number): number {
  const usehash = bits > 0 && arg.charCodeAt(0) === 35;
  const v = parseInt64(usehash ? arg.slice(1) : arg);
  if (v === null) throw new RedisError(BIT_OFFSET_ERR);
  let off = Number(v);
  if (usehash) off *= bits;
  if (off < 0 || (!c.isMaster && Math.floor(off / 8) >= c.server.config.settings.protoMaxBulkLen)) {
    throw new RedisError(BIT_OFFSET_ERR);
  }
  return off;
}

/**
 * lookupStringForBitCommand: the string at key, created or zero-padded so the
 * byte holding `maxbit` exists; it becomes "raw" as dbUnshareStringValue()
 * leaves it. Returns the entry and how many bytes were added.
 */
function stringForBits(c: Client, key: string, maxbit: number): { value: StrValue; grew: number } {
  const byte = Math.floor(maxbit / 8);
  const e = lookupStringWrite(c, key);
  let value: StrValue;
  let grew = 0;
  if (e === undefined) {
    value = byte + 1 <= 1024 ? '\0'.repeat(byte + 1) : strWrite(undefined, byte, '\0');
    grew = byte + 1;
    c.db.set(key, value);
  } else {
    value = e;
    if (value.length < byte + 1) {
      grew = byte + 1 - value.length;
      // past STRING_LIMIT the value becomes (or grows in place as) an RBigString
      value = strWrite(value, byte, '\0');
      c.db.set(key, value, true);
    }
  }
  markRaw(c.db, key);
  return { value, grew };
}

/** Format: SETBIT key offset value */
function setbitCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const off = bitOffsetArg(c, argv[2], 0);
  const on = parseInt64(argv[3]);
  if (on !== 0 && on !== 1) throw new RedisError('ERR bit is not an integer or out of range');
  const { value: s, grew } = stringForBits(c, key, off);
  const byte = Math.floor(off / 8);
  const bit = 7 - (off % 8);
  const byteval = strByteAt(s, byte);
  const bitval = (byteval >> bit) & 1;
  // only a real change (or growth) is a write: an unchanged SETBIT is not propagated
  if (grew > 0 || bitval !== on) {
    const nb = (byteval & ~(1 << bit)) | (on << bit);
    if (typeof s === 'string') c.db.set(key, s.slice(0, byte) + String.fromCharCode(nb) + s.slice(byte + 1), true);
    else {
      s.buf[byte] = nb;
      c.db.set(key, s, true);
    }
    markRaw(c.db, key);
    wrote(c, key, '$', 'setbit');
  }
  c.reply.int(bitval);
}

/** Format: GETBIT key offset */
function getbitCommand(c: Client, argv: string[]): void {
  const off = bitOffsetArg(c, argv[2], 0);
  const v = readString(c, argv[1]);
  if (v === null) {
    c.reply.int(0);
    return;
  }
  const byte = Math.floor(off / 8);
  c.reply.int(byte < v.length ? (strByteAt(v, byte) >> (7 - (off % 8))) & 1 : 0);
}

/** Count the set bits of s in bytes [from, to]. */
function popcount(s: StrValue, from: number, to: number): number {
  let n = 0;
  if (typeof s === 'string') for (let i = from; i <= to; i++) n += POPCOUNT[s.charCodeAt(i)];
  else {
    const b = s.buf;
    for (let i = from; i <= to; i++) n += POPCOUNT[b[i]];
  }
  return n;
}

/** Parse BYTE | BIT (true for BIT). */
function unitArg(a: string): boolean {
  const o = optName(a);
  if (o === 'bit') return true;
  if (o !== 'byte') throw new RedisError(Err.syntax);
  return false;
}

/** Format: BITCOUNT key [start end [BYTE | BIT]] */
function bitcountCommand(c: Client, argv: string[]): void {
  // Redis 7.0 looks the key up before parsing the range: a missing key is 0 whatever follows
  const s = readString(c, argv[1]);
  if (s === null) {
    c.reply.int(0);
    return;
  }
  const len = s.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    start = int64Number(argv[2]);
    end = int64Number(argv[3]);
    if (start < 0 && end < 0 && start > end) {
      c.reply.int(0);
      return;
    }
    const isbit = argv.length === 5 ? unitArg(argv[4]) : false;
    const tot = isbit ? len * 8 : len;
    if (start < 0) start = tot + start;
    if (end < 0) end = tot + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= tot) end = tot - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
      lastMask = (1 << (7 - (end % 8))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argv.length === 2) {
    start = 0;
    end = len - 1;
  } else throw new RedisError(Err.syntax);
  if (start > end) {
    c.reply.int(0);
    return;
  }
  let n = popcount(s, start, end);
  if (firstMask !== 0) n -= POPCOUNT[strByteAt(s, start) & firstMask];
  if (lastMask !== 0) n -= POPCOUNT[strByteAt(s, end) & lastMask];
  c.reply.int(n);
}

/** First bit equal to `bit` among bit positions [from, to] of s, or -1. */
function findBit(s: StrValue, from: number, to: number, bit: number): number {
  let pos = from;
  while (pos <= to && pos % 8 !== 0) {
    if (((strByteAt(s, Math.floor(pos / 8)) >> (7 - (pos % 8))) & 1) === bit) return pos;
    pos++;
  }
  // whole bytes: skip the ones that cannot contain the bit
  const skip = bit ? 0 : 0xff;
  while (pos + 7 <= to) {
    const b = strByteAt(s, pos / 8);
    if (b !== skip) {
      for (let k = 0; k < 8; k++) if (((b >> (7 - k)) & 1) === bit) return pos + k;
    }
    pos += 8;
  }
  while (pos <= to) {
    if (((strByteAt(s, Math.floor(pos / 8)) >> (7 - (pos % 8))) & 1) === bit) return pos;
    pos++;
  }
  return -1;
}

/** Format: BITPOS key bit [start [end [BYTE | BIT]]] */
function bitposCommand(c: Client, argv: string[]): void {
  const bit = parseInt64(argv[2]);
  if (bit === null) throw new RedisError(Err.notInt);
  if (bit !== 0 && bit !== 1) throw new RedisError('ERR The bit argument must be 1 or 0.');
  // as BITCOUNT: a missing key is an endless run of zeros, whatever the range says
  const s = readString(c, argv[1]);
  if (s === null) {
    c.reply.int(bit ? -1 : 0);
    return;
  }
  const len = s.length;
  let endGiven = false;
  let fromBit: number;
  let toBit: number;
  if (argv.length >= 4 && argv.length <= 6) {
    let start = int64Number(argv[3]);
    const isbit = argv.length === 6 ? unitArg(argv[5]) : false;
    let end: number;
    if (argv.length >= 5) {
      end = int64Number(argv[4]);
      endGiven = true;
    } else end = isbit ? len * 8 + 7 : len - 1;
    const tot = isbit ? len * 8 : len;
    if (start < 0) start = tot + start;
    if (end < 0) end = tot + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= tot) end = tot - 1;
    if (start > end) {
      c.reply.int(-1);
      return;
    }
    fromBit = isbit ? start : start * 8;
    toBit = isbit ? end : end * 8 + 7;
  } else if (argv.length === 3) {
    if (len === 0) {
      c.reply.int(-1);
      return;
    }
    fromBit = 0;
    toBit = len * 8 - 1;
  } else throw new RedisError(Err.syntax);
  const pos = findBit(s, fromBit, toBit, bit);
  if (pos >= 0) c.reply.int(pos);
  else if (bit === 1 || endGiven) c.reply.int(-1);
  // looking for a clear bit with an open end: the string counts as zero-padded on the right
  else c.reply.int((Math.floor(toBit / 8) + 1) * 8);
}

/** Format: BITOP AND | OR | XOR | NOT destkey key [key ...] */
function bitopCommand(c: Client, argv: string[]): void {
  const op = optName(argv[1]);
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') throw new RedisError(Err.syntax);
  if (op === 'not' && argv.length !== 4) throw new RedisError('ERR BITOP NOT must be called with a single source key.');
  const dest = argv[2];
  const n = argv.length - 3;
  const srcs: StrValue[] = [];
  let maxlen = 0;
  for (let j = 0; j < n; j++) {
    const v = readString(c, argv[j + 3]);
    const s = v === null ? '' : v;
    srcs.push(s);
    if (s.length > maxlen) maxlen = s.length;
  }
  if (maxlen > 0) {
    const out = Buffer.allocUnsafe(maxlen);
    const s0 = srcs[0];
    for (let i = 0; i < maxlen; i++) {
      let o = i < s0.length ? strByteAt(s0, i) : 0;
      if (op === 'not') o = ~o & 0xff;
      for (let j = 1; j < n; j++) {
        const s = srcs[j];
        const b = i < s.length ? strByteAt(s, i) : 0;
        if (op === 'and') o &= b;
        else if (op === 'or') o |= b;
        else o ^= b;
      }
      out[i] = o;
    }
    storeString(c, dest, strFromBytes(out), false);
    markRaw(c.db, dest);
    wrote(c, dest, '$', 'set');
  } else if (c.db.delete(dest)) {
    // an empty result deletes the destination (dbDelete: even a logically expired one)
    wrote(c, dest, 'g', 'del');
  }
  c.reply.int(maxlen);
}

const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;
const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const U64_MASK = (1n << 64n) - 1n;

/** One BITFIELD operation. */
interface BitfieldOp {
  offset: number;
  value: bigint;
  opcode: number;
  owtype: number;
  bits: number;
  signed: boolean;
}

/** int64 reinterpretation of a uint64 bit pattern. */
function toInt64(u: bigint): bigint {
  return BigInt.asIntN(64, u);
}

/** Read `bits` bits at bit `offset` as unsigned (buf reads as zeros past its end). */
function getUnsignedBits(buf: Buffer, offset: number, bits: number): bigint {
  let v = 0n;
  for (let j = 0; j < bits; j++, offset++) {
    const byte = Math.floor(offset / 8);
    const b = byte < buf.length ? (buf[byte] >> (7 - (offset % 8))) & 1 : 0;
    v = (v << 1n) | BigInt(b);
  }
  return v;
}

function getSignedBits(buf: Buffer, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsignedBits(buf, offset, bits));
}

function setBits(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(64, value);
  for (let j = 0; j < bits; j++, offset++) {
    const bitval = Number((u >> BigInt(bits - 1 - j)) & 1n);
    const byte = Math.floor(offset / 8);
    const bit = 7 - (offset % 8);
    buf[byte] = (buf[byte] & ~(1 << bit)) | (bitval << bit);
  }
}

/** checkUnsignedBitfieldOverflow on uint64 `value`: [overflow (0, 1, -1), limit]. */
function unsignedOverflow(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = toInt64((max - value) & U64_MASK);
  const minincr = toInt64(-value & U64_MASK);
  if (value > max || (incr > 0n && incr > maxincr)) {
    return [1, owtype === OW_WRAP ? (value + incr) & U64_MASK & max : owtype === OW_SAT ? max : 0n];
  }
  if (incr < 0n && incr < minincr) return [-1, owtype === OW_WRAP ? (value + incr) & U64_MASK & max : 0n];
  return [0, 0n];
}

/** checkSignedBitfieldOverflow on int64 `value`: [overflow (0, 1, -1), limit]. */
function signedOverflow(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = toInt64((max - value) & U64_MASK);
  const minincr = toInt64((min - value) & U64_MASK);
  const wrap = (): bigint => {
    let cc = (value + incr) & U64_MASK;
    if (bits < 64) {
      const mask = U64_MASK ^ ((1n << BigInt(bits)) - 1n);
      cc = cc & (1n << BigInt(bits - 1)) ? cc | mask : cc & ~mask & U64_MASK;
    }
    return toInt64(cc);
  };
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, owtype === OW_WRAP ? wrap() : owtype === OW_SAT ? max : 0n];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, owtype === OW_WRAP ? wrap() : owtype === OW_SAT ? min : 0n];
  }
  return [0, 0n];
}

const BITFIELD_TYPE_ERR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/** getBitfieldTypeFromArgument: `i1`..`i64` or `u1`..`u63`. */
function bitfieldType(arg: string): { signed: boolean; bits: number } {
  const s0 = arg.charCodeAt(0);
  if (s0 !== 105 && s0 !== 117) throw new RedisError(BITFIELD_TYPE_ERR);
  const signed = s0 === 105;
  const nul = arg.indexOf('\0');
  const v = parseInt64(nul >= 0 ? arg.slice(1, nul) : arg.slice(1));
  if (typeof v !== 'number' || v < 1 || (signed && v > 64) || (!signed && v > 63)) throw new RedisError(BITFIELD_TYPE_ERR);
  return { signed, bits: v };
}

/**
 * Format: BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL] SET encoding offset value | INCRBY encoding offset increment ...]
 * and (readOnly) BITFIELD_RO key [GET encoding offset ...].
 */
function bitfieldGeneric(c: Client, argv: string[], readOnly: boolean): void {
  const ops: BitfieldOp[] = [];
  let owtype = OW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = optName(argv[j]);
    let opcode: number;
    if (sub === 'get' && rem >= 2) opcode = OP_GET;
    else if (sub === 'set' && rem >= 3) opcode = OP_SET;
    else if (sub === 'incrby' && rem >= 3) opcode = OP_INCRBY;
    else if (sub === 'overflow' && rem >= 1) {
      const t = optName(argv[++j]);
      if (t === 'wrap') owtype = OW_WRAP;
      else if (t === 'sat') owtype = OW_SAT;
      else if (t === 'fail') owtype = OW_FAIL;
      else throw new RedisError('ERR Invalid OVERFLOW type specified');
      continue;
    } else throw new RedisError(Err.syntax);
    const { signed, bits } = bitfieldType(argv[j + 1]);
    const offset = bitOffsetArg(c, argv[j + 2], bits);
    let value = 0n;
    if (opcode !== OP_GET) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      const v = parseInt64(argv[j + 3]);
      if (v === null) throw new RedisError(Err.notInt);
      value = BigInt(v);
    }
    ops.push({ offset, value, opcode, owtype, bits, signed });
    j += opcode === OP_GET ? 2 : 3;
  }
  const key = argv[1];
  let buf: Buffer;
  let entry: StrValue | null = null;
  let grew = 0;
  if (readonly) {
    const v = readString(c, key);
    buf = v === null ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v, 'latin1') : v.bytes;
  } else {
    if (readOnly) throw new RedisError('ERR BITFIELD_RO only supports the GET subcommand');
    const r = stringForBits(c, key, highest);
    entry = r.value;
    grew = r.grew;
    // an RBigString is changed in place
    buf = typeof entry === 'string' ? Buffer.from(entry, 'latin1') : entry.bytes;
  }
  const r = c.reply;
  r.arrayLen(ops.length);
  let changes = 0;
  for (const op of ops) {
    if (op.opcode === OP_GET) {
      r.int(op.signed ? getSignedBits(buf, op.offset, op.bits) : getUnsignedBits(buf, op.offset, op.bits));
      continue;
    }
    let oldval: bigint;
    let newval: bigint;
    let retval: bigint;
    let overflow: number;
    let limit: bigint;
    if (op.signed) {
      oldval = getSignedBits(buf, op.offset, op.bits);
      if (op.opcode === OP_INCRBY) {
        [overflow, limit] = signedOverflow(oldval, op.value, op.bits, op.owtype);
        newval = overflow ? limit : oldval + op.value;
        retval = newval;
      } else {
        newval = op.value;
        [overflow, limit] = signedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    } else {
      oldval = getUnsignedBits(buf, op.offset, op.bits);
      if (op.opcode === OP_INCRBY) {
        newval = (oldval + op.value) & U64_MASK;
        [overflow, limit] = unsignedOverflow(oldval, op.value, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = newval;
      } else {
        newval = op.value & U64_MASK;
        [overflow, limit] = unsignedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    }
    if (overflow && op.owtype === OW_FAIL) {
      r.nullBulk();
      continue;
    }
    r.int(toInt64(retval & U64_MASK));
    setBits(buf, op.offset, op.bits, newval);
    if (grew > 0 || oldval !== newval) changes++;
  }
  if (changes > 0 && entry !== null) {
    c.db.set(key, entry instanceof RBigString ? entry : buf.toString('latin1'), true);
    markRaw(c.db, key);
    const srv = c.server;
    srv.notifyKeyspaceEvent('$', 'setbit', key, c.db.id);
    srv.dirty += changes;
  }
}

/** Bitmap command specs. */
export const bitmapCommands: CommandSpec[] = [
  cmd('setbit', 4, 'write denyoom', 1, 1, 1, setbitCommand),
  cmd('getbit', 3, 'readonly fast', 1, 1, 1, getbitCommand),
  cmd('bitcount', -2, 'readonly', 1, 1, 1, bitcountCommand),
  cmd('bitpos', -3, 'readonly', 1, 1, 1, bitposCommand),
  cmd('bitop', -4, 'write denyoom', 2, -1, 1, bitopCommand),
  cmd('bitfield', -2, 'write denyoom', 1, 1, 1, (c, argv) => bitfieldGeneric(c, argv, false)),
  cmd('bitfield_ro', -2, 'readonly fast', 1, 1, 1, (c, argv) => bitfieldGeneric(c, argv, true)),
];
