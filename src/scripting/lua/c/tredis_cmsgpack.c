/*
 * The `cmsgpack` library as Redis 7.0 exposes it (lua-cmsgpack 0.4.0's API
 * and encodings: pack, unpack, unpack_one, unpack_limit), our own
 * implementation. Numbers that are exact int64 values are packed as the
 * smallest integer encoding, others as float when a float holds them exactly,
 * else double; tables whose keys are exactly 1..n are arrays, others maps;
 * nesting deeper than 16 packs nil.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"
#include <stdlib.h>

typedef struct { unsigned char *p; size_t len, cap; } MpBuf;

static void mp_add(MpBuf *b, const void *s, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 64);
    while (cap < b->len + n) cap *= 2;
    b->p = (unsigned char *)realloc(b->p, cap);
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void mp_addchar(MpBuf *b, char c) { mp_add(b, &c, 1); }

#define MP_MAX_NESTING 16

static void mp_put(MpBuf *b, int code, uint64_t v, int nbytes) {
  int i;
  if (code >= 0) mp_addchar(b, (char)code);
  for (i = nbytes - 1; i >= 0; i--) mp_addchar(b, (char)((v >> (8 * i)) & 0xff));
}

static void mp_int(MpBuf *b, int64_t n) {
  if (n >= 0) {
    if (n <= 127) mp_put(b, -1, (uint64_t)n, 1);
    else if (n <= 0xff) mp_put(b, 0xcc, (uint64_t)n, 1);
    else if (n <= 0xffff) mp_put(b, 0xcd, (uint64_t)n, 2);
    else if (n <= 0xffffffffLL) mp_put(b, 0xce, (uint64_t)n, 4);
    else mp_put(b, 0xcf, (uint64_t)n, 8);
  } else {
    if (n >= -32) mp_put(b, -1, (uint64_t)n, 1);
    else if (n >= -128) mp_put(b, 0xd0, (uint64_t)n, 1);
    else if (n >= -32768) mp_put(b, 0xd1, (uint64_t)n, 2);
    else if (n >= -2147483648LL) mp_put(b, 0xd2, (uint64_t)n, 4);
    else mp_put(b, 0xd3, (uint64_t)n, 8);
  }
}

static void mp_len(MpBuf *b, uint64_t n, int fix, int fixmax, int c16, int c32) {
  if (n <= (uint64_t)fixmax) mp_put(b, fix | (int)n, 0, 0);
  else if (n <= 0xffff) mp_put(b, c16, n, 2);
  else mp_put(b, c32, n, 4);
}

static void mp_number(MpBuf *b, lua_Number n) {
  if (!isinf(n) && (lua_Number)(int64_t)n == n) {
    mp_int(b, (int64_t)n);
  } else {
    float f = (float)n;
    if ((double)f == n) {
      uint32_t u;
      memcpy(&u, &f, 4);
      mp_put(b, 0xca, u, 4);
    } else {
      uint64_t u;
      memcpy(&u, &n, 8);
      mp_put(b, 0xcb, u, 8);
    }
  }
}

/* keys are exactly the integers 1..n (as lua-cmsgpack decides, counting every key) */
static int mp_is_array(lua_State *L) {
  int count = 0, max = 0, top = lua_gettop(L);
  luaL_checkstack(L, 2, "in function table_is_an_array");
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_Number n;
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || isinf(n) || (lua_Number)(int)n != n) {
      lua_settop(L, top);
      return 0;
    }
    if ((int)n > max) max = (int)n;
    count++;
  }
  lua_settop(L, top);
  return max == count;
}

static void mp_encode(lua_State *L, MpBuf *b, int level);

static void mp_table(lua_State *L, MpBuf *b, int level) {
  if (mp_is_array(L)) {
    size_t len = lua_objlen(L, -1), j;
    mp_len(b, len, 0x90, 15, 0xdc, 0xdd);
    luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
    for (j = 1; j <= len; j++) {
      lua_pushnumber(L, (lua_Number)j);
      lua_gettable(L, -2);
      mp_encode(L, b, level + 1);
    }
  } else {
    size_t len = 0;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, -2)) { lua_pop(L, 1); len++; }
    mp_len(b, len, 0x80, 15, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      mp_encode(L, b, level + 1);
      mp_encode(L, b, level + 1);
    }
  }
}

