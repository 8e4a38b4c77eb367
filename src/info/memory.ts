/**
 * Memory figures for INFO memory, MEMORY STATS/DOCTOR and maxmemory.
 *
 * used_memory is computed, not read from V8: V8's heapUsed only moves when
 * the garbage collector runs, so a key just deleted would still count and a
 * key just written might not, and eviction would chase a sawtooth. Instead:
 *
 *   used_memory = used_memory_startup      (the process heap measured once, when the server started)
 *               + dataset                  (every database's memBytes: the sum of each key's cost, see keyspace/memory-size.ts,
 *                                           kept up to date by the Database on set/delete and by the executor after each write,
 *                                           plus its dicts' tables, from their sizes)
 *               + client buffers           (query and output buffers of every client, sampled by the cron at hz)
 *               + replication backlog      (its allocated ring)
 *               + AOF buffer               (bytes not yet written)
 *
 * It moves the moment a key is written or deleted, so maxmemory behaves as in
 * Redis. What V8 really holds (live data plus garbage) is shown as
 * allocator_allocated / allocator_active, the process RSS as used_memory_rss;
 * mem_fragmentation_ratio (rss / used_memory) tells how far the two drift.
 * The heap guard (server/eviction.ts) watches V8's own figures.
 */
import * as v8 from 'node:v8';
import type { Server } from '../server/server';
import { tableBytes } from '../keyspace/memory-size';

/** What V8 holds right now (live and garbage): heap in use plus external and array buffers. */
export function heapAllocated(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

/** used_memory_peak, used_memory_startup and the sampled client buffers of one server. */
export class MemoryTracker {
  peak = 0;
  /** the process heap when the server started: the baseline of used_memory */
  startup = heapAllocated();
  /** query + output buffers of normal clients / replicas (sampled by the cron, INFO and MEMORY) */
  clientsNormal = 0;
  clientsReplicas = 0;

  constructor(private readonly server: Server) {}

  /** Record used_memory_startup (the server's parts are built). */
  recordStartup(): void {
    this.startup = heapAllocated();
  }

  /** Bytes of the keys of every database: their entries and values, and the dicts holding them. */
  dataset(): number {
    let n = 0;
    for (const db of this.server.dbs) {
      if (db.size === 0) continue;
      db.settleCosts();
      n += db.memBytes + tableBytes(db);
    }
    return n;
  }

  /** The replication backlog's allocated bytes (mem_replication_backlog). */
  backlog(): number {
    return this.server.replication.backlog?.capacity ?? 0;
  }

  /** The AOF buffer (mem_aof_buffer). */
  aofBuffer(): number {
    return this.server.persistence.aof.bufferLength;
  }

  /** Re-sample the clients' buffers. */
  sampleClients(): void {
    let normal = 0;
    let replicas = 0;
    for (const c of this.server.clients.values()) {
      const b = c.parser.pending + c.outputBytes;
      if (c.isReplica) replicas += b;
      else normal += b;
    }
    this.clientsNormal = normal;
    this.clientsReplicas = replicas;
  }

  /** used_memory (see the file comment). Cheap: called before commands while maxmemory is set. */
  used(): number {
    return this.startup + this.dataset() + this.clientsNormal + this.clientsReplicas + this.backlog() + this.aofBuffer();
  }

  /**
   * Redis's freeMemoryGetNotCountedMemory: replica output buffers beyond the
   * backlog and the AOF buffer, which maxmemory does not count (evicting keys
   * to make room for them would feed more DELs into them).
   */
  notCountedForEvict(): number {
    return this.clientsReplicas + (this.server.persistence.aof.state !== 'off' ? this.aofBuffer() : 0);
  }

  /** Update used_memory_peak (cron). */
  samplePeak(): void {
    this.sampleClients();
    const used = this.used();
    if (used > this.peak) this.peak = used;
  }
}

/** The figures INFO memory and MEMORY STATS print. */
export interface MemoryFigures {
  used: number;
  rss: number;
  peak: number;
  startup: number;
  overhead: number;
  dataset: number;
  clientsNormal: number;
  clientsReplicas: number;
  backlog: number;
  aofBuffer: number;
  notCounted: number;
  /** V8: heap in use + external + array buffers (allocator_allocated) */
  allocated: number;
  /** V8: heap reserved + external + array buffers (allocator_active) */
  active: number;
  /** per database: [id, main dict overhead, expires overhead] */
  dbOverheads: Array<[number, number, number]>;
  keys: number;
}

/** The current figures. */
export function memoryStats(s: Server): MemoryFigures {
  const t = s.memory;
  t.sampleClients();
  const m = process.memoryUsage();
  const used = t.used();
  if (used > t.peak) t.peak = used;
  const dbOverheads: Array<[number, number, number]> = [];
  let keyOverhead = 0;
  let keys = 0;
  for (const db of s.dbs) {
    if (db.size === 0) continue;
    keys += db.size;
    // the key table holds both Redis dicts: its expire column is the "expires" part
    const exp = db.expiresSize > 0 ? db.table.end * 8 : 0; // the expire column
    const main = tableBytes(db) - exp;
    keyOverhead += main + exp;
    dbOverheads.push([db.id, main, exp]);
  }
  const backlog = t.backlog();
  const aofBuffer = t.aofBuffer();
  const overhead = t.startup + t.clientsNormal + t.clientsReplicas + backlog + aofBuffer + keyOverhead;
  return {
    used,
    rss: m.rss,
    peak: t.peak,
    startup: t.startup,
    overhead,
    dataset: Math.max(0, used - overhead),
    clientsNormal: t.clientsNormal,
    clientsReplicas: t.clientsReplicas,
    backlog,
    aofBuffer,
    notCounted: t.notCountedForEvict(),
    allocated: m.heapUsed + m.external + m.arrayBuffers,
    active: m.heapTotal + m.external + m.arrayBuffers,
    dbOverheads,
    keys,
  };
}

/**
 * V8 reserves this much of heap_size_limit for the young generation (three
 * 16 MB semi-spaces on 64-bit, whatever the old generation's size): data that
 * lives (the dataset) can only fill the rest.
 */
const YOUNG_GENERATION_RESERVE = 48 * 1024 * 1024;

/**
 * V8's old generation, where the dataset lives: bytes in use (live and not
 * yet collected) and the limit it may not pass (heap_size_limit less the
 * young generation's reserve); reaching it kills the process.
 */
export function heapFigures(): { used: number; limit: number } {
  let used = 0;
  for (const sp of v8.getHeapSpaceStatistics()) {
    if (sp.space_name !== 'new_space' && sp.space_name !== 'new_large_object_space') used += sp.space_used_size;
  }
  const total = v8.getHeapStatistics().heap_size_limit;
  return { used, limit: Math.max(total - YOUNG_GENERATION_RESERVE, total / 2) };
}

/** Redis's bytesToHuman: B, K, M, G, T, P with two decimals. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  for (let i = 0; i < units.length; i++) {
    if (d < 1024 || i === units.length - 1) return `${d.toFixed(2)}${units[i]}`;
    d /= 1024;
  }
  return `${n}B`;
}
