/**
 * The one gate every command passes, in the order of Redis 7.0's
 * processCommand(): lookup and arity, auth, MULTI restrictions, MISCONF,
 * NOREPLICAS, READONLY, pub/sub context, MASTERDOWN, LOADING, then either
 * queue (MULTI) or call. call() runs the handler, keeps stats, touches
 * WATCHed keys, wakes blocked clients and records what to propagate.
 */
import { RedisError, Err } from '../protocol/errors';
import type { Command } from '../commands/spec';
import type { Client } from './client';
import type { Server } from './server';
import { performance } from 'node:perf_hooks';

const ALLOWED_IN_PUBSUB = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** Look up argv's command (resolving subcommands); returns the command or writes/throws the error. */
export function lookupCommand(server: Server, argv: string[]): Command | string {
  const cache = server.commandCache;
  // consecutive commands are usually the same one: compare the name before hashing it
  let base = argv[0] === server.lastCommandName ? server.lastCommand : cache.get(argv[0]);
  if (base !== undefined) {
    server.lastCommandName = argv[0];
    server.lastCommand = base;
  } else {
    base = server.commands.get(argv[0].toLowerCase());
    if (base !== undefined) {
      if (cache.size >= 1024) cache.clear();
      cache.set(argv[0], base);
    }
  }
  if (base === undefined) {
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i].slice(0, 128 - args.length)}' `;
    return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
  }
  if (base.subcommands === null || argv.length < 2) {
    if ((base.arity > 0 && argv.length !== base.arity) || argv.length < -base.arity) return Err.arity(base.fullName);
    return base;
  }
  const sub = base.subcommands.get(argv[1].toLowerCase());
  if (sub === undefined) {
    return `ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${base.name.toUpperCase()} HELP.`;
  }
  if ((sub.arity > 0 && argv.length !== sub.arity) || argv.length < -sub.arity) return Err.arity(sub.fullName);
  return sub;
}

/**
 * Process one command from a client. Returns false when the command must wait
 * (CLIENT PAUSE): the caller keeps argv and retries later.
 */
