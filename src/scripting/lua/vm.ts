/**
 * Loads the Lua 5.1.5 WebAssembly build (lua51.js, made by
 * scripts/build-lua.sh) and wraps the few raw calls the engine needs:
 * strings in and out of wasm memory as latin1 (binary safe), C names
 * allocated once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import '../../protocol/buffer-ext';

/** The raw exports of the module (pointers are numbers). */
export interface LuaModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _lua_close(L: number): void;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_pushvalue(L: number, idx: number): void;
  _lua_remove(L: number, idx: number): void;
  _lua_insert(L: number, idx: number): void;
  _lua_replace(L: number, idx: number): void;
  _lua_checkstack(L: number, n: number): number;
  _lua_xmove(from: number, to: number, n: number): void;
  _lua_type(L: number, idx: number): number;
  _lua_isstring(L: number, idx: number): number;
  _lua_isnumber(L: number, idx: number): number;
  _lua_toboolean(L: number, idx: number): number;
  _lua_objlen(L: number, idx: number): number;
  _lua_pushnil(L: number): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushlstring(L: number, p: number, len: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_gettable(L: number, idx: number): void;
  _lua_getfield(L: number, idx: number, k: number): void;
  _lua_rawget(L: number, idx: number): void;
  _lua_rawgeti(L: number, idx: number, n: number): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_getmetatable(L: number, idx: number): number;
  _lua_settable(L: number, idx: number): void;
  _lua_setfield(L: number, idx: number, k: number): void;
  _lua_rawset(L: number, idx: number): void;
  _lua_rawseti(L: number, idx: number, n: number): void;
  _lua_setmetatable(L: number, idx: number): number;
  _lua_pcall(L: number, nargs: number, nresults: number, errfunc: number): number;
  _lua_resume(L: number, nargs: number): number;
  _lua_status(L: number): number;
  _lua_next(L: number, idx: number): number;
  _lua_concat(L: number, n: number): void;
  _lua_enablereadonlytable(L: number, idx: number, on: number): void;
  _lua_isreadonlytable(L: number, idx: number): number;
  _tl_newstate(): number;
  _tl_pushbridge(L: number, id: number): void;
  _tl_sethook(L: number, count: number): void;
  _tl_sethook_line(L: number): void;
  _tl_can_yield(L: number): number;
  _tl_errinfo(L: number, co: number): void;
  _tl_srand48(seed: number): void;
  _tl_protect_recursively(L: number): void;
  _tl_load(L: number, buf: number, len: number, name: number): number;
  _tl_tolstring(L: number, idx: number): number;
  _tl_lastlen(): number;
  _tl_tonumber(L: number, idx: number): number;
  _tl_newthread(L: number): number;
  _tl_gccount(L: number): number;
  _tl_gcstep(L: number, n: number): void;
  _tl_gcfull(L: number): void;
  _tl_setargs(co: number, buf: number, lens: number, nkeys: number, nargs: number, globals: number, hook: number): void;
  _tl_args(L: number, out: number, cap: number): number;
  _tl_pushfield(L: number, key: number, p: number, len: number): void;
  _tl_pushhelper(L: number, which: number): void;
}

export const LUA_TNIL = 0;
export const LUA_TBOOLEAN = 1;
export const LUA_TLIGHTUSERDATA = 2;
export const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export const LUA_TTABLE = 5;
export const LUA_TFUNCTION = 6;
export const LUA_REGISTRYINDEX = -10000;
export const LUA_GLOBALSINDEX = -10002;
export const LUA_YIELD = 1;
export const LUA_MULTRET = -1;

type Factory = (opts: Record<string, unknown>) => LuaModule;

/**
 * lua51.js: in a repository checkout the one in src/ (tsc does not copy it, and a rebuilt VM must not lose
 * to a stale copy in dist/), else the one next to this file (a packed tredis: `npm run build` copied it).
 */
function loadFactory(): Factory {
  const candidates = [path.join(__dirname, '..', '..', '..', '..', 'src', 'scripting', 'lua', 'lua51.js'), path.join(__dirname, 'lua51.js')];
  for (const p of candidates) {
    if (fs.existsSync(p)) return require(p) as Factory;
  }
  throw new Error(`lua51.js not found (looked in ${candidates.join(', ')}); run scripts/build-lua.sh`);
}

