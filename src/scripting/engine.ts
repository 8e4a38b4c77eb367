/**
 * The scripting engine (Redis 7.0's eval.c + script.c + script_lua.c): one
 * Lua 5.1 state, the EVAL script cache, the redis.* bridge, the Lua <-> RESP
 * conversions and the run context of the script being executed.
 *
 * Busy scripts. Node has one thread, so a long script must give the event
 * loop turns for other clients to be answered (-BUSY) and for SCRIPT KILL to
 * arrive. Every 100000 Lua instructions a count hook asks `hook()`: once the
 * script ran longer than busy-reply-threshold it is "timed out" and the hook
 * yields the coroutine the script runs in (lua_yield from a count hook, which
 * Lua 5.1's VM supports); the EVAL handler then returns without a reply, the
 * caller is held (its pipelined commands wait), the execution unit stays open
 * (what the script propagates is flushed once, at its end) and the script is
 * resumed on the next turn (setImmediate). Fast scripts never yield and pay
 * only the hook call every 100000 instructions, as Redis does. A yield is
 * impossible while a C function is on the Lua stack (a metamethod, a sort
 * comparator): the script then runs on without turns until it leaves it;
 * pcall is written in Lua over a coroutine (PCALL_WRAPPER) so that a loop
 * inside a pcall does yield. Scripts run from MULTI/EXEC, the AOF or a master never
 * yield (their unit cannot be left open).
 */
import { performance } from 'node:perf_hooks';
import '../protocol/buffer-ext';
import { RedisError, cstr } from '../protocol/errors';
import { Client, type BlockState } from '../server/client';
import type { Server } from '../server/server';
import { Functions, type FunctionInfo, type Library } from './functions';
import {
  LuaVM,
  LUA_GLOBALSINDEX,
  LUA_REGISTRYINDEX,
  LUA_TNIL,
  LUA_TNUMBER,
  LUA_TSTRING,
  LUA_TTABLE,
  LUA_TFUNCTION,
  LUA_YIELD,
  LUA_MULTRET,
} from './lua/vm';
import { LuaReplies, g17 } from './convert';
import { valueTooLong } from '../util/string-limit';

export * from './script';
import {
  SF_NO_WRITES,
  SF_ALLOW_OOM,
  SF_ALLOW_STALE,
  SF_EVAL_COMPAT,
  FLAG_NAMES,
  REPL_AOF,
  REPL_REPLICA,
  HOOK_COUNT,
  GC_PERIOD,
  Script,
  RunCtx,
  sha1hex,
  parseShebang,
} from './script';

import { B, PCALL_WRAPPER, ERR_HANDLER } from './prelude';

/** The scripting part of a server. */
export class Scripting {
  private vmInst: LuaVM | null = null;
  /** EVAL scripts by sha (Redis's lctx.lua_scripts) */
  readonly scripts = new Map<string, Script>();
  scriptsMemory = 0;
  /** the running script (Redis's curr_run_ctx) */
  running: RunCtx | null = null;
  private scriptClient: Client | null = null;
  /** per Lua state, the coroutine scripts run in (reused while they return normally) */
  private readonly threads = new Map<number, number>();
  private gcCount = 0;
  /** the EVAL state (0: not created yet, or dropped by SCRIPT FLUSH) */
  private evalL = 0;
  /** the functions' state (Redis keeps functions in a Lua state of their own) */
  private fnL = 0;
  private fnRefs = 0;
  /** the registry slots of EVAL scripts' functions (Redis names them f_<sha>; an integer is one rawgeti) */
  private scriptRefs = 0;
  /** FUNCTION LOAD in progress: the library its redis.register_function calls fill */
  private loading: { lib: Library; deadline: number } | null = null;
  /** FUNCTION libraries */
  readonly functions: Functions;

  /** the server (for the conversions) */
  get host(): Server {
    return this.server;
  }

  /** the Lua <-> RESP conversions */
  readonly replies = new LuaReplies(this);

  constructor(private readonly server: Server) {
    this.functions = new Functions({
      loadLibrary: (lib, body, timeoutMs) => this.loadLibrary(lib, body, timeoutMs),
      freeFunction: (fi) => this.freeFunction(fi),
    });
  }

  /** The wasm module with the EVAL state as vm.L, created on first use (a server that runs no script pays nothing). */
  get vm(): LuaVM {
    if (this.vmInst === null) this.vmInst = new LuaVM({ bridge: (L, id) => this.bridge(L, id), hook: (L) => this.hook(L) });
    if (this.evalL === 0) {
      this.evalL = this.vmInst.m._tl_newstate();
      this.vmInst.L = this.evalL;
      this.initEvalState(this.vmInst, this.evalL);
    }
    return this.vmInst;
  }

  /** The functions' Lua state (luaEngineInitEngine), created on first use. */
  private get functionsState(): number {
    const vm = this.vm;
    if (this.fnL === 0) {
      this.fnL = vm.m._tl_newstate();
      this.initFunctionsState(vm, this.fnL);
    }
    return this.fnL;
  }

