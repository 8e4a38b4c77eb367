/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] as Redis 7.0: the
 * master pauses writes, waits until a replica acknowledged its whole stream,
 * turns itself into a replica of it and sends PSYNC ... FAILOVER, which makes
 * that replica a master that can partially resync everybody.
 */
import type { Client } from '../server/client';
import { RedisError, Err } from '../protocol/errors';
import { parseLongLong } from '../commands/util';
import type { Replication } from './replication';

/** master_failover_state values. */
export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

/** Largest setTimeout delay: pauses "forever" until the failover ends. */
const FOREVER_MS = 2147483647;

/** The coordinated failover state machine. */
export class Failover {
  state: FailoverState = 'no-failover';
  /** ms deadline (0: none) */
  endTime = 0;
  force = false;
  targetHost: string | null = null;
  targetPort = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly repl: Replication) {}

  /** master_failover_state */
  stateString(): string {
    return this.state;
  }

  /** Format: FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds] */
  command(c: Client, argv: string[]): void {
    const s = this.repl.server;
    if (argv.length === 2 && argv[1].toLowerCase() === 'abort') {
      if (this.state === 'no-failover') throw new RedisError('ERR No failover in progress.');
      this.abort('Failover manually aborted');
      c.reply.ok();
      return;
    }
    let timeout = 0;
    let force = false;
    let host: string | null = null;
    let port = 0;
    for (let j = 1; j < argv.length; j++) {
      const a = argv[j].toLowerCase();
      if (a === 'timeout' && j + 1 < argv.length && timeout === 0) {
        const t = parseLongLong(argv[j + 1]);
        if (t === null) throw new RedisError(Err.notInt);
        if (t <= 0n) throw new RedisError('ERR FAILOVER timeout must be greater than 0');
        timeout = Number(t);
        j++;
      } else if (a === 'to' && j + 2 < argv.length && host === null) {
        const p = parseLongLong(argv[j + 2]);
        if (p === null) throw new RedisError(Err.notInt);
        host = argv[j + 1];
        port = Number(p);
        j += 2;
      } else if (a === 'force' && !force) {
        force = true;
      } else {
        throw new RedisError(Err.syntax);
      }
    }
    if (this.state !== 'no-failover') throw new RedisError('ERR FAILOVER already in progress.');
    if (this.repl.isReplica()) throw new RedisError('ERR FAILOVER is not valid when server is a replica.');
    if (this.repl.master.links.length === 0) throw new RedisError('ERR FAILOVER requires connected replicas.');
    if (force && (!timeout || host === null)) throw new RedisError('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    if (host !== null) {
      const replica = this.repl.master.findReplica(host, port);
      if (replica === undefined) throw new RedisError('ERR FAILOVER target HOST and PORT is not a replica.');
      if (replica.state !== 'online') throw new RedisError('ERR FAILOVER target replica is not online.');
      this.targetHost = host;
      this.targetPort = port;
      s.logger.notice(`FAILOVER requested to ${host}:${port}.`);
    } else {
      s.logger.notice('FAILOVER requested to any replica.');
    }
    this.endTime = timeout ? s.now() + timeout : 0;
    this.force = force;
    this.state = 'waiting-for-sync';
    s.pause.pause(FOREVER_MS, true);
    this.startTimer();
    c.reply.ok();
  }

  /** Redis checks the failover ten times a second while one is pending. */
  private startTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.update(), 100);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** clearFailoverState(): also lifts the write pause. */
  clear(): void {
    this.endTime = 0;
    this.force = false;
    this.targetHost = null;
    this.targetPort = 0;
    this.state = 'no-failover';
    this.stopTimer();
    this.repl.server.pause.unpause();
  }

  /** abortFailover() */
  abort(err: string): void {
    if (this.state === 'no-failover') return;
    const s = this.repl.server;
    if (this.targetHost !== null) s.logger.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${err}`);
    else s.logger.notice(`FAILOVER to any replica aborted: ${err}`);
    if (this.state === 'failover-in-progress') this.repl.replica.unsetMaster();
    this.clear();
  }

  /** updateFailoverStatus() */
  update(): void {
    if (this.state !== 'waiting-for-sync') return;
    const s = this.repl.server;
    const now = s.now();
    if (this.endTime && this.endTime <= now) {
      if (this.force) {
        s.logger.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.state = 'failover-in-progress';
        this.repl.replica.setMaster(this.targetHost as string, this.targetPort);
      } else {
        this.abort('Replica never caught up before timeout');
      }
      return;
    }
    const offset = this.repl.masterReplOffset;
    let replica = this.targetHost !== null ? this.repl.master.findReplica(this.targetHost, this.targetPort) : undefined;
    if (this.targetHost === null) {
      replica = this.repl.master.links.find((l) => l.ackOffset === offset);
      if (replica !== undefined) {
        this.targetHost = replica.ip();
        this.targetPort = replica.client.replListeningPort;
      }
    }
    if (replica !== undefined && replica.ackOffset === offset) {
      this.state = 'failover-in-progress';
      s.logger.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
      this.repl.replica.setMaster(this.targetHost as string, this.targetPort);
    }
  }

  /** Server shutdown. */
  shutdown(): void {
    this.stopTimer();
  }
}
