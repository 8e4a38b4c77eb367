/**
 * tredis-cli's long-running modes, as redis-cli 7.0 prints them:
 * --stat (statMode), --latency / --latency-history (latencyMode),
 * --bigkeys / --memkeys [--memkeys-samples n] (findBigKeys).
 */
import type { Output } from './io';
import { sleep } from './io';
import { repr } from './format';
import type { CliConfig } from './options';
import type { RespConnection } from './resp-connection';
import type { Reply } from '../protocol/reply-parser';

/** What a mode needs from the session. */
export interface ModeContext {
  cfg: CliConfig;
  conn: RespConnection;
  out: Output;
  err: (text: string) => void;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** printf("%-Ns") */
const left = (s: string, n: number): string => s.padEnd(n);

/** C printf("%.2f") (round half to even on the binary value, like glibc). */
function f2(v: number): string {
  return v.toFixed(2);
}

/** printf("%05.2f") */
function pct05(v: number): string {
  return f2(v).padStart(5, '0');
}

/** redis-cli's bytesToHuman(): B, then K/M/G/T/P with 2 decimals. */
export function bytesToHumanCli(n: number): string {
  let sign = '';
  if (n < 0) {
    sign = '-';
    n = -n;
  }
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${sign}${n}B`;
  let d = n;
  for (const u of units) {
    d /= 1024;
    if (d < 1024 || u === 'P') return `${sign}${f2(d)}${u}`;
  }
  return `${sign}${n}B`;
}

/** getLongInfoField(): the value after "field:" up to \r or ",", LONG_MIN (null) when absent. */
function infoLong(info: string, field: string): number | null {
  const p = info.indexOf(field);
  if (p < 0) return null;
  const rest = info.slice(p + field.length + 1);
  const m = /^[^\r,]*/.exec(rest)![0];
  const v = parseInt(m, 10);
  return Number.isNaN(v) ? 0 : v;
}

async function call(ctx: ModeContext, ...args: Array<string | Buffer>): Promise<Reply | null> {
  try {
    return await ctx.conn.call(args.map((a) => (typeof a === 'string' ? b(a) : a)));
  } catch {
    return null;
  }
}

const text = (r: Reply): string => ('str' in r ? r.str.toString('latin1') : '');

/** Format: tredis-cli --stat [-i interval]. One line per interval, a header every 20 lines; runs until interrupted. */
export async function statMode(ctx: ModeContext): Promise<number> {
  const intervalMs = ctx.cfg.intervalUs > 0 ? ctx.cfg.intervalUs / 1000 : 1000;
  let requests = 0;
  for (let i = 0; ; i++) {
    const reply = await call(ctx, 'INFO');
    if (reply === null) {
      ctx.err('\nI/O error\n');
      return 1;
    }
    if (reply.type === 'error') {
      ctx.err(`ERROR: ${text(reply)}\n`);
      return 1;
    }
    const info = text(reply);
    let line = '';
    if (i % 20 === 0) {
      line +=
        '------- data ------ --------------------- load -------------------- - child -\n' +
        'keys       mem      clients blocked requests            connections          \n';
    }
    let keys = 0;
    for (let j = 0; j < 20; j++) keys += infoLong(info, `db${j}:keys`) ?? 0;
    line += left(String(keys), 11);
    line += left(bytesToHumanCli(infoLong(info, 'used_memory') ?? 0), 8);
    line += ' ' + left(String(infoLong(info, 'connected_clients') ?? 0), 8);
    line += left(String(infoLong(info, 'blocked_clients') ?? 0), 8);
    const total = infoLong(info, 'total_commands_processed') ?? 0;
    line += left(`${total} (+${requests === 0 ? 0 : total - requests})`, 19);
    requests = total;
    line += ' ' + left(String(infoLong(info, 'total_connections_received') ?? 0), 12);
    const child = (infoLong(info, 'bgsave_in_progress') ?? 0) | ((infoLong(info, 'aof_rewrite_in_progress') ?? 0) << 1) | ((infoLong(info, 'loading') ?? 0) << 2);
    line += ({ 1: 'SAVE', 2: 'AOF', 3: 'SAVE+AOF', 4: 'LOAD' } as Record<number, string>)[child] ?? '';
    await ctx.out.write(line + '\n');
    await sleep(intervalMs);
  }
}

function latencyPrint(ctx: ModeContext, min: number, max: number, avg: number, count: number): string {
  switch (ctx.cfg.output) {
    case 'standard':
      return `min: ${min}, max: ${max}, avg: ${f2(avg)} (${count} samples)`;
    case 'csv':
      return `${min},${max},${f2(avg)},${count}\n`;
    case 'json':
    case 'quoted-json':
      return `{"min": ${min}, "max": ${max}, "avg": ${f2(avg)}, "count": ${count}}\n`;
    default:
      return `${min} ${max} ${f2(avg)} ${count}\n`;
  }
}

/**
 * Format: tredis-cli --latency | --latency-history [-i interval]. PING every
 * 10 ms, latency in whole ms. On a terminal the line is redrawn; otherwise
 * --latency prints one line after the interval (default 1 s) and exits,
 * --latency-history prints every sample and a "-- N seconds range" line per
 * interval (default 15 s).
 */
export async function latencyMode(ctx: ModeContext, history: boolean): Promise<number> {
  const historyInterval = ctx.cfg.intervalUs > 0 ? ctx.cfg.intervalUs / 1000 : 15000;
  const interval = ctx.cfg.intervalUs > 0 ? ctx.cfg.intervalUs / 1000 : 1000;
  let min = 0;
  let max = 0;
  let tot = 0;
  let count = 0;
  let avg = 0;
  let historyStart = Date.now();
  for (;;) {
    const start = Date.now();
    const reply = await call(ctx, 'PING');
    if (reply === null) {
      ctx.err('\nI/O error\n');
      return 1;
    }
    const latency = Date.now() - start;
    count++;
    if (count === 1) {
      min = max = tot = latency;
      avg = latency;
    } else {
      if (latency < min) min = latency;
      if (latency > max) max = latency;
      tot += latency;
      avg = tot / count;
    }
    if (ctx.cfg.output === 'standard') {
      await ctx.out.write('\x1b[0G\x1b[2K' + latencyPrint(ctx, min, max, avg, count));
    } else if (history) {
      await ctx.out.write(latencyPrint(ctx, min, max, avg, count));
    } else if (Date.now() - historyStart > interval) {
      await ctx.out.write(latencyPrint(ctx, min, max, avg, count));
      return 0;
    }
    if (history && Date.now() - historyStart > historyInterval) {
      await ctx.out.write(` -- ${f2((Date.now() - historyStart) / 1000)} seconds range\n`);
      historyStart = Date.now();
      min = max = tot = count = 0;
    }
    await sleep(10);
  }
}

interface TypeInfo {
  name: string;
  sizecmd: string;
  sizeunit: string;
  biggest: number;
  biggestKey: string | null;
  count: number;
  totalsize: number;
}

/**
 * Format: tredis-cli --bigkeys | --memkeys [--memkeys-samples n] [-i interval].
 * SCAN the keyspace, TYPE and size (STRLEN/LLEN/SCARD/HLEN/ZCARD/XLEN, or
 * MEMORY USAGE) each key, report the biggest per type and a summary.
 */
export async function bigKeysMode(ctx: ModeContext, memkeys: boolean, memkeysSamples: number): Promise<number> {
  // the summary lists types in this order (redis-cli's is its dict's hash order)
  const mk = (name: string, sizecmd: string, sizeunit: string): TypeInfo => ({ name, sizecmd, sizeunit, biggest: 0, biggestKey: null, count: 0, totalsize: 0 });
  const types = new Map<string, TypeInfo>([
    ['list', mk('list', 'LLEN', 'items')],
    ['hash', mk('hash', 'HLEN', 'fields')],
    ['string', mk('string', 'STRLEN', 'bytes')],
    ['stream', mk('stream', 'XLEN', 'entries')],
    ['set', mk('set', 'SCARD', 'members')],
    ['zset', mk('zset', 'ZCARD', 'members')],
  ]);
  const dbsize = await call(ctx, 'DBSIZE');
  if (dbsize === null || dbsize.type !== 'integer') {
    ctx.err("Couldn't determine DBSIZE!\n");
    return 1;
  }
  const totalKeys = Number(dbsize.int);
  await ctx.out.write(
    '\n# Scanning the entire keyspace to find biggest keys as well as\n' +
      '# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n' +
      '# per 100 SCAN commands (not usually needed).\n\n',
  );
  let cursor = '0';
  let sampled = 0;
  let totlen = 0;
  let scanLoops = 0;
  let pct = 0;
  do {
    pct = (100 * sampled) / totalKeys;
    // sendScan(): --pattern adds MATCH and COUNT (--count, default 10)
    const reply =
      ctx.cfg.pattern !== null
        ? await call(ctx, 'SCAN', cursor, 'MATCH', ctx.cfg.pattern, 'COUNT', String(ctx.cfg.count ?? 10))
        : await call(ctx, 'SCAN', cursor);
    if (reply === null) {
      ctx.err('\nI/O error\n');
      return 1;
    }
    if (reply.type === 'error') {
      ctx.err(`SCAN error: ${text(reply)}\n`);
      return 1;
    }
    if (reply.type !== 'array' || reply.elements.length !== 2 || !('str' in reply.elements[0]) || !('elements' in reply.elements[1])) {
      ctx.err('Non ARRAY response from SCAN!\n');
      return 1;
    }
    scanLoops++;
    cursor = text(reply.elements[0]);
    const keys = reply.elements[1].elements.map((k) => ('str' in k ? k.str : Buffer.alloc(0)));
    // TYPE of each key (pipelined), then the size of each
    for (const k of keys) ctx.conn.send([b('TYPE'), k]);
    const kinds: Array<TypeInfo | null> = [];
    for (const k of keys) {
      const r = await ctx.conn.readReply().catch(() => null);
      if (r === null) {
        ctx.err('\nI/O error\n');
        return 1;
      }
      if (r.type === 'error') {
        ctx.err(`TYPE returned an error: ${text(r)}\n`);
        return 1;
      }
      const t = types.get(text(r));
      if (t === undefined && text(r) !== 'none') ctx.err(`Unknown type '${text(r)}' for key '${k.toString('latin1')}'\n`);
      kinds.push(t ?? null);
    }
    keys.forEach((k, i) => {
      const t = kinds[i];
      if (t === null) return;
      if (!memkeys) ctx.conn.send([b(t.sizecmd), k]);
      else if (memkeysSamples === 0) ctx.conn.send([b('MEMORY'), b('USAGE'), k]);
      else ctx.conn.send([b('MEMORY'), b('USAGE'), k, b('SAMPLES'), b(String(memkeysSamples))]);
    });
    const sizes: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (kinds[i] === null) {
        sizes.push(0);
        continue;
      }
      const r = await ctx.conn.readReply().catch(() => null);
      if (r === null) {
        ctx.err('\nI/O error\n');
        return 1;
      }
      if (r.type !== 'integer') {
        ctx.err(`Warning:  ${memkeys ? 'MEMORY USAGE' : kinds[i]!.sizecmd} on '${keys[i].toString('latin1')}' failed (may have changed type)\n`);
        sizes.push(0);
      } else sizes.push(Number(r.int));
    }
    let lines = '';
    keys.forEach((k, i) => {
      const t = kinds[i];
      if (t === null) return;
      t.totalsize += sizes[i];
      t.count++;
      totlen += k.length;
      sampled++;
      if (t.biggest < sizes[i]) {
        t.biggestKey = repr(k);
        lines += `[${pct05(pct)}%] Biggest ${left(t.name, 6)} found so far '${t.biggestKey}' with ${sizes[i]} ${memkeys ? 'bytes' : t.sizeunit}\n`;
        t.biggest = sizes[i];
      }
      if (sampled % 1000000 === 0) lines += `[${pct05(pct)}%] Sampled ${sampled} keys so far\n`;
    });
    await ctx.out.write(lines);
    if (ctx.cfg.intervalUs > 0 && scanLoops % 100 === 0) await sleep(ctx.cfg.intervalUs / 1000);
  } while (cursor !== '0');

  let out = '\n-------- summary -------\n\n';
  out += `Sampled ${sampled} keys in the keyspace!\n`;
  out += `Total key length in bytes is ${totlen} (avg len ${f2(totlen ? totlen / sampled : 0)})\n\n`;
  for (const t of types.values()) {
    if (t.biggestKey !== null) out += `Biggest ${t.name.padStart(6)} found '${t.biggestKey}' has ${t.biggest} ${memkeys ? 'bytes' : t.sizeunit}\n`;
  }
  out += '\n';
  for (const t of types.values()) {
    out += `${t.count} ${t.name}s with ${t.totalsize} ${memkeys ? 'bytes' : t.sizeunit} (${pct05(sampled ? (100 * t.count) / sampled : 0)}% of keys, avg size ${f2(t.count ? t.totalsize / t.count : 0)})\n`;
  }
  await ctx.out.write(out);
  return 0;
}
