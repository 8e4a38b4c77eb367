/*
 * tredis's C side of the Lua VM (our own code): what JS cannot do through the
 * plain Lua API. Compiled with Lua 5.1.5 (Debian's source) by
 * scripts/build-lua.sh into lua51.wasm.
 *
 * - tl_newstate: a state with Redis's libraries (base, table, string, math,
 *   debug, cjson, struct, cmsgpack, bit).
 * - bridge closures: a C function whose upvalue is an id; it calls the JS
 *   import js_bridge(L, id), which returns the number of results, -1 when it
 *   left an error value on the stack to raise, or -2 for a message to raise
 *   as luaL_error does (JS must never longjmp itself).
 * - the count hook: every TL_HOOK_COUNT instructions it asks JS (js_hook)
 *   whether to go on (0), yield to the event loop (1: lua_yield from the hook,
 *   only possible when no C call is in between, see tl_can_yield), raise the
 *   SCRIPT KILL error (2) or the FUNCTION LOAD timeout (3).
 * - tl_errinfo: what Redis's __redis__err__handler adds to an error (source
 *   and line of the failing Lua frame), read from a dead coroutine whose
 *   stack Lua leaves unwound for the debug API.
 * - rand48: Redis's deterministic math.random (redisLrand48).
 */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lstate.h"

extern int js_bridge(lua_State *L, int id);
extern int js_hook(lua_State *L);

LUALIB_API int luaopen_cjson(lua_State *L);
LUALIB_API int luaopen_bit(lua_State *L);
LUALIB_API int luaopen_struct(lua_State *L);
LUALIB_API int luaopen_cmsgpack(lua_State *L);

/* ---- bridge ---------------------------------------------------------- */
static int bridge_fn(lua_State *L) {
  int id = (int)lua_tointeger(L, lua_upvalueindex(1));
  int r = js_bridge(L, id);
  if (r == -2) { /* luaL_error: prefix the caller's position to the message on top */
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
    return lua_error(L);
  }
  if (r < 0) return lua_error(L);
  return r;
}

void tl_pushbridge(lua_State *L, int id) {
  lua_pushinteger(L, id);
  lua_pushcclosure(L, bridge_fn, 1);
}

/* ---- hook -------------------------------------------------------------- */
static void count_hook(lua_State *L, lua_Debug *ar);

static void raise_stop(lua_State *L, const char *msg) {
  /* keep raising on every line so a pcall in the script cannot swallow it (as Redis) */
  lua_sethook(L, count_hook, LUA_MASKLINE, 0);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushstring(L, msg);
  lua_settable(L, -3);
  lua_error(L);
}

/* A hook may yield only when no C function (pcall, metamethod, sort comparator) is between it and lua_resume. */
int tl_can_yield(lua_State *L) {
  return L->nCcalls <= L->baseCcalls;
}

static void count_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  int action = js_hook(L);
  if (action == 2) raise_stop(L, "ERR Script killed by user with SCRIPT KILL...");
  else if (action == 3) raise_stop(L, "ERR FUNCTION LOAD timeout");
  else if (action == 1 && tl_can_yield(L)) lua_yield(L, 0);
}

/*
 * The hook a killed script gets (raise_stop): every new line raises again.
 * The pcall wrapper (prelude.ts) sets it on the coroutine it returns into when
 * the function it ran was stopped, as raise_stop set it on the inner one.
 */
void tl_sethook_line(lua_State *L) {
  lua_sethook(L, count_hook, LUA_MASKLINE, 0);
}

void tl_sethook(lua_State *L, int count) {
  if (count > 0) lua_sethook(L, count_hook, LUA_MASKCOUNT, count);
  else lua_sethook(L, NULL, 0, 0);
}

/* ---- errors ------------------------------------------------------------ */
/*
 * After lua_resume(co) failed: move the error value to L and turn it into
 * Redis's error table: non-tables become {err='ERR '..tostring(e)}, and the
 * failing frame's source and line are added (level 0, or 1 when level 0 is a
 * C function such as error() or redis.call; frames of the pcall wrapper are
 * skipped).
 */