  /** Lua memory in bytes (INFO used_memory_lua: the EVAL state). */
  luaMemory(): number {
    if (this.vmInst === null || this.evalL === 0) return 31744;
    return this.vmInst.m._tl_gccount(this.evalL) * 1024;
  }

  /** Lua memory of the functions' state (INFO used_memory_vm_functions). */
  functionsMemory(): number {
    if (this.vmInst === null || this.fnL === 0) return 32768;
    return this.vmInst.m._tl_gccount(this.fnL) * 1024;
  }

  /** The redis.* API both states have (luaRegisterRedisAPI) and the global pcall; the redis table is left on the stack. */
  private registerRedisApi(vm: LuaVM, L: number): void {
    const m = vm.m;
    // Redis's allow list keeps these base functions out of the globals
    for (const g of ['dofile', 'loadfile', 'print', 'getfenv', 'setfenv', 'newproxy']) {
      m._lua_pushnil(L);
      vm.setField(L, LUA_GLOBALSINDEX, g);
    }
    // pcall that turns a redis error table back into the table (luaRedisPcall), run in a coroutine (PCALL_WRAPPER)
    if (vm.load(L, PCALL_WRAPPER, '@pcall') !== 0) throw new Error(`pcall wrapper: ${vm.toString(L, -1)}`);
    m._tl_pushbridge(L, B.Pcall);
    m._tl_pushbridge(L, B.HookYielded);
    m._tl_pushbridge(L, B.CanYield);
    m._tl_pushbridge(L, B.Killed);
    m._tl_pushhelper(L, 1);
    if (m._lua_pcall(L, 5, 0, 0) !== 0) throw new Error(`pcall wrapper: install failed: ${vm.toString(L, -1)}`);
    m._lua_createtable(L, 0, 32);
    const fn = (name: string, id: B): void => {
      m._tl_pushbridge(L, id);
      vm.setField(L, -2, name);
    };
    const num = (name: string, n: number): void => {
      m._lua_pushnumber(L, n);
      vm.setField(L, -2, name);
    };
    fn('call', B.Call);
    fn('pcall', B.PCall);
    fn('log', B.Log);
    num('LOG_DEBUG', 0);
    num('LOG_VERBOSE', 1);
    num('LOG_NOTICE', 2);
    num('LOG_WARNING', 3);
    num('REDIS_VERSION_NUM', 0x07000f);
    vm.pushString(L, '7.0.15');
    vm.setField(L, -2, 'REDIS_VERSION');
    fn('setresp', B.SetResp);
    fn('sha1hex', B.Sha1hex);
    fn('error_reply', B.ErrorReply);
    fn('status_reply', B.StatusReply);
    fn('set_repl', B.SetRepl);
    num('REPL_NONE', 0);
    num('REPL_AOF', REPL_AOF);
    num('REPL_SLAVE', REPL_REPLICA);
    num('REPL_REPLICA', REPL_REPLICA);
    num('REPL_ALL', REPL_AOF | REPL_REPLICA);
    fn('acl_check_cmd', B.AclCheckCmd);
  }

  /** A table whose missing fields raise "Script attempted to access nonexistent global variable" (luaSetErrorMetatable) on the one at the top. */
  private setErrorMetatable(vm: LuaVM, L: number): void {
    vm.m._lua_createtable(L, 0, 1);
    vm.m._tl_pushbridge(L, B.ProtectedTable);
    vm.setField(L, -2, '__index');
    vm.m._lua_setmetatable(L, -2);
  }

  /** scriptingInit: the EVAL state. */
  private initEvalState(vm: LuaVM, L: number): void {
    const m = vm.m;
    this.registerRedisApi(vm, L);
    m._tl_pushbridge(L, B.Breakpoint);
    vm.setField(L, -2, 'breakpoint');
    m._tl_pushbridge(L, B.Debug);
    vm.setField(L, -2, 'debug');
    m._tl_pushbridge(L, B.ReplicateCommands);
    vm.setField(L, -2, 'replicate_commands');
    vm.setField(L, LUA_GLOBALSINDEX, 'redis');
    if (vm.load(L, ERR_HANDLER, '@err_handler_def') === 0) m._lua_pcall(L, 0, 0, 0);
    m._lua_settop(L, 0);
    // lock the globals: reading a missing one is an error, every reachable table is read-only
    m._lua_pushvalue(L, LUA_GLOBALSINDEX);
    this.setErrorMetatable(vm, L);
    m._tl_protect_recursively(L);
    m._lua_settop(L, 0);
  }

