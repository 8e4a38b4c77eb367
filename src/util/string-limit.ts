/**
 * The largest string V8 can hold (buffer.constants.MAX_STRING_LENGTH:
 * 2^29-24 = 536,870,888 on 64-bit) is shorter than Redis's 512 MB
 * proto-max-bulk-len. tredis keeps values as latin1 JS strings up to
 * STRING_LIMIT bytes; a longer value is held as bytes (keyspace/big-string.ts),
 * so every size Redis accepts works.
 *
 * STRING_LIMIT is MAX_STRING_BYTES, except under the test knob: the
 * environment variable TREDIS_TEST_STRING_LIMIT (read at start-up) or
 * setStringLimitForTests() lowers it so that tests exercise the big-value
 * paths with values of a few MB. Not a configuration directive: never set it
 * in production (values past it cost a Buffer each).
 */
import { constants } from 'node:buffer';
import { randomBytes } from 'node:crypto';

/** V8's maximum string length, in bytes of a latin1 string. */
export const MAX_STRING_BYTES: number = constants.MAX_STRING_LENGTH;

function fromEnv(): number {
  const v = Number(process.env.TREDIS_TEST_STRING_LIMIT ?? '');
  return Number.isInteger(v) && v >= 64 && v < MAX_STRING_BYTES ? v : MAX_STRING_BYTES;
}

/** Values longer than this many bytes are held as bytes, not as a JS string (MAX_STRING_BYTES unless lowered for tests). */
export let STRING_LIMIT: number = fromEnv();

/** Tests only: values longer than `bytes` (64 .. MAX_STRING_BYTES) are held as bytes; no argument restores V8's limit. */
export function setStringLimitForTests(bytes: number = MAX_STRING_BYTES): void {
  if (!Number.isInteger(bytes) || bytes < 64 || bytes > MAX_STRING_BYTES) throw new RangeError(`string limit must be 64..${MAX_STRING_BYTES}`);
  STRING_LIMIT = bytes;
}

/** The error of a command that carried such an argument where it takes no value (a key, ECHO, HSET ...). */
export function argumentTooLong(): string {
  return `ERR argument exceeds maximum allowed size (tredis holds arguments of this command up to ${STRING_LIMIT} bytes)`;
}

/** The error of a command reading such a value that it cannot take (LCS, a script, SORT BY ...). */
export function valueTooLong(): string {
  return `ERR value exceeds maximum allowed size for this command (tredis holds strings up to ${STRING_LIMIT} bytes as text)`;
}

const TOKEN_PREFIX = `\0tredis-big-argument:${randomBytes(16).toString('hex')}:`;
let tokenSeq = 0;

/**
 * The placeholder that stands in argv for an argument longer than
 * STRING_LIMIT (its bytes travel beside argv, in Client.bigArgs): unique in
 * the process and unguessable, so no client argument can pass for one.
 */
export function bigArgToken(): string {
  return TOKEN_PREFIX + String(++tokenSeq) + '\0';
}
