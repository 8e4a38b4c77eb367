/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.0's eval.c). The
 * engine (VM, cache, bridge, conversions, busy scripts) is src/scripting/.
 */
import { RedisError } from '../protocol/errors';
import type { Client } from '../server/client';
import { parseShebang, sha1hex, SF_ALLOW_STALE, SF_EVAL_COMPAT, SF_NO_WRITES, type Script } from '../scripting/engine';
import { cmd, numkeysAt, type CommandSpec } from './spec';
import { parseSafeInt } from './util';
import { replyHelp } from './server-util';

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';

/** The last EVAL body hashed: the gate (evalGateFlags) and the handler ask for the same one, as Redis keeps c->cur_script. */
let lastBody = '';
let lastSha = '';

/** The sha EVAL/EVALSHA would run (EVALSHA's argument lowercased, as evalCalcFunctionName does). */
function scriptSha(argv: string[], evalsha: boolean): string {
  if (evalsha) return lowerHex(argv[1]);
  if (argv[1] !== lastBody) {
    lastSha = sha1hex(argv[1]);
    lastBody = argv[1];
  }
  return lastSha;
}

/** s lowercased; s itself when it has no capital (a sha as clients send it), without a copy. */
function lowerHex(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** The script the gate found for this argv (evalGateFlags), so that the handler does not look it up again. */
let gateArgv: string[] | null = null;
let gateScript: Script | undefined;

/**
 * evalGetCommandFlags: a script with a shebang declares its own flags, which
 * replace the command's write/stale flags at the gate (null: the command's).
 */
function evalGateFlags(c: Client, argv: string[], evalsha: boolean): { write: boolean; stale: boolean } | null {
  if (argv.length < 2 || (evalsha && argv[1].length !== 40)) return null;
  const script = c.server.scripting.scripts.get(scriptSha(argv, evalsha));
  gateArgv = argv;
  gateScript = script;
  let flags: number;
  if (script) flags = script.flags;
  else {
    if (evalsha) return null;
    const sb = parseShebang(argv[1]);
    if (typeof sb === 'string') return null;
    flags = sb.flags;
  }
  if (flags & SF_EVAL_COMPAT) return null;
  return { write: !(flags & SF_NO_WRITES), stale: (flags & SF_ALLOW_STALE) !== 0 };
}

/** evalGenericCommand. */
function evalGeneric(c: Client, argv: string[], evalsha: boolean, ro: boolean): void {
  const server = c.server;
  // the script's commands show after it in MONITOR (EVAL is skip_monitor and feeds here)
  if (server.monitors.size > 0) server.feedMonitors(c, argv);
  if (evalsha && argv[1].length !== 40) throw new RedisError(NOSCRIPT);
  // (past 2^53 the value is approximate, but then greater than any argument count, or negative, all the same)
  const numkeys = parseSafeInt(argv[2]);
  if (numkeys === null) throw new RedisError('ERR value is not an integer or out of range');
  if (numkeys > argv.length - 3) throw new RedisError("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) throw new RedisError("ERR Number of keys can't be negative");
  const eng = server.scripting;
  // the gate looked this argv's script up a moment ago: taken when still cached (a command queued in MULTI
  // may run after a SCRIPT FLUSH); a lookup by the cached sha string is cheaper than hashing argv's
  let script = gateArgv === argv ? gateScript : undefined;
  gateArgv = null;
  gateScript = undefined;
  if (script !== undefined && eng.scripts.get(script.sha) !== script) script = undefined;
  const sha = script !== undefined ? script.sha : scriptSha(argv, evalsha);
  if (script === undefined) script = eng.scripts.get(sha);
  if (script === undefined) {
    if (evalsha) throw new RedisError(NOSCRIPT);
    script = eng.createFunction(argv[1], sha);
  }
  const ctx = eng.prepare(c, sha, script.flags, ro, true);
  ctx.argv = argv;
  // the script's effects are propagated, not the script
  server.propagation.prevent = true;
  eng.runEval(ctx, script, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys));
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

const evalKeys = numkeysAt(2);
const scriptingGroup = { group: 'scripting', acl: ['slow', 'scripting'] };

/** Scripting commands. */
export const scriptingCommands: CommandSpec[] = [
  cmd('eval', -3, 'noscript skip_monitor may_replicate no_mandatory_keys stale', 0, 0, 0, (c, argv) => evalGeneric(c, argv, false, false), {
    ...scriptingGroup,
    getKeys: evalKeys,
    gateFlags: (c, argv) => evalGateFlags(c, argv, false),
    since: '2.6.0',
    summary: 'Execute a Lua script server side',
  }),
  cmd('evalsha', -3, 'noscript skip_monitor may_replicate no_mandatory_keys stale', 0, 0, 0, (c, argv) => evalGeneric(c, argv, true, false), {
    ...scriptingGroup,
    getKeys: evalKeys,
    gateFlags: (c, argv) => evalGateFlags(c, argv, true),
    since: '2.6.0',
    summary: 'Execute a Lua script server side',
  }),
  cmd('eval_ro', -3, 'noscript skip_monitor no_mandatory_keys stale readonly', 0, 0, 0, (c, argv) => evalGeneric(c, argv, false, true), {
    ...scriptingGroup,
    getKeys: evalKeys,
    gateFlags: (c, argv) => evalGateFlags(c, argv, false),
    since: '7.0.0',
    summary: 'Execute a read-only Lua script server side',
  }),
  cmd('evalsha_ro', -3, 'noscript skip_monitor no_mandatory_keys stale readonly', 0, 0, 0, (c, argv) => evalGeneric(c, argv, true, true), {
    ...scriptingGroup,
    getKeys: evalKeys,
    gateFlags: (c, argv) => evalGateFlags(c, argv, true),
    since: '7.0.0',
    summary: 'Execute a read-only Lua script server side',
  }),
  {
    name: 'script',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    group: 'scripting',
    since: '2.6.0',
    summary: 'A container for Lua scripts management commands',
    subcommands: [
      cmd('exists', -3, 'noscript', 0, 0, 0, (c, argv) => {
        const scripts = c.server.scripting.scripts;
        c.reply.arrayLen(argv.length - 2);
        for (let j = 2; j < argv.length; j++) c.reply.int(scripts.has(argv[j].toLowerCase()) ? 1 : 0);
      }, scriptingGroup),
      cmd('flush', -2, 'noscript', 0, 0, 0, (c, argv) => {
        if (!(argv.length === 2 || (argv.length === 3 && /^(a?sync)$/i.test(argv[2])))) {
          throw new RedisError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
        }
        c.server.scripting.reset();
        c.reply.ok();
      }, scriptingGroup),
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'SCRIPT', SCRIPT_HELP), scriptingGroup),
      cmd('kill', 2, 'noscript allow_busy', 0, 0, 0, (c) => {
        c.server.scripting.kill(true);
        c.reply.ok();
      }, scriptingGroup),
      cmd('load', 3, 'noscript stale', 0, 0, 0, (c, argv) => {
        c.reply.bulk(c.server.scripting.createFunction(argv[2]).sha);
      }, scriptingGroup),
      cmd('debug', 3, 'noscript', 0, 0, 0, (c, argv) => {
        const mode = argv[2].toLowerCase();
        if (mode === 'no') {
          c.reply.ok();
          return;
        }
        if (mode === 'yes' || mode === 'sync') throw new RedisError('ERR SCRIPT DEBUG (the Lua debugger) is not supported by tredis');
        throw new RedisError('ERR Use SCRIPT DEBUG YES/SYNC/NO');
      }, scriptingGroup),
    ],
  },
];

