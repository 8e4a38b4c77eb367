/*
 * The `bit` library as Redis exposes it (LuaBitOp 1.0.2's API and results),
 * our own implementation: Debian's lua-bitop source is not fetchable here.
 * Numbers are taken modulo 2^32 the way LuaBitOp does (adding 2^52+2^51 and
 * reading the low word), results are signed 32-bit.
 */
#include <stdint.h>
#include "lua.h"
#include "lauxlib.h"

typedef union { lua_Number n; uint64_t b; } BitNum;

static uint32_t barg(lua_State *L, int idx) {
  BitNum bn;
  bn.n = luaL_checknumber(L, idx);
  bn.n += 6755399441055744.0; /* 2^52+2^51 */
  return (uint32_t)bn.b;
}

#define BRET(b) (lua_pushnumber(L, (lua_Number)(int32_t)(b)), 1)

static int bit_tobit(lua_State *L) { return BRET(barg(L, 1)); }
static int bit_bnot(lua_State *L) { return BRET(~barg(L, 1)); }

#define BIT_OP(name, opr) \
  static int name(lua_State *L) { \
    int i; uint32_t b = barg(L, 1); \
    for (i = lua_gettop(L); i > 1; i--) b opr barg(L, i); \
    return BRET(b); }
BIT_OP(bit_band, &=)
BIT_OP(bit_bor, |=)
BIT_OP(bit_bxor, ^=)

#define BIT_SH(name, fn) \
  static int name(lua_State *L) { \
    uint32_t b = barg(L, 1), n = barg(L, 2) & 31; \
    fn; return BRET(b); }
BIT_SH(bit_lshift, b = (b << n))
BIT_SH(bit_rshift, b = (b >> n))
BIT_SH(bit_arshift, b = (uint32_t)((int32_t)b >> n))
BIT_SH(bit_rol, b = (b << n) | (b >> ((32 - n) & 31)))
BIT_SH(bit_ror, b = (b >> n) | (b << ((32 - n) & 31)))

static int bit_bswap(lua_State *L) {
  uint32_t b = barg(L, 1);
  b = (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24);
  return BRET(b);
}

static int bit_tohex(lua_State *L) {
  uint32_t b = barg(L, 1);
  int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)barg(L, 2);
  const char *hexdigits = "0123456789abcdef";
  char buf[8];
  int i;
  if (n < 0) { n = -n; hexdigits = "0123456789ABCDEF"; }
  if (n > 8) n = 8;
  for (i = (int)n; --i >= 0; ) { buf[i] = hexdigits[b & 15]; b >>= 4; }
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

static const struct luaL_Reg bit_funcs[] = {
  { "tobit", bit_tobit }, { "bnot", bit_bnot }, { "band", bit_band },
  { "bor", bit_bor }, { "bxor", bit_bxor }, { "lshift", bit_lshift },
  { "rshift", bit_rshift }, { "arshift", bit_arshift }, { "rol", bit_rol },
  { "ror", bit_ror }, { "bswap", bit_bswap }, { "tohex", bit_tohex },
  { NULL, NULL }
};

LUALIB_API int luaopen_bit(lua_State *L) {
  luaL_register(L, "bit", bit_funcs);
  return 1;
}
