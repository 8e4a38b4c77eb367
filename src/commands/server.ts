/**
 * Server/admin commands: CONFIG (GET/SET/RESETSTAT/REWRITE/HELP), INFO,
 * COMMAND (COUNT/INFO/DOCS/LIST/GETKEYS/GETKEYSANDFLAGS/HELP), DBSIZE,
 * FLUSHDB, FLUSHALL, SWAPDB, TIME, MONITOR, SHUTDOWN, LOLWUT, plus CLIENT
 * (server-client.ts), DEBUG and MEMORY (server-debug.ts), LATENCY and SLOWLOG
 * (server-latency.ts). Replies and errors follow Redis 7.0.15.
 */
import { cmd, type Command, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { parseLongLong } from './util';
import type { Client, BlockState } from '../server/client';
import type { Server } from '../server/server';
import { stringMatch } from '../util/glob';
import type { ConfigDef } from '../config/schema';
import { rewriteConfigFile } from '../config/rewrite';
import { strerror } from '../util/strerror';
import { genInfoString } from '../info/info';
import { writeCommandInfo, writeCommandDocs, keyFlagsAt, aclCategories, keySpecs } from './command-meta';
import { replyHelp, allowProtectedAction } from './server-util';
import { clientCommand } from './server-client';
import { debugCommand, memoryCommand } from './server-debug';
import { latencyCommand, slowlogCommand } from './server-latency';

// ---------------------------------------------------------------- CONFIG

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

/** `replicaof` follows REPLICAOF / failover: read the replication state into the config before showing or saving it. */
function syncReplicaOf(s: Server): void {
  const repl = s.replication;
  const host = repl.replica.masterHost;
  s.config.setRaw('replicaof', host === null ? null : { host, port: repl.replica.masterPort });
}

/** Format: CONFIG GET parameter [parameter ...] (glob patterns match names and aliases, hidden ones only by exact name). */
function configGet(c: Client, argv: string[]): void {
  const s = c.server;
  syncReplicaOf(s);
  const reg = s.config.registry;
  const out = new Map<string, ConfigDef>();
  for (let i = 2; i < argv.length; i++) {
    const p = argv[i];
    if (!/[*?[]/.test(p)) {
      if (out.has(p)) continue;
      const d = reg.find(p);
      if (d) out.set(p, d);
      continue;
    }
    for (const [name, d] of reg.allNames()) {
      if (d.hidden || out.has(name)) continue;
      if (stringMatch(p, name, true)) out.set(name, d);
    }
  }
  c.reply.mapLen(out.size);
  for (const [name, d] of out) {
    c.reply.bulk(name);
    c.reply.bulk(s.config.getText(d.name));
  }
}

/**
 * Format: CONFIG SET parameter value [parameter value ...]. All pairs are
 * validated before anything changes; a new port or bind list is bound first
 * (asynchronously: the client waits, others keep being served) and the
 * change is refused with Redis's error if the addresses cannot be bound.
 */
function configSet(c: Client, argv: string[]): void {
  if (argv.length % 2 === 1) throw new RedisError(Err.syntax);
  const s = c.server;
  const pairs: Array<[string, string]> = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  let prepared;
  try {
    prepared = s.config.prepareSet(pairs, {
      allowProtected: allowProtectedAction(s.config.settings.enableProtectedConfigs, c),
      loading: s.loading,
    });
  } catch (e) {
    throw new RedisError((e as Error).message);
  }
  const portItem = prepared.items.find((it) => it.def.name === 'port');
  const bindItem = prepared.items.find((it) => it.def.name === 'bind');
  const newPort = portItem ? (portItem.value as number) : s.port;
  const newBind = bindItem ? (bindItem.value as string[]) : s.config.settings.bind;
  const tlsPortItem = prepared.items.find((it) => it.def.name === 'tls-port');
  const newTlsPort = tlsPortItem ? (tlsPortItem.value as number) : s.listeners.tlsPort;
  const portChanged = portItem !== undefined && newPort !== s.port;
  const bindChanged = bindItem !== undefined && newBind.join(' ') !== s.config.settings.bind.join(' ');
  const tlsPortChanged = tlsPortItem !== undefined && newTlsPort !== s.listeners.tlsPort;
  const commit = (): void => {
    try {
      s.config.commitSet(prepared);
    } catch (e) {
      throw new RedisError((e as Error).message);
    }
    if (portChanged || bindChanged) s.config.setRaw('port', s.port);
    if (tlsPortChanged) s.config.setRaw('tls-port', s.listeners.tlsPort);
  };
  if (!portChanged && !bindChanged && !tlsPortChanged) {
    commit();
    c.reply.ok();
    return;
  }
  const failText = bindChanged
    ? "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses."
    : portChanged
      ? "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
      : "ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.";
  const rebind = (async () => {
    if (portChanged || bindChanged) await s.listeners.relisten(newPort, newBind, bindChanged);
    if (tlsPortChanged) await s.listeners.relistenTls(newTlsPort, newBind);
  })();
  if (c.socket === null || c.lastCmd?.fullName !== 'config|set') {
    // inside EXEC or a script the client cannot wait: apply now, report a failed rebind in the log
    commit();
    rebind.catch(() => s.logger.warning(failText.slice(4)));
    c.reply.ok();
    return;
  }
  const state: BlockState = { kind: 'other', keys: [], db: c.db.id, timeoutAt: 0, tryServe: () => false, onTimeout: () => {}, argv };
  s.blocking.block(c, state);
  rebind.then(
    () => {
      if (c.blocked !== state) return;
      try {
        commit();
        c.reply.ok();
      } catch (e) {
        s.countError((e as Error).message);
        c.reply.error((e as Error).message);
      }
      s.blocking.unblock(c, true);
    },
    () => {
      if (c.blocked !== state) return;
      s.countError(failText);
      c.reply.error(failText);
      s.blocking.unblock(c, true);
    },
  );
}

/** CONFIG RESETSTAT: resetServerStats + per-command and error stats. */
function resetStats(s: Server): void {
  s.stats.reset();
  for (const cm of s.commands.values()) {
    for (const c of [cm, ...(cm.subcommands?.values() ?? [])]) {
      c.stats.calls = c.stats.usec = c.stats.rejected = c.stats.failed = 0;
      c.stats.histogram = null;
    }
  }
}

const configCommand: CommandSpec = cmd('config', -2, '', 0, 0, 0, () => {}, {
  group: 'server',
  subcommands: [
    /** Format: CONFIG GET parameter [parameter ...] */
    cmd('get', -3, 'admin noscript loading stale', 0, 0, 0, configGet),
    /** Format: CONFIG SET parameter value [parameter value ...] */
    cmd('set', -4, 'admin noscript loading stale', 0, 0, 0, configSet),
    /** Format: CONFIG RESETSTAT */
    cmd('resetstat', 2, 'admin noscript loading stale', 0, 0, 0, (c) => {
      resetStats(c.server);
      c.reply.ok();
    }),
    /** Format: CONFIG REWRITE */
    cmd('rewrite', 2, 'admin noscript loading stale', 0, 0, 0, (c) => {
      const s = c.server;
      if (s.config.file === null) throw new RedisError('ERR The server is running without a config file');
      syncReplicaOf(s);
      try {
        rewriteConfigFile(s.config, s.config.file, false, s.acl.userLines());
      } catch (e) {
        s.logger.warning(`CONFIG REWRITE failed: ${strerror(e)}`);
        throw new RedisError(`ERR Rewriting config file: ${strerror(e)}`);
      }
      s.logger.warning('CONFIG REWRITE executed with success.');
      c.reply.ok();
    }),
    /** Format: CONFIG HELP */
    cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'CONFIG', CONFIG_HELP)),
  ],
});

