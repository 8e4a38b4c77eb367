/**
 * Replication chaos in the style of Redis's psync2 test: a random topology of
 * 3-5 nodes (tredis-server and redis-server mixed, each with or without AOF),
 * a writer of every data type on the master, and one random fault per cycle:
 *
 * - kill9:     kill -9 a random node (after a SAVE half of the time) and
 *              restart it from its persistence on the same port (a replica
 *              with --replicaof, so it can resync from its RDB's offset);
 * - promote:   REPLICAOF NO ONE on a random replica and repoint every other
 *              node (the old master too) into a fresh random tree under it;
 * - linkkill:  CLIENT KILL TYPE master on a random replica;
 * - sigstop:   SIGSTOP a random replica, write several times the backlog
 *              size on the master, SIGCONT.
 *
 * After each cycle the writer stops and the run waits (bounded) until every
 * replica's link is up and every node's master_repl_offset equals the
 * master's; then DEBUG DIGEST must be equal on every node (taken again if the
 * offsets moved meanwhile, e.g. by an expiry) and no node's
 * unexpected_error_replies may have grown. The full/partial sync counts
 * are the deltas of INFO stats sync_full / sync_partial_ok over the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Node, Report, Rng, arg, numArg, sleep, within, type Kind } from './common';
import { flag } from '../../bench/util';
import { ReplyError } from '../../test/helpers/resp';
import { newWriteStats, writeBulk, writeBurst } from './workload';

interface Opts {
  cycles: number;
  seconds: number;
  seed: number;
  nodes: number; // 0: random 3-5
  tredisNodes: number; // how many are tredis-server (at least one node of each kind); 0: random
  writes: number; // per write phase
  backlog: number;
  settleMs: number;
  injectDivergence: boolean;
  /** Copy every node's dir (persistence files, log) here when the run fails ('' = not kept). */
  keepDir: string;
}

export function chaosOpts(seed: number): Opts {
  return {
    cycles: numArg('cycles', 20),
    seconds: numArg('seconds', 600),
    seed,
    nodes: numArg('nodes', 0),
    tredisNodes: numArg('tredis-nodes', 0),
    writes: numArg('writes', 300),
    backlog: numArg('backlog', 256 * 1024),
    settleMs: numArg('settle-ms', 60_000),
    injectDivergence: flag('inject-divergence'),
    keepDir: arg('keep-dir', ''),
  };
}

const FAULTS = ['kill9', 'promote', 'linkkill', 'sigstop'] as const;
type Fault = (typeof FAULTS)[number];

