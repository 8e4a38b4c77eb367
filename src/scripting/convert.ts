/**
 * Lua <-> RESP conversions of the scripting bridge, as Redis's
 * redisProtocolToLuaType and luaReplyToRedisReply (script_lua.c).
 */
import '../protocol/buffer-ext';
import { formatG17 } from '../util/number-format';
import { Client } from '../server/client';
import type { Server } from '../server/server';
import { LuaVM, LUA_TBOOLEAN, LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE } from './lua/vm';

/** Shebang flags (Redis's SCRIPT_FLAG_*). */
import type { Scripting } from './engine';
import { cstr } from '../protocol/errors';

/** The conversions, working on the owner's VM and server. */
export class LuaReplies {
  constructor(private readonly owner: Scripting) {}

  private get vm(): LuaVM {
    return this.owner.vm;
  }

  private get server(): Server {
    return this.owner.host;
  }


  pushArray(L: number, items: string[]): void {
    const vm = this.vm;
    const m = vm.m;
    m._lua_createtable(L, items.length, 0);
    for (let j = 0; j < items.length; j++) {
      vm.pushString(L, items[j]);
      m._lua_rawseti(L, -2, j + 1);
    }
  }

  /** Parse one RESP reply at p.pos and push it as Lua (redisProtocolToLuaType). */
  respToLua(L: number, s: string, p: { pos: number }): void {
    const vm = this.vm;
    const m = vm.m;
    m._lua_checkstack(L, 5);
    const t = s.charCodeAt(p.pos);
    const eol = s.indexOf('\r\n', p.pos);
    const line = s.slice(p.pos + 1, eol);
    p.pos = eol + 2;
    switch (t) {
      case 58: /* : */
        m._lua_pushnumber(L, Number(line));
        return;
      case 36: /* $ */ {
        const n = Number(line);
        if (n < 0) {
          m._lua_pushboolean(L, 0);
          return;
        }
        vm.pushString(L, s.slice(p.pos, p.pos + n));
        p.pos += n + 2;
        return;
      }
      case 43: /* + */
        vm.pushField(L, 'ok', line);
        return;
      case 45: /* - */
        this.owner.pushError(L, '-' + line);
        m._lua_pushboolean(L, 1);
        vm.setField(L, -2, 'ignore_error_stats_update');
        return;
      case 42: /* * */ {
        const n = Number(line);
        if (n < 0) {
          m._lua_pushboolean(L, 0);
          return;
        }
        m._lua_createtable(L, n, 0);
        for (let j = 0; j < n; j++) {
          m._lua_pushnumber(L, j + 1);
          this.respToLua(L, s, p);
          m._lua_settable(L, -3);
        }
        return;
      }
      case 37: /* % */ {
        const n = Number(line);
        m._lua_createtable(L, 0, 1);
        vm.pushString(L, 'map');
        m._lua_createtable(L, 0, n);
        for (let j = 0; j < n; j++) {
          this.respToLua(L, s, p);
          this.respToLua(L, s, p);
          m._lua_settable(L, -3);
        }
        m._lua_settable(L, -3);
        return;
      }
      case 126: /* ~ */ {
        const n = Number(line);
        m._lua_createtable(L, 0, 1);
        vm.pushString(L, 'set');
        m._lua_createtable(L, 0, n);
        for (let j = 0; j < n; j++) {
          this.respToLua(L, s, p);
          m._lua_pushboolean(L, 1);
          m._lua_settable(L, -3);
        }
        m._lua_settable(L, -3);
        return;
      }
      case 95: /* _ */
        m._lua_pushnil(L);
        return;
      case 35: /* # */
        m._lua_pushboolean(L, line === 't' ? 1 : 0);
        return;
      case 44: /* , */ {
        m._lua_createtable(L, 0, 1);
        m._lua_pushnumber(L, parseRespDouble(line));
        vm.setField(L, -2, 'double');
        return;
      }
      case 40: /* ( */
        m._lua_createtable(L, 0, 1);
        vm.pushString(L, line);
        vm.setField(L, -2, 'big_number');
        return;
      case 61: /* = */ {
        const n = Number(line);
        const body = s.slice(p.pos, p.pos + n);
        p.pos += n + 2;
        m._lua_createtable(L, 0, 1);
        vm.pushString(L, 'verbatim_string');
        m._lua_createtable(L, 0, 2);
        vm.pushString(L, body.slice(4));
        vm.setField(L, -2, 'string');
        vm.pushString(L, body.slice(0, 3));
        vm.setField(L, -2, 'format');
        m._lua_settable(L, -3);
        return;
      }
      case 62: /* > push: as an array */ {
        const n = Number(line);
        m._lua_createtable(L, n, 0);
        for (let j = 0; j < n; j++) {
          m._lua_pushnumber(L, j + 1);
          this.respToLua(L, s, p);
          m._lua_settable(L, -3);
        }
        return;
      }
      case 124: /* | attribute: skipped */ {
        const n = Number(line);
        const top = m._lua_gettop(L);
        for (let j = 0; j < 2 * n; j++) this.respToLua(L, s, p);
        m._lua_settop(L, top);
        this.respToLua(L, s, p);
        return;
      }
      default:
        m._lua_pushnil(L);
    }
  }