let factory: Factory | null = null;

/** Callbacks the C side calls: the redis.* bridge and the count hook. */
export interface LuaCallbacks {
  bridge(L: number, id: number): number;
  hook(L: number): number;
}

/** One wasm instance (one heap); the Lua states in it are created by its owner. */
export class LuaVM {
  readonly m: LuaModule;
  /** the state scripts run in (the owner creates it with _tl_newstate) */
  L = 0;
  private scratch = 0;
  private scratchSize = 0;
  private readonly names = new Map<string, number>();

  constructor(cb: LuaCallbacks) {
    factory ??= loadFactory();
    this.m = factory({ tlBridge: (L: number, id: number) => cb.bridge(L, id), tlHook: (L: number) => cb.hook(L) });
  }

  /** A NUL-terminated C string kept for the VM's life (field names, chunk names). */
  name(s: string): number {
    let p = this.names.get(s);
    if (p === undefined) {
      p = this.m._malloc(s.length + 1);
      const h = this.m.HEAPU8;
      for (let i = 0; i < s.length; i++) h[p + i] = s.charCodeAt(i) & 0xff;
      h[p + s.length] = 0;
      this.names.set(s, p);
    }
    return p;
  }

  /** Scratch room of at least n bytes (valid until the next call); returns its pointer. */
  private room(n: number): number {
    if (n > this.scratchSize) {
      if (this.scratch) this.m._free(this.scratch);
      this.scratchSize = Math.max(256, n, this.scratchSize * 2);
      this.scratch = this.m._malloc(this.scratchSize);
    }
    return this.scratch;
  }

  /** Write s as latin1 at p (wasm memory); returns the byte after it. */
  private put(h: Uint8Array, p: number, s: string): number {
    const n = s.length;
    if (n < 64) {
      for (let i = 0; i < n; i++) h[p + i] = s.charCodeAt(i);
    } else {
      this.heap().latin1Write(s, p, n);
    }
    return p + n;
  }

  /** Copy latin1 bytes into the scratch buffer; returns its pointer (valid until the next call). */
  bytes(s: string): number {
    const n = s.length;
    const p = this.room(n + 1);
    const h = this.m.HEAPU8;
    h[this.put(h, p, s)] = 0;
    return p;
  }

  pushString(L: number, s: string): void {
    this.m._lua_pushlstring(L, this.bytes(s), s.length);
  }

  /**
   * KEYS and ARGV (globals) or the two argument tables of a function on co,
   * and co's count hook (0: none): one call into wasm.
   */
  setArgs(co: number, keys: string[], args: string[], globals: boolean, hook: number): void {
    const nk = keys.length;
    const n = nk + args.length;
    let bytes = 0;
    for (let j = 0; j < nk; j++) bytes += keys[j].length;
    for (let j = 0; j < args.length; j++) bytes += args[j].length;
    // the lengths (int32, aligned) first, then the strings
    const lens = (this.room(4 * n + bytes + 8) + 3) & ~3;
    const h = this.m.HEAPU8;
    const h32 = this.heap32();
    const l32 = lens >>> 2;
    let p = lens + 4 * n;
    const buf = p;
    for (let j = 0; j < nk; j++) {
      h32[l32 + j] = keys[j].length;
      p = this.put(h, p, keys[j]);
    }
    for (let j = 0; j < args.length; j++) {
      h32[l32 + nk + j] = args[j].length;
      p = this.put(h, p, args[j]);
    }
    this.m._tl_setargs(co, buf, lens, nk, args.length, globals ? 1 : 0, hook);
  }

  /** (pointer, length) pairs tl_args fills */
  private argCells = 0;
  private argCap = 0;

