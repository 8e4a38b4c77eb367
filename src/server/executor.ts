/**
 * The one gate every command passes, in the order of Redis 7.0's
 * processCommand(): lookup and arity, auth, MULTI restrictions, MISCONF,
 * NOREPLICAS, READONLY, pub/sub context, MASTERDOWN, LOADING, then either
 * queue (MULTI) or call. call() runs the handler, keeps stats, touches
 * WATCHed keys, wakes blocked clients and records what to propagate.
 *
 * One entry, `execute(client, argv)`, serves real clients, the AOF loader and
 * the master link on a replica; EXEC runs its queue through `call()`.
 */
import { RedisError, Err, cstr } from '../protocol/errors';
import type { Command } from '../commands/spec';
import { Client } from './client';
import type { Server } from './server';
import { performance } from 'node:perf_hooks';
import type { RunCtx } from '../scripting/engine';

const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
import { EVICT_FAIL } from './eviction';
import { argumentTooLong } from '../util/string-limit';
import { ACL_OK, DENIED_CMD, DENIED_KEY, type AclContext } from './acl';

/** read-only commands whose keys are not remembered for client tracking (the script's own commands are) */
const NOT_TRACKED = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);
const ALLOWED_IN_PUBSUB = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** inside MULTI every command but these is refused on OOM (queuing costs memory too) */
const OOM_ALLOWED_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);
/** the most commands a run shares one clock read between (Executor.call) */
const RUN_MAX = 64;

/** The command gate and the execution unit of one server. */
export class Executor {
  /** base commands by the exact name as sent ("SET", "set"): skips lowercasing on the hot path; cleared when the table changes */
  private readonly commandCache = new Map<string, Command>();
  /** the last command looked up, by name as sent (same lifetime as commandCache) */
  private lastCommandName = '';
  private lastCommand: Command | undefined = undefined;
  /** the client whose command is running (master link detection, pub/sub self-delivery) */
  currentClient: Client | null = null;
  /** nesting of execution units: propagation is flushed when the outermost ends */
  private execDepth = 0;
  /** a script that timed out and yields to the event loop: other clients get -BUSY (Redis's isInsideYieldingLongCommand) */
  busyScript: RunCtx | null = null;
  /** set by failCurrentCall(): the running call() counts as failed without a thrown error */
  private callFailed = false;
  /**
   * performance.now() at the end of the last call() (-1: none since
   * chainFrom(-1)); processInput hands it on as the next command's start
   * (chainedStart) while it runs one client's commands back to back, so a
   * command costs one clock read: its end (its duration then includes the
   * parsing of its bytes, a fraction of a microsecond).
   */
  lastEnd = -1;
  private chainedStart = -1;
  /**
   * A wall-clock read (ms) made while running one batch of a client's input,
   * and the performance.now() it is at least as recent as (-1: none): a
   * top-level command of the batch that starts less than 1 ms later takes it
   * as its time instead of reading Date.now() (Redis caches the time per
   * call; this caches it per batch, never across event-loop turns).
   */
  private batchWall = -1;
  private batchMono = -1;
  /** a batch of one client's input is running (processInput, between batch() and endBatch()) */
  private batchOpen = false;
  /**
   * The run of run-timed commands (Command.runTimed) of the batch not timed
   * yet: when it started, its client, commands and argvs. They share one
   * clock read, at the run's end (endRun), and its time in equal parts.
   */
  private runStart = -1;
  private runN = 0;
  private runClient: Client | null = null;
  private readonly runCmds: Command[] = [];
  /** a new array a run: young like the argvs it holds (no old-to-young write barrier a command) */
  private runArgv: string[][] = [];

  constructor(private readonly server: Server) {}

  /** The next call() starts at t, a performance.now() value taken since (-1: it reads the clock). */
  chainFrom(t: number): void {
    this.chainedStart = t;
  }

