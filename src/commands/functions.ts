/**
 * FUNCTION and FCALL / FCALL_RO (Redis 7.0's functions.c). Libraries live in
 * src/scripting/functions.ts, the Lua side in src/scripting/engine.ts.
 */
import { RedisError, cstr } from '../protocol/errors';
import type { Client } from '../server/client';
import { stringMatch } from '../util/glob';
import { LOAD_TIMEOUT_MS, type FunctionInfo } from '../scripting/functions';
import { SF_ALLOW_STALE, SF_NO_WRITES, FLAG_NAMES } from '../scripting/engine';
import { cmd, numkeysAt, type CommandSpec } from './spec';
import { parseLongLong } from './util';
import { replyHelp, subcommandSyntaxError } from './server-util';

/** fcallGetCommandFlags: a function's flags replace FCALL's write/stale flags at the gate. */
function fcallGateFlags(c: Client, argv: string[]): { write: boolean; stale: boolean } | null {
  if (argv.length < 2) return null;
  const fi = c.server.scripting.functions.find(argv[1]);
  if (!fi) return null;
  return { write: !(fi.flags & SF_NO_WRITES), stale: (fi.flags & SF_ALLOW_STALE) !== 0 };
}

/** fcallCommandGeneric. */
function fcallGeneric(c: Client, argv: string[], ro: boolean): void {
  const server = c.server;
  if (server.monitors.size > 0) server.feedMonitors(c, argv);
  const eng = server.scripting;
  const fi: FunctionInfo | undefined = eng.functions.find(argv[1]);
  if (!fi) throw new RedisError('ERR Function not found');
  const nk = parseLongLong(argv[2]);
  if (nk === null) throw new RedisError('ERR Bad number of keys provided');
  if (nk > BigInt(argv.length - 3)) throw new RedisError("ERR Number of keys can't be greater than number of args");
  if (nk < 0n) throw new RedisError("ERR Number of keys can't be negative");
  const numkeys = Number(nk);
  const ctx = eng.prepare(c, fi.name, fi.flags, ro, false);
  ctx.argv = argv;
  server.propagation.prevent = true;
  eng.runFunction(ctx, fi, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys));
}

function replyFlags(c: Client, flags: number): void {
  const names = FLAG_NAMES.filter(([, f]) => (flags & f) !== 0);
  c.reply.setLen(names.length);
  for (const [n] of names) c.reply.simple(n);
}

/** Format: FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] */
function functionList(c: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (!withCode && a === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && a === 'libraryname') {
      if (i >= argv.length - 1) throw new RedisError('ERR library name argument was not given');
      pattern = argv[++i];
      continue;
    }
    throw new RedisError(`ERR Unknown argument ${cstr(argv[i])}`);
  }
  const libs = [...c.server.scripting.functions.cur.libraries.values()].filter((li) => pattern === null || stringMatch(pattern, li.name, true));
  const r = c.reply;
  r.arrayLen(libs.length);
  for (const li of libs) {
    r.mapLen(withCode ? 4 : 3);
    r.bulk('library_name');
    r.bulk(li.name);
    r.bulk('engine');
    r.bulk('LUA');
    r.bulk('functions');
    r.arrayLen(li.functions.size);
    for (const fi of li.functions.values()) {
      r.mapLen(3);
      r.bulk('name');
      r.bulk(fi.name);
      r.bulk('description');
      r.bulkOrNull(fi.desc);
      r.bulk('flags');
      replyFlags(c, fi.flags);
    }
    if (withCode) {
      r.bulk('library_code');
      r.bulk(li.code);
    }
  }
}