/* encode the value at the top and pop it; the buffer's own stack slots sit below, so values are moved above them */
static void mp_encode(lua_State *L, MpBuf *b, int level) {
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == MP_MAX_NESTING) t = LUA_TNIL;
  switch (t) {
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      if (len < 32) mp_put(b, 0xa0 | (int)len, 0, 0);
      else if (len <= 0xff) mp_put(b, 0xd9, len, 1);
      else if (len <= 0xffff) mp_put(b, 0xda, len, 2);
      else mp_put(b, 0xdb, len, 4);
      mp_add(b, s, len);
      break;
    }
    case LUA_TBOOLEAN: mp_addchar(b, lua_toboolean(L, -1) ? (char)0xc3 : (char)0xc2); break;
    case LUA_TNUMBER: mp_number(b, lua_tonumber(L, -1)); break;
    case LUA_TTABLE: mp_table(L, b, level); break;
    default: mp_addchar(b, (char)0xc0); break;
  }
  lua_pop(L, 1);
}

static int mp_pack(lua_State *L) {
  int nargs = lua_gettop(L), i;
  MpBuf b = { NULL, 0, 0 };
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  for (i = 1; i <= nargs; i++) {
    luaL_checkstack(L, 1, "in function mp_check");
    lua_pushvalue(L, i);
    mp_encode(L, &b, 0);
  }
  lua_pushlstring(L, b.p ? (const char *)b.p : "", b.len);
  free(b.p);
  return 1;
}

typedef struct { const unsigned char *p; size_t left; int err; } MpCur;
#define MP_EOF 1
#define MP_BADFMT 2
#define NEED(c, n) do { if ((c)->left < (size_t)(n)) { (c)->err = MP_EOF; return; } } while (0)
#define EAT(c, n) do { (c)->p += (n); (c)->left -= (n); } while (0)

static uint64_t mp_be(const unsigned char *p, int n) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

static void mp_decode(lua_State *L, MpCur *c);

