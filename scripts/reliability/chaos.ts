/**
 * `npm run chaos` — replication chaos and crash durability (see
 * docs/reliability.md for the long runs and their figures).
 *
 *   node dist/scripts/reliability/chaos.js [--only replication,durability] [--seed N]
 *     replication: --cycles 20 --seconds 600 --nodes 0 (0: random 3-5) --tredis-nodes 0 (0: random) --writes 300
 *                  --backlog 262144 --settle-ms 60000 [--inject-divergence] [--keep-dir DIR]
 *     durability:  --kill-cycles 20 --clients 4 --everysec-window 1000 --target tredis|redis
 *     --json FILE  append the summaries to FILE
 *
 * Exit code 0 when every check held, 1 on any divergence, lost write, crash
 * or hang, 2 on a harness error. Every server runs on a free 127.0.0.1 port
 * in a temp dir and is stopped by PID on exit, Ctrl-C and SIGTERM.
 */
import { main, seedArg } from './common';
import { chaosOpts, runReplicationChaos } from './chaos-replication';
import { durabilityOpts, runDurability } from './chaos-durability';

const seed = seedArg();
console.log(`chaos: seed ${seed} (replay with --seed ${seed})`);
void main([
  ['replication', () => runReplicationChaos(chaosOpts(seed))],
  ['durability', () => runDurability(durabilityOpts(seed))],
]);
