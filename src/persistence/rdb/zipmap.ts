/**
 * Zipmap (RDB type 9, Redis <= 2.4 small hashes) decoding, with the checks of
 * zipmapValidateIntegrity (deep).
 *
 * Layout: <count: 1 byte, 254 = unknown> (<len> key <len> <free: 1 byte> value <free bytes>)* <0xFF>
 * len: 1 byte when < 254, else 0xFE followed by a u32 LE.
 */
import { RdbError } from './errors';

function bad(what: string, at: number): RdbError {
  return new RdbError('CORRUPT', `${what} (at byte ${at} of the zipmap)`);
}

/**
 * Decode a zipmap held in b[start..end) into a flat [field, value, ...] array.
 * Throws RdbError('CORRUPT') when invalid or empty.
 */
export function decodeZipmap(b: Buffer, start = 0, end: number = b.length): string[] {
  const size = end - start;
  if (size < 2) throw bad(`zipmap too short (${size} bytes)`, 0);
  if (b[end - 1] !== 0xff) throw bad('missing terminator', size - 1);
  const last = end - 1;
  const out: string[] = [];
  let p = start + 1;
  const readLen = (): number => {
    const c = b[p];
    if (c < 254) {
      p += 1;
      return c;
    }
    if (p + 5 > last) throw bad('length overflows', p - start);
    const l = b.readUInt32LE(p + 1);
    p += 5;
    return l;
  };
  while (p < last && b[p] !== 0xff) {
    const klen = readLen();
    if (p + klen > last) throw bad('field overflows', p - start);
    const field = b.toString('latin1', p, p + klen);
    p += klen;
    if (p >= last) throw bad('value length missing', p - start);
    const vlen = readLen();
    if (p >= last) throw bad('free byte missing', p - start);
    const free = b[p++];
    if (p + vlen + free > last) throw bad('value overflows', p - start);
    const value = b.toString('latin1', p, p + vlen);
    p += vlen + free;
    out.push(field, value);
  }
  if (p !== last) throw bad('entries overrun the terminator', p - start);
  const count = out.length / 2;
  if (count === 0) throw bad('empty zipmap', 0);
  if (b[start] !== 254 && b[start] !== count) throw bad(`header says ${b[start]} entries but ${count} were found`, 0);
  return out;
}