  /** Read err/source/line/ignore_error_stats_update of the error value at idx (luaExtractErrorInformation). */
  errorInfo(L: number, idx: number): { msg: string | null; source: string | null; line: string | null; ignoreStats: boolean } {
    const vm = this.vm;
    const m = vm.m;
    const out = { msg: null as string | null, source: null as string | null, line: null as string | null, ignoreStats: false };
    m._lua_pushvalue(L, idx);
    if (m._lua_isstring(L, -1)) out.msg = 'ERR ' + (vm.toString(L, -1) ?? '');
    if (m._lua_type(L, -1) === LUA_TTABLE) {
      vm.getField(L, -1, 'err');
      if (m._lua_isstring(L, -1)) out.msg = vm.toString(L, -1);
      m._lua_settop(L, -2);
      vm.getField(L, -1, 'source');
      if (m._lua_isstring(L, -1)) out.source = vm.toString(L, -1);
      m._lua_settop(L, -2);
      vm.getField(L, -1, 'line');
      if (m._lua_isstring(L, -1)) out.line = vm.toString(L, -1);
      m._lua_settop(L, -2);
      vm.getField(L, -1, 'ignore_error_stats_update');
      if (m._lua_type(L, -1) === LUA_TBOOLEAN) out.ignoreStats = m._lua_toboolean(L, -1) !== 0;
      m._lua_settop(L, -2);
    }
    m._lua_settop(L, -2);
    if (out.msg !== null) out.msg = cstr(out.msg);
    return out;
  }

