/** What went wrong, for callers that map RDB errors to Redis's replies or logs. */
export type RdbErrorCode =
  /** the input ended in the middle of something */
  | 'EOF'
  /** the bytes are not a valid RDB / encoding */
  | 'CORRUPT'
  /** stored CRC-64 differs from the computed one */
  | 'CHECKSUM'
  /** RDB version outside 1..10 */
  | 'VERSION'
  /** file does not start with "REDIS" */
  | 'SIGNATURE'
  /** valid RDB content that tredis cannot hold (streams, modules, functions) */
  | 'UNSUPPORTED'
  /** DUMP payload footer (version or CRC) is wrong: RESTORE's "DUMP payload version or checksum are wrong" */
  | 'DUMP_PAYLOAD';

/**
 * Every failure of the RDB codec. `offset` is the absolute byte offset in the
 * input where the problem was found (-1 when it does not apply); the message
 * always says what was being read and ends with "at offset N" when known.
 */
export class RdbError extends Error {
  override readonly name = 'RdbError';
  constructor(
    readonly code: RdbErrorCode,
    /** the message without the offset suffix */
    readonly detail: string,
    readonly offset: number = -1,
  ) {
    super(offset >= 0 ? `${detail} at offset ${offset}` : detail);
  }
}

/** Printable form of a binary key for error messages (escaped, truncated). */
export function printableKey(key: string): string {
  let out = '';
  const n = Math.min(key.length, 64);
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 32 && c < 127 && c !== 39 && c !== 92) out += key[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  if (key.length > 64) out += '...';
  return `'${out}'`;
}
