/**
 * The commands that read the latency bookkeeping of server/latency.ts:
 * LATENCY LATEST/HISTORY/GRAPH/DOCTOR/RESET/HISTOGRAM (server.latency) and
 * SLOWLOG GET/LEN/RESET (server.slowlog).
 */
import { cmd, type Command, type CommandSpec } from './spec';
import { RedisError, cstr } from '../protocol/errors';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import { replyHelp, subcommandSyntaxError } from './server-util';
import { LatencyHistogram, LATENCY_TS_LEN, type LatencyEvents } from '../server/latency';

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
  const st = s.latency;
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
        const ts = c.server.latency.events.get(argv[2]);
        if (ts === undefined) throw new RedisError(`ERR No samples available for event '${cstr(argv[2])}'`);
        c.reply.verbatim(latencyGraph(c.server, argv[2], ts));
      }),
      /** Format: LATENCY HISTORY event */
      cmd('history', 3, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const ts = c.server.latency.events.get(argv[2]);
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
        const st = c.server.latency;
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
        const st = c.server.latency;
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
        const out: Array<[Command, LatencyHistogram]> = [];
        if (argv.length === 2) {
          for (const cm of allCommandsOf(s)) {
            const h = cm.stats.histogram;
            if (h) out.push([cm, h]);
          }
        } else {
          for (let i = 2; i < argv.length; i++) {
            const name = argv[i].toLowerCase();
            const bar = name.indexOf('|');
            const base = s.commands.get(bar < 0 ? name : name.slice(0, bar));
            const cm = bar < 0 ? base : base?.subcommands?.get(name.slice(bar + 1));
            if (cm === undefined) continue;
            const h = cm.stats.histogram;
            if (h) out.push([cm, h]);
            if (cm.subcommands) for (const sc of cm.subcommands.values()) {
              const sh = sc.stats.histogram;
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
        const log = c.server.slowlog.entries;
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
      cmd('len', 2, 'admin loading stale', 0, 0, 0, (c) => c.reply.int(c.server.slowlog.entries.length)),
      /** Format: SLOWLOG RESET */
      cmd('reset', 2, 'admin loading stale', 0, 0, 0, (c) => {
        c.server.slowlog.reset();
        c.reply.ok();
      }),
      /** Format: SLOWLOG HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'SLOWLOG', SLOWLOG_HELP)),
    ],
  },
);