export function processCommand(server: Server, c: Client, argv: string[]): boolean {
  const found = lookupCommand(server, argv);
  if (typeof found === 'string') {
    // an arity error of EXEC still ends the transaction (EXECABORT), as in Redis
    // an arity error still counts as a rejected call of that command (and of EXEC, ends the transaction)
    let known: Command | null = null;
    if (found.startsWith('ERR wrong number of arguments')) {
      const base = server.commands.get(argv[0].toLowerCase()) ?? null;
      known = base !== null && base.subcommands !== null && argv.length >= 2 ? (base.subcommands.get(argv[1].toLowerCase()) ?? base) : base;
    }
    rejectCommand(server, c, found, known);
    return true;
  }
  const cmd = found;
  if (server.isPausedFor(c, cmd)) return false;
  c.lastCmd = cmd;

  if (!c.authenticated && !cmd.noAuth) return rejectCommand(server, c, Err.noAuth, cmd);
  if (c.multi !== null && cmd.noMulti) return rejectCommand(server, c, 'ERR Command not allowed inside a transaction', cmd);

  const isWrite = cmd.isWrite || (cmd.name === 'exec' && c.multi !== null && c.multi.some((q) => q.cmd.isWrite));
  const obey = c.isMaster || c.isFake;
  if (isWrite && !obey) {
    const misconf = server.writeDeniedByDiskError();
    if (misconf !== null) return rejectCommand(server, c, misconf, cmd);
    if (!server.hasGoodReplicas()) return rejectCommand(server, c, Err.noReplicas, cmd);
    if (server.isReplica() && server.config.bool('replica-read-only')) return rejectCommand(server, c, Err.readOnly, cmd);
  } else if (!obey && cmd.name === 'ping' && cmd.parent === null) {
    // Redis refuses PING too while writes are denied by a disk error, so health checks notice
    const misconf = server.writeDeniedByDiskError();
    if (misconf !== null) return rejectCommand(server, c, misconf, cmd);
  }
  if (c.inPubsubContext && !ALLOWED_IN_PUBSUB.has(cmd.parent ? cmd.parent.name : cmd.name)) {
    return rejectCommand(
      server,
      c,
      `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      cmd,
    );
  }
  if (!obey && !cmd.okStale && server.isReplica() && !server.masterLinkUp() && !server.config.bool('replica-serve-stale-data')) {
    return rejectCommand(server, c, Err.masterDown, cmd);
  }
  if (server.loading && !cmd.okLoading && !obey) return rejectCommand(server, c, Err.loading, cmd);

  if (c.multi !== null && !MULTI_CONTROL.has(cmd.name)) {
    c.multi.push({ cmd, argv });
    c.reply.simple('QUEUED');
    return true;
  }
  server.callUnit(c, cmd, argv);
  return true;
}

function rejectCommand(server: Server, c: Client, msg: string, cmd: Command | null): true {
  if (c.multi !== null) c.multiDirty = true;
  if (cmd) cmd.stats.rejected++;
  if (cmd !== null && cmd.name === 'exec' && cmd.parent === null) {
    // Redis's execCommandAbort: a rejected EXEC discards the transaction (even outside MULTI)
    c.multi = null;
    c.multiDirty = false;
    c.casDirty = false;
    server.unwatchAll(c);
    msg = 'EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg);
  }
  server.countError(msg);
  c.reply.error(msg);
  return true;
}

/**
 * Run a command's handler: stats, errors, MONITOR, WATCH invalidation, blocked
 * client wake-ups and propagation of the (possibly rewritten) command.
 */
export function call(server: Server, c: Client, cmd: Command, argv: string[]): void {
  if (server.monitors.size > 0 && !cmd.skipMonitor && !cmd.isAdmin) server.feedMonitors(c, argv);
  const dirtyBefore = server.dirty;
  const dbId = c.db.id;
  const prevRewrite = server.rewrittenArgv;
  const prevPrevent = server.preventPropagation;
  server.rewrittenArgv = null;
  server.preventPropagation = false;
  if (cmd.isWrite && server.snapshotHooks.length > 0) server.beforeWrite(c.db.id, cmd, argv);
  const t0 = performance.now();
  let failed = false;
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    failed = true;
    if (e instanceof RedisError) {
      server.countError(e.message);
      c.reply.error(e.message);
    } else {
      // a bug must not take the server down: report it like Redis reports a panic-free error
      server.logger.warning(`Error executing '${cmd.fullName}': ${(e as Error).stack ?? e}`);
      server.countError('ERR internal error');
      c.reply.error(`ERR internal error executing '${cmd.fullName}': ${(e as Error).message}`);
    }
  }
  const usec = (performance.now() - t0) * 1000;
  const st = cmd.stats;
  st.calls++;
  st.usec += usec;
  if (failed) st.failed++;
  server.stats.totalCommands++;
  c.commandsProcessed++;
  server.slowlogAdd(c, argv, usec, cmd);
  const dirty = server.dirty - dirtyBefore;
  if (dirty > 0) {
    // with nothing WATCHed or blocked, signalling keys is a no-op: skip building the key lists
    if (server.watchedKeys.size === 0 && server.blockingKeys.size === 0) {
      /* nothing to signal */
    } else if (cmd.writeKeysFn) {
      for (const i of cmd.writeKeysFn(argv)) server.signalModifiedKey(dbId, argv[i]);
    } else if (cmd.firstKey !== 0 || cmd.getKeysFn) {
      for (const k of cmd.keys(argv)) server.signalModifiedKey(dbId, k);
    }
    if (!server.preventPropagation) server.alsoPropagate(dbId, server.rewrittenArgv ?? argv);
  }
  server.rewrittenArgv = prevRewrite;
  server.preventPropagation = prevPrevent;
}
