/**
 * Errors carrying Redis's exact reply text. Handlers throw them; the executor
 * writes `-<message>` and counts it in errorstats under its code.
 */
export class RedisError extends Error {
  constructor(message: string) {
    super(message);
  }
  /** The error code (first word), for INFO errorstats. */
  get code(): string {
    const sp = this.message.indexOf(' ');
    return sp < 0 ? this.message : this.message.slice(0, sp);
  }
}

/** Exact Redis 7.0 error texts used in more than one place. */
export const Err = {
  syntax: 'ERR syntax error',
  notInt: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  readOnly: "READONLY You can't write against a read only replica.",
  noReplicas: 'NOREPLICAS Not enough good replicas to write.',
  masterDown: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  loading: 'LOADING Redis is loading the dataset in memory',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  overflow: 'ERR increment or decrement would overflow',
  outOfRange: 'ERR index out of range',
  dbIndex: 'ERR DB index is out of range',
  timeoutNeg: 'ERR timeout is negative',
  timeoutInvalid: 'ERR timeout is not a float or out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  arity: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  notFloatOrOutOfRange: 'ERR value is not a valid float',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
} as const;

/** Throw a RedisError (handy in expressions). */
export function fail(message: string): never {
  throw new RedisError(message);
}

/**
 * A string as C's printf `%s` prints it: up to its first NUL byte. Redis
 * formats the names it echoes in error texts (groups, keys in NOGROUP,
 * categories, options, unknown commands...) with `%s`, so a name `\x00\xff`
 * prints as `''`; every such error text here passes the name through cstr.
 */
export function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}
