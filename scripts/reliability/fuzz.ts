/**
 * `npm run fuzz` — RESP frames, random commands (differential against
 * redis-server), DUMP payloads and RDB files (see docs/reliability.md).
 *
 *   node dist/scripts/reliability/fuzz.js [--only resp,commands,payloads] [--seed N] [--seconds 600]
 *     resp:      --frames 100000 --parallel 4 --diff-every 20
 *     commands:  --commands 20000
 *     payloads:  --dumps 2000 --rdbs 2000 --rdb-diff-every 10
 *     all:       --hang-ms 2000 (a PING on another connection must answer within it after each case)
 *                --max-rss-mb 1024 (tredis's RSS bound)  --json FILE
 *
 * Exit code 0 when every check held, 1 on a crash, hang, RSS over the bound
 * or a divergence from redis-server, 2 on a harness error. Servers run on
 * free 127.0.0.1 ports in temp dirs, stopped by PID on exit, Ctrl-C, SIGTERM.
 */
import { main, numArg, seedArg } from './common';
import { runRespFuzz } from './fuzz-resp';
import { runCommandFuzz } from './fuzz-commands';
import { runPayloadFuzz } from './fuzz-payloads';

const seed = seedArg();
const seconds = numArg('seconds', 600);
const hangMs = numArg('hang-ms', 2000);
const maxRssMb = numArg('max-rss-mb', 1024);
console.log(`fuzz: seed ${seed} (replay with --seed ${seed})`);
void main([
  ['resp', () => runRespFuzz({ frames: numArg('frames', 100_000), seconds, seed, hangMs, maxRssMb, diffEvery: numArg('diff-every', 20), parallel: Math.max(1, numArg('parallel', 4)) })],
  ['commands', () => runCommandFuzz({ cases: numArg('commands', 20_000), seconds, seed, hangMs, maxRssMb })],
  ['payloads', () => runPayloadFuzz({ cases: numArg('dumps', 2000), rdbCases: numArg('rdbs', 2000), seconds, seed, hangMs, maxRssMb, diffEvery: numArg('rdb-diff-every', 10) })],
]);