  /**
   * luaEngineInitEngine: the functions' state. Library code runs with only
   * the "library API" visible (redis.register_function, redis.log, the
   * versions); functions run with the globals, through a read-only proxy
   * table whose __index is switched between the two.
   */
  private initFunctionsState(vm: LuaVM, L: number): void {
    const m = vm.m;
    this.registerRedisApi(vm, L);
    vm.setField(L, LUA_GLOBALSINDEX, 'redis');
    // the library API
    m._lua_createtable(L, 0, 1);
    m._lua_createtable(L, 0, 8);
    m._tl_pushbridge(L, B.RegisterFunction);
    vm.setField(L, -2, 'register_function');
    m._tl_pushbridge(L, B.Log);
    vm.setField(L, -2, 'log');
    for (const [k, v] of [['LOG_DEBUG', 0], ['LOG_VERBOSE', 1], ['LOG_NOTICE', 2], ['LOG_WARNING', 3], ['REDIS_VERSION_NUM', 0x07000f]] as const) {
      m._lua_pushnumber(L, v);
      vm.setField(L, -2, k);
    }
    vm.pushString(L, '7.0.15');
    vm.setField(L, -2, 'REDIS_VERSION');
    this.setErrorMetatable(vm, L);
    vm.setField(L, -2, 'redis');
    this.setErrorMetatable(vm, L);
    m._tl_protect_recursively(L);
    vm.setField(L, LUA_REGISTRYINDEX, '__library_api');
    // the globals, locked, kept in the registry
    m._lua_pushvalue(L, LUA_GLOBALSINDEX);
    this.setErrorMetatable(vm, L);
    m._tl_protect_recursively(L);
    m._lua_settop(L, 0);
    m._lua_pushvalue(L, LUA_GLOBALSINDEX);
    vm.setField(L, LUA_REGISTRYINDEX, '__globals_api');
    // new globals: an empty read-only table reading through to the globals
    m._lua_createtable(L, 0, 0);
    m._lua_createtable(L, 0, 1);
    m._lua_pushvalue(L, LUA_GLOBALSINDEX);
    vm.setField(L, -2, '__index');
    m._lua_enablereadonlytable(L, -1, 1);
    m._lua_setmetatable(L, -2);
    m._lua_enablereadonlytable(L, -1, 1);
    m._lua_replace(L, LUA_GLOBALSINDEX);
    m._lua_settop(L, 0);
  }