class Cluster {
  /** parent[i]: index of node i's master, -1 for the master. */
  parent: number[] = [];
  constructor(readonly nodes: Node[]) {}
  get master(): Node {
    return this.nodes[this.parent.indexOf(-1)];
  }
  replicas(): number[] {
    return this.nodes.map((_, i) => i).filter((i) => this.parent[i] >= 0);
  }
  describe(): string {
    return this.nodes.map((n, i) => (this.parent[i] < 0 ? `${n.name}*` : `${n.name}<-${this.nodes[this.parent[i]].port}`)).join(' ');
  }
  /** A random tree rooted at `root`: each node replicates from one already placed. */
  async retopo(rng: Rng, root: number): Promise<void> {
    const placed = [root];
    const order = this.nodes.map((_, i) => i).filter((i) => i !== root);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const parent = new Array<number>(this.nodes.length).fill(-1);
    await this.nodes[root].c.call('REPLICAOF', 'NO', 'ONE');
    for (const i of order) {
      parent[i] = rng.pick(placed);
      placed.push(i);
    }
    this.parent = parent;
    for (const i of order) {
      // a node still loading a full sync answers -LOADING (REPLICAOF has no `loading` flag, in Redis as here): retry a while
      let r: unknown = null;
      for (let tries = 0; tries < 100; tries++) {
        r = await this.nodes[i].c.call('REPLICAOF', '127.0.0.1', this.nodes[parent[i]].port);
        if (!(r instanceof ReplyError) || !r.message.startsWith('LOADING')) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      if (typeof r !== 'string' || !r.startsWith('OK')) throw new Error(`REPLICAOF on ${this.nodes[i].name}: ${String(r)}`);
    }
  }
}

/** Wait until every node is at the master's offset with its link up; '' or why not. */
async function settle(cl: Cluster, ms: number): Promise<{ why: string; offset: string }> {
  const deadline = Date.now() + ms;
  let why = '';
  while (Date.now() < deadline) {
    const infos = await Promise.all(cl.nodes.map((n) => n.info('replication')));
    const mo = infos[cl.parent.indexOf(-1)].get('master_repl_offset') ?? '?';
    why = '';
    cl.nodes.forEach((n, i) => {
      const inf = infos[i];
      if (cl.parent[i] < 0) {
        if (inf.get('role') !== 'master') why += ` ${n.name} role ${inf.get('role')}`;
        return;
      }
      if (inf.get('master_link_status') !== 'up') why += ` ${n.name} link ${inf.get('master_link_status')}`;
      else if (inf.get('master_sync_in_progress') !== '0') why += ` ${n.name} syncing`;
      else if (inf.get('master_repl_offset') !== mo) why += ` ${n.name} offset ${inf.get('master_repl_offset')}/${mo}`;
    });
    if (why === '') return { why, offset: mo };
    await sleep(50);
  }
  return { why: why || 'timeout', offset: '' };
}

/**
 * The sync counters of every node (INFO stats), and unexpected_error_replies:
 * a replica that answered its master with an error did not apply what its
 * master did (logged as == CRITICAL ==), even when the digests end equal.
 */
async function syncCounts(cl: Cluster): Promise<Array<{ full: number; partial: number; errors: number; starts: number }>> {
  return Promise.all(
    cl.nodes.map(async (n) => {
      const s = await n.info('stats');
      const num = (k: string): number => Number(s.get(k) ?? 0);
      return { full: num('sync_full'), partial: num('sync_partial_ok'), errors: num('unexpected_error_replies'), starts: n.starts };
    }),
  );
}

/** Run the replication chaos: `cycles` cycles (or until `seconds`); one failure ends the run. */
export async function runReplicationChaos(o: Opts): Promise<Report> {
  const rep = new Report(`replication chaos (seed ${o.seed})`);
  const rng = new Rng(o.seed);
  const n = o.nodes > 0 ? Math.min(8, Math.max(2, o.nodes)) : rng.range(3, 5);
  const kinds: Kind[] =
    o.tredisNodes > 0
      ? Array.from({ length: n }, (_, i): Kind => (i < Math.min(o.tredisNodes, n - 1) ? 'tredis' : 'redis'))
      : Array.from({ length: n }, (_, i) => (i < 2 ? (['tredis', 'redis'] as Kind[])[i] : rng.pick(['tredis', 'redis'] as Kind[])));
  const common = ['--repl-diskless-sync-delay', '0', '--repl-backlog-size', String(o.backlog), '--client-output-buffer-limit', 'replica', '2mb', '1mb', '1'];
  const nodes: Node[] = [];
  const cl = new Cluster(nodes);
  const st = newWriteStats();
  const faults = new Map<Fault, number>();
  try {
    for (const kind of kinds) nodes.push(await Node.start(kind, [...common, '--appendonly', rng.chance(0.5) ? 'yes' : 'no']));
    await cl.retopo(rng, rng.int(n));
    console.log(`nodes: ${cl.describe()}`);
    let base = await syncCounts(cl);
    let full = 0;
    let partial = 0;
    const fullBy = new Map<Kind, number>();
    const t0 = Date.now();
    for (let cycle = 1; cycle <= o.cycles && Date.now() - t0 < o.seconds * 1000; cycle++) {
      await writeBurst(rng, cl.master.c, o.writes, st);
      const fault = rng.pick(FAULTS);
      faults.set(fault, (faults.get(fault) ?? 0) + 1);
      let detail = '';
      if (fault === 'kill9') {
        const i = rng.int(n);
        const v = nodes[i];
        const saved = rng.chance(0.5);
        if (saved) await v.c.call('SAVE');
        const before = await v.info('replication');
        await v.kill9();
        const files = v.persistenceFiles();
        if (cl.parent[i] >= 0) await writeBurst(rng, cl.master.c, o.writes, st);
        await v.restart(cl.parent[i] >= 0 ? ['--replicaof', '127.0.0.1', String(nodes[cl.parent[i]].port)] : []);
        detail = `${v.name}${cl.parent[i] < 0 ? ' (master)' : ''}${saved ? ' after SAVE' : ''} at offset ${before.get('master_repl_offset')} [${files}]`;
      } else if (fault === 'promote') {
        const reps = cl.replicas();
        const root = rng.pick(reps);
        await cl.retopo(rng, root);
        detail = cl.describe();
      } else if (fault === 'linkkill') {
        const v = nodes[rng.pick(cl.replicas())];
        const r = await v.c.call('CLIENT', 'KILL', 'TYPE', 'master');
        await writeBurst(rng, cl.master.c, o.writes, st);
        detail = `${v.name} killed ${String(r)}`;
      } else {
        const v = nodes[rng.pick(cl.replicas())];
        v.pause();
        try {
          await writeBulk(cl.master.c, rng, Math.max(8 * o.backlog, 6 << 20));
          await writeBurst(rng, cl.master.c, o.writes, st);
          await sleep(rng.range(200, 1500));
        } finally {
          v.resume();
        }
        detail = v.name;
      }
      if (o.injectDivergence && cycle === o.cycles) {
        // once settled (a full sync in progress would wipe it), a write on a replica only
        await settle(cl, o.settleMs);
        const v = nodes[cl.replicas()[0]];
        await v.c.call('CONFIG', 'SET', 'replica-read-only', 'no');
        await v.c.call('SET', 'chaos:injected', '1');
        detail += ` + injected a write on ${v.name}`;
      }
      // settle, then the digests (again if an expiry moved the offsets meanwhile)
      let digests: string[] = [];
      let agreed = false;
      for (let attempt = 0; attempt < 30 && !agreed; attempt++) {
        const s = await settle(cl, o.settleMs);
        if (s.why) {
          rep.fail(`cycle ${cycle} (${fault} ${detail}): not settled in ${o.settleMs} ms:${s.why}`);
          break;
        }
        digests = (await Promise.all(nodes.map((x) => within(x.c.call('DEBUG', 'DIGEST'), 10_000)))).map(String);
        const again = await settle(cl, o.settleMs);
        if (again.offset !== s.offset) continue;
        agreed = true;
      }
      if (rep.failures.length) break;
      if (!agreed) {
        rep.fail(`cycle ${cycle}: offsets kept moving, no quiescent point to compare digests`);
        break;
      }
      const after = await syncCounts(cl);
      const served: string[] = [];
      const erred: string[] = [];
      after.forEach((a, i) => {
        const b = base[i].starts === a.starts ? base[i] : { full: 0, partial: 0, errors: 0 };
        if (a.errors > b.errors) erred.push(`${nodes[i].name} answered its master with ${a.errors - b.errors} error(s)`);
        full += a.full - b.full;
        partial += a.partial - b.partial;
        if (a.full > b.full || a.partial > b.partial) served.push(`${nodes[i].name} served ${a.full - b.full} full/${a.partial - b.partial} partial`);
        fullBy.set(nodes[i].kind, (fullBy.get(nodes[i].kind) ?? 0) + a.full - b.full);
      });
      base = after;
      const same = digests.every((d) => d === digests[0]);
      console.log(`cycle ${cycle}: ${fault} ${detail} -> ${same ? 'digests equal' : 'DIVERGENCE'} ${digests[0].slice(0, 12)} [${served.join(', ')}]`);
      rep.add('cycles');
      if (!same) {
        rep.fail(`cycle ${cycle} (${fault} ${detail}): DIVERGENCE ${nodes.map((x, i) => `${x.name}=${digests[i]}`).join(' ')}`);
        break;
      }
      if (erred.length) {
        rep.fail(`cycle ${cycle} (${fault} ${detail}): ${erred.join(', ')} (unexpected_error_replies; see == CRITICAL == in its log)`);
        break;
      }
    }
    rep.set('nodes', n);
    rep.set('tredis nodes', kinds.filter((k) => k === 'tredis').length);
    for (const f of FAULTS) rep.set(`fault ${f}`, faults.get(f) ?? 0);
    rep.set('full syncs', full);
    rep.set('partial syncs', partial);
    rep.set('full syncs served by tredis', fullBy.get('tredis') ?? 0);
    rep.set('full syncs served by redis-server', fullBy.get('redis') ?? 0);
    rep.set('commands written', st.commands);
    rep.set('error replies (part of the workload)', st.errors);
    const dbsize = await cl.master.c.call('DBSIZE');
    rep.note(`topology at the end: ${cl.describe()}; master db0 keys ${String(dbsize)}`);
  } catch (e) {
    rep.fail(`harness/server error: ${(e as Error).message}`);
  }
  if (rep.failures.length) {
    for (const x of nodes) {
      const critical = x.child.log().split('\n').filter((l) => /== CRITICAL ==|Latest backlog is/.test(l));
      if (critical.length) console.error(`--- first errors sent to its master by ${x.name}\n${critical.slice(0, 6).join('\n')}`);
      console.error(`--- log tail of ${x.name}${x.alive ? '' : ' (dead)'}\n${x.logTail(1500)}`);
    }
  }
  if (rep.failures.length && o.keepDir) {
    // the nodes' dirs (RDB, AOF, full log) for a post-mortem; copied before the nodes are stopped and their dirs removed
    for (const x of nodes) {
      const to = path.join(o.keepDir, x.name.replace(':', '-'));
      fs.cpSync(x.dir, to, { recursive: true });
      console.error(`kept ${x.name}'s dir in ${to}`);
    }
  }
  for (const x of nodes) await x.stop().catch(() => {});
  return rep;
}