static void mp_dec_array(lua_State *L, MpCur *c, size_t len) {
  int index = 1;
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  while (len--) {
    lua_pushnumber(L, index++);
    mp_decode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

static void mp_dec_map(lua_State *L, MpCur *c, size_t len) {
  lua_newtable(L);
  while (len--) {
    mp_decode(L, c);
    if (c->err) return;
    mp_decode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

static void mp_dec_str(lua_State *L, MpCur *c, int hdr, size_t l) {
  NEED(c, hdr + l);
  lua_pushlstring(L, (const char *)c->p + hdr, l);
  EAT(c, hdr + l);
}

static void mp_decode(lua_State *L, MpCur *c) {
  unsigned char t;
  NEED(c, 1);
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  t = c->p[0];
  switch (t) {
    case 0xcc: NEED(c, 2); lua_pushnumber(L, c->p[1]); EAT(c, 2); break;
    case 0xd0: NEED(c, 2); lua_pushnumber(L, (signed char)c->p[1]); EAT(c, 2); break;
    case 0xcd: NEED(c, 3); lua_pushnumber(L, (lua_Number)mp_be(c->p + 1, 2)); EAT(c, 3); break;
    case 0xd1: NEED(c, 3); lua_pushnumber(L, (int16_t)mp_be(c->p + 1, 2)); EAT(c, 3); break;
    case 0xce: NEED(c, 5); lua_pushnumber(L, (lua_Number)mp_be(c->p + 1, 4)); EAT(c, 5); break;
    case 0xd2: NEED(c, 5); lua_pushnumber(L, (int32_t)mp_be(c->p + 1, 4)); EAT(c, 5); break;
    /* uint 64 goes through lua_pushinteger on x86-64 Redis (a signed 64-bit lua_Integer) */
    case 0xcf: NEED(c, 9); lua_pushnumber(L, (lua_Number)(int64_t)mp_be(c->p + 1, 8)); EAT(c, 9); break;
    case 0xd3: NEED(c, 9); lua_pushnumber(L, (lua_Number)(int64_t)mp_be(c->p + 1, 8)); EAT(c, 9); break;
    case 0xc0: lua_pushnil(L); EAT(c, 1); break;
    case 0xc3: lua_pushboolean(L, 1); EAT(c, 1); break;
    case 0xc2: lua_pushboolean(L, 0); EAT(c, 1); break;
    case 0xca: {
      uint32_t u; float f;
      NEED(c, 5);
      u = (uint32_t)mp_be(c->p + 1, 4);
      memcpy(&f, &u, 4);
      lua_pushnumber(L, f);
      EAT(c, 5);
      break;
    }
    case 0xcb: {
      uint64_t u; double d;
      NEED(c, 9);
      u = mp_be(c->p + 1, 8);
      memcpy(&d, &u, 8);
      lua_pushnumber(L, d);
      EAT(c, 9);
      break;
    }
    case 0xd9: NEED(c, 2); mp_dec_str(L, c, 2, c->p[1]); break;
    case 0xda: NEED(c, 3); mp_dec_str(L, c, 3, (size_t)mp_be(c->p + 1, 2)); break;
    case 0xdb: NEED(c, 5); mp_dec_str(L, c, 5, (size_t)mp_be(c->p + 1, 4)); break;
    case 0xdc: { size_t l; NEED(c, 3); l = (size_t)mp_be(c->p + 1, 2); EAT(c, 3); mp_dec_array(L, c, l); break; }
    case 0xdd: { size_t l; NEED(c, 5); l = (size_t)mp_be(c->p + 1, 4); EAT(c, 5); mp_dec_array(L, c, l); break; }
    case 0xde: { size_t l; NEED(c, 3); l = (size_t)mp_be(c->p + 1, 2); EAT(c, 3); mp_dec_map(L, c, l); break; }
    case 0xdf: { size_t l; NEED(c, 5); l = (size_t)mp_be(c->p + 1, 4); EAT(c, 5); mp_dec_map(L, c, l); break; }
    default:
      if ((t & 0x80) == 0) { lua_pushnumber(L, t); EAT(c, 1); }
      else if ((t & 0xe0) == 0xe0) { lua_pushnumber(L, (signed char)t); EAT(c, 1); }
      else if ((t & 0xe0) == 0xa0) mp_dec_str(L, c, 1, t & 0x1f);
      else if ((t & 0xf0) == 0x90) { EAT(c, 1); mp_dec_array(L, c, t & 0xf); }
      else if ((t & 0xf0) == 0x80) { EAT(c, 1); mp_dec_map(L, c, t & 0xf); }
      else c->err = MP_BADFMT;
  }
}

static int mp_unpack_full(lua_State *L, long long limit, long long offset) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  MpCur c;
  int cnt, all = (!limit && !offset);
  if (offset < 0 || limit < 0)
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", (int)offset, (int)len);
  else if ((size_t)offset > len)
    return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset, (int)len);
  if (all) limit = INT_MAX;
  c.p = (const unsigned char *)s + offset;
  c.left = len - (size_t)offset;
  c.err = 0;
  for (cnt = 0; c.left > 0 && cnt < limit; cnt++) {
    mp_decode(L, &c);
    if (c.err == MP_EOF) return luaL_error(L, "Missing bytes in input.");
    else if (c.err == MP_BADFMT) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushnumber(L, c.left == 0 ? -1 : (lua_Number)(len - c.left));
    lua_insert(L, 2);
    cnt += 1;
  }
  return cnt;
}

static int mp_unpack(lua_State *L) { return mp_unpack_full(L, 0, 0); }

static int mp_unpack_one(lua_State *L) {
  long long offset = (long long)luaL_optnumber(L, 2, 0);
  lua_pop(L, lua_gettop(L) - 1);
  return mp_unpack_full(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L) {
  long long limit = (long long)luaL_checknumber(L, 2);
  long long offset = (long long)luaL_optnumber(L, 3, 0);
  lua_pop(L, lua_gettop(L) - 1);
  return mp_unpack_full(L, limit, offset);
}

LUALIB_API int luaopen_cmsgpack(lua_State *L) {
  lua_newtable(L);
  lua_pushcfunction(L, mp_pack); lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, mp_unpack); lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, mp_unpack_one); lua_setfield(L, -2, "unpack_one");
  lua_pushcfunction(L, mp_unpack_limit); lua_setfield(L, -2, "unpack_limit");
  lua_pushliteral(L, "cmsgpack"); lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0"); lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo"); lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation for Lua"); lua_setfield(L, -2, "_DESCRIPTION");
  lua_pushvalue(L, -1);
  lua_setglobal(L, "cmsgpack");
  return 1;
}
