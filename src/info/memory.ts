/**
 * Memory figures for INFO memory and MEMORY STATS/DOCTOR. Node does not
 * expose an allocator's view, so used_memory is the V8 heap in use plus
 * external and array buffers, rss is the process RSS, and the peak is
 * sampled by INFO, MEMORY and a cron task (as Redis updates it in serverCron).
 */
import type { Server } from '../server/server';

/** Bytes Redis would call used_memory. */
export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

/** used_memory_peak and used_memory_startup of one server (the peak is sampled by a cron task, INFO and MEMORY). */
export class MemoryTracker {
  peak = usedMemory();
  startup = this.peak;

  /** Record used_memory_startup (the server's parts are built). */
  recordStartup(): void {
    this.startup = usedMemory();
  }

  /** Update used_memory_peak (cron). */
  samplePeak(): void {
    const used = usedMemory();
    if (used > this.peak) this.peak = used;
  }
}

/** The figures INFO memory and MEMORY STATS print. */
export interface MemoryFigures {
  used: number;
  rss: number;
  heapTotal: number;
  peak: number;
  startup: number;
  overhead: number;
  dataset: number;
  clientsNormal: number;
  clientsReplicas: number;
}

/** The current figures. */
export function memoryStats(s: Server): MemoryFigures {
  const st = s.memory;
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external + m.arrayBuffers;
  if (used > st.peak) st.peak = used;
  let clientsNormal = 0;
  let clientsReplicas = 0;
  for (const c of s.clients.values()) {
    const b = c.parser.pending + c.outputBytes;
    if (c.isReplica) clientsReplicas += b;
    else clientsNormal += b;
  }
  const startup = Math.min(st.startup, used);
  const overhead = Math.min(used, startup + clientsNormal + clientsReplicas);
  return {
    used,
    rss: m.rss,
    heapTotal: m.heapTotal + m.external + m.arrayBuffers,
    peak: st.peak,
    startup,
    overhead,
    dataset: used - overhead,
    clientsNormal,
    clientsReplicas,
  };
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
