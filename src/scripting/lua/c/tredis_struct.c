/*
 * The `struct` library as Redis 7.0 exposes it (struct.pack / unpack / size
 * of Roberto Ierusalimschy's library, the version Redis bundles), our own
 * implementation. Sizes are those of the x86-64 build Redis ships: int 4,
 * long and size_t 8, maximum alignment 8; integers go through a 64-bit long.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"

#define S_BIG 0
#define S_LITTLE 1
#define S_MAXINTSIZE 32
#define S_MAXALIGN 8
#define S_ISP2(x) ((x) > 0 && ((x) & ((x) - 1)) == 0)

typedef struct { int endian; int align; } SHeader;

static int s_num(lua_State *L, const char **fmt, int dflt) {
  int a = 0;
  if (!isdigit((unsigned char)**fmt)) return dflt;
  do {
    if (a > (INT_MAX / 10) || a * 10 > (INT_MAX - (**fmt - '0'))) luaL_error(L, "integral size overflow");
    a = a * 10 + *((*fmt)++) - '0';
  } while (isdigit((unsigned char)**fmt));
  return a;
}

static size_t s_size(lua_State *L, char opt, const char **fmt) {
  switch (opt) {
    case 'B': case 'b': case 'x': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': case 'T': return 8;
    case 'f': return 4;
    case 'd': return 8;
    case 'c': return (size_t)s_num(L, fmt, 1);
    case 'i': case 'I': {
      int sz = s_num(L, fmt, 4);
      if (sz > S_MAXINTSIZE) luaL_error(L, "integral size %d is larger than limit of %d", sz, S_MAXINTSIZE);
      return (size_t)sz;
    }
    default: return 0;
  }
}

static int s_pad(size_t len, SHeader *h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > (size_t)h->align) size = (size_t)h->align;
  return (int)((size - (len & (size - 1))) & (size - 1));
}

static void s_control(lua_State *L, int opt, const char **fmt, SHeader *h) {
  switch (opt) {
    case ' ': return;
    case '>': h->endian = S_BIG; return;
    case '<': h->endian = S_LITTLE; return;
    case '!': {
      int a = s_num(L, fmt, S_MAXALIGN);
      if (!S_ISP2(a)) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default: luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

static void s_putint(lua_State *L, luaL_Buffer *b, int arg, int endian, int size) {
  lua_Number n = luaL_checknumber(L, arg);
  unsigned long long v = n < 0 ? (unsigned long long)(long long)n : (unsigned long long)n;
  char buf[S_MAXINTSIZE];
  int i;
  for (i = 0; i < size; i++) {
    buf[endian == S_LITTLE ? i : size - 1 - i] = (char)(v & 0xff);
    v = i < 7 ? v >> 8 : 0; /* a 64-bit long holds no more */
  }
  luaL_addlstring(b, buf, (size_t)size);
}

/* bytes of a float/double in the wanted order (this machine is little-endian) */
static void s_order(char *p, int size, int endian) {
  if (endian == S_BIG) {
    int i = 0;
    while (i < --size) { char t = p[i]; p[i++] = p[size]; p[size] = t; }
  }
}

static int s_pack(lua_State *L) {
  luaL_Buffer b;
  const char *fmt = luaL_checkstring(L, 1);
  SHeader h = { S_LITTLE, 1 };
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = s_size(L, (char)opt, &fmt);
    int pad = s_pad(total, &h, opt, size);
    total += (size_t)pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        s_putint(L, &b, arg++, h.endian, (int)size);
        break;
      case 'x': luaL_addchar(&b, '\0'); break;
      case 'f': {
        float f = (float)luaL_checknumber(L, arg++);
        s_order((char *)&f, (int)size, h.endian);
        luaL_addlstring(&b, (char *)&f, size);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        s_order((char *)&d, (int)size, h.endian);
        luaL_addlstring(&b, (char *)&d, size);
        break;
      }
      case 'c': case 's': {
        size_t l;
        const char *s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') { luaL_addchar(&b, '\0'); size++; }
        break;
      }
      default: s_control(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

static lua_Number s_getint(const char *p, int endian, int issigned, int size) {
  unsigned long long l = 0;
  int i;
  for (i = 0; i < size; i++) {
    l <<= 8;
    l |= (unsigned char)p[endian == S_BIG ? i : size - 1 - i];
  }
  if (!issigned) return (lua_Number)l;
  if (size * 8 - 1 < 64) {
    unsigned long long mask = (~0ULL) << (size * 8 - 1);
    if (l & mask) l |= mask;
  }
  return (lua_Number)(long long)l;
}

static int s_unpack(lua_State *L) {
  SHeader h = { S_LITTLE, 1 };
  const char *fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char *data = luaL_checklstring(L, 2, &ld);
  size_t pos = (size_t)luaL_optinteger(L, 3, 1);
  int n = 0;
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  pos--;
  while (*fmt) {
    int opt = *fmt++;
    size_t size = s_size(L, (char)opt, &fmt);
    pos += (size_t)s_pad(pos, &h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, s_getint(data + pos, h.endian, islower(opt), (int)size));
        n++;
        break;
      case 'x': break;
      case 'f': {
        float f;
        memcpy(&f, data + pos, size);
        s_order((char *)&f, (int)sizeof(f), h.endian);
        lua_pushnumber(L, f);
        n++;
        break;
      }
      case 'd': {
        double d;
        memcpy(&d, data + pos, size);
        s_order((char *)&d, (int)sizeof(d), h.endian);
        lua_pushnumber(L, d);
        n++;
        break;
      }
      case 'c':
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = (size_t)lua_tonumber(L, -1);
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      case 's': {
        const char *e = (const char *)memchr(data + pos, '\0', ld - pos);
        if (e == NULL) luaL_error(L, "unfinished string in data");
        size = (size_t)(e - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default: s_control(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, (lua_Integer)(pos + 1));
  return n + 1;
}

static int s_sizeof(lua_State *L) {
  SHeader h = { S_LITTLE, 1 };
  const char *fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt) {
    int opt = *fmt++;
    size_t size = s_size(L, (char)opt, &fmt);
    pos += (size_t)s_pad(pos, &h, opt, size);
    if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
    else if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
    if (!isalnum(opt)) s_control(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, (lua_Integer)pos);
  return 1;
}

static const struct luaL_Reg struct_funcs[] = {
  { "pack", s_pack }, { "unpack", s_unpack }, { "size", s_sizeof }, { NULL, NULL }
};

LUALIB_API int luaopen_struct(lua_State *L) {
  luaL_register(L, "struct", struct_funcs);
  return 1;
}