void tl_errinfo(lua_State *L, lua_State *co) {
  lua_Debug ar;
  int have = 0;
  int level = 0;
  memset(&ar, 0, sizeof(ar));
  if (lua_getstack(co, 0, &ar) && lua_getinfo(co, "nSl", &ar)) {
    have = 1;
    if (strcmp(ar.what, "C") == 0) {
      memset(&ar, 0, sizeof(ar));
      level = 1;
      have = lua_getstack(co, 1, &ar) && lua_getinfo(co, "nSl", &ar);
    }
    /* the pcall wrapper (prelude.ts, chunk "@pcall") and tail-call marks are
       not the script: report the script's frame that called pcall */
    while (have && level < 64 && (strcmp(ar.source, "@pcall") == 0 || strcmp(ar.what, "tail") == 0)) {
      memset(&ar, 0, sizeof(ar));
      level++;
      have = lua_getstack(co, level, &ar) && lua_getinfo(co, "nSl", &ar);
    }
  }
  lua_xmove(co, L, 1);
  if (!lua_istable(L, -1)) {
    lua_getfield(L, LUA_GLOBALSINDEX, "tostring");
    lua_insert(L, -2);
    if (lua_pcall(L, 1, 1, 0) != 0 || !lua_isstring(L, -1)) {
      lua_pop(L, 1);
      lua_pushstring(L, "?");
    }
    lua_pushstring(L, "ERR ");
    lua_insert(L, -2);
    lua_concat(L, 2);
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "err");
  }
  if (have && !lua_isreadonlytable(L, -1)) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, -2, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, -2, "line");
  }
}

/* ---- rand48 (Redis's redisLrand48: the POSIX lrand48 generator) ----- */
static uint64_t rand48_x = 0x1234ABCD330EULL;

void tl_srand48(int32_t seed) {
  rand48_x = (((uint64_t)(uint32_t)seed) << 16 | 0x330E) & 0xFFFFFFFFFFFFULL;
}

static int32_t lrand48_next(void) {
  rand48_x = (0x5DEECE66DULL * rand48_x + 0xB) & 0xFFFFFFFFFFFFULL;
  return (int32_t)(rand48_x >> 17);
}

#define REDIS_LRAND48_MAX INT32_MAX

static int math_random(lua_State *L) {
  lua_Number r = (lua_Number)(lrand48_next() % REDIS_LRAND48_MAX) / (lua_Number)REDIS_LRAND48_MAX;
  switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, r); break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, floor(r * (u - l + 1)) + l);
      break;
    }
    default: return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

static int math_randomseed(lua_State *L) {
  tl_srand48(luaL_checkint(L, 1));
  return 0;
}

/* ---- state --------------------------------------------------------- */
static void load_lib(lua_State *L, const char *name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

/* A new state with Redis's libraries; math.random/randomseed are Redis's. */
lua_State *tl_newstate(void) {
  lua_State *L = luaL_newstate();
  if (L == NULL) return NULL;
  load_lib(L, "", luaopen_base);
  load_lib(L, LUA_TABLIBNAME, luaopen_table);
  load_lib(L, LUA_STRLIBNAME, luaopen_string);
  load_lib(L, LUA_MATHLIBNAME, luaopen_math);
  load_lib(L, LUA_DBLIBNAME, luaopen_debug);
  load_lib(L, "cjson", luaopen_cjson);
  load_lib(L, "struct", luaopen_struct);
  load_lib(L, "cmsgpack", luaopen_cmsgpack);
  load_lib(L, "bit", luaopen_bit);
  lua_getglobal(L, "math");
  lua_pushcfunction(L, math_random);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, math_randomseed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
  return L;
}

/* Make the table at the top and every table reachable from it (and their metatables) read-only. */
void tl_protect_recursively(lua_State *L) {
  if (lua_isreadonlytable(L, -1)) return;
  lua_enablereadonlytable(L, -1, 1);
  lua_checkstack(L, 2);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_istable(L, -1)) tl_protect_recursively(L);
    lua_pop(L, 1);
  }
  if (lua_getmetatable(L, -1)) {
    tl_protect_recursively(L);
    lua_pop(L, 1);
  }
}

/* luaL_loadbuffer with an explicit length (JS passes bytes). */
int tl_load(lua_State *L, const char *buf, int len, const char *name) {
  return luaL_loadbuffer(L, buf, (size_t)len, name);
}

/* lua_tolstring writing the length to a static cell JS reads. */
static size_t last_len;
const char *tl_tolstring(lua_State *L, int idx) {
  return lua_tolstring(L, idx, &last_len);
}
int tl_lastlen(void) { return (int)last_len; }

/* lua_tonumber (exported under our name: the lua_Number of the value, 0 when it is not a number). */
double tl_tonumber(lua_State *L, int idx) { return (double)lua_tonumber(L, idx); }

lua_State *tl_newthread(lua_State *L) { return lua_newthread(L); }
int tl_gccount(lua_State *L) { return lua_gc(L, LUA_GCCOUNT, 0); }
void tl_gcstep(lua_State *L, int n) { lua_gc(L, LUA_GCSTEP, n); }
void tl_gcfull(lua_State *L) { lua_gc(L, LUA_GCCOLLECT, 0); }

/* ---- the hot path of a script run (one wasm call instead of dozens) --- */
/*
 * Before a script runs: KEYS and ARGV (EVAL: globals, unlocked for the
 * moment as Redis's luaCreateArray + lua_setglobal) or the two argument
 * tables (FCALL) on co, from nkeys + nargs latin1 strings laid end to end
 * in buf with their lengths in lens; then the count hook of co (0: none).
 */
