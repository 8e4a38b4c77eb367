/**
 * Command latency bookkeeping (what the executor reports after every call):
 * - per-command latency histograms (Redis's HDR histograms with 2 significant
 *   digits, values in ns) for INFO latencystats and LATENCY HISTOGRAM;
 * - the latency monitor (`command` / `fast-command` events above
 *   latency-monitor-threshold) for LATENCY LATEST/HISTORY/GRAPH/DOCTOR/RESET;
 * - the SLOWLOG entries, with secrets redacted as Redis does.
 * The commands that read them are in commands/server-latency.ts.
 */
import type { Command } from '../commands/spec';
import type { Client } from './client';
import type { Config } from '../config/schema';

// ---------------------------------------------------------------- HDR histogram

/** hdr_histogram(lowest 1, highest 1e9, 2 significant figures), as Redis configures it for commands. */
export class LatencyHistogram {
  /**
   * Counts by lowest equivalent value k = sub << b (ns): rows[b][sub], a row
   * of 256 allocated when first used (record() runs after every command).
   */
  private readonly rows: Array<Float64Array | undefined> = [];
  total = 0;

  private static bucketIndex(v: number): number {
    // 64 - clz(v | sub_bucket_mask) - (unit_magnitude + sub_bucket_half_count_magnitude + 1), mask 255
    return Math.floor(Math.log2(v | 255)) + 1 - 8;
  }

  /** lowest_equivalent_value */
  static lowest(v: number): number {
    const b = LatencyHistogram.bucketIndex(v);
    return Math.floor(v / 2 ** b) * 2 ** b;
  }

  /** highest_equivalent_value */
  static highest(v: number): number {
    const b = LatencyHistogram.bucketIndex(v);
    return LatencyHistogram.lowest(v) + 2 ** b - 1;
  }

  /** hdr_record_value `count` times, clamped to 1ns..1s like updateCommandLatencyHistogram. */
  record(ns: number, count = 1): void {
    const v = Math.min(1e9, Math.max(1, Math.round(ns)));
    // lowest(v) with integer ops (v < 2^31; runs after every command)
    const b = 24 - Math.clz32(v | 255);
    const row = this.rows[b] ?? this.newRow(b);
    row[v >>> b] += count;
    this.total += count;
  }

  private newRow(b: number): Float64Array {
    while (this.rows.length <= b) this.rows.push(undefined);
    return (this.rows[b] = new Float64Array(256));
  }

  /** Count of lowest equivalent value k (a key of sortedKeys()). */
  private countOf(k: number): number {
    const b = 24 - Math.clz32(k | 255);
    return this.rows[b]?.[k >>> b] ?? 0;
  }

  private sortedKeys(): number[] {
    // rows in b order, each in sub order, is ascending k order
    const out: number[] = [];
    for (let b = 0; b < this.rows.length; b++) {
      const row = this.rows[b];
      if (row === undefined) continue;
      for (let sub = 0; sub < 256; sub++) if (row[sub] > 0) out.push(sub * 2 ** b);
    }
    return out;
  }

  /** hdr_value_at_percentile (ns): the highest equivalent value of the bucket reaching the count (the lowest for p0). */
  valueAtPercentile(p: number): number {
    if (this.total === 0) return 0;
    const want = Math.max(1, Math.floor((Math.min(p, 100) / 100) * this.total + 0.5));
    let acc = 0;
    for (const k of this.sortedKeys()) {
      acc += this.countOf(k);
      if (acc >= want) return p === 0 ? k : LatencyHistogram.highest(k);
    }
    return 0;
  }

  /** fillCommandCDF's buckets: log iterator from 1024ns doubling; [usec, cumulative count] when the count grows. */
  cdf(): Array<[number, number]> {
    const keys = this.sortedKeys();
    const out: Array<[number, number]> = [];
    let level = 1024;
    let i = 0;
    let cum = 0;
    let prev = 0;
    // bounded by the keys too: every count is in one (the counts add up to total), and the loop ends with them
    while (cum < this.total && i < keys.length) {
      while (i < keys.length && keys[i] <= level - 1) cum += this.countOf(keys[i++]);
      if (cum > prev) out.push([Math.floor((level - 1) / 1000), cum]);
      prev = cum;
      level *= 2;
    }
    return out;
  }
}

/** samples kept per latency monitor event (LATENCY_TS_LEN) */
export const LATENCY_TS_LEN = 160;

/** One latency monitor event's time series (latencyTimeSeries). */
export interface LatencyEvents {
  idx: number;
  max: number;
  samples: Array<{ time: number; latency: number }>;
}

/** The latency histograms and the latency monitor of one server. */
export class Latency {
  readonly events = new Map<string, LatencyEvents>();

  constructor(
    private readonly config: Config,
    private readonly now: () => number,
  ) {}