  /** Convert the value on top of L to a reply on c and pop it (luaReplyToRedisReply). */
  luaToReply(c: Client, L: number, scriptResp: number): void {
    const vm = this.vm;
    const m = vm.m;
    const r = c.reply;
    if (!m._lua_checkstack(L, 4)) {
      r.error('ERR reached lua stack limit');
      m._lua_settop(L, -2);
      return;
    }
    const t = m._lua_type(L, -1);
    switch (t) {
      case LUA_TSTRING:
        r.bulk(vm.toString(L, -1) as string);
        break;
      case LUA_TBOOLEAN:
        if (scriptResp === 2) {
          if (m._lua_toboolean(L, -1)) r.int(1);
          else r.nullBulk();
        } else r.bool(m._lua_toboolean(L, -1) !== 0);
        break;
      case LUA_TNUMBER:
        r.int(toLongLong(m._tl_tonumber(L, -1)));
        break;
      case LUA_TTABLE: {
        m._lua_checkstack(L, 4);
        // {err=...}
        vm.pushString(L, 'err');
        m._lua_rawget(L, -2);
        if (m._lua_type(L, -1) === LUA_TSTRING) {
          m._lua_settop(L, -2);
          const info = this.errorInfo(L, -1);
          if (!info.ignoreStats) this.server.countError(info.msg ?? '');
          r.error(info.msg ?? '');
          this.owner.errorsWritten++;
          break;
        }
        m._lua_settop(L, -2);
        vm.pushString(L, 'ok');
        m._lua_rawget(L, -2);
        if (m._lua_type(L, -1) === LUA_TSTRING) {
          r.simple(cstr(vm.toString(L, -1) as string).replace(/[\r\n]/g, ' '));
          m._lua_settop(L, -2);
          break;
        }
        m._lua_settop(L, -2);
        vm.pushString(L, 'double');
        m._lua_rawget(L, -2);
        if (m._lua_type(L, -1) === LUA_TNUMBER) {
          const d = m._tl_tonumber(L, -1);
          if (Number.isNaN(d)) r.doubleText(g17(d));
          else r.double(d);
          m._lua_settop(L, -2);
          break;
        }
        m._lua_settop(L, -2);
        vm.pushString(L, 'big_number');
        m._lua_rawget(L, -2);
        if (m._lua_type(L, -1) === LUA_TSTRING) {
          const big = (vm.toString(L, -1) as string).replace(/[\r\n]/g, ' ');
          r.raw(r.proto === 3 ? '(' + big + '\r\n' : '$' + big.length + '\r\n' + big + '\r\n');
          m._lua_settop(L, -2);
          break;
        }
        m._lua_settop(L, -2);
        vm.pushString(L, 'verbatim_string');
        m._lua_rawget(L, -2);
        if (m._lua_type(L, -1) === LUA_TTABLE) {
          vm.pushString(L, 'format');
          m._lua_rawget(L, -2);
          if (m._lua_type(L, -1) === LUA_TSTRING) {
            const format = vm.toString(L, -1) as string;
            vm.pushString(L, 'string');
            m._lua_rawget(L, -3);
            if (m._lua_type(L, -1) === LUA_TSTRING) {
              r.verbatim(vm.toString(L, -1) as string, format.slice(0, 3));
              m._lua_settop(L, -4);
              break;
            }
            m._lua_settop(L, -2);
          }
          m._lua_settop(L, -2);
        }
        m._lua_settop(L, -2);
        vm.pushString(L, 'map');
        m._lua_rawget(L, -2);
        if (m._lua_type(L, -1) === LUA_TTABLE) {
          // deferred length: write the elements aside, then the header
          const saved = r.out;
          r.out = '';
          let n = 0;
          m._lua_pushnil(L);
          while (m._lua_next(L, -2)) {
            m._lua_pushvalue(L, -2);
            this.luaToReply(c, L, scriptResp);
            this.luaToReply(c, L, scriptResp);
            n++;
          }
          const body = r.out;
          r.out = saved;
          r.mapLen(n);
          r.raw(body);
          m._lua_settop(L, -2);
          break;
        }
        m._lua_settop(L, -2);
        vm.pushString(L, 'set');
        m._lua_rawget(L, -2);
        if (m._lua_type(L, -1) === LUA_TTABLE) {
          const saved = r.out;
          r.out = '';
          let n = 0;
          m._lua_pushnil(L);
          while (m._lua_next(L, -2)) {
            m._lua_settop(L, -2);
            m._lua_pushvalue(L, -1);
            this.luaToReply(c, L, scriptResp);
            n++;
          }
          const body = r.out;
          r.out = saved;
          r.setLen(n);
          r.raw(body);
          m._lua_settop(L, -2);
          break;
        }
        m._lua_settop(L, -2);
        // an array up to the first nil
        const saved = r.out;
        r.out = '';
        let n = 0;
        for (let j = 1; ; j++) {
          m._lua_rawgeti(L, -1, j);
          if (m._lua_type(L, -1) === LUA_TNIL) {
            m._lua_settop(L, -2);
            break;
          }
          this.luaToReply(c, L, scriptResp);
          n++;
        }
        const body = r.out;
        r.out = saved;
        r.arrayLen(n);
        r.raw(body);
        break;
      }
      default:
        r.nullBulk();
    }
    m._lua_settop(L, -2);
  }

}

export const nanView = new Float64Array(1);
export const nanBits = new Uint8Array(nanView.buffer);

/** printf("%.17g") of a Lua number: a NaN keeps its sign as glibc prints it ("-nan" for x86's 0/0). */
export function g17(d: number): string {
  if (!Number.isNaN(d)) return formatG17(d);
  nanView[0] = d;
  return nanBits[7] & 0x80 ? '-nan' : 'nan';
}


/** (long long)d as C on x86-64 converts a double (out of range: INT64_MIN). */
export function toLongLong(d: number): number | bigint {
  if (Number.isSafeInteger(d)) return d;
  if (Number.isNaN(d) || d >= 9223372036854775808 || d < -9223372036854775808) return -9223372036854775808n;
  const t = Math.trunc(d);
  if (Number.isSafeInteger(t)) return t;
  return BigInt(t);
}

export function parseRespDouble(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan' || s === '-nan') return NaN;
  return Number(s);
}