static void push_strings(lua_State *co, const char *buf, const int32_t *lens, int n) {
  int j;
  lua_createtable(co, n, 0);
  for (j = 0; j < n; j++) {
    lua_pushlstring(co, buf, (size_t)lens[j]);
    lua_rawseti(co, -2, j + 1);
    buf += lens[j];
  }
}

/*
 * The global array name of the last run, when this run can take it again
 * (1: it is on top): a plain table (no metatable) holding exactly the keys
 * 1..n. A script cannot keep a reference past its run (the globals are
 * read-only and nothing else outlives it), so only what it changed in the
 * table could tell the old table from a new one: a table that is not exactly
 * as it was made is replaced (0, nothing pushed).
 */
static int reusable(lua_State *co, const char *name, int n) {
  int count = 0;
  lua_pushstring(co, name);
  lua_rawget(co, LUA_GLOBALSINDEX);
  if (lua_type(co, -1) != LUA_TTABLE || lua_isreadonlytable(co, -1)) {
    lua_pop(co, 1);
    return 0;
  }
  if (lua_getmetatable(co, -1)) {
    lua_pop(co, 2);
    return 0;
  }
  lua_pushnil(co);
  while (lua_next(co, -2)) {
    lua_Number k;
    lua_pop(co, 1);
    k = lua_type(co, -1) == LUA_TNUMBER ? lua_tonumber(co, -1) : 0;
    if (!(k >= 1 && k <= n && k == (lua_Number)(int)k)) {
      lua_pop(co, 2);
      return 0;
    }
    count++;
  }
  if (count != n) {
    lua_pop(co, 1);
    return 0;
  }
  return 1;
}

/* EVAL's KEYS or ARGV: the last run's table filled again when it can be (reusable), else a new one. */
static void set_global_array(lua_State *co, const char *name, const char *buf, const int32_t *lens, int n) {
  int j;
  if (reusable(co, name, n)) {
    for (j = 0; j < n; j++) {
      lua_pushlstring(co, buf, (size_t)lens[j]);
      lua_rawseti(co, -2, j + 1);
      buf += lens[j];
    }
    lua_pop(co, 1);
    return;
  }
  push_strings(co, buf, lens, n);
  lua_enablereadonlytable(co, LUA_GLOBALSINDEX, 0);
  lua_setfield(co, LUA_GLOBALSINDEX, name);
  lua_enablereadonlytable(co, LUA_GLOBALSINDEX, 1);
}

void tl_setargs(lua_State *co, const char *buf, const int32_t *lens, int nkeys, int nargs, int globals, int hook) {
  const char *args = buf;
  int j;
  for (j = 0; j < nkeys; j++) args += lens[j];
  if (globals) {
    set_global_array(co, "KEYS", buf, lens, nkeys);
    set_global_array(co, "ARGV", args, lens + nkeys, nargs);
  } else {
    push_strings(co, buf, lens, nkeys);
    push_strings(co, args, lens + nkeys, nargs);
  }
  tl_sethook(co, hook);
}

/*
 * The arguments of a redis.call as (pointer, length) pairs in out (a number:
 * pointer 0, JS formats it as Redis does). Returns argc; -1 when an argument
 * is neither a string nor a number; when argc > cap nothing is checked and
 * JS retries with room for argc.
 */
int tl_args(lua_State *L, int32_t *out, int cap) {
  int argc = lua_gettop(L);
  int j;
  if (argc > cap) return argc;
  for (j = 1; j <= argc; j++) {
    int t = lua_type(L, j);
    if (t == LUA_TSTRING) {
      size_t len;
      const char *p = lua_tolstring(L, j, &len);
      out[2 * j - 2] = (int32_t)(intptr_t)p;
      out[2 * j - 1] = (int32_t)len;
    } else if (t == LUA_TNUMBER) {
      out[2 * j - 2] = 0;
      out[2 * j - 1] = 0;
    } else {
      return -1;
    }
  }
  return argc;
}

/* A table {[key] = the string p/len} on top (Redis's {ok=...}, {big_number=...}). */
void tl_pushfield(lua_State *L, const char *key, const char *p, int len) {
  lua_createtable(L, 0, 1);
  lua_pushlstring(L, p, (size_t)len);
  lua_setfield(L, -2, key);
}

/*
 * lua_lessthan as a Lua-callable function, for the table.sort written in Lua
 * (prelude.ts): a comparison it cannot make raises from a C frame, so the
 * message has no position, as from ltablib.c's sort_comp.
 */
static int lessthan(lua_State *L) {
  lua_pushboolean(L, lua_lessthan(L, 1, 2));
  return 1;
}

/* C functions the prelude takes as arguments: 1 lessthan. */
void tl_pushhelper(lua_State *L, int which) {
  if (which == 1) lua_pushcfunction(L, lessthan);
  else lua_pushnil(L);
}
