/**
 * maxmemory (Redis's evict.c) and the heap guard.
 *
 * Before each command, while maxmemory is set, the executor calls
 * performEvictions(): when used_memory (minus what maxmemory does not count)
 * is over the limit, keys are deleted by maxmemory-policy until it is not,
 * each eviction propagated as DEL, notified as `evicted` and counted in
 * evicted_keys. The LRU, LFU and TTL policies use Redis's approximation: every
 * round samples maxmemory-samples keys per database into a pool of the 16
 * best candidates seen so far (kept across rounds, ghosts skipped) and evicts
 * the best one. The random policies pick a random key, rotating over the
 * databases. maxmemory-eviction-tenacity bounds the time one call may spend;
 * the rest continues from a timer (Redis's evictionTimeProc) between the
 * event loop's other work. When nothing can be freed (noeviction, or no key
 * the policy may evict) the executor refuses denyoom commands with -OOM.
 *
 * The heap guard is the last line: maxmemory counts what the dataset costs,
 * but the process dies when V8's heap reaches its limit (the launcher sizes it
 * from maxmemory or the machine). When the heap in use comes within a margin
 * of that limit (after a full GC when one can be forced), denyoom commands
 * are refused with the same -OOM until it falls back, and bulk paths
 * (DEBUG POPULATE, loading) stop early instead of crashing.
 */
import { performance } from 'node:perf_hooks';
import type { Server } from './server';
import type { Database } from '../keyspace/database';
import { lfuDecrAndReturn } from '../keyspace/lfu';
import { heapFigures } from '../info/memory';

export const EVICT_OK = 0;
export const EVICT_RUNNING = 1;
export const EVICT_FAIL = 2;

/** Redis's EVPOOL_SIZE. */
export const EVPOOL_SIZE = 16;

/** One candidate of the eviction pool. */
interface PoolEntry {
  key: string;
  db: number;
  /** bigger = better candidate (idle ms, 255 - LFU counter, or sooner expiry) */
  idle: number;
}

/** Redis's evictionTimeLimitUs(): tenacity 0..10 linear to 500 us, then 15% steps, 100 = no limit. */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.floor(500 * Math.pow(1.15, tenacity - 10));
  return Number.POSITIVE_INFINITY;
}

/** Fraction of V8's heap limit kept free: above it denyoom commands are refused. */
const HEAP_MARGIN = 0.1;
/** ...but never less than this (small heaps) */
const HEAP_MARGIN_MIN = 16 * 1024 * 1024;

/** maxmemory and the heap guard of one server. */
export class Eviction {
  /** the eviction pool, ascending by idle (best candidate last), at most EVPOOL_SIZE */
  private pool: PoolEntry[] = [];
  private timer: NodeJS.Immediate | null = null;
  private nextDb = 0;
  /** ms (performance.now) when used memory went over maxmemory and could not be brought back, 0 = not over */
  private exceededSince = 0;
  /** total ms over the limit before the current stretch (total_eviction_exceeded_time) */
  private exceededTotal = 0;
  private readonly sample: string[] = [];

  /** the heap is within the margin of V8's limit: denyoom commands are refused */
  heapCritical = false;
  /** dataset bytes at the last heap check (checks are driven by time and by dataset growth) */
  private heapCheckedDataset = 0;
  private lastForcedGc = 0;

