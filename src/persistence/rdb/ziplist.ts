/**
 * Ziplist decoding (RDB types 10, 12, 13 and the nodes of type 14), with the
 * checks of Redis's ziplistValidateIntegrity (deep).
 *
 * Layout: <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry>* <0xFF>
 * entry:  <prevlen: 1 byte, or 0xFE + u32 LE> <encoding> <data>
 */
import { RdbError } from './errors';
import { int64LEToString } from './numbers';

const ZIPLIST_HEADER_SIZE = 10;
const ZIP_END = 0xff;

function bad(what: string, at: number): RdbError {
  return new RdbError('CORRUPT', `${what} (at byte ${at} of the ziplist)`);
}

/**
 * Decode a ziplist held in b[start..end) into its elements; integers come back
 * in decimal form. Throws RdbError('CORRUPT') when it is not valid.
 */
export function decodeZiplist(b: Buffer, start = 0, end: number = b.length): string[] {
  const size = end - start;
  if (size < ZIPLIST_HEADER_SIZE + 1) throw bad(`ziplist too short (${size} bytes)`, 0);
  const zlbytes = b.readUInt32LE(start);
  if (zlbytes !== size) throw bad(`header says ${zlbytes} bytes but the blob has ${size}`, 0);
  const zltail = b.readUInt32LE(start + 4);
  if (zltail > size - 1) throw bad(`tail offset ${zltail} out of range`, 4);
  const zllen = b.readUInt16LE(start + 8);
  if (b[end - 1] !== ZIP_END) throw bad('missing terminator', size - 1);
  const last = end - 1;
  const out: string[] = [];
  let p = start + ZIPLIST_HEADER_SIZE;
  let prevLen = 0;
  let lastEntry = p;
  while (p < last) {
    const entry = p;
    let prevlen: number;
    if (b[p] < 254) {
      prevlen = b[p];
      p += 1;
    } else if (b[p] === 254) {
      if (p + 5 > last) throw bad('prevlen overflows', entry - start);
      prevlen = b.readUInt32LE(p + 1);
      p += 5;
    } else {
      throw bad('unexpected terminator', entry - start);
    }
    if (prevlen !== prevLen) throw bad(`prevlen ${prevlen} does not match the previous entry size ${prevLen}`, entry - start);
    if (p >= last) throw bad('entry header overflows', entry - start);
    const c = b[p];
    let v: string;
    let next: number;
    switch (c >> 6) {
      case 0: {
        const len = c & 0x3f;
        next = p + 1 + len;
        if (next > last) throw bad('string entry overflows', entry - start);
        v = b.toString('latin1', p + 1, next);
        break;
      }
      case 1: {
        if (p + 2 > last) throw bad('string header overflows', entry - start);
        const len = ((c & 0x3f) << 8) | b[p + 1];
        next = p + 2 + len;
        if (next > last) throw bad('string entry overflows', entry - start);
        v = b.toString('latin1', p + 2, next);
        break;
      }
      case 2: {
        if (p + 5 > last) throw bad('string header overflows', entry - start);
        const len = b.readUInt32BE(p + 1);
        next = p + 5 + len;
        if (next > last) throw bad('string entry overflows', entry - start);
        v = b.toString('latin1', p + 5, next);
        break;
      }
      default: {
        let n: number;
        if (c === 0xc0) n = 2;
        else if (c === 0xd0) n = 4;
        else if (c === 0xe0) n = 8;
        else if (c === 0xf0) n = 3;
        else if (c === 0xfe) n = 1;
        else if (c >= 0xf1 && c <= 0xfd) n = 0;
        else throw bad(`invalid entry encoding 0x${c.toString(16)}`, entry - start);
        next = p + 1 + n;
        if (next > last) throw bad('integer entry overflows', entry - start);
        const d = p + 1;
        switch (n) {
          case 0: v = String((c & 0x0f) - 1); break;
          case 1: v = String((b[d] << 24) >> 24); break;
          case 2: v = String(b.readInt16LE(d)); break;
          case 3: v = String(((b[d] | (b[d + 1] << 8) | (b[d + 2] << 16)) << 8) >> 8); break;
          case 4: v = String(b.readInt32LE(d)); break;
          default: v = int64LEToString(b, d); break;
        }
      }
    }
    out.push(v);
    prevLen = next - entry;
    lastEntry = entry;
    p = next;
  }
  if (p !== last) throw bad('entries overrun the terminator', p - start);
  if (lastEntry - start !== zltail) throw bad(`tail offset ${zltail} does not point to the last entry`, 4);
  if (zllen !== 0xffff && zllen !== out.length) throw bad(`header says ${zllen} entries but ${out.length} were found`, 8);
  return out;
}
