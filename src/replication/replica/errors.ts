/**
 * Why a step of the replica's sync failed, and what the run loop does next:
 * retry at once ("Reconnecting to MASTER ... after failure", Redis's
 * cancelReplicationHandshake(reconnect=1)), at the next cron second
 * ("Connecting to MASTER ...") or stop. A step never logs its own failure:
 * the error carries the lines, in Redis's words, and the loop logs them.
 */
import { ReadError } from './stream-reader';

/** What the run loop does after a failed step. */
export type Retry = 'now' | 'later' | 'stop';

/** One log line to write, at Redis's level. */
export interface LogLine {
  level: 'warning' | 'notice';
  text: string;
}

/** A failed step: how to go on and what to log (in order). */
export class ReplicaStepError extends Error {
  constructor(
    readonly retry: Retry,
    readonly lines: readonly LogLine[] = [],
  ) {
    super(lines.length > 0 ? lines[0].text : `replication sync step failed (retry ${retry})`);
  }
}

/** The connection or the handshake (PING, AUTH, REPLCONF, PSYNC) failed. */
export class HandshakeError extends ReplicaStepError {}

/** Receiving or loading the master's RDB failed. */
export class TransferError extends ReplicaStepError {}

/**
 * The abort reason of an attempt: cancelled from outside (repl-timeout in the
 * cron: 'now'; REPLICAOF, FAILOVER, shutdown: 'stop'). Logs nothing, since
 * whoever cancelled has already said why.
 */
export class SyncCancelled extends ReplicaStepError {
  constructor(retry: 'now' | 'stop') {
    super(retry);
  }
}

/** Shorthands for the error lines. */
export const warning = (text: string): LogLine => ({ level: 'warning', text });
export const notice = (text: string): LogLine => ({ level: 'notice', text });

/**
 * A read on the master socket failed: when the attempt was aborted, its
 * reason (silent); when the socket closed, the step's own error built from
 * the connection's error text; anything else as it is.
 */
export function readFailed(e: unknown, signal: AbortSignal, fail: (why: string) => ReplicaStepError): never {
  if (signal.aborted) throw signal.reason;
  if (e instanceof ReadError) throw fail(e.message);
  throw e;
}
