/**
 * Crash durability: a server with appendonly yes under `appendfsync always`
 * (then `everysec`) takes writes from several clients; every acknowledged
 * write is recorded with the time its reply arrived. After a random 100-700 ms
 * the server is killed with SIGKILL (writes in flight) and restarted from the
 * same dir. Then:
 *
 * - each client's list (RPUSH of 1, 2, 3...) must be exactly 1..m: no hole,
 *   no duplicate, m no more than was sent;
 * - `always`: m is at least the last acknowledged number, and the shared
 *   counter (INCR) at least the acknowledged INCRs: 0 acknowledged writes lost;
 * - `everysec`: any acknowledged write missing must have been acknowledged
 *   within the last --everysec-window ms (1000) before the kill.
 *
 * A kill -9 does not drop the page cache, so a server that write(2)s its AOF
 * before replying (as Redis does, and tredis) loses nothing under either
 * policy here; the figures say so. `--target redis` runs the same on
 * redis-server for comparison. `--inject-loss` cuts the second half off the AOF
 * before the last restart: the run must then fail (the check can fail).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flag } from '../../bench/util';
import { Node, Report, Rng, numArg, sleep, arg, type Kind, ReplyError, TestClient } from './common';

interface Opts {
  cycles: number;
  seconds: number;
  seed: number;
  clients: number;
  window: number;
  target: Kind;
  injectLoss: boolean;
}

export function durabilityOpts(seed: number): Opts {
  const target = arg('target', 'tredis');
  if (target !== 'tredis' && target !== 'redis') throw new Error('--target: tredis or redis');
  return {
    cycles: numArg('kill-cycles', 20),
    seconds: numArg('seconds', 600),
    seed,
    clients: numArg('clients', 4),
    window: numArg('everysec-window', 1000),
    target,
    injectLoss: flag('inject-loss'),
  };
}

interface Writer {
  sent: number;
  acked: number;
  ackAt: number[]; // ackAt[seq] = ms (performance.now) the reply to seq arrived
  incrSent: number;
  incrAcked: number;
}

/** One client writing RPUSH <list> seq (and INCR <counter> every 4th), 8 in flight, until the connection dies. */
async function writeUntilDeath(n: Node, list: string, counter: string, w: Writer): Promise<void> {
  const c = await TestClient.connect(n.port);
  const one = async (): Promise<void> => {
    for (;;) {
      const seq = ++w.sent;
      const incr = seq % 4 === 0;
      if (incr) w.incrSent++;
      const r = await c.call('RPUSH', list, seq);
      if (r instanceof ReplyError) throw new Error(`RPUSH: ${r.message}`);
      w.ackAt[seq] = performance.now();
      w.acked = Math.max(w.acked, seq);
      if (incr) {
        const r2 = await c.call('INCR', counter);
        if (r2 instanceof ReplyError) throw new Error(`INCR: ${r2.message}`);
        w.incrAcked++;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, () => one().catch((e: Error) => (e.message === 'connection closed' ? undefined : Promise.reject(e)))));
}

/** Cut `bytes` off the newest AOF file (the harness's self-check: the loss must be reported). */
function truncateAofTail(dir: string): void {
  const d = path.join(dir, 'appendonlydir');
  const files = fs.readdirSync(d).filter((f) => f.endsWith('.incr.aof')).map((f) => path.join(d, f));
  const f = files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  // half of it: a fixed few hundred bytes may hold only the last write batch, fsynced but never acknowledged
  // when the kill came before its replies (all clients' commands of a turn are one AOF write)
  fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2));
}

/** Run `cycles` kill -9 cycles for one appendfsync policy. */
async function runPolicy(o: Opts, policy: 'always' | 'everysec', rep: Report, rng: Rng): Promise<void> {
  const node = await Node.start(o.target, ['--appendonly', 'yes', '--appendfsync', policy]);
  let maxLostMs = 0;
  let lostTotal = 0;
  let acked = 0;
  const t0 = Date.now();
  try {
    for (let cycle = 1; cycle <= o.cycles && Date.now() - t0 < o.seconds * 1000; cycle++) {
      const ws: Writer[] = Array.from({ length: o.clients }, () => ({ sent: 0, acked: 0, ackAt: [], incrSent: 0, incrAcked: 0 }));
      const counter = `c${cycle}:n`;
      const running = ws.map((w, j) => writeUntilDeath(node, `c${cycle}:w${j}`, counter, w));
      await sleep(rng.range(100, 700));
      const killAt = performance.now();
      await node.kill9();
      await Promise.all(running);
      if (o.injectLoss && cycle === o.cycles) truncateAofTail(node.dir);
      await node.restart();
      let incrAcked = 0;
      let incrSent = 0;
      for (let j = 0; j < ws.length; j++) {
        const w = ws[j];
        incrAcked += w.incrAcked;
        incrSent += w.incrSent;
        acked += w.acked;
        const got = (await node.c.call('LRANGE', `c${cycle}:w${j}`, 0, -1)) as string[];
        const m = got.length;
        for (let i = 0; i < m; i++) {
          if (got[i] !== String(i + 1)) {
            rep.fail(`${policy} cycle ${cycle} client ${j}: element ${i} is ${got[i]}, not ${i + 1} (a hole or a duplicate)`);
            break;
          }
        }
        if (m > w.sent) rep.fail(`${policy} cycle ${cycle} client ${j}: ${m} elements but only ${w.sent} sent`);
        if (m < w.acked) {
          const lostMs = killAt - w.ackAt[m + 1];
          lostTotal += w.acked - m;
          maxLostMs = Math.max(maxLostMs, lostMs);
          if (policy === 'always') rep.fail(`always cycle ${cycle} client ${j}: acknowledged up to ${w.acked}, ${m} after restart (${w.acked - m} lost)`);
          else if (lostMs > o.window) rep.fail(`everysec cycle ${cycle} client ${j}: lost writes acknowledged ${lostMs.toFixed(0)} ms before the kill (> ${o.window})`);
        }
      }
      const cnt = Number((await node.c.call('GET', counter)) ?? 0);
      if (cnt > incrSent) rep.fail(`${policy} cycle ${cycle}: counter ${cnt} > ${incrSent} INCRs sent`);
      if (policy === 'always' && cnt < incrAcked) rep.fail(`always cycle ${cycle}: counter ${cnt} < ${incrAcked} acknowledged INCRs`);
      rep.add(`${policy} kill -9 cycles`);
      if (rep.failures.length) break;
    }
  } catch (e) {
    rep.fail(`${policy}: harness/server error: ${(e as Error).message}\n${node.logTail(1500)}`);
  } finally {
    await node.stop().catch(() => {});
  }
  rep.add(`${policy} acknowledged writes`, acked);
  rep.add(`${policy} acknowledged writes lost`, lostTotal);
  rep.max(`${policy} oldest lost write (ms before kill)`, Math.round(maxLostMs));
}

/** Crash durability under appendfsync always, then everysec. */
export async function runDurability(o: Opts): Promise<Report> {
  const rep = new Report(`crash durability on ${o.target} (seed ${o.seed})`);
  const rng = new Rng(o.seed ^ 0x5eed);
  await runPolicy(o, 'always', rep, rng);
  if (rep.failures.length === 0) await runPolicy(o, 'everysec', rep, rng);
  return rep;
}