  constructor(private readonly server: Server) {
    server.cron.every('heap-guard', 100, () => this.checkHeap(true));
    // Redis's updateMaxmemory: warn when already over, and evict at once
    server.config.onSettingChange('maxmemory', (v) => {
      if (v === 0) return;
      const used = Math.max(0, server.memory.used() - server.memory.notCountedForEvict());
      if (v < used) {
        server.logger.warning(
          `WARNING: the new maxmemory value set via CONFIG SET (${v}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
        );
      }
      this.performEvictions();
    });
  }

  /** Stop the eviction timer (shutdown). */
  stop(): void {
    if (this.timer !== null) clearImmediate(this.timer);
    this.timer = null;
  }

  // ------------------------------------------------------------------ maxmemory

  /** isSafeToPerformEvictions: not while loading, not on a replica ignoring maxmemory, not while clients are paused. */
  private safeToEvict(): boolean {
    const s = this.server;
    if (s.loading) return false;
    if (s.isReplica() && s.config.settings.replicaIgnoreMaxmemory) return false;
    if (s.pause.until !== 0 && s.now() < s.pause.until) return false;
    return true;
  }

  /** Bytes to free to get under maxmemory (0 when under, or when maxmemory is off). Redis's getMaxmemoryState. */
  toFree(): number {
    const max = this.server.config.settings.maxmemory;
    if (max === 0) return 0;
    const mem = this.server.memory;
    const reported = mem.used();
    if (reported <= max) return 0;
    const counted = Math.max(0, reported - mem.notCountedForEvict());
    return counted <= max ? 0 : counted - max;
  }

  /** used_memory / maxmemory as a ratio for the counted memory (0 without maxmemory). */
  level(): number {
    const max = this.server.config.settings.maxmemory;
    if (max === 0) return 0;
    const mem = this.server.memory;
    return Math.max(0, mem.used() - mem.notCountedForEvict()) / max;
  }

  /**
   * Redis's performEvictions(): evict until under maxmemory, within the time
   * maxmemory-eviction-tenacity allows. EVICT_OK: under the limit (or not
   * allowed to evict here); EVICT_RUNNING: over it, a timer keeps evicting;
   * EVICT_FAIL: over it and nothing can be freed.
   */
  performEvictions(): number {
    if (!this.safeToEvict()) return EVICT_OK;
    const s = this.server;
    const tofree = this.toFree();
    if (tofree === 0) return this.metrics(EVICT_OK);
    const settings = s.config.settings;
    const policy = settings.maxmemoryPolicy;
    if (policy === 'noeviction') return this.metrics(EVICT_FAIL);
    const limitMs = evictionTimeLimitUs(settings.maxmemoryEvictionTenacity) / 1000;
    const start = performance.now();
    const prop = s.propagation;
    const nested = s.executor.inUnit;
    let freed = 0;
    let keysFreed = 0;
    let result = EVICT_OK;
    const allkeys = policy.startsWith('allkeys');
    const random = policy.endsWith('random');
    const frozen = s.freezeClock();
    try {
      while (freed < tofree) {
        const picked = random ? this.pickRandom(allkeys) : this.pickFromPool(allkeys);
        if (picked === null) {
          result = EVICT_FAIL;
          break;
        }
        const db = picked.db;
        const before = db.memBytes;
        this.evictKey(picked.db.id, picked.key);
        freed += before - db.memBytes;
        keysFreed++;
        if (keysFreed % 16 === 0 && performance.now() - start > limitMs) {
          this.startTimer();
          break;
        }
      }
    } finally {
      if (frozen) s.thawClock();
    }
    if (keysFreed > 0) {
      // Redis propagates eviction DELs on their own, never MULTI-wrapped; inside a unit (CONFIG SET maxmemory) at its end
      prop.noMulti = true;
      if (!nested) prop.flush();
    }
    if (result !== EVICT_FAIL) result = this.timer !== null ? EVICT_RUNNING : EVICT_OK;
    const elapsedMs = performance.now() - start;
    if (keysFreed > 0) this.latencySample('eviction-cycle', elapsedMs);
    return this.metrics(result);
  }

  /** Delete one key as an eviction: snapshot hook, notification, WATCH/blocked signal, DEL propagated, counted. */
  private evictKey(dbId: number, key: string): void {
    const s = this.server;
    const db = s.dbs[dbId];
    s.watch.beforeKeyWrite(dbId, key);
    if (s.config.settings.latencyMonitorThreshold > 0) {
      const t0 = performance.now();
      db.delete(key);
      this.latencySample('eviction-del', performance.now() - t0);
    } else db.delete(key);
    s.stats.evictedKeys++;
    s.watch.signalModifiedKey(dbId, key, false, null);
    s.notifyKeyspaceEvent('e', 'evicted', key, dbId);
    s.propagation.also(dbId, ['DEL', key]);
  }

  /** latencyAddSampleIfNeeded */
  private latencySample(event: string, ms: number): void {
    const threshold = this.server.config.settings.latencyMonitorThreshold;
    if (threshold > 0 && Math.floor(ms) >= threshold) this.server.latency.addSample(event, Math.floor(ms));
  }

  /** volatile-random / allkeys-random: a random key of the next database that has one. */
  private pickRandom(allkeys: boolean): { db: Database; key: string } | null {
    const dbs = this.server.dbs;
    for (let i = 0; i < dbs.length; i++) {
      const j = ++this.nextDb % dbs.length;
      const db = dbs[j];
      this.sample.length = 0;
      db.sampleForEviction(1, !allkeys, this.sample);
      if (this.sample.length > 0) return { db, key: this.sample[0] };
    }
    return null;
  }

  /** The LRU / LFU / TTL policies: refill the pool from every database, then take its best live candidate. */
  private pickFromPool(allkeys: boolean): { db: Database; key: string } | null {
    const dbs = this.server.dbs;
    for (;;) {
      let total = 0;
      for (const db of dbs) {
        const n = allkeys ? db.size : db.expiresSize;
        if (n === 0) continue;
        total += n;
        this.populate(db.id, allkeys);
      }
      if (total === 0) return null;
      while (this.pool.length > 0) {
        const best = this.pool.pop()!;
        const db = dbs[best.db];
        const slot = db.slotOf(best.key);
        // a ghost (deleted, or no longer volatile) is skipped
        if (slot >= 0 && (allkeys || db.table.expireAt(slot) >= 0)) return { db, key: best.key };
      }
    }
  }

  /** Redis's evictionPoolPopulate: sample keys of one database into the pool by idleness. */
  private populate(dbId: number, allkeys: boolean): void {
    const s = this.server;
    const settings = s.config.settings;
    const policy = settings.maxmemoryPolicy;
    const now = s.now();
    const sample = this.sample;
    sample.length = 0;
    const db = s.dbs[dbId];
    const t = db.table;
    db.sampleForEviction(settings.maxmemorySamples, !allkeys, sample);
    const pool = this.pool;
    for (const key of sample) {
      const slot = t.find(key);
      let idle: number;
      if (policy.endsWith('lru')) idle = now - t.lru(slot) * 1000;
      else if (policy.endsWith('lfu')) idle = 255 - lfuDecrAndReturn(t.lfu(slot), t.lru(slot), now, settings.lfuDecayTime);
      else idle = -t.expireAt(slot); // volatile-ttl: the sooner the expire the better
      // pool ascending by idle: find the first entry with idle >= ours
      let k = 0;
      while (k < pool.length && pool[k].idle < idle) k++;
      if (k === 0 && pool.length === EVPOOL_SIZE) continue; // worse than every candidate of a full pool
      pool.splice(k, 0, { key, db: dbId, idle });
      if (pool.length > EVPOOL_SIZE) pool.shift(); // drop the worst
    }
  }

  /** Redis's startEvictionTimeProc: keep evicting between the event loop's other work until under the limit. */
  private startTimer(): void {
    if (this.timer === null) this.timer = setImmediate(() => this.timerTick());
  }

  /** evictionTimeProc: one more bounded round; performEvictions re-arms the timer when it ran out of time again. */
  private timerTick(): void {
    this.timer = null;
    if (this.server.config.settings.maxmemory === 0) return;
    this.performEvictions();
  }

  /** Whether the eviction timer is running (evictions continue between commands). */
  get timerRunning(): boolean {
    return this.timer !== null;
  }

  /** The update_metrics tail of performEvictions: time spent over the limit. */
  private metrics(result: number): number {
    if (result === EVICT_RUNNING || result === EVICT_FAIL) {
      if (this.exceededSince === 0) this.exceededSince = performance.now();
    } else if (this.exceededSince !== 0) {
      this.exceededTotal += performance.now() - this.exceededSince;
      this.exceededSince = 0;
    }
    return result;
  }

  /** INFO stats: [total_eviction_exceeded_time, current_eviction_exceeded_time] in ms. */
  exceededTimes(): [number, number] {
    const current = this.exceededSince !== 0 ? performance.now() - this.exceededSince : 0;
    return [Math.floor(this.exceededTotal + current), Math.floor(current)];
  }

  // ------------------------------------------------------------------ heap guard

  /** Bytes of V8 heap kept free below its limit. */
  static heapMargin(limit: number): number {
    return Math.max(HEAP_MARGIN_MIN, Math.floor(limit * HEAP_MARGIN));
  }

  /**
   * Whether V8's heap in use is within the margin of its limit, after one
   * forced full collection (at most every 5 s, when node runs with
   * --expose-gc) so that garbage not yet collected does not count.
   */
  heapNearLimit(): boolean {
    let { used, limit } = heapFigures();
    this.growthStep = Math.max(1 << 20, Math.floor(limit / 100));
    const threshold = limit - Eviction.heapMargin(limit);
    if (used <= threshold) return false;
    const gc = (globalThis as { gc?: () => void }).gc;
    const now = performance.now();
    if (typeof gc === 'function' && now - this.lastForcedGc > 5000) {
      this.lastForcedGc = now;
      gc();
      ({ used, limit } = heapFigures());
    }
    return used > threshold;
  }

  /** Heap bytes still available below the guard's threshold (what a replica may load). */
  heapAvailable(): number {
    const { used, limit } = heapFigures();
    return Math.max(0, limit - Eviction.heapMargin(limit) - used);
  }

  /**
   * The heap guard (the cron every 100 ms; the executor every 256 denyoom
   * commands when the dataset grew by 1% of the limit since the last check):
   * sets heapCritical, logging the change once. Returns heapCritical.
   */
  checkHeap(force = false): boolean {
    if (!force) {
      if (this.heapCritical) return true;
      // cheap on the hot path: look at the dataset's growth every 256 calls only (the cron looks every 100 ms anyway)
      if (++this.unchecked < 256) return false;
      this.unchecked = 0;
      if (this.server.memory.dataset() - this.heapCheckedDataset < this.growthStep) return false;
    }
    this.heapCheckedDataset = this.server.memory.dataset();
    const s = this.server;
    const critical = this.heapNearLimit();
    if (critical !== this.heapCritical) {
      this.heapCritical = critical;
      const { used, limit } = heapFigures();
      const mb = (n: number) => `${(n / 1048576).toFixed(2)}M`;
      if (critical) {
        s.logger.warning(
          `WARNING: the heap is near its limit (${mb(used)} used of ${mb(limit)}): refusing write commands with -OOM until memory is freed. Set maxmemory (and a maxmemory-policy) below what this process can hold, or give the process more memory.`,
        );
      } else s.logger.notice(`Heap usage back under its limit (${mb(used)} used of ${mb(limit)}): write commands are accepted again.`);
    }
    return critical;
  }
  private growthStep = 1 << 20;
  private unchecked = 0;
}

/** Thrown by bulk paths (loading, DEBUG POPULATE) that stop because the heap is near its limit. */
export class HeapLimitError extends Error {
  constructor(what: string) {
    const { used, limit } = heapFigures();
    super(`${what}: the heap is near its limit (${Math.round(used / 1048576)} MB used of ${Math.round(limit / 1048576)} MB)`);
  }
}