/** Format: FUNCTION STATS */
function functionStats(c: Client): void {
  const eng = c.server.scripting;
  const run = eng.running;
  if (run !== null && run.evalMode) throw new RedisError('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
  const r = c.reply;
  r.mapLen(2);
  r.bulk('running_script');
  if (run === null) r.nullBulk();
  else {
    r.mapLen(3);
    r.bulk('name');
    r.bulk(run.funcname);
    r.bulk('command');
    r.bulks(run.argv);
    r.bulk('duration_ms');
    r.int(Math.floor(performance.now() - run.startTime));
  }
  r.bulk('engines');
  r.mapLen(1);
  r.bulk('LUA');
  r.mapLen(2);
  r.bulk('libraries_count');
  r.int(eng.functions.libraryCount);
  r.bulk('functions_count');
  r.int(eng.functions.functionCount);
}

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const scriptingGroup = { group: 'scripting', acl: ['slow', 'scripting'] };
const fcallKeys = numkeysAt(2);

/** FCALL, FCALL_RO, FUNCTION. */
export const functionCommands: CommandSpec[] = [
  cmd('fcall', -3, 'noscript skip_monitor may_replicate no_mandatory_keys stale', 0, 0, 0, (c, argv) => fcallGeneric(c, argv, false), {
    ...scriptingGroup,
    getKeys: fcallKeys,
    gateFlags: fcallGateFlags,
    since: '7.0.0',
    summary: 'Invoke a function',
  }),
  cmd('fcall_ro', -3, 'noscript skip_monitor no_mandatory_keys stale readonly', 0, 0, 0, (c, argv) => fcallGeneric(c, argv, true), {
    ...scriptingGroup,
    getKeys: fcallKeys,
    gateFlags: fcallGateFlags,
    since: '7.0.0',
    summary: 'Invoke a read-only function',
  }),
  {
    name: 'function',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    group: 'scripting',
    since: '7.0.0',
    summary: 'A container for function commands',
    subcommands: [
      cmd('load', -3, 'write denyoom noscript', 0, 0, 0, (c, argv) => {
        let replace = false;
        let i = 2;
        while (i < argv.length - 1) {
          const a = argv[i++];
          if (a.toLowerCase() === 'replace') {
            replace = true;
            continue;
          }
          throw new RedisError(`ERR Unknown option given: ${cstr(a)}`);
        }
        if (i >= argv.length) throw new RedisError('ERR Function code is missing');
        const obey = c.isMaster || c.isFake;
        const name = c.server.scripting.functions.create(argv[i], replace, obey ? 0 : LOAD_TIMEOUT_MS);
        c.server.dirty++;
        c.reply.bulk(name);
      }, scriptingGroup),
      cmd('delete', 3, 'write noscript', 0, 0, 0, (c, argv) => {
        c.server.scripting.functions.delete(argv[2]);
        c.server.dirty++;
        c.reply.ok();
      }, scriptingGroup),
      cmd('flush', -2, 'write noscript', 0, 0, 0, (c, argv) => {
        if (argv.length > 3) throw subcommandSyntaxError(argv[1], 'FUNCTION');
        if (argv.length === 3 && !/^(a?sync)$/i.test(argv[2])) throw new RedisError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
        c.server.scripting.functions.flush();
        c.server.dirty++;
        c.reply.ok();
      }, scriptingGroup),
      cmd('restore', -3, 'write denyoom noscript', 0, 0, 0, (c, argv) => {
        if (argv.length > 4) throw subcommandSyntaxError(argv[1], 'FUNCTION');
        let policy: 'flush' | 'append' | 'replace' = 'append';
        if (argv.length === 4) {
          const p = argv[3].toLowerCase();
          if (p === 'append' || p === 'replace' || p === 'flush') policy = p;
          else throw new RedisError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
        }
        c.server.scripting.functions.restore(argv[2], policy);
        c.server.dirty++;
        c.reply.ok();
      }, scriptingGroup),
      cmd('dump', 2, 'noscript', 0, 0, 0, (c) => {
        c.reply.bulk(c.server.scripting.functions.dump(c.server.config.settings.rdbcompression));
      }, scriptingGroup),
      cmd('list', -2, 'noscript', 0, 0, 0, functionList, { ...scriptingGroup, tips: ['nondeterministic_output_order'] }),
      cmd('stats', 2, 'noscript allow_busy', 0, 0, 0, functionStats, { ...scriptingGroup, tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'] }),
      cmd('kill', 2, 'noscript allow_busy', 0, 0, 0, (c) => {
        c.server.scripting.kill(false);
        c.reply.ok();
      }, scriptingGroup),
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'FUNCTION', FUNCTION_HELP), scriptingGroup),
    ],
  },
];
