/**
 * Command latency bookkeeping and the commands that read it:
 * - per-command latency histograms (Redis's HDR histograms with 2 significant
 *   digits, values in ns) for INFO latencystats and LATENCY HISTOGRAM;
 * - the latency monitor (`command` / `fast-command` events above
 *   latency-monitor-threshold) for LATENCY LATEST/HISTORY/GRAPH/DOCTOR/RESET;
 * - SLOWLOG GET/LEN/RESET (entries live in server.slowlog).
 * The executor reports every call's duration through server.slowlogAdd; the
 * installer wraps it to feed the histograms and the monitor, to skip
 * `skip_slowlog` commands and to redact secrets as Redis does.
 */
import { cmd, type Command, type CommandSpec } from './spec';
import { RedisError } from '../protocol/errors';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import { replyHelp, subcommandSyntaxError } from './server-util';

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

  /** hdr_record_value, clamped to 1ns..1s like updateCommandLatencyHistogram. */
  record(ns: number): void {
    const v = Math.min(1e9, Math.max(1, Math.round(ns)));
    // lowest(v) with integer ops (v < 2^31; runs after every command)
    const b = 24 - Math.clz32(v | 255);
    const row = this.rows[b] ?? this.newRow(b);
    row[v >>> b]++;
    this.total++;
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

  /** hdr_value_at_percentile (ns). */
  valueAtPercentile(p: number): number {
    if (this.total === 0) return 0;
    const want = Math.max(1, Math.floor((Math.min(p, 100) / 100) * this.total + 0.5));
    let acc = 0;
    for (const k of this.sortedKeys()) {
      acc += this.countOf(k);
      if (acc >= want) return LatencyHistogram.highest(k);
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
    while (cum < this.total) {
      while (i < keys.length && keys[i] <= level - 1) cum += this.countOf(keys[i++]);
      if (cum > prev) out.push([Math.floor((level - 1) / 1000), cum]);
      prev = cum;
      level *= 2;
    }
    return out;
  }
}

interface LatencyState {
  histograms: Map<Command, LatencyHistogram>;
  events: Map<string, LatencyEvents>;
}

const LATENCY_TS_LEN = 160;

/** One latency monitor event's time series (latencyTimeSeries). */
interface LatencyEvents {
  idx: number;
  max: number;
  samples: Array<{ time: number; latency: number }>;
}

const states = new WeakMap<Server, LatencyState>();

function stateOf(s: Server): LatencyState {
  let st = states.get(s);
  if (st === undefined) states.set(s, (st = { histograms: new Map(), events: new Map() }));
  return st;
}

/** The histogram of a command, if it ran since the last reset. */
export function commandHistogram(s: Server, c: Command): LatencyHistogram | undefined {
  return stateOf(s).histograms.get(c);
}

/** CONFIG RESETSTAT: forget the histograms. */
export function resetLatencyHistograms(s: Server): void {
  stateOf(s).histograms.clear();
}

/** latencyAddSample: keep the worst per second, 160 samples, and the all-time max. */
export function latencyAddSample(s: Server, event: string, latencyMs: number): void {
  const st = stateOf(s);
  let ts = st.events.get(event);
  if (ts === undefined) {
    ts = { idx: 0, max: 0, samples: Array.from({ length: LATENCY_TS_LEN }, () => ({ time: 0, latency: 0 })) };
    st.events.set(event, ts);
  }
  const now = Math.floor(s.now() / 1000);
  if (latencyMs > ts.max) ts.max = latencyMs;
  const prev = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
  if (ts.samples[prev].time === now) {
    if (latencyMs > ts.samples[prev].latency) ts.samples[prev].latency = latencyMs;
    return;
  }
  ts.samples[ts.idx] = { time: now, latency: latencyMs };
  ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
}

/** The command argv runs (subcommand when there is one), as the executor resolved it. */
export function resolveCommand(s: Server, argv: string[]): Command | undefined {
  const base = s.commands.get(argv[0].toLowerCase());
  if (base === undefined || base.subcommands === null || argv.length < 2) return base;
  return base.subcommands.get(argv[1].toLowerCase()) ?? base;
}

const REDACTED = '(redacted)';

/** The argv SLOWLOG keeps: secrets replaced by "(redacted)" (redactClientCommandArgument). */
function redact(s: Server, c: Command | undefined, argv: string[]): string[] {
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
    for (let i = 2; i + 1 < out.length; i += 2) if (s.config.registry.find(out[i])?.sensitive) out[i + 1] = REDACTED;
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

/** Attach latency tracking to a server (wraps server.slowlogAdd, which the executor calls after every command). */
export function installLatencyTracking(s: Server): void {
  const base = s.slowlogAdd.bind(s);
  const st = stateOf(s);
  // read after every command: plain property loads
  const settings = s.config.settings;
  s.slowlogAdd = (c: Client, argv: string[], usec: number, cmd?: Command): void => {
    const command = cmd ?? resolveCommand(s, argv);
    if (command !== undefined) {
      const threshold = settings.latencyMonitorThreshold;
      if (settings.latencyTracking && c.blocked === null) {
        let h = st.histograms.get(command);
        if (h === undefined) st.histograms.set(command, (h = new LatencyHistogram()));
        h.record(usec * 1000);
      }
      const ms = Math.floor(usec / 1000);
      if (threshold > 0 && ms >= threshold) latencyAddSample(s, command.flags.includes('fast') ? 'fast-command' : 'command', ms);
      if (command.flags.includes('skip_slowlog')) return;
    }
    // redact only what SLOWLOG keeps
    if (s.slowlogWants(usec)) base(c, redact(s, command, argv), usec, command);
  };
}

// ---------------------------------------------------------------- LATENCY

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

function orderedSamples(ts: LatencyEvents): Array<{ time: number; latency: number }> {
  const out: Array<{ time: number; latency: number }> = [];
  for (let j = 0; j < LATENCY_TS_LEN; j++) {
    const smp = ts.samples[(ts.idx + j) % LATENCY_TS_LEN];
    if (smp.time !== 0) out.push(smp);
  }
  return out;
}

/** sparklineRender(seq, 80 columns, 4 rows, SPARKLINE_FILL) with Redis's charset and labels. */
function sparkline(values: number[], labels: string[]): string {
  if (values.length === 0) return '';
  let min = values[0];
  let max = values[0];
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const fill = '_o#';
  const rows = 4;
  let out = '';
  for (let off = 0; off < values.length; off += 80) {
    const len = Math.min(80, values.length - off);
    if (off !== 0) out += '\n';
    const relmax = max - min === 0 ? 1 : max - min;
    const steps = fill.length * rows;
    for (let row = 0; ; row++) {
      let loop = false;
      const chars = new Array<string>(len).fill(' ');
      for (let j = 0; j < len; j++) {
        const relval = values[off + j] - min;
        let step = Math.trunc((relval * steps) / relmax);
        if (step < 0) step = 0;
        if (step >= steps) step = steps - 1;
        if (row < rows) {
          const ci = step - (rows - row - 1) * fill.length;
          loop = true;
          if (ci >= 0 && ci < fill.length) chars[j] = fill[ci];
          else if (ci >= fill.length) chars[j] = '|';
        } else {
          if (row - rows < 1) {
            loop = true;
            break;
          }
          const label = labels[off + j];
          const lc = row - rows - 1;
          if (label.length > lc) {
            loop = true;
            chars[j] = label[lc];
          }
        }
      }
      if (!loop) break;
      out += chars.join('') + '\n';
    }
  }
  return out;
}

function latencyGraph(s: Server, event: string, ts: LatencyEvents): string {
  const smp = orderedSamples(ts);
  const now = Math.floor(s.now() / 1000);
  let min = 0;
  let max = 0;
  smp.forEach((x, i) => {
    if (i === 0) min = max = x.latency;
    else {
      if (x.latency > max) max = x.latency;
      if (x.latency < min) min = x.latency;
    }
  });
  const labels = smp.map((x) => {
    const e = now - x.time;
    if (e < 60) return `${e}s`;
    if (e < 3600) return `${Math.floor(e / 60)}m`;
    if (e < 86400) return `${Math.floor(e / 3600)}h`;
    return `${Math.floor(e / 86400)}d`;
  });
  return `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(80)}\n${sparkline(
    smp.map((x) => x.latency),
    labels,
  )}`;
}

/** createLatencyReport, reduced to the per-event summary and Redis's generic advice. */
function latencyDoctor(s: Server): string {
  const st = stateOf(s);
  const threshold = s.config.settings.latencyMonitorThreshold;
  if (st.events.size === 0 && threshold === 0) {
    return `I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n`;
  }
  if (st.events.size === 0) {
    return 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better, not to mention that you probably should stop worrying about Redis so much.\n';
  }
  let out = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let n = 1;
  for (const [event, ts] of st.events) {
    const smp = orderedSamples(ts);
    if (smp.length === 0) continue;
    const avg = smp.reduce((a, x) => a + x.latency, 0) / smp.length;
    const mad = smp.reduce((a, x) => a + Math.abs(x.latency - avg), 0) / smp.length;
    const period = smp.length > 1 ? (smp[smp.length - 1].time - smp[0].time) / smp.length : 0;
    out += `${n++}. ${event}: ${smp.length} latency spikes (average ${Math.floor(avg)}ms, mean deviation ${Math.floor(mad)}ms, period ${(period || 1).toFixed(2)} sec). Worst all time event ${ts.max}ms.\n`;
  }
  out += '\nI have a few advices for you:\n\n';
  const slow = s.config.settings.slowlogLogSlowerThan;
  if (slow < 0 || slow / 1000 > threshold) {
    out += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'.\n`;
  }
  out += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  out +=
    '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  return out;
}

function fillCdf(c: Client, h: LatencyHistogram): void {
  c.reply.mapLen(2);
  c.reply.bulk('calls');
  c.reply.int(h.total);
  c.reply.bulk('histogram_usec');
  const cdf = h.cdf();
  c.reply.mapLen(cdf.length);
  for (const [us, n] of cdf) {
    c.reply.int(us);
    c.reply.int(n);
  }
}

function allCommandsOf(s: Server): Command[] {
  const out: Command[] = [];
  for (const cm of s.commands.values()) {
    out.push(cm);
    if (cm.subcommands) out.push(...cm.subcommands.values());
  }
  return out;
}

/** LATENCY subcommands. */
export const latencyCommand: CommandSpec = cmd(
  'latency',
  -2,
  '',
  0,
  0,
  0,
  () => {},
  {
    group: 'server',
    subcommands: [
      /** Format: LATENCY DOCTOR */
      cmd('doctor', 2, 'admin noscript loading stale', 0, 0, 0, (c) => c.reply.verbatim(latencyDoctor(c.server))),
      /** Format: LATENCY GRAPH event */
      cmd('graph', 3, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const ts = stateOf(c.server).events.get(argv[2]);
        if (ts === undefined) throw new RedisError(`ERR No samples available for event '${argv[2]}'`);
        c.reply.verbatim(latencyGraph(c.server, argv[2], ts));
      }),
      /** Format: LATENCY HISTORY event */
      cmd('history', 3, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const ts = stateOf(c.server).events.get(argv[2]);
        const smp = ts ? orderedSamples(ts) : [];
        c.reply.arrayLen(smp.length);
        for (const x of smp) {
          c.reply.arrayLen(2);
          c.reply.int(x.time);
          c.reply.int(x.latency);
        }
      }),
      /** Format: LATENCY LATEST */
      cmd('latest', 2, 'admin noscript loading stale', 0, 0, 0, (c) => {
        const st = stateOf(c.server);
        c.reply.arrayLen(st.events.size);
        for (const [event, ts] of st.events) {
          const last = ts.samples[(ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
          c.reply.arrayLen(4);
          c.reply.bulk(event);
          c.reply.int(last.time);
          c.reply.int(last.latency);
          c.reply.int(ts.max);
        }
      }),
      /** Format: LATENCY RESET [event ...] */
      cmd('reset', -2, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const st = stateOf(c.server);
        if (argv.length === 2) {
          const n = st.events.size;
          st.events.clear();
          c.reply.int(n);
          return;
        }
        let n = 0;
        for (let i = 2; i < argv.length; i++) if (st.events.delete(argv[i])) n++;
        c.reply.int(n);
      }),
      /** Format: LATENCY HISTOGRAM [command ...] */
      cmd('histogram', -2, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const s = c.server;
        const st = stateOf(s);
        const out: Array<[Command, LatencyHistogram]> = [];
        if (argv.length === 2) {
          for (const cm of allCommandsOf(s)) {
            const h = st.histograms.get(cm);
            if (h) out.push([cm, h]);
          }
        } else {
          for (let i = 2; i < argv.length; i++) {
            const name = argv[i].toLowerCase();
            const bar = name.indexOf('|');
            const base = s.commands.get(bar < 0 ? name : name.slice(0, bar));
            const cm = bar < 0 ? base : base?.subcommands?.get(name.slice(bar + 1));
            if (cm === undefined) continue;
            const h = st.histograms.get(cm);
            if (h) out.push([cm, h]);
            if (cm.subcommands) for (const sc of cm.subcommands.values()) {
              const sh = st.histograms.get(sc);
              if (sh) out.push([sc, sh]);
            }
          }
        }
        c.reply.mapLen(out.length);
        for (const [cm, h] of out) {
          c.reply.bulk(cm.fullName);
          fillCdf(c, h);
        }
      }),
      /** Format: LATENCY HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'LATENCY', LATENCY_HELP)),
    ],
  },
);

// ---------------------------------------------------------------- SLOWLOG

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

/** SLOWLOG subcommands. */
export const slowlogCommand: CommandSpec = cmd(
  'slowlog',
  -2,
  '',
  0,
  0,
  0,
  () => {},
  {
    group: 'server',
    subcommands: [
      /** Format: SLOWLOG GET [count] */
      cmd('get', -2, 'admin loading stale', 0, 0, 0, (c, argv) => {
        if (argv.length > 3) throw subcommandSyntaxError(argv[1], 'SLOWLOG');
        const log = c.server.slowlog;
        let count = 10;
        if (argv.length === 3) {
          const n = /^-?\d+$/.test(argv[2]) ? Number(argv[2]) : NaN;
          if (!Number.isSafeInteger(n) || n < -1) throw new RedisError('ERR count should be greater than or equal to -1');
          count = n === -1 ? log.length : n;
        }
        const items = log.slice(0, count);
        c.reply.arrayLen(items.length);
        for (const e of items) {
          c.reply.arrayLen(6);
          c.reply.int(e.id);
          c.reply.int(e.time);
          c.reply.int(e.usec);
          c.reply.bulks(e.argv);
          c.reply.bulk(e.addr);
          c.reply.bulk(e.name);
        }
      }),
      /** Format: SLOWLOG LEN */
      cmd('len', 2, 'admin loading stale', 0, 0, 0, (c) => c.reply.int(c.server.slowlog.length)),
      /** Format: SLOWLOG RESET */
      cmd('reset', 2, 'admin loading stale', 0, 0, 0, (c) => {
        c.server.slowlog = [];
        c.reply.ok();
      }),
      /** Format: SLOWLOG HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'SLOWLOG', SLOWLOG_HELP)),
    ],
  },
);