  /**
   * The arguments of a redis.call (the whole stack of L) as strings; a number
   * argument is formatted by num(). Null when one is neither a string nor a
   * number (the stack is left as it was).
   */
  args(L: number, num: (L: number, idx: number) => string): string[] | null {
    const m = this.m;
    if (this.argCap === 0) this.growArgs(16);
    let argc = m._tl_args(L, this.argCells, this.argCap);
    if (argc > this.argCap) {
      this.growArgs(argc);
      argc = m._tl_args(L, this.argCells, this.argCap);
    }
    if (argc < 0) return null;
    const cells = this.heap32();
    const c = this.argCells >>> 2;
    const argv = new Array<string>(argc);
    for (let j = 0; j < argc; j++) {
      const p = cells[c + 2 * j];
      argv[j] = p === 0 ? num(L, j + 1) : this.str(p, cells[c + 2 * j + 1]);
    }
    return argv;
  }

  private growArgs(n: number): void {
    if (this.argCells) this.m._free(this.argCells);
    this.argCap = Math.max(16, n);
    this.argCells = this.m._malloc(8 * this.argCap);
  }

  /** Push {[key] = s} (Redis's {ok=...}). */
  pushField(L: number, key: string, s: string): void {
    const k = this.name(key);
    this.m._tl_pushfield(L, k, this.bytes(s), s.length);
  }

  /** views of the wasm memory, made again when it grew (emscripten then replaces HEAPU8) */
  private viewsOf: Uint8Array | null = null;
  private heapView: Buffer | null = null;
  private heap32View: Int32Array | null = null;

  private views(h: Uint8Array): void {
    this.viewsOf = h;
    this.heapView = Buffer.from(h.buffer, h.byteOffset, h.byteLength);
    this.heap32View = new Int32Array(h.buffer, 0, h.byteLength >>> 2);
  }

  /** An Int32Array over the whole wasm memory. */
  private heap32(): Int32Array {
    const h = this.m.HEAPU8;
    if (h !== this.viewsOf) this.views(h);
    return this.heap32View as Int32Array;
  }

  /** A Buffer over the whole wasm memory. */
  private heap(): Buffer {
    const h = this.m.HEAPU8;
    if (h !== this.viewsOf) this.views(h);
    return this.heapView as Buffer;
  }

  /** decoded short strings by address: Lua strings are immutable, and a hit is checked byte for byte */
  private readonly cacheAt = new Int32Array(512);
  private readonly cacheStr: string[] = new Array<string>(512).fill('');

  /** The latin1 string of n bytes at p (wasm memory). */
  str(p: number, n: number): string {
    const h = this.m.HEAPU8;
    if (n > 32) return this.heap().latin1Slice(p, p + n);
    const slot = (p >>> 3) & 511;
    if (this.cacheAt[slot] === p) {
      const c = this.cacheStr[slot];
      if (c.length === n) {
        let i = 0;
        while (i < n && c.charCodeAt(i) === h[p + i]) i++;
        if (i === n) return c;
      }
    }
    let s: string;
    switch (n) {
      case 0:
        s = '';
        break;
      case 1:
        s = String.fromCharCode(h[p]);
        break;
      case 2:
        s = String.fromCharCode(h[p], h[p + 1]);
        break;
      case 3:
        s = String.fromCharCode(h[p], h[p + 1], h[p + 2]);
        break;
      case 4:
        s = String.fromCharCode(h[p], h[p + 1], h[p + 2], h[p + 3]);
        break;
      default:
        s = this.heap().latin1Slice(p, p + n);
    }
    this.cacheAt[slot] = p;
    this.cacheStr[slot] = s;
    return s;
  }

  /** The string at idx (numbers are converted in place, as lua_tolstring does), or null. */
  toString(L: number, idx: number): string | null {
    const p = this.m._tl_tolstring(L, idx);
    if (p === 0) return null;
    return this.str(p, this.m._tl_lastlen());
  }

  getField(L: number, idx: number, k: string): void {
    this.m._lua_getfield(L, idx, this.name(k));
  }

  setField(L: number, idx: number, k: string): void {
    this.m._lua_setfield(L, idx, this.name(k));
  }

  /** luaL_loadbuffer: 0 and the function on the stack, or an error code and the message. */
  load(L: number, code: string, chunkName: string): number {
    const p = this.bytes(code);
    return this.m._tl_load(L, p, code.length, this.name(chunkName));
  }
}