  /** Point the functions' globals proxy at the library API (loading) or the globals (running). */
  private switchFunctionGlobals(L: number, api: '__library_api' | '__globals_api'): void {
    const vm = this.vm;
    const m = vm.m;
    m._lua_getmetatable(L, LUA_GLOBALSINDEX);
    m._lua_enablereadonlytable(L, -1, 0);
    vm.getField(L, LUA_REGISTRYINDEX, api);
    vm.setField(L, -2, '__index');
    // as Redis: this re-locks the globals table, the metatable stays writable
    m._lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);
    m._lua_settop(L, -2);
  }

  /** luaEngineCreate: run a library's code so it registers its functions (500 ms limit unless 0). */
  private loadLibrary(lib: Library, body: string, timeoutMs: number): void {
    const L = this.functionsState;
    const vm = this.vm;
    const m = vm.m;
    const top = m._lua_gettop(L);
    this.switchFunctionGlobals(L, '__library_api');
    let err: string | null = null;
    try {
      if (vm.load(L, body, '@user_function') !== 0) {
        err = `ERR Error compiling function: ${vm.toString(L, -1) ?? ''}`;
      } else {
        this.loading = { lib, deadline: timeoutMs > 0 ? performance.now() + timeoutMs : 0 };
        m._tl_sethook(L, HOOK_COUNT);
        if (m._lua_pcall(L, 0, 0, 0) !== 0) err = `ERR Error registering functions: ${this.replies.errorInfo(L, -1).msg ?? ''}`;
      }
    } finally {
      m._lua_settop(L, top);
      this.switchFunctionGlobals(L, '__globals_api');
      m._tl_sethook(L, 0);
      this.loading = null;
    }
    if (err !== null) throw new RedisError(err);
  }

  private freeFunction(fi: FunctionInfo): void {
    if (this.fnL === 0) return;
    const vm = this.vm;
    vm.m._lua_pushnil(this.fnL);
    vm.setField(this.fnL, LUA_REGISTRYINDEX, fi.ref);
  }

  /** redis.register_function(name, callback) or redis.register_function{function_name=, callback=, flags=, description=} */
  private registerFunction(L: number): number {
    const vm = this.vm;
    const m = vm.m;
    const load = this.loading;
    if (load === null) return this.raise(L, 'redis.register_function can only be called on FUNCTION LOAD command');
    const argc = m._lua_gettop(L);
    if (argc < 1 || argc > 2) return this.raise(L, 'wrong number of arguments to redis.register_function');
    let name: string | null = null;
    let desc: string | null = null;
    let flags = 0;
    let hasCallback = false;
    const ref = `__fn_${++this.fnRefs}`;
    const fail = (msg: string): number => {
      if (hasCallback) {
        m._lua_pushnil(L);
        vm.setField(L, LUA_REGISTRYINDEX, ref);
      }
      return this.raise(L, msg);
    };
    if (argc === 1) {
      if (m._lua_type(L, 1) !== LUA_TTABLE) {
        return fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      }
      m._lua_pushnil(L);
      while (m._lua_next(L, 1)) {
        if (m._lua_type(L, -2) !== LUA_TSTRING) {
          // a number key is a string to Lua (lua_isstring), and names no argument
          const numeric = m._lua_isstring(L, -2) !== 0;
          m._lua_settop(L, 1);
          return fail(numeric ? 'unknown argument given to redis.register_function' : 'named argument key given to redis.register_function is not a string');
        }
        const key = (vm.toString(L, -2) as string).toLowerCase();
        if (key === 'function_name') {
          if (!m._lua_isstring(L, -1)) return fail('function_name argument given to redis.register_function must be a string');
          name = cstr(vm.toString(L, -1) as string);
        } else if (key === 'description') {
          if (!m._lua_isstring(L, -1)) return fail('description argument given to redis.register_function must be a string');
          desc = vm.toString(L, -1) as string;
        } else if (key === 'callback') {
          if (m._lua_type(L, -1) !== LUA_TFUNCTION) return fail('callback argument given to redis.register_function must be a function');
          m._lua_pushvalue(L, -1);
          vm.setField(L, LUA_REGISTRYINDEX, ref);
          hasCallback = true;
        } else if (key === 'flags') {
          if (m._lua_type(L, -1) !== LUA_TTABLE) return fail('flags argument to redis.register_function must be a table representing function flags');
          for (let j = 1; ; j++) {
            m._lua_pushnumber(L, j);
            m._lua_gettable(L, -2);
            const t = m._lua_type(L, -1);
            if (t === LUA_TNIL) {
              m._lua_settop(L, -2);
              break;
            }
            const f = m._lua_isstring(L, -1) ? (vm.toString(L, -1) as string).toLowerCase() : null;
            m._lua_settop(L, -2);
            const def = f === null ? undefined : FLAG_NAMES.find(([n]) => n === f);
            if (!def) return fail('unknown flag given');
            flags |= def[1];
          }
        } else return fail('unknown argument given to redis.register_function');
        m._lua_settop(L, -2);
      }
      if (name === null) return fail('redis.register_function must get a function name argument');
      if (!hasCallback) return fail('redis.register_function must get a callback argument');
    } else {
      if (!m._lua_isstring(L, 1)) return fail('first argument to redis.register_function must be a string');
      name = cstr(vm.toString(L, 1) as string);
      if (m._lua_type(L, 2) !== LUA_TFUNCTION) return fail('second argument to redis.register_function must be a function');
      m._lua_pushvalue(L, 2);
      vm.setField(L, LUA_REGISTRYINDEX, ref);
      hasCallback = true;
    }
    if (!/^[A-Za-z0-9_]+$/.test(name)) return fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    if (load.lib.functions.has(name)) return fail('Function already exists in the library');
    load.lib.functions.set(name, { name, ref, desc, flags, lib: load.lib });
    return 0;
  }

  /** SCRIPT FLUSH: a new EVAL state and an empty cache (the functions' state stays). */
  reset(): void {
    if (this.vmInst !== null && this.evalL !== 0) {
      this.threads.delete(this.evalL);
      this.vmInst.m._lua_close(this.evalL);
    }
    this.evalL = 0;
    this.scriptRefs = 0;
    this.scripts.clear();
    this.scriptsMemory = 0;
  }

  /** The fake client scripts run commands as (Redis's lua_client). */
  private getScriptClient(): Client {
    if (this.scriptClient === null) {
      const sc = new Client(this.server, null, { fake: true });
      sc.reply.enabled = true;
      sc.denyBlocking = true;
      this.scriptClient = sc;
    }
    return this.scriptClient;
  }

  // ------------------------------------------------------------------ cache

  /**
   * Compile and cache a script (luaCreateFunction); returns its sha or
   * throws the compile error. Already cached bodies are not compiled again.
   */
  createFunction(body: string, sha = sha1hex(body)): Script {
    const have = this.scripts.get(sha);
    if (have) return have;
    const sb = parseShebang(body);
    if (typeof sb === 'string') throw new RedisError(`ERR ${sb}`);
    const vm = this.vm;
    const L = vm.L;
    // the shebang line is skipped but its line feed kept, so line numbers stay the user's
    if (vm.load(L, sb.skip > 0 ? body.slice(sb.skip) : body, '@user_script') !== 0) {
      const msg = vm.toString(L, -1) ?? '';
      vm.m._lua_settop(L, 0);
      throw new RedisError(`ERR Error compiling script (new function): ${msg}`);
    }
    const ref = ++this.scriptRefs;
    vm.m._lua_rawseti(L, LUA_REGISTRYINDEX, ref);
    const s: Script = { sha, body, flags: sb.flags, ref };
    this.scripts.set(sha, s);
    this.scriptsMemory += 40 + body.length;
    return s;
  }

  // ------------------------------------------------------------------ running

  /** Checks before a script runs (scriptPrepareForRun); throws the refusal. */
  prepare(caller: Client, funcname: string, flags: number, ro: boolean, evalMode: boolean): RunCtx {
    const server = this.server;
    const obey = caller.isMaster || caller.isFake;
    const stale = server.isReplica() && !server.masterLinkUp() && !server.config.settings.replicaServeStaleData;
    if (!(flags & SF_EVAL_COMPAT)) {
      if (stale && !(flags & SF_ALLOW_STALE)) {
        throw new RedisError("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.");
      }
      if (!(flags & SF_NO_WRITES)) {
        if (server.isReplica() && server.config.settings.replicaReadOnly && !obey) {
          throw new RedisError('READONLY Can not run script with write flag on readonly replica');
        }
        const misconf = obey ? null : server.persistence.writeDeniedByDiskError();
        if (misconf !== null) {
          throw new RedisError(
            misconf.startsWith('MISCONF Redis is configured to save RDB')
              ? "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
              : misconf,
          );
        }
        if (ro) throw new RedisError('ERR Can not execute a script with write flag using *_ro command.');
        if (!server.isReplica() && !server.replication.master.hasGoodReplicas()) throw new RedisError('NOREPLICAS Not enough good replicas to write.');
      }
    } else if (stale) {
      throw new RedisError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    }
    const sc = this.getScriptClient();
    sc.db = caller.db;
    sc.reply.proto = 2;
    sc.reply.out = '';
    sc.aclUser = caller.aclUser;
    const readOnly = ro || (!(flags & SF_EVAL_COMPAT) && (flags & SF_NO_WRITES) !== 0);
    const allowOom = !(flags & SF_EVAL_COMPAT) && (flags & SF_ALLOW_OOM) !== 0;
    return new RunCtx(caller, sc, funcname, evalMode, readOnly, allowOom, server.now());
  }

  /** EVAL/EVALSHA: run a cached script with KEYS and ARGV. */
  runEval(ctx: RunCtx, script: Script, keys: string[], args: string[]): void {
    const vm = this.vm;
    ctx.L = vm.L;
    vm.m._lua_rawgeti(ctx.L, LUA_REGISTRYINDEX, script.ref);
    this.run(ctx, keys, args);
  }

  /** FCALL: run a function with (keys, args) as its arguments. */
  runFunction(ctx: RunCtx, fi: FunctionInfo, keys: string[], args: string[]): void {
    const L = this.functionsState;
    ctx.L = L;
    this.vm.getField(L, LUA_REGISTRYINDEX, fi.ref);
    this.run(ctx, keys, args);
  }

  /**
   * Run the function on top of the VM's stack with KEYS/ARGV (EVAL) or
   * (keys, args) arguments (FCALL), replying to ctx.caller. Returns when the
   * script finished or, when it timed out and may yield, after its first
   * slice (the reply comes later).
   */
  private run(ctx: RunCtx, keys: string[], args: string[]): void {
    const vm = this.vm;
    const m = vm.m;
    const L = ctx.L;
    const base = m._lua_gettop(L) - 1; // the function is on top
    // scripts run in a coroutine (so the hook can yield); one that returned normally is reused,
    // one that died of an error is replaced (anchored in the registry against the GC)
    let co = this.threads.get(L) ?? 0;
    if (co === 0 || m._lua_status(co) !== 0 || m._lua_gettop(co) !== 0) {
      co = m._tl_newthread(L);
      vm.setField(L, LUA_REGISTRYINDEX, '__tredis_thread');
      this.threads.set(L, co);
    }
    m._lua_xmove(L, co, 1);
    // KEYS/ARGV (or the function's two arguments) and the count hook, in one call
    vm.setArgs(co, keys, args, ctx.evalMode, this.server.config.settings.busyReplyThreshold > 0 ? HOOK_COUNT : 0);
    ctx.co = co;
    const c = ctx.caller;
    // only a script that is its client's whole top-level command may leave its unit open across turns
    ctx.canYield = c.socket !== null && !c.isMaster && c.lastCmd !== null && c.lastCmd.name !== 'exec' && this.server.executor.unitDepth === 1;
    this.running = ctx;
    this.step(ctx, base, ctx.evalMode ? 0 : 2);
  }

  /** Resume the script's coroutine once; finish or schedule the next slice. */
  private step(ctx: RunCtx, base: number, nargs: number): void {
    const m = this.vm.m;
    let status: number;
    this.hookYield = false;
    try {
      status = m._lua_resume(ctx.co, nargs);
    } catch (e) {
      // a wasm trap (out of memory): the state cannot be trusted any more
      this.server.logger.warning(`Lua VM failure: ${(e as Error).message}`);
      this.finish(ctx, base, -1);
      this.reset();
      return;
    }
    if (status === LUA_YIELD && ctx.canYield) {
      if (!ctx.suspended) this.suspend(ctx);
      setImmediate(() => this.resumeSlice(ctx, base));
      return;
    }
    this.finish(ctx, base, status);
  }

  /** The script timed out and yields: hold the caller and keep the execution unit open. */
  private suspend(ctx: RunCtx): void {
    ctx.suspended = true;
    const c = ctx.caller;
    const state: BlockState = { kind: 'other', keys: [], db: c.db.id, timeoutAt: 0, tryServe: () => false, onTimeout: () => undefined, argv: [] };
    c.blocked = state;
    this.server.executor.holdUnit();
  }

  private resumeSlice(ctx: RunCtx, base: number): void {
    const server = this.server;
    // SHUTDOWN NOSAVE during the script: it simply never resumes, as the process of Redis exits under it
    if (server.isClosed) return;
    const ex = server.executor;
    const prev = ex.currentClient;
    ex.currentClient = ctx.caller;
    server.freezeClockAt(ctx.snapshotTime);
    try {
      this.step(ctx, base, 0);
    } finally {
      server.thawClock();
      ex.currentClient = prev;
    }
  }

  /** The script ended (status 0 = returned, else an error): reply, clean up, release a suspended caller. */
  private finish(ctx: RunCtx, base: number, status: number): void {
    const vm = this.vm;
    const m = vm.m;
    const L = ctx.L;
    const c = ctx.caller;
    const co = ctx.co;
    // (the count hook stays on the idle coroutine: the next run sets it again)
    const errorsBefore = this.errorsWritten;
    if (status === 0) {
      if (m._lua_gettop(co) === 0) m._lua_pushnil(co);
      m._lua_settop(co, 1);
      this.replies.luaToReply(c, co, ctx.sc.reply.proto);
      m._lua_settop(co, 0);
    } else {
      if (status > 0) m._tl_errinfo(L, co);
      else m._lua_pushnil(L);
      const info = this.replies.errorInfo(L, -1);
      let msg = info.msg ?? 'ERR execution failure';
      if (info.line !== null && info.source !== null) msg += ` script: ${ctx.funcname}, on ${info.source}:${info.line}.`;
      if (!info.ignoreStats) this.server.countError(msg);
      c.reply.error(msg);
      this.errorsWritten++;
    }
    m._lua_settop(L, base);
    if (++this.gcCount === GC_PERIOD) {
      m._tl_gcstep(L, GC_PERIOD);
      this.gcCount = 0;
    }
    this.running = null;
    if (this.errorsWritten !== errorsBefore) {
      // the script command failed (its error may be counted in errorstats already, by the command that raised it)
      if (ctx.suspended) {
        if (c.lastCmd !== null) c.lastCmd.stats.failed++;
      } else this.server.executor.failCurrentCall();
    }
    if (ctx.suspended) this.release(ctx);
  }

  /** A suspended script ended: flush its unit, answer and resume the caller, let the master link go on. */
  private release(ctx: RunCtx): void {
    const server = this.server;
    const c = ctx.caller;
    if (ctx.timedOut) server.logger.warning(ctx.killed ? 'Script killed by user with SCRIPT KILL.' : `Slow script ended after ${Math.round(performance.now() - ctx.startTime)} milliseconds.`);
    server.executor.busyScript = null;
    server.executor.releaseUnit();
    server.blocking.unblock(c, true);
    for (const cl of server.clients.values()) {
      if (cl.isMaster && cl.masterInput) setImmediate(() => cl.masterInput && cl.masterInput());
    }
  }

  /** The count hook: 0 go on, 1 yield a turn to the event loop, 2 raise the SCRIPT KILL error. */
  private hook(L: number): number {
    const load = this.loading;
    if (load !== null) return load.deadline > 0 && performance.now() > load.deadline ? 3 : 0;
    const ctx = this.running;
    if (ctx === null) return 0;
    if (!ctx.timedOut) {
      const elapsed = performance.now() - ctx.startTime;
      if (elapsed < this.server.config.settings.busyReplyThreshold) return 0;
      this.server.logger.warning(
        `Slow script detected: still in execution after ${Math.floor(elapsed)} milliseconds. You can try killing the script using the ${ctx.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${ctx.funcname}.`,
      );
      ctx.timedOut = true;
      if (ctx.canYield) this.server.executor.busyScript = ctx;
    }
    if (ctx.killed) return 2;
    if (!ctx.canYield) return 0;
    // the C hook yields only where no C call is in between: tell the pcall wrapper when it did
    this.hookYield = this.vm.m._tl_can_yield(L) !== 0;
    return 1;
  }

  /** The count hook's last yield, until the pcall wrapper asks (B.HookYielded). */
  private hookYield = false;

  /** SCRIPT KILL / FUNCTION KILL (scriptKill); throws Redis's refusals. */
  kill(isEval: boolean): void {
    const ctx = this.running;
    if (ctx === null || !ctx.suspended) throw new RedisError('NOTBUSY No scripts in execution right now.');
    if (ctx.caller.isMaster || ctx.caller.isFake) {
      throw new RedisError('UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.');
    }
    if (ctx.writeDirty) {
      throw new RedisError(
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      );
    }
    if (isEval && !ctx.evalMode) throw new RedisError('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
    if (!isEval && ctx.evalMode) throw new RedisError('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    ctx.killed = true;
  }

  // ------------------------------------------------------------------ bridge

  /** Called by the C closures of redis.* (and pcall): results pushed, or -1 with an error value on top to raise. */
  private bridge(L: number, id: number): number {
    const vm = this.vm;
    const m = vm.m;
    switch (id) {
      case B.Call:
        return this.redisCall(L, true);
      case B.PCall:
        return this.redisCall(L, false);
      case B.Pcall: {
        const argc = m._lua_gettop(L);
        m._lua_pushboolean(L, 1);
        m._lua_insert(L, 1);
        if (m._lua_pcall(L, argc - 1, LUA_MULTRET, 0) !== 0) {
          m._lua_remove(L, 1);
          if (m._lua_type(L, -1) === LUA_TTABLE) {
            vm.getField(L, -1, 'err');
            if (m._lua_isstring(L, -1)) m._lua_replace(L, -2);
          }
          m._lua_pushboolean(L, 0);
          m._lua_insert(L, 1);
        }
        return m._lua_gettop(L);
      }
      case B.HookYielded: {
        m._lua_pushboolean(L, this.hookYield ? 1 : 0);
        this.hookYield = false;
        return 1;
      }
      case B.Killed: {
        // a stopped script: from the next line on, every line raises again (as after raise_stop); no results
        const ctx = this.running;
        if ((ctx !== null && ctx.killed) || (this.loading !== null && this.loading.deadline > 0 && performance.now() > this.loading.deadline)) m._tl_sethook_line(L);
        return 0;
      }
      case B.CanYield: {
        const ctx = this.running;
        m._lua_pushboolean(L, ctx !== null && ctx.canYield && m._tl_can_yield(L) !== 0 ? 1 : 0);
        return 1;
      }
      case B.Log:
        return this.redisLog(L);
      case B.SetResp: {
        const ctx = this.running;
        if (ctx === null) return this.raise(L, 'redis.setresp can only be called inside a script invocation');
        if (m._lua_gettop(L) !== 1) return this.raise(L, 'redis.setresp() requires one argument.');
        const resp = Math.trunc(m._tl_tonumber(L, -1));
        if (resp !== 2 && resp !== 3) return this.raise(L, 'RESP version must be 2 or 3.');
        ctx.sc.reply.proto = resp;
        return 0;
      }
      case B.Sha1hex: {
        if (m._lua_gettop(L) !== 1) return this.raise(L, 'wrong number of arguments');
        const s = vm.toString(L, 1) ?? '';
        vm.pushString(L, sha1hex(s));
        return 1;
      }
      case B.ErrorReply: {
        if (m._lua_gettop(L) !== 1 || m._lua_type(L, -1) !== LUA_TSTRING) {
          this.pushError(L, 'wrong number or type of arguments');
          return 1;
        }
        const e = cstr(vm.toString(L, -1) ?? '');
        this.pushError(L, e.startsWith('-') ? e : '-' + e);
        return 1;
      }
      case B.StatusReply: {
        if (m._lua_gettop(L) !== 1 || m._lua_type(L, -1) !== LUA_TSTRING) {
          this.pushError(L, 'wrong number or type of arguments');
          return 1;
        }
        m._lua_createtable(L, 0, 1);
        m._lua_pushvalue(L, -2);
        vm.setField(L, -2, 'ok');
        return 1;
      }
      case B.SetRepl: {
        const ctx = this.running;
        if (ctx === null) return this.raise(L, 'redis.set_repl can only be called inside a script invocation');
        if (m._lua_gettop(L) !== 1) return this.raise(L, 'redis.set_repl() requires two arguments.');
        const flags = Math.trunc(m._tl_tonumber(L, -1));
        if ((flags & ~(REPL_AOF | REPL_REPLICA)) !== 0) return this.raise(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
        ctx.replFlags = flags;
        return 0;
      }
      case B.AclCheckCmd: {
        if (this.running === null) return this.raise(L, 'redis.acl_check_cmd can only be called inside a script invocation');
        const argv = this.luaArgs(L);
        if (argv === null) return -1;
        const found = this.server.executor.lookup(argv);
        if (typeof found === 'string') return this.raise(L, 'Invalid command passed to redis.acl_check_cmd()');
        // the caller's user, without logging (ACLCheckAllUserCommandPerm)
        const user = this.running.caller.aclUser;
        m._lua_pushboolean(L, user === null || this.server.acl.check(user, found, argv).result === 0 ? 1 : 0);
        return 1;
      }
      case B.Breakpoint:
        m._lua_pushboolean(L, 0);
        return 1;
      case B.Debug:
        return 0;
      case B.ReplicateCommands:
        m._lua_pushboolean(L, 1);
        return 1;
      case B.RegisterFunction:
        return this.registerFunction(L);
      case B.ProtectedTable: {
        if (m._lua_gettop(L) !== 2) {
          this.server.logger.warning('malicious code trying to call luaProtectedTableError with wrong arguments');
          return this.raisePlain(L, 'Wrong number of arguments to luaProtectedTableError');
        }
        if (!m._lua_isstring(L, -1)) return this.raisePlain(L, 'Second argument to luaProtectedTableError must be a string or number');
        const name = cstr(vm.toString(L, -1) ?? '');
        return this.raisePlain(L, `Script attempted to access nonexistent global variable '${name}'`);
      }
      default:
        return 0;
    }
  }

  /** luaPushError + luaError: raise a Redis error table. */
  private raise(L: number, msg: string): number {
    this.pushError(L, msg);
    return -1;
  }

  /** luaL_error: the C side prefixes the position of the calling Lua code ("user_script:1: msg") and raises. */
  private raisePlain(L: number, msg: string): number {
    this.vm.pushString(L, msg);
    return -2;
  }

  /** Push Redis's error table for `text` (luaPushErrorBuff: "-CODE msg" or "msg" -> "ERR msg"). */
  pushError(L: number, text: string): void {
    let code: string;
    let msg: string;
    if (text.startsWith('-')) {
      const sp = text.indexOf(' ');
      if (sp < 0) {
        code = 'ERR';
        msg = text.slice(1);
      } else {
        code = text.slice(1, sp);
        msg = text.slice(sp + 1);
      }
    } else {
      code = 'ERR';
      msg = text;
    }
    msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
    const vm = this.vm;
    vm.m._lua_createtable(L, 0, 2);
    vm.pushString(L, cstr(`${code} ${msg}`));
    vm.setField(L, -2, 'err');
  }

  /** A number argument of a redis.call: %.17g as Redis 7.0 formats it. */
  private readonly numArg = (L: number, idx: number): string => g17(this.vm.m._tl_tonumber(L, idx));

  /** The arguments of a redis.call as strings (luaArgsToRedisArgv); null with an error table pushed. */
  private luaArgs(L: number): string[] | null {
    const vm = this.vm;
    const m = vm.m;
    const argc = m._lua_gettop(L);
    if (argc === 0) {
      this.pushError(L, 'Please specify at least one argument for this redis lib call');
      return null;
    }
    const argv = vm.args(L, this.numArg);
    m._lua_settop(L, 0);
    if (argv === null) this.pushError(L, 'Lua redis lib command arguments must be strings or integers');
    return argv;
  }

  /** redis.call / redis.pcall (luaRedisGenericCommand). */
  private redisCall(L: number, raise: boolean): number {
    const ctx = this.running;
    if (ctx === null) {
      this.pushError(L, 'redis.call/pcall can only be called inside a script invocation');
      return -1;
    }
    const argv = this.luaArgs(L);
    if (argv === null) return raise ? -1 : 1;
    const sc = ctx.sc;
    const err = this.server.executor.callFromScript(sc, argv, ctx);
    if (err !== null) {
      this.pushError(L, err);
      this.vm.m._lua_pushboolean(L, 1);
      this.vm.setField(L, -2, 'ignore_error_stats_update');
      return raise ? -1 : 1;
    }
    if (sc.reply.big !== null) {
      // a value longer than any JS string: not handed to Lua
      sc.reply.big = null;
      sc.reply.out = '';
      this.pushError(L, '-' + valueTooLong());
      return raise ? -1 : 1;
    }
    const out = sc.reply.out;
    sc.reply.out = '';
    const p = { pos: 0 };
    const isErr = out.charCodeAt(0) === 45; /* - */
    this.replies.respToLua(L, out, p);
    return raise && isErr ? -1 : 1;
  }

  /** redis.log(level, ...) */
  private redisLog(L: number): number {
    const vm = this.vm;
    const m = vm.m;
    const argc = m._lua_gettop(L);
    if (argc < 2) return this.raise(L, 'redis.log() requires two arguments or more.');
    if (!m._lua_isnumber(L, 1)) return this.raise(L, 'First argument must be a number (log level).');
    const level = Math.trunc(m._tl_tonumber(L, 1));
    if (level < 0 || level > 3) return this.raise(L, 'Invalid debug level.');
    let log = '';
    for (let j = 2; j <= argc; j++) {
      const s = vm.toString(L, j);
      if (s !== null) {
        if (j !== 2) log += ' ';
        log += s;
      }
    }
    this.server.logger.log(level, log);
    return 0;
  }

  /** error replies written by luaToReply/finish (a script command that answered one failed) */
  errorsWritten = 0;
}