  /**
   * After a call (`count` calls of one command that took `usec` each: a
   * run's, Executor.endRun): the command's histogram and, above
   * latency-monitor-threshold, a monitor sample.
   */
  record(c: Client, command: Command, usec: number, count = 1): void {
    const settings = this.config.settings;
    if (settings.latencyTracking && c.blocked === null) {
      const st = command.stats;
      (st.histogram ??= new LatencyHistogram()).record(usec * 1000, count);
    }
    const ms = Math.floor(usec / 1000);
    const threshold = settings.latencyMonitorThreshold;
    if (threshold > 0 && ms >= threshold) this.addSample(command.flags.includes('fast') ? 'fast-command' : 'command', ms);
  }

  /** latencyAddSample: keep the worst per second, 160 samples, and the all-time max. */
  addSample(event: string, latencyMs: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = { idx: 0, max: 0, samples: Array.from({ length: LATENCY_TS_LEN }, () => ({ time: 0, latency: 0 })) };
      this.events.set(event, ts);
    }
    const now = Math.floor(this.now() / 1000);
    if (latencyMs > ts.max) ts.max = latencyMs;
    const prev = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if (ts.samples[prev].time === now) {
      if (latencyMs > ts.samples[prev].latency) ts.samples[prev].latency = latencyMs;
      return;
    }
    ts.samples[ts.idx] = { time: now, latency: latencyMs };
    ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
  }
}

/** One SLOWLOG entry. */
export interface SlowlogEntry {
  id: number;
  time: number;
  usec: number;
  argv: string[];
  addr: string;
  name: string;
}

/** The SLOWLOG of one server. */
export class Slowlog {
  entries: SlowlogEntry[] = [];
  private nextId = 0;

  constructor(
    private readonly config: Config,
    private readonly now: () => number,
  ) {}

  /** Whether a command that ran `usec` microseconds goes to SLOWLOG (slowlog-log-slower-than). */
  wants(usec: number): boolean {
    const limit = this.config.settings.slowlogLogSlowerThan;
    return limit >= 0 && usec >= limit;
  }

  /** Add a call to SLOWLOG when over slowlog-log-slower-than (not for `skip_slowlog` commands); secrets redacted. */
  add(c: Client, command: Command | undefined, argv: string[], usec: number): void {
    if (!this.wants(usec)) return;
    if (command !== undefined && command.flags.includes('skip_slowlog')) return;
    const max = this.config.settings.slowlogMaxLen;
    // redact only what SLOWLOG keeps
    const kept = redact(this.config, command, argv);
    const args = kept.length > 32 ? [...kept.slice(0, 31), `... (${kept.length - 31} more arguments)`] : kept;
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(this.now() / 1000),
      usec: Math.round(usec),
      argv: args.map((a) => {
        // an argument longer than any JS string (Client.bigArgs) shows as its bytes would
        const b = c.bigArgs === null ? undefined : c.bigArgs.get(a);
        if (b !== undefined) return `${b.latin1Slice(0, 128)}... (${b.length - 128} more bytes)`;
        return a.length > 128 ? `${a.slice(0, 128)}... (${a.length - 128} more bytes)` : a;
      }),
      addr: c.addr,
      name: c.name,
    });
    if (this.entries.length > max) this.entries.length = max;
  }

  /** SLOWLOG RESET */
  reset(): void {
    this.entries = [];
  }
}

const REDACTED = '(redacted)';

/** The argv SLOWLOG keeps: secrets replaced by "(redacted)" (redactClientCommandArgument). */
function redact(config: Config, c: Command | undefined, argv: string[]): string[] {
  if (c === undefined) return argv;
  const name = c.fullName;
  if (name === 'auth') return argv.map((a, i) => (i === 0 ? a : REDACTED));
  if (name === 'hello') {
    const out = argv.slice();
    for (let i = 2; i < out.length; i++) {
      if (out[i].toLowerCase() === 'auth' && i + 2 < out.length) {
        out[i + 1] = REDACTED;
        out[i + 2] = REDACTED;
        i += 2;
      }
    }
    return out;
  }
  if (name === 'config|set') {
    const out = argv.slice();
    for (let i = 2; i + 1 < out.length; i += 2) if (config.registry.find(out[i])?.sensitive) out[i + 1] = REDACTED;
    return out;
  }
  if (name === 'migrate') {
    const out = argv.slice();
    for (let i = 6; i < out.length; i++) {
      const a = out[i].toLowerCase();
      if (a === 'auth' && i + 1 < out.length) out[++i] = REDACTED;
      else if (a === 'auth2' && i + 2 < out.length) {
        out[i + 1] = REDACTED;
        out[i + 2] = REDACTED;
        i += 2;
      }
    }
    return out;
  }
  return argv;
}