// ---------------------------------------------------------------- COMMAND

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

/** lookupCommandBySds: `name` or `container|sub`. */
function lookupByFullName(s: Server, name: string): Command | undefined {
  const l = name.toLowerCase();
  const bar = l.indexOf('|');
  if (bar < 0) return s.commands.get(l);
  const base = s.commands.get(l.slice(0, bar));
  return base?.subcommands?.get(l.slice(bar + 1));
}

function hasKeys(cm: Command): boolean {
  if (cm.firstKey > 0 || cm.getKeysFn) return true;
  const ks = keySpecs(cm) as { '~'?: unknown[] };
  return (ks['~']?.length ?? 0) > 0;
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS (getKeysSubcommandImpl). */
function getKeys(c: Client, argv: string[], withFlags: boolean): void {
  const s = c.server;
  const target = argv.slice(2);
  const base = s.commands.get(target[0].toLowerCase());
  let cm: Command | undefined = base;
  if (base && base.subcommands !== null && target.length >= 2) cm = base.subcommands.get(target[1].toLowerCase());
  if (cm === undefined) throw new RedisError('ERR Invalid command specified');
  if (!hasKeys(cm)) throw new RedisError('ERR The command has no key arguments');
  if ((cm.arity > 0 && cm.arity !== target.length) || target.length < -cm.arity) throw new RedisError('ERR Invalid number of arguments specified for command');
  const idx = cm.keyIndexes(target).filter((i) => i < target.length);
  if (idx.length === 0 && !cm.flags.includes('no_mandatory_keys')) {
    if (cm.getKeysFn) throw new RedisError('ERR Invalid arguments specified for command');
  }
  c.reply.arrayLen(idx.length);
  for (const i of idx) {
    if (!withFlags) {
      c.reply.bulk(target[i]);
      continue;
    }
    c.reply.arrayLen(2);
    c.reply.bulk(target[i]);
    const flags = keyFlagsAt(cm, target, i);
    c.reply.setLen(flags.length);
    for (const f of flags) c.reply.simple(f);
  }
}

/** COMMAND LIST FILTERBY: does the command pass the filter (shouldFilterFromCommandList inverted)? */
function listFilter(cm: Command, type: string, arg: string): boolean {
  if (type === 'module') return false; // no modules
  if (type === 'aclcat') {
    const cat = '@' + arg.toLowerCase();
    return aclCategories(cm).includes(cat);
  }
  return stringMatch(arg, cm.fullName, true);
}

const commandCommand: CommandSpec = cmd(
  'command',
  -1,
  'loading stale',
  0,
  0,
  0,
  (c) => {
    const cmds = [...c.server.commands.values()];
    c.reply.arrayLen(cmds.length);
    for (const cm of cmds) writeCommandInfo(c.reply, cm);
  },
  {
    group: 'server',
    subcommands: [
      /** Format: COMMAND COUNT */
      cmd('count', 2, 'loading stale', 0, 0, 0, (c) => c.reply.int(c.server.commands.size)),
      /** Format: COMMAND INFO [command-name ...] */
      cmd('info', -2, 'loading stale', 0, 0, 0, (c, argv) => {
        const s = c.server;
        if (argv.length === 2) {
          c.reply.arrayLen(s.commands.size);
          for (const cm of s.commands.values()) writeCommandInfo(c.reply, cm);
          return;
        }
        c.reply.arrayLen(argv.length - 2);
        for (let i = 2; i < argv.length; i++) {
          const cm = lookupByFullName(s, argv[i]);
          if (cm) writeCommandInfo(c.reply, cm);
          else c.reply.nullBulk();
        }
      }),
      /** Format: COMMAND DOCS [command-name ...] */
      cmd('docs', -2, 'loading stale', 0, 0, 0, (c, argv) => {
        const s = c.server;
        const found: Command[] = [];
        if (argv.length === 2) found.push(...s.commands.values());
        else
          for (let i = 2; i < argv.length; i++) {
            const cm = lookupByFullName(s, argv[i]);
            if (cm) found.push(cm);
          }
        c.reply.mapLen(found.length);
        for (const cm of found) {
          c.reply.bulk(cm.fullName);
          writeCommandDocs(c.reply, cm);
        }
      }),
      /** Format: COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern] */
      cmd('list', -2, 'loading stale', 0, 0, 0, (c, argv) => {
        let filter: { type: string; arg: string } | null = null;
        for (let i = 2; i < argv.length; i++) {
          const more = argv.length - 1 - i;
          if (argv[i].toLowerCase() === 'filterby' && more === 2) {
            const t = argv[i + 1].toLowerCase();
            if (t !== 'module' && t !== 'aclcat' && t !== 'pattern') throw new RedisError(Err.syntax);
            filter = { type: t, arg: argv[i + 2] };
            i += 2;
          } else throw new RedisError(Err.syntax);
        }
        const names: string[] = [];
        for (const cm of c.server.commands.values()) {
          if (filter === null || listFilter(cm, filter.type, filter.arg)) names.push(cm.fullName);
          if (cm.subcommands) for (const sc of cm.subcommands.values()) if (filter === null || listFilter(sc, filter.type, filter.arg)) names.push(sc.fullName);
        }
        c.reply.bulks(names);
      }),
      /** Format: COMMAND GETKEYS command [arg ...] */
      cmd('getkeys', -4, 'loading stale', 0, 0, 0, (c, argv) => getKeys(c, argv, false)),
      /** Format: COMMAND GETKEYSANDFLAGS command [arg ...] */
      cmd('getkeysandflags', -4, 'loading stale', 0, 0, 0, (c, argv) => getKeys(c, argv, true)),
      /** Format: COMMAND HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'COMMAND', COMMAND_HELP)),
    ],
  },
);

// ---------------------------------------------------------------- keyspace-wide commands

/** FLUSHDB/FLUSHALL's [ASYNC|SYNC] (getFlushCommandFlags); lazy freeing makes no difference here. */
function checkFlushArgs(argv: string[]): void {
  if (argv.length === 1) return;
  if (argv.length === 2 && (argv[1].toLowerCase() === 'sync' || argv[1].toLowerCase() === 'async')) return;
  throw new RedisError(Err.syntax);
}

/**
 * Wake clients blocked on keys of these dbs that now exist (scanDatabaseForReadyKeys after SWAPDB).
 * A key already expired counts, as in Redis: the woken client's lookup deletes it (DEL propagated) and it blocks on.
 */
function signalReadyKeys(s: Server, dbIds: number[]): void {
  for (const k of s.blocking.blockingKeys.keys()) {
    const sep = k.indexOf('\0');
    const id = Number(k.slice(0, sep));
    if (!dbIds.includes(id)) continue;
    const key = k.slice(sep + 1);
    if (s.dbs[id].peek(key) !== undefined) s.watch.signalModifiedKey(id, key);
  }
}

/** getIntFromObjectOrReply with a custom message. */
function intOrFail(s: string, msg: string): number {
  const v = parseLongLong(s);
  if (v === null || v > 2147483647n || v < -2147483648n) throw new RedisError(msg);
  return Number(v);
}

function blockUntilDone(c: Client, argv: string[]): BlockState {
  const state: BlockState = { kind: 'other', keys: [], db: c.db.id, timeoutAt: 0, tryServe: () => false, onTimeout: () => {}, argv };
  c.server.blocking.block(c, state);
  return state;
}

const LOLWUT_TEXT = 'Redis ver. 7.0.15\n';

const keyspaceCommands: CommandSpec[] = [
  /** Format: DBSIZE */
  cmd('dbsize', 1, 'readonly fast', 0, 0, 0, (c) => c.reply.int(c.db.size), { group: 'server' }),
  /** Format: FLUSHDB [ASYNC|SYNC] */
  cmd(
    'flushdb',
    -1,
    'write',
    0,
    0,
    0,
    (c, argv) => {
      checkFlushArgs(argv);
      const s = c.server;
      const db = c.db;
      s.watch.signalFlushedDb(db.id);
      const removed = db.size;
      db.flush();
      s.dirty += removed;
      // forceCommandPropagation: an empty db is flushed on replicas and in the AOF too
      if (removed === 0) s.propagation.also(db.id, argv);
      c.reply.ok();
    },
    { group: 'server' },
  ),
  /** Format: FLUSHALL [ASYNC|SYNC] */
  cmd(
    'flushall',
    -1,
    'write',
    0,
    0,
    0,
    (c, argv) => {
      checkFlushArgs(argv);
      const s = c.server;
      let removed = 0;
      s.watch.signalFlushedDb(-1);
      for (const db of s.dbs) {
        removed += db.size;
        db.flush();
      }
      s.dirty += removed;
      // with save points the empty dump is written now, which zeroes the unsaved changes (Redis 7.0)
      s.persistence.afterFlushAll();
      // forceCommandPropagation: replicas and the AOF get FLUSHALL whatever the change count says
      s.propagation.also(c.db.id, argv);
      s.propagation.prevent = true;
      c.reply.ok();
    },
    { group: 'server' },
  ),
  /** Format: SWAPDB index1 index2 */
  cmd(
    'swapdb',
    3,
    'write fast',
    0,
    0,
    0,
    (c, argv) => {
      const s = c.server;
      const a = intOrFail(argv[1], 'ERR invalid first DB index');
      const b = intOrFail(argv[2], 'ERR invalid second DB index');
      if (a < 0 || a >= s.dbs.length || b < 0 || b >= s.dbs.length) throw new RedisError(Err.dbIndex);
      if (a !== b) {
        s.watch.touchWatchedKeysInDb(a, s.dbs[b]);
        s.watch.touchWatchedKeysInDb(b, s.dbs[a]);
        s.dbs[a].swapWith(s.dbs[b]);
        signalReadyKeys(s, [a, b]);
      }
      s.dirty++;
      c.reply.ok();
    },
    { group: 'server' },
  ),
  /** Format: TIME */
  cmd(
    'time',
    1,
    'loading stale fast',
    0,
    0,
    0,
    (c) => {
      const ms = c.server.now();
      const us = (ms % 1000) * 1000 + (Number(process.hrtime.bigint() / 1000n) % 1000);
      c.reply.arrayLen(2);
      c.reply.bulk(String(Math.floor(ms / 1000)));
      c.reply.bulk(String(us));
    },
    { group: 'server' },
  ),
  /** Format: MONITOR */
  cmd(
    'monitor',
    1,
    'admin noscript loading stale',
    0,
    0,
    0,
    (c) => {
      // inside EXEC the client expects one reply per command (CLIENT_DENY_BLOCKING)
      if (c.lastCmd !== null && c.lastCmd.name !== 'monitor') throw new RedisError("ERR MONITOR isn't allowed for DENY BLOCKING client");
      if (c.isReplica || c.isMonitor) return;
      c.isMonitor = true;
      c.server.monitors.add(c);
      c.reply.ok();
    },
    { group: 'server' },
  ),
  /** Format: SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] */
  cmd(
    'shutdown',
    -1,
    'admin noscript loading stale no_multi allow_busy',
    0,
    0,
    0,
    (c, argv) => {
      let save: boolean | null = null;
      let nosave = false;
      let doSave = false;
      let now = false;
      let force = false;
      let abort = false;
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i].toLowerCase();
        if (a === 'nosave') nosave = true;
        else if (a === 'save') doSave = true;
        else if (a === 'now') now = true;
        else if (a === 'force') force = true;
        else if (a === 'abort') abort = true;
        else throw new RedisError(Err.syntax);
      }
      if ((abort && (nosave || doSave || now || force)) || (nosave && doSave)) throw new RedisError(Err.syntax);
      if (abort) throw new RedisError('ERR No shutdown in progress.');
      if (nosave) save = false;
      if (doSave) save = true;
      const s = c.server;
      // while a script is busy only SHUTDOWN NOSAVE goes through (Redis answers the script's BUSY text)
      const busy = s.executor.busyScript;
      if (busy !== null && !nosave) {
        throw new RedisError(`BUSY Redis is busy running a script. You can only call ${busy.evalMode ? 'SCRIPT' : 'FUNCTION'} KILL or SHUTDOWN NOSAVE.`);
      }
      const state = blockUntilDone(c, argv);
      void s.shutdown({ save, now, force }).then(
        (ok) => {
          if (ok || c.blocked !== state) return;
          s.countError('ERR Errors trying to SHUTDOWN. Check logs.');
          c.reply.error('ERR Errors trying to SHUTDOWN. Check logs.');
          s.blocking.unblock(c, true);
        },
        (e) => {
          s.logger.warning(`Error during shutdown: ${(e as Error).message}`);
          if (c.blocked !== state) return;
          c.reply.error('ERR Errors trying to SHUTDOWN. Check logs.');
          s.blocking.unblock(c, true);
        },
      );
    },
    { group: 'server' },
  ),
  /** Format: LOLWUT [VERSION version] */
  cmd(
    'lolwut',
    -1,
    'readonly fast',
    0,
    0,
    0,
    (c, argv) => {
      for (let i = 1; i < argv.length; i++) {
        if (argv[i].toLowerCase() === 'version' && i + 1 < argv.length) {
          if (parseLongLong(argv[i + 1]) === null) throw new RedisError(Err.notInt);
          break;
        }
      }
      // 7.0 has no art of its own (lolwutUnstableCommand)
      c.reply.verbatim(LOLWUT_TEXT);
    },
    { group: 'server' },
  ),
];

/** Format: INFO [section [section ...]] */
const infoCommand: CommandSpec = cmd('info', -1, 'loading stale', 0, 0, 0, (c, argv) => c.reply.verbatim(genInfoString(c.server, argv.slice(1))), {
  group: 'server',
});

/** server command specs. */
export const serverCommands: CommandSpec[] = [
  configCommand,
  infoCommand,
  commandCommand,
  clientCommand,
  ...keyspaceCommands,
  debugCommand,
  memoryCommand,
  latencyCommand,
  slowlogCommand,
];