  /**
   * A batch of one client's input starts (wall: Date.now() read just now,
   * mono: performance.now() read just before it; -1, -1: no reads to share)
   * or ends (-1, -1).
   */
  batch(wall: number, mono: number): void {
    this.batchWall = wall;
    this.batchMono = mono;
    this.lastEnd = mono;
    this.batchOpen = true;
  }

  /**
   * The batch of client c's input ended: its last run is timed now, and the
   * costs of the keys it changed in place in its database are settled
   * (Database.remeasure; another database's wait for used_memory's next read).
   */
  endBatch(c: Client): void {
    if (this.runN > 0) this.endRun(performance.now());
    c.db.settleCosts();
    this.batchOpen = false;
    this.batchWall = -1;
    this.batchMono = -1;
    this.lastEnd = -1;
    this.chainedStart = -1;
  }

  /**
   * Time the open run at t (a performance.now() read): its time split evenly
   * between its commands, recorded as each command's own would be.
   */
  private endRun(t: number): void {
    const n = this.runN;
    const c = this.runClient!;
    const usec = ((t - this.runStart) * 1000) / n;
    const server = this.server;
    this.runN = 0;
    this.runClient = null;
    this.lastEnd = t;
    const cmds = this.runCmds;
    const slow = server.slowlog.wants(usec);
    // consecutive calls of one command (a pipeline's) are recorded together: their times are the same
    for (let i = 0; i < n; ) {
      const cmd = cmds[i];
      let j = i + 1;
      while (j < n && cmds[j] === cmd) j++;
      cmd.stats.usec += usec * (j - i);
      server.latency.record(c, cmd, usec, j - i);
      if (slow) for (let k = i; k < j; k++) server.slowlog.add(c, cmd, this.runArgv[k], usec);
      i = j;
    }
  }

  /** Forget cached lookups (rename-command changed the table). */
  clearCommandCache(): void {
    this.commandCache.clear();
    this.lastCommandName = '';
    this.lastCommand = undefined;
  }

