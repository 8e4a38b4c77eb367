/** The types of the streaming RDB reader's interface (handlers, options, the summary of a read) and its parse states. */
import { MAX_STRING_BYTES } from '../../util/string-limit';
import type { KeyMeta, PlainValue } from './model';

/** Callbacks of the reader, called synchronously from push()/end(). */
export interface RdbHandlers {
  /** An AUX field (redis-ver, ctime, repl-id, repl-offset, ...). */
  onAux?(key: string, value: string): void;
  /** SELECTDB opcode. */
  onSelectDb?(db: number): void;
  /** RESIZEDB hint for the current db. */
  onResizeDb?(dbSize: number, expiresSize: number): void;
  /**
   * One key. expireAtMs is the absolute unix time in ms or -1. The reader never
   * drops expired keys: Redis masters do on load, replicas do not; the caller decides.
   * meta is present only when the file carried IDLE/FREQ opcodes for the key.
   */
  onKey(db: number, key: string, value: PlainValue, expireAtMs: number, meta?: KeyMeta): void;
  /**
   * Optional fast path for plain string keys: when set, string values are
   * delivered here (without a PlainValue wrapper or meta) instead of onKey.
   */
  onString?(db: number, key: string, value: string, expireAtMs: number): void;
  /**
   * A function library (FUNCTION2 payload, or a pre-GA one translated to the
   * same "#!engine name=lib\n..." form). Without this handler such files are refused.
   */
  onFunction?(code: string): void;
  /** Non-fatal notices in Redis's words (empty keys skipped, checksum disabled). */
  onWarning?(message: string): void;
  /** Called once after the EOF opcode and checksum were read and checked. */
  onEnd?(summary: RdbSummary): void;
}

/** What the reader found, available as `reader.summary` once done. */
export interface RdbSummary {
  /** RDB format version from the header */
  version: number;
  /** keys delivered to onKey */
  keys: number;
  /** empty aggregates skipped (as Redis does) */
  emptyKeysSkipped: number;
  /**
   * verified: stored CRC matched; disabled: stored CRC was 0 (saved with
   * rdbchecksum no); absent: version < 5 has no CRC; skipped: verifyChecksum was off
   */
  checksum: 'verified' | 'disabled' | 'absent' | 'skipped';
  /** stored CRC as 16 hex digits, null when absent */
  storedChecksum: string | null;
  /** total bytes of the RDB (header to checksum included) */
  bytes: number;
}

/** Reader options. */
export interface RdbReaderOptions {
  /** verify the CRC-64 at the end (default true; a stored 0 is never checked, as Redis) */
  verifyChecksum?: boolean;
  /** refuse SELECTDB >= databases (Redis's "databases" config); default: no limit */
  databases?: number;
}

// ---- the reader's parse states and small helpers (reader.ts)

/** Thrown internally when the buffered bytes end in the middle of a unit. */
export class NeedMore {
  /** absolute offset where the failing read started */
  at = 0;
  /** absolute offset up to which bytes are needed */
  need = 0;
  what = '';
}
export const NEED = new NeedMore();

export const S_MAGIC = 0;
export const S_OP = 1;
export const S_VALUE = 2;
export const S_CKSUM = 3;
export const S_DUMP = 4;
export const S_DONE = 5;

export const EMPTY = Buffer.alloc(0);
export const MAX_BUFFER = 0x7fffffff;

/** The RdbError text for a string no JS string can hold. */
export function tooLongText(bytes: number): string {
  return `String of ${bytes} bytes exceeds the largest string tredis can hold (${MAX_STRING_BYTES} bytes)`;
}
export const TWO32 = 4294967296;

export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

