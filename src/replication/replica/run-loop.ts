/**
 * The replica's run loop: one attempt after another of the awaited steps
 * connect -> PING -> AUTH -> REPLCONF -> PSYNC -> transfer/load -> stream,
 * until one ends with the master link streaming (losing it later starts a
 * new loop). A step that fails throws a ReplicaStepError: the loop logs its
 * lines in Redis's words and retries at once ("Reconnecting to MASTER ...
 * after failure"), after a second ("Connecting to MASTER ...") or stops.
 * Stopping the loop is aborting its signal (REPLICAOF, FAILOVER, shutdown):
 * that cancels the attempt in progress and the back-off wait.
 */
import type { Server } from '../../server/server';
import type { ReplicaSide } from './replica-side';
import { SyncAttempt } from './attempt';
import { ReplicaStepError, type Retry } from './errors';
import { connect, ping, auth, replconf, psync } from './handshake';
import { transfer } from './transfer';

/** connectWithMaster() + syncWithMaster() + readSyncBulkPayload(): the steps of one attempt, in order. */
async function syncWithMaster(att: SyncAttempt, signal: AbortSignal): Promise<void> {
  await connect(att, signal);
  await ping(att, signal);
  const sent = await auth(att, signal);
  await replconf(att, signal, sent);
  if ((await psync(att, signal)) === 'continue') return; // the cached master streams again
  await transfer(att, signal); // ends with the new master streaming
}

/** Log a failed attempt in Redis's words; how to go on. */
function failed(s: Server, e: unknown): Retry {
  if (e instanceof ReplicaStepError) {
    for (const line of e.lines) s.logger[line.level](line.text);
    return e.retry;
  }
  s.logger.warning(`Unexpected error in replication with MASTER: ${(e as Error).stack ?? e}`);
  return 'later';
}

/** Resolves true after ms, or false as soon as the signal is aborted (the timer is cleared). */
function backOff(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Connect and synchronize with side.masterHost:masterPort until the master
 * link is up or the signal is aborted. `first` words the first log line:
 * "Connecting to MASTER" or, after a lost link, "Reconnecting to MASTER".
 */
export async function runLoop(side: ReplicaSide, signal: AbortSignal, first: 'connect' | 'reconnect'): Promise<void> {
  let how: 'connect' | 'reconnect' | 'after-failure' = first;
  for (;;) {
    const s = side.server;
    if (signal.aborted || side.masterHost === null || s.shuttingDown) return;
    const hp = `${side.masterHost}:${side.masterPort}`;
    s.logger.notice(how === 'connect' ? `Connecting to MASTER ${hp}` : how === 'reconnect' ? `Reconnecting to MASTER ${hp}` : `Reconnecting to MASTER ${hp} after failure`);
    let att: SyncAttempt | null = null;
    let retry: Retry;
    try {
      att = new SyncAttempt(side, signal);
      side.attempt = att;
      await syncWithMaster(att, att.signal);
      return;
    } catch (e) {
      retry = failed(s, e);
    }
    att?.dispose();
    if (signal.aborted || retry === 'stop') return;
    side.state = 'connect';
    if (retry === 'now') {
      how = 'after-failure';
      continue;
    }
    how = 'connect';
    const delay = side.retryDelay;
    side.retryDelay = 1000;
    if (!(await backOff(delay, signal))) return;
  }
}
