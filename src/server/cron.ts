/**
 * serverCron: runs `hz` times a second. Active expiry (Redis's
 * activeExpireCycle: sample keys with a TTL, repeat while more than 10% of the
 * sample was expired, within a time budget), ops/sec sampling, client
 * timeouts, and the periodic tasks subsystems register (replication cron,
 * save points, AOF fsync).
 */
import type { Server } from './server';
import { ReplicaKeysWithExpire } from './replica-expire';

const ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP = 20;
const ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC = 25;
const ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE = 10;

/** A periodic task: runs at most every `everyMs`. */
interface Task {
  name: string;
  everyMs: number;
  last: number;
  fn: (now: number) => void;
}

/** The server's timer. */
export class Cron {
  private timer: NodeJS.Timeout | null = null;
  private readonly tasks: Task[] = [];
  /** DEBUG SET-ACTIVE-EXPIRE */
  activeExpireEnabled = true;
  private expireDb = 0;
  cronLoops = 0;
  /** on a writable replica: the keys its own clients gave a TTL (Redis's slaveKeysWithExpire) */
  readonly replicaKeys = new ReplicaKeysWithExpire();

  constructor(private readonly server: Server) {}

  /** Register a periodic task. */
  every(name: string, everyMs: number, fn: (now: number) => void): void {
    this.tasks.push({ name, everyMs, last: 0, fn });
  }

  /** Start ticking at hz. */
  start(): void {
    this.reschedule();
  }

  /** Apply a new hz. */
  reschedule(): void {
    if (this.timer) clearInterval(this.timer);
    let hz = this.server.config.settings.hz;
    if (hz < 1) hz = 1;
    if (hz > 500) hz = 500;
    this.timer = setInterval(() => this.tick(), Math.floor(1000 / hz));
    this.timer.unref?.();
  }

  /** Stop ticking. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One serverCron run. */
  tick(): void {
    const s = this.server;
    // while a script yields between turns nothing may change the dataset or flush propagation (its unit is open)
    if (s.executor.busyScript !== null) return;
    const now = s.now();
    this.cronLoops++;
    try {
      if (this.activeExpireEnabled && !s.loading) {
        if (!s.isReplica()) this.activeExpireCycle(now);
        else if (this.replicaKeys.size > 0) this.replicaKeys.expire(s, now);
      }
      this.sampleStats(now);
      this.clientsCron(now);
      for (const t of this.tasks) {
        if (now - t.last >= t.everyMs) {
          t.last = now;
          t.fn(now);
        }
      }
    } catch (e) {
      s.logger.warning(`cron error: ${(e as Error).stack}`);
    }
  }

  /** Active expire: per db, sample keys with TTL; continue while >10% stale, within 25% of a tick. */
  activeExpireCycle(now: number): void {
    const s = this.server;
    let hz = s.config.settings.hz;
    if (hz < 1) hz = 1;
    const effort = s.config.settings.activeExpireEffort - 1;
    const perLoop = ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP + (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP / 4) * effort;
    const acceptable = ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE - effort;
    const budgetMs = ((ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC + 2 * effort) * 1000) / hz / 100;
    const start = Date.now();
    const ndbs = s.dbs.length;
    s.executor.execUnit(() => {
      for (let j = 0; j < Math.min(16, ndbs); j++) {
        const db = s.dbs[this.expireDb % ndbs];
        this.expireDb++;
        let iterations = 0;
        for (;;) {
          if (db.expiresSize === 0) {
            db.avgTtl = 0; // as activeExpireCycle: no keys with a TTL, no average
            break;
          }
          const [sampled, expired] = db.activeExpireStep(perLoop);
          iterations++;
          if (sampled === 0) break;
          if ((iterations & 15) === 0 && Date.now() - start > budgetMs) {
            s.stats.expiredTimeCapReached++;
            return;
          }
          if (expired * 100 <= sampled * acceptable) break;
        }
      }
    });
    void now;
  }

  private sampleStats(now: number): void {
    const st = this.server.stats;
    if (st.lastOpsSampleTime === 0) {
      st.lastOpsSampleTime = now;
      st.lastOpsSampleCount = st.totalCommands;
      st.lastInputBytes = st.netInputBytes;
      st.lastOutputBytes = st.netOutputBytes;
      return;
    }
    const dt = now - st.lastOpsSampleTime;
    if (dt < 100) return;
    const push = (arr: number[], v: number) => {
      arr.push(v);
      if (arr.length > 16) arr.shift();
    };
    push(st.opsSamples, ((st.totalCommands - st.lastOpsSampleCount) * 1000) / dt);
    push(st.inputSamples, ((st.netInputBytes - st.lastInputBytes) * 1000) / dt);
    push(st.outputSamples, ((st.netOutputBytes - st.lastOutputBytes) * 1000) / dt);
    st.lastOpsSampleTime = now;
    st.lastOpsSampleCount = st.totalCommands;
    st.lastInputBytes = st.netInputBytes;
    st.lastOutputBytes = st.netOutputBytes;
  }

  private clientsCron(now: number): void {
    const s = this.server;
    const timeout = s.config.settings.timeout;
    for (const c of s.clients.values()) {
      if (timeout > 0 && !c.isMaster && !c.isReplica && c.blocked === null && !c.isMonitor && c.channels.size + c.patterns.size + c.shardChannels.size === 0) {
        if (now - c.lastInteraction > timeout * 1000) {
          s.logger.verbose('Closing idle client');
          c.close();
          continue;
        }
      }
      if (c.socket && c.outputBytes > 0) s.connections.checkOutputLimits(c);
    }
  }
}