  /** Look up argv's command (resolving subcommands); returns the command or the error text. */
  lookup(argv: string[]): Command | string {
    const server = this.server;
    const cache = this.commandCache;
    // consecutive commands are usually the same one: compare the name before hashing it
    let base = argv[0] === this.lastCommandName ? this.lastCommand : cache.get(argv[0]);
    if (base !== undefined) {
      this.lastCommandName = argv[0];
      this.lastCommand = base;
    } else {
      base = server.commands.get(argv[0].toLowerCase());
      if (base !== undefined) {
        if (cache.size >= 1024) cache.clear();
        cache.set(argv[0], base);
      }
    }
    if (base === undefined) {
      let args = '';
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cstr(argv[i]).slice(0, 128 - args.length)}' `;
      return `ERR unknown command '${cstr(argv[0]).slice(0, 128)}', with args beginning with: ${args}`;
    }
    if (base.subcommands === null || argv.length < 2) {
      if ((base.arity > 0 && argv.length !== base.arity) || argv.length < -base.arity) return Err.arity(base.fullName);
      return base;
    }
    const sub = base.subcommands.get(argv[1].toLowerCase());
    if (sub === undefined) {
      return `ERR unknown subcommand '${cstr(argv[1]).slice(0, 128)}'. Try ${base.name.toUpperCase()} HELP.`;
    }
    if ((sub.arity > 0 && argv.length !== sub.arity) || argv.length < -sub.arity) return Err.arity(sub.fullName);
    return sub;
  }

  /**
   * Process one command from a client (socket, AOF loader, master link).
   * Returns false when the command must wait (CLIENT PAUSE): the caller keeps
   * argv and retries later.
   */
  execute(c: Client, argv: string[]): boolean {
    // no try/finally on the hot path: handler errors are caught in call(); the connection resets currentClient on anything else
    const prev = this.currentClient;
    this.currentClient = c;
    const done = this.gate(c, argv);
    this.currentClient = prev;
    // CLIENT CACHING YES/NO lasts for the next command (or transaction): Redis's resetClient
    const t = c.tracking;
    if (t !== null && t.caching && c.multi === null && (c.lastCmd === null || c.lastCmd.parent === null || c.lastCmd.parent.name !== 'client')) t.caching = false;
    return done;
  }

  private gate(c: Client, argv: string[]): boolean {
    const server = this.server;
    const found = this.lookup(argv);
    if (c.bigArgs !== null && this.bigArgRefused(c, found, argv)) {
      return this.reject(c, argumentTooLong(), typeof found === 'string' ? null : found);
    }
    if (typeof found === 'string') {
      // an arity error still counts as a rejected call of that command (and of EXEC, ends the transaction)
      let known: Command | null = null;
      if (found.startsWith('ERR wrong number of arguments')) {
        const base = server.commands.get(argv[0].toLowerCase()) ?? null;
        known = base !== null && base.subcommands !== null && argv.length >= 2 ? (base.subcommands.get(argv[1].toLowerCase()) ?? base) : base;
      }
      return this.reject(c, found, known);
    }
    const cmd = found;
    // a script's declared flags replace EVAL/FCALL's own (evalGetCommandFlags / fcallGetCommandFlags)
    const dyn = cmd.gateFlagsFn !== undefined ? cmd.gateFlagsFn(c, argv) : null;
    if (server.pause.isPausedFor(c, cmd, dyn === null ? undefined : dyn.write)) return false;
    c.lastCmd = cmd;

    if (!c.authenticated && !cmd.noAuth) return this.reject(c, Err.noAuth, cmd);
    if (c.multi !== null && cmd.noMulti) return this.reject(c, 'ERR Command not allowed inside a transaction', cmd);
    if (c.aclUser !== null && !c.aclUser.unrestricted) {
      const denied = this.aclDenied(c, cmd, argv, c.multi !== null ? 'multi' : 'toplevel');
      if (denied !== ACL_OK) {
        const text =
          denied === DENIED_CMD
            ? `NOPERM this user has no permissions to run the '${cmd.fullName}' command`
            : denied === DENIED_KEY
              ? 'NOPERM this user has no permissions to access one of the keys used as arguments'
              : 'NOPERM this user has no permissions to access one of the channels used as arguments';
        return this.reject(c, text, cmd);
      }
    }

    let isWrite = cmd.isWrite || (cmd.name === 'exec' && c.multi !== null && c.multi.some((q) => q.cmd.isWrite));
    let okStale = cmd.okStale;
    if (dyn !== null) {
      isWrite = dyn.write;
      okStale = dyn.stale;
    }
    const obey = c.isMaster || c.isFake;
    // maxmemory (Redis: after ACL, before MISCONF): evict first, refuse denyoom commands if that could not free enough.
    // The heap guard refuses them too while V8's heap is near its limit. Never the master link or the AOF loader:
    // a replica that dropped its master's writes would diverge (performEvictions does nothing while loading, nor on a
    // replica unless replica-ignore-maxmemory is no).
    const eviction = server.eviction;
    let oom = false;
    if (server.config.settings.maxmemory !== 0) oom = eviction.performEvictions() === EVICT_FAIL;
    if (!obey) {
      if (!oom && (cmd.denyOom || c.multi !== null)) oom = eviction.heapCritical || eviction.checkHeap();
      if (oom) {
        let reject = cmd.denyOom || (cmd.name === 'exec' && cmd.parent === null && c.multi !== null && c.multi.some((q) => q.cmd.denyOom));
        if (c.multi !== null && !OOM_ALLOWED_IN_MULTI.has(cmd.name)) reject = true;
        if (reject) return this.reject(c, Err.oom, cmd);
      }
    }
    if (isWrite && !obey) {
      const misconf = server.persistence.writeDeniedByDiskError();
      if (misconf !== null) return this.reject(c, misconf, cmd);
      if (!server.replication.master.hasGoodReplicas()) return this.reject(c, Err.noReplicas, cmd);
      if (server.isReplica() && server.config.settings.replicaReadOnly) return this.reject(c, Err.readOnly, cmd);
    } else if (!obey && cmd.name === 'ping' && cmd.parent === null) {
      // Redis refuses PING too while writes are denied by a disk error, so health checks notice
      const misconf = server.persistence.writeDeniedByDiskError();
      if (misconf !== null) return this.reject(c, misconf, cmd);
    }
    if (c.inPubsubContext && !ALLOWED_IN_PUBSUB.has(cmd.parent ? cmd.parent.name : cmd.name)) {
      return this.reject(c, `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`, cmd);
    }
    if (!obey && !okStale && server.isReplica() && !server.masterLinkUp() && !server.config.settings.replicaServeStaleData) {
      return this.reject(c, Err.masterDown, cmd);
    }
    if (server.loading && !cmd.okLoading && !obey) return this.reject(c, Err.loading, cmd);
    if (this.busyScript !== null && !cmd.allowBusy) {
      // the master's stream waits for the script's end (Redis stops reading the master link meanwhile)
      if (c.isMaster) return false;
      return this.reject(c, this.busyScript.evalMode ? BUSY_EVAL : BUSY_FUNCTION, cmd);
    }

    // keep the client-side caching table within tracking-table-max-keys
    if (server.tracking.clients > 0) server.tracking.limitUsedSlots();
    if (c.multi !== null && !MULTI_CONTROL.has(cmd.name)) {
      c.multi.push({ cmd, argv });
      c.reply.simple('QUEUED');
      return true;
    }
    this.callUnit(c, cmd, argv);
    return true;
  }

  /**
   * An argument longer than any JS string (a placeholder of c.bigArgs) is
   * taken only as a value by commands that say so (CommandSpec.bigValues),
   * never as a key or by other commands.
   */
  private bigArgRefused(c: Client, found: Command | string, argv: string[]): boolean {
    const big = c.bigArgs!;
    let any = false;
    for (const a of argv) if (big.has(a)) any = true;
    if (!any) return false;
    if (typeof found === 'string' || found.spec.bigValues !== true) return true;
    for (const k of found.keys(argv)) if (big.has(k)) return true;
    return false;
  }

  /**
   * The ACL check (ACLCheckAllPerm) of client c's user for argv: ACL_OK, or
   * the denial, logged in ACL LOG with its context. `logAs` is the client the
   * log entry describes (a script's caller).
   */
  aclDenied(c: Client, cmd: Command, argv: string[], context: AclContext, logAs: Client = c): number {
    const user = c.aclUser;
    if (user === null || user.unrestricted) return ACL_OK;
    const acl = this.server.acl;
    const r = acl.check(user, cmd, argv);
    if (r.result !== ACL_OK) acl.addLogEntry(logAs, r.result, context, r.result === DENIED_CMD ? cmd.fullName : argv[r.pos], user.name);
    return r.result;
  }

  /** A queued command the user may no longer run when EXEC runs it: the error it gets in EXEC's reply, else null. */
  execAclError(c: Client, cmd: Command, argv: string[]): string | null {
    const denied = this.aclDenied(c, cmd, argv, 'multi');
    if (denied === ACL_OK) return null;
    const reason =
      denied === DENIED_CMD
        ? 'no permission to execute the command or subcommand'
        : denied === DENIED_KEY
          ? 'no permission to touch the specified keys'
          : 'no permission to access one of the channels used as arguments';
    return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
  }

  private reject(c: Client, msg: string, cmd: Command | null): true {
    if (c.multi !== null) c.multiDirty = true;
    if (cmd) cmd.stats.rejected++;
    if (cmd !== null && cmd.name === 'exec' && cmd.parent === null) {
      // Redis's execCommandAbort: a rejected EXEC discards the transaction (even outside MULTI)
      c.multi = null;
      c.multiDirty = false;
      c.casDirty = false;
      this.server.watch.unwatchAll(c);
      msg = 'EXECABORT Transaction discarded because of: ' + (msg.startsWith('ERR ') ? msg.slice(4) : msg);
    }
    this.server.countError(msg);
    c.reply.error(msg);
    return true;
  }

  /**
   * Run a command's handler: stats, errors, MONITOR, WATCH invalidation, blocked
   * client wake-ups and propagation of the (possibly rewritten) command.
   * EXEC calls it for each queued command, inside its own unit.
   */
  call(c: Client, cmd: Command, argv: string[], inRun = false): void {
    const server = this.server;
    const prop = server.propagation;
    if (server.monitors.size > 0 && !cmd.skipMonitor && !cmd.isAdmin) server.feedMonitors(c, argv);
    const dirtyBefore = server.dirty;
    const dbId = c.db.id;
    const prevRewrite = prop.rewritten;
    const prevPrevent = prop.prevent;
    prop.rewritten = null;
    prop.prevent = false;
    if (cmd.isWrite && server.watch.snapshotHooks.length > 0) server.watch.beforeWrite(c.db.id, cmd, argv);
    // the start: the end of the command before it in the same batch of a client's input (processInput), else a clock
    // read; a command timed in a run (inRun) reads no clock: the run's start is its first command's start
    let t0 = this.chainedStart;
    this.chainedStart = -1;
    if (inRun) {
      if (this.runN === 0) {
        this.runStart = t0 >= 0 ? t0 : performance.now();
        this.runClient = c;
        this.runArgv = [];
      }
    } else {
      if (t0 < 0) t0 = performance.now();
      // the read that starts this command ends the run before it
      if (this.runN > 0) this.endRun(t0);
    }
    let failed = false;
    const prevFailed = this.callFailed;
    this.callFailed = false;
    const replyMark = c.reply.out.length;
    const replyTaken = c.reply.taken;
    try {
      cmd.handler!(c, argv);
      failed = this.callFailed;
    } catch (e) {
      failed = true;
      // a reply begun before the error is withdrawn (an error inside an unfinished array would hang the client);
      // if part of it already left, the connection cannot be trusted any more: close it after the error
      if (c.reply.out.length !== replyMark && !c.reply.rollback(replyMark, replyTaken)) c.closeAfterReply = true;
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
    this.callFailed = prevFailed;
    const st = cmd.stats;
    st.calls++;
    if (failed) st.failed++;
    server.stats.totalCommands++;
    c.commandsProcessed++;
    if (inRun) {
      // timed at the run's end (endRun), with the commands after it
      const i = this.runN++;
      this.runCmds[i] = cmd;
      this.runArgv.push(argv);
      if (this.runN >= RUN_MAX) this.endRun(performance.now());
    } else {
      const t1 = performance.now();
      this.lastEnd = t1;
      const usec = (t1 - t0) * 1000;
      st.usec += usec;
      server.latency.record(c, cmd, usec);
      server.slowlog.add(c, cmd, argv, usec);
    }
    // client-side caching: remember what a tracking client read
    if (cmd.isReadonly && c.tracking !== null && !c.tracking.bcast && !cmd.isPubsub && !NOT_TRACKED.has(cmd.name)) server.tracking.rememberKeys(c, cmd.keys(argv));
    const dirty = server.dirty - dirtyBefore;
    if (dirty > 0) {
      if (!cmd.costed) this.remeasureKeys(c, cmd, argv);
      const watch = server.watch;
      // with nothing WATCHed, blocked or tracked, signalling keys is a no-op: skip building the key lists
      if (watch.quiet) {
        /* nothing to signal */
      } else if (cmd.writeKeysFn) {
        for (const i of cmd.writeKeysFn(argv)) watch.signalModifiedKey(dbId, argv[i]);
      } else if (cmd.firstKey !== 0 || cmd.getKeysFn) {
        for (const k of cmd.keys(argv)) watch.signalModifiedKey(dbId, k);
      }
      if (!prop.prevent) prop.also(dbId, prop.rewritten ?? argv, false, c.bigArgs);
    }
    prop.rewritten = prevRewrite;
    prop.prevent = prevPrevent;
  }

  /** The running handler answered an error it did not throw (a script's error reply): count the call as failed. */
  failCurrentCall(): void {
    this.callFailed = true;
  }

  /**
   * Run a command from a script as the script client sc (Redis's scriptCall):
   * the script gate (unknown command, arity, noscript, stale, writes in
   * read-only scripts and on read-only replicas, MISCONF, NOREPLICAS), then
   * call(). Returns null when the command ran (its reply is in sc.reply.out),
   * else the refusal ("msg" for ERR msg, or "-CODE msg"), already counted.
   */
  callFromScript(sc: Client, argv: string[], ctx: RunCtx): string | null {
    const server = this.server;
    const found = this.lookup(argv);
    let err: string | null = null;
    let cmd: Command | null = null;
    if (typeof found === 'string') {
      err = found.startsWith('ERR wrong number of arguments') ? 'Wrong number of args calling Redis command from script' : 'Unknown Redis command called from script';
      if (err.startsWith('Wrong')) {
        const base = server.commands.get(argv[0].toLowerCase()) ?? null;
        cmd = base !== null && base.subcommands !== null && argv.length >= 2 ? (base.subcommands.get(argv[1].toLowerCase()) ?? base) : base;
      }
    } else {
      cmd = found;
      const obey = ctx.caller.isMaster || ctx.caller.isFake;
      let denied = ACL_OK;
      if (cmd.noScript) err = 'This Redis command is not allowed from script';
      else if (server.isReplica() && !server.masterLinkUp() && !server.config.settings.replicaServeStaleData && !cmd.okStale) {
        err = 'Can not execute the command on a stale replica';
      } else if ((denied = this.aclDenied(sc, cmd, argv, 'lua', ctx.caller)) !== ACL_OK) {
        err = 'The user executing the script ' + (denied === DENIED_CMD ? "can't run this command or subcommand" : denied === DENIED_KEY ? "can't access at least one of the keys mentioned in the command arguments" : "can't publish to the channel mentioned in the command");
      } else if (ctx.readOnly && (cmd.isWrite || cmd.mayReplicate)) err = 'Write commands are not allowed from read-only scripts.';
      else if (cmd.isWrite && !ctx.writeDirty) {
        const misconf = server.persistence.writeDeniedByDiskError();
        if (server.isReplica() && server.config.settings.replicaReadOnly && !obey) err = '-' + Err.readOnly;
        else if (misconf !== null) err = '-' + misconf;
        else if (!server.replication.master.hasGoodReplicas()) err = '-' + Err.noReplicas;
      }
    }
    if (err !== null) {
      server.countError(err.startsWith('-') ? err.slice(1) : 'ERR ' + err);
      if (cmd !== null) cmd.stats.rejected++;
      return err;
    }
    const command = cmd as Command;
    if (command.isWrite) ctx.writeDirty = true;
    const prop = server.propagation;
    const prevTargets = prop.targets;
    prop.targets = ctx.replFlags;
    try {
      this.call(sc, command, argv);
    } finally {
      prop.targets = prevTargets;
    }
    // a read by a script counts as a read of the keys its caller declared (Redis 7.0: the caller's command's keys)
    const caller = ctx.caller;
    if (command.isReadonly && caller.tracking !== null && !caller.tracking.bcast && ctx.argv.length > 0) {
      const callerCmd = this.lookup(ctx.argv);
      if (typeof callerCmd !== 'string') server.tracking.rememberKeys(caller, callerCmd.keys(ctx.argv));
    }
    return null;
  }

  /** Depth of nested execution units (1 inside a top-level command). */
  get unitDepth(): number {
    return this.execDepth;
  }

  /** Keep the current execution unit open past its command (a script suspended between event-loop turns). */
  holdUnit(): void {
    this.execDepth++;
  }

  /** End a unit kept open by holdUnit(): flush what it propagated. */
  releaseUnit(): void {
    this.execDepth--;
    if (this.execDepth === 0) this.endUnit();
  }

  /**
   * A write changed keys, maybe in place (LPUSH, HSET, APPEND...): re-cost
   * them for used_memory (keys created, replaced or deleted through the
   * Database are costed there already; this catches in-place changes).
   */
  private remeasureKeys(c: Client, cmd: Command, argv: string[]): void {
    const db = c.db;
    if (cmd.firstKey > 0 && cmd.firstKey === cmd.lastKey && cmd.getKeysFn === undefined) {
      if (cmd.firstKey < argv.length) {
        db.remeasure(argv[cmd.firstKey]);
      }
      return;
    }
    if (cmd.firstKey === 0 && cmd.getKeysFn === undefined) return;
    for (const k of cmd.keys(argv)) db.remeasure(k);
  }

  /** Re-cost the keys a blocked command served from or into (BLMOVE's destination too). */
  remeasureBlocked(dbId: number, argv: string[]): void {
    const cmd = this.lookup(argv);
    if (typeof cmd === 'string') return;
    const db = this.server.dbs[dbId];
    for (const k of cmd.keys(argv)) db.remeasure(k);
  }

  /** Whether an execution unit is running (propagation waits for its end). */
  get inUnit(): boolean {
    return this.execDepth > 0;
  }

  /** Run fn as one execution unit: what it propagates is flushed (MULTI-wrapped if several) at the end. */
  execUnit(fn: () => void): void {
    this.execDepth++;
    try {
      fn();
    } finally {
      this.execDepth--;
    }
    if (this.execDepth === 0) this.endUnit();
  }

  /** execUnit(() => call(c, cmd, argv)) without a closure, reading the clock at most once for the command: the hot path. */
  private callUnit(c: Client, cmd: Command, argv: string[]): void {
    const server = this.server;
    // timed in a run: a top-level run-timed command of a client's batch (never with an argument past any JS string,
    // nor while the latency monitor wants each command's own time)
    const inRun = cmd.runTimed && this.batchOpen && this.execDepth === 0 && c.bigArgs === null && server.config.settings.latencyMonitorThreshold === 0;
    // the command's start (call() takes it from chainedStart): also what a fresh clock read is dated from; a command
    // joining an open run takes the run's start (it reads no clock)
    let t0 = this.chainedStart;
    if (inRun && this.runN > 0) t0 = this.runStart;
    else if (t0 < 0) this.chainedStart = t0 = performance.now();
    const wall = this.batchWall >= 0 && t0 - this.batchMono < 1 ? this.batchWall : -1;
    const top = server.freezeClock(wall);
    this.execDepth++;
    try {
      this.call(c, cmd, argv, inRun);
    } finally {
      this.execDepth--;
      if (top) {
        const used = server.thawClock();
        // a fresh read (made after this command's start; an EXEC's queued commands start later) serves the commands
        // after it in the batch
        if (used !== wall && used >= 0 && this.batchMono >= 0) {
          this.batchWall = used;
          this.batchMono = t0;
        }
      }
    }
    if (this.execDepth === 0) this.endUnit();
  }

  /**
   * Run fn on behalf of client c as a nested unit whose propagation is
   * flushed on its own (a blocked client served after a write).
   */
  serveAs<T>(c: Client, fn: () => T): T {
    this.execDepth++;
    const prev = this.currentClient;
    this.currentClient = c;
    try {
      return fn();
    } finally {
      this.currentClient = prev;
      this.execDepth--;
      this.server.propagation.flush();
      this.server.tracking.flushPending();
    }
  }

  private endUnit(): void {
    // Redis 7.0 propagates the command (or EXEC) first, then each blocked
    // client it served as its own unit (never wrapped together).
    this.server.propagation.flush();
    // invalidations for the running client go after its reply (and after EXEC's whole reply)
    this.server.tracking.flushPending();
    this.server.blocking.handleClientsBlockedOnKeys();
  }

  /** Run a command as a fake client (tests); returns the reply text. */
  runAsFake(argv: string[], c?: Client): string {
    const client = c ?? new Client(this.server, null, { fake: true });
    client.reply.enabled = true;
    this.execute(client, argv);
    return client.reply.take();
  }
}
