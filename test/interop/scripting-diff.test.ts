/**
 * Differential tests of Lua scripting against redis-server 7.0: every reply
 * byte for byte, over RESP2 and RESP3 (number semantics of Lua 5.1, tables
 * with nil holes, error texts with the script's sha and line, pcall, the
 * cjson / cmsgpack / bit / struct libraries, protected globals, shebang
 * flags, SCRIPT subcommands, redis.* API errors), functions (FUNCTION LOAD
 * and its errors, redis.register_function in both forms, FCALL/FCALL_RO,
 * LIST, STATS, DELETE, FLUSH, DUMP bytes, RESTORE), busy scripts and
 * functions (-BUSY, SCRIPT KILL, FUNCTION KILL, UNKILLABLE), errorstats and
 * commandstats, the effects of scripts replicated to a real redis-server
 * replica (DEBUG DIGEST equal) and function libraries crossing between the
 * two servers by replication and RDB files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, waitFor, tempDir } from '../helpers/servers';
import { sameBytesOn } from '../helpers/compare';
import { TestClient } from '../helpers/resp';
import { parseInfo } from '../helpers/info';
import { tredisNode, childNode, waitInSync, digest } from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

/** Scripts and SCRIPT commands replayed on both servers (fresh, in this order: math.random's sequence is shared). */
const CASES: string[][] = [
  // pcall (a coroutine-based pcall in tredis, the C one in Redis): results, errors, odd calls
  ["EVAL", "return {pcall(function(x) return x*2 end, 21)}", "0"],
  ["EVAL", "return {pcall(function() error('boom') end)}", "0"],
  ["EVAL", "return {pcall(function() return redis.call('nosuch') end)}", "0"],
  ["EVAL", "return {pcall(redis.call, 'nosuch')}", "0"],
  ["EVAL", "local ok, e = pcall(error, {err='X'}); return e", "0"],
  ["EVAL", "local co = coroutine.create(function() return {pcall(function() coroutine.yield(1) end)} end); local ok, r = coroutine.resume(co) return r", "0"],
  ["EVAL", "return {pcall(pcall, function() return 5 end)}", "0"],
  ["EVAL", "return {pcall(function() return nil, 3 end)}", "0"],
  ["EVAL", "return {pcall(function() error({err='E1', x=1}) end)}", "0"],
  ["EVAL", "return {pcall(function() local t = nil; return t.x end)}", "0"],
  ["EVAL", "return {pcall(1)}", "0"],
  ["EVAL", "return {pcall()}", "0"],
  ["EVAL", "return {pcall(function(...) return select('#', ...) end, nil, nil)}", "0"],
  ["EVAL", "return {pcall(setmetatable({}, {__call=function(self, a) return a end}), 7)}", "0"],
  ["EVAL", "return {pcall(function() error('x', 2) end)}", "0"],
  ["EVAL", "return {pcall(function() error() end)}", "0"],
  ["EVAL", "return {xpcall(function() error('e') end, function(m) return 'h:'..m end)}", "0"],
  ["EVAL", "return tostring(10/2)", "0"],
  ["EVAL", "return tostring(2^53)", "0"],
  ["EVAL", "redis.call('set','x',10/4) return redis.call('get','x')", "0"],
  ["EVAL", "redis.call('set','x',10/2) return redis.call('get','x')", "0"],
  ["EVAL", "return 3.99", "0"],
  ["EVAL", "return -3.99", "0"],
  ["EVAL", "return {1,2,nil,4}", "0"],
  ["EVAL", "return {1,'a',{2,3},true,false}", "0"],
  ["EVAL", "return redis.call('incr', KEYS[1])", "1", "cnt"],
  ["EVAL", "return redis.call('get', KEYS[1])", "1", "nokey"],
  ["EVAL", "return ARGV", "0", "a", "b"],
  ["EVAL", "return KEYS", "2", "k1", "k2", "a"],
  ["EVAL", "return {err='My Error'}", "0"],
  ["EVAL", "return {ok='fine'}", "0"],
  ["EVAL", "return redis.error_reply('x bad')", "0"],
  ["EVAL", "return redis.error_reply('-CODE bad')", "0"],
  ["EVAL", "return redis.status_reply('PONG')", "0"],
  ["EVAL", "return redis.call('nosuch')", "0"],
  ["EVAL", "return redis.pcall('nosuch')", "0"],
  ["EVAL", "redis.call('set','s','v') return redis.call('incr','s')", "0"],
  ["EVAL", "redis.call('set','s','v') return redis.pcall('incr','s')", "0"],
  ["EVAL", "return pcall(function() redis.call('incr','s') end)", "0"],
  ["EVAL", "local ok, e = pcall(function() redis.call('incr','s') end) return e", "0"],
  ["EVAL", "error('boom')", "0"],
  ["EVAL", "error({err='XX custom'})", "0"],
  ["EVAL", "return a_global", "0"],
  ["EVAL", "a_global = 5", "0"],
  ["EVAL", "x = ", "0"],
  ["EVAL", "return redis.call()", "0"],
  ["EVAL", "return redis.call('get', {})", "0"],
  ["EVAL", "return redis.call('get')", "0"],
  ["EVAL", "return redis.call('eval', 'return 1', 0)", "0"],
  ["EVAL", "return cjson.encode({a=1})", "0"],
  ["EVAL", "return cjson.encode({1,2,3,'x',{b=false}})", "0"],
  ["EVAL", "return cjson.decode('[1,2,3,{\"a\":1.5}]')[4].a", "0"],
  ["EVAL", "return cmsgpack.unpack(cmsgpack.pack({1,2,'three'}))", "0"],
  ["EVAL", "return {cmsgpack.pack({a=1}, 1.5, -1, 300, 70000, 2^40, 'abc', true, nil)}", "0"],
  ["EVAL", "return bit.band(0xff, 0x0f)", "0"],
  ["EVAL", "return {bit.tobit(2^32+5), bit.tohex(65535), bit.tohex(-1, -4), bit.bnot(0), bit.lshift(1, 31), bit.arshift(-256, 4), bit.bswap(0x12345678)}", "0"],
  ["EVAL", "return {struct.unpack('>I2i4', struct.pack('>I2i4', 513, -2))}", "0"],
  ["EVAL", "return struct.pack('<hHlLd', -2, 65535, -3, 7, 1.25)", "0"],
  ["EVAL", "return struct.size('!4bi')", "0"],
  ["EVAL", "return math.random()", "0"],
  ["EVAL", "return math.random(10)", "0"],
  ["EVAL", "return {math.random(1,100), math.random(1,100)}", "0"],
  ["EVAL", "return redis.sha1hex('abc')", "0"],
  ["EVAL", "return redis.REDIS_VERSION", "0"],
  ["EVAL", "return redis.REDIS_VERSION_NUM", "0"],
  ["EVAL", "return type(os)", "0"],
  ["EVAL", "return type(io)", "0"],
  ["EVAL", "return print", "0"],
  ["EVAL", "return type(loadstring)", "0"],
  ["EVAL", "return type(dofile)", "0"],
  ["EVAL", "return type(__redis__err__handler)", "0"],
  ["EVAL", "string.foo = 1", "0"],
  ["EVAL", "redis.call = nil", "0"],
  ["EVAL", "return rawset(_G, 'x', 1)", "0"],
  ["EVAL", "setmetatable(_G, nil)", "0"],
  ["EVAL", "return redis.setresp(3)", "0"],
  ["EVAL", "redis.setresp(3) return redis.call('hgetall','nokey')", "0"],
  ["EVAL", "redis.call('hset','h','f','v') redis.setresp(3) return redis.call('hgetall','h')", "0"],
  ["EVAL", "return {double=3.5}", "0"],
  ["EVAL", "return {1, {double=0.1}}", "0"],
  ["EVAL", "return true", "0"],
  ["EVAL", "return false", "0"],
  ["EVAL", "return nil", "0"],
  ["EVAL", "return", "0"],
  ["EVAL", "return 'hello'", "0"],
  ["EVAL", "return 1e20", "0"],
  ["EVAL", "return -1e20", "0"],
  ["EVAL", "return 0/0", "0"],
  ["EVAL", "return string.format('%d %5.2f %s', 2^40, 3.14159, 'x')", "0"],
  ["EVAL", "return tostring(1e15)", "0"],
  ["EVAL", "return tostring(0.1)", "0"],
  ["EVAL", "return tostring(-0)", "0"],
  ["EVAL", "return 10 % 3 .. ''", "0"],
  ["EVAL", "return #KEYS", "3", "a", "b", "c"],
  ["EVAL", "return 1", "-1"],
  ["EVAL", "return 1", "5", "a"],
  ["EVAL", "return 1", "x"],
  ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
  ["EVALSHA", "abc", "0"],
  ["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"],
  ["SCRIPT", "LOAD", "return 42"],
  ["EVALSHA", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"],
  ["EVALSHA_RO", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"],
  ["SCRIPT", "EXISTS", "1fa00e76656cc152ad327c13fe365858fd7be306", "ffff", "1FA00E76656CC152AD327C13FE365858FD7BE306"],
  ["SCRIPT", "LOAD", "return ("],
  ["SCRIPT", "FLUSH"],
  ["SCRIPT", "EXISTS", "1fa00e76656cc152ad327c13fe365858fd7be306"],
  ["SCRIPT", "FLUSH", "ASYNC"],
  ["SCRIPT", "FLUSH", "bad"],
  ["SCRIPT", "KILL"],
  ["SCRIPT", "HELP"],
  ["SCRIPT", "nope"],
  ["EVAL_RO", "return redis.call('set','a','b')", "0"],
  ["EVAL_RO", "return redis.call('get','a')", "0"],
  ["EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"],
  ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0"],
  ["EVAL", "#!lua\nreturn redis.call('set','a','b')", "0"],
  ["EVAL", "#!lua flags=bogus\nreturn 1", "0"],
  ["EVAL", "#!luaX\nreturn 1", "0"],
  ["EVAL", "#!lua", "0"],
  ["EVAL", "#!lua foo=bar\nreturn 1", "0"],
  ["EVAL_RO", "#!lua\nreturn 1", "0"],
  ["EVAL", "return redis.call('blpop','nolist',0)", "0"],
  ["EVAL", "redis.log(redis.LOG_WARNING, 'hello', 'world') return 1", "0"],
  ["EVAL", "redis.log(9, 'x')", "0"],
  ["EVAL", "redis.log(1)", "0"],
  ["EVAL", "redis.set_repl(99)", "0"],
  ["EVAL", "return redis.replicate_commands()", "0"],
  ["EVAL", "return redis.breakpoint()", "0"],
  ["EVAL", "return redis.debug('x')", "0"],
  ["EVAL", "return redis.acl_check_cmd('get','x')", "0"],
  ["EVAL", "return redis.acl_check_cmd('nosuch')", "0"],
  ["EVAL", "return {redis.call('ping'), redis.call('echo','hi')}", "0"],
  ["EVAL", "return redis.call('select', 1)", "0"],
  ["EVAL", "local t = {} for i=1,100 do t[i]=i end return t", "0"],
  ["EVAL", "return string.rep('x', 3)", "0"],
  ["EVAL", "return table.concat({1,2,3}, ',')", "0"],
  ["EVAL", "return {string.byte('A'), string.char(66), string.upper('c'), string.len('abc'), string.sub('hello', 2, 3)}", "0"],
  ["EVAL", "return unpack({1,2,3})", "0"],
  ["EVAL", "return select('#', 1, 2, 3)", "0"],
  ["EVAL", "return tonumber('0x10')", "0"],
  ["EVAL", "return tonumber('  12  ')", "0"],
  ["EVAL", "return coroutine.wrap(function() coroutine.yield(5) end)()", "0"],
  ["EVAL", "local t = setmetatable({}, {__index=function(t,k) return k..'!' end}) return t.x", "0"],
  ["EVAL", "return getmetatable('').__index == string", "0"],
  ["EVAL", "return _VERSION", "0"],
  ["EVAL", "return redis.call('type', 'cnt')['ok']", "0"],
  ["EVAL", "return redis.call('set', 'k', 'v', 'EX', 100)", "0"],
  ["EVAL", "return redis.call('hset', 'h2', 'a', 1, 'b', 2.5)", "0"],
  ["EVAL", "return redis.call('hgetall', 'h2')", "0"],
  ["EVAL", "return redis.call('zadd', 'z', 1.5, 'm')", "0"],
  ["EVAL", "return redis.call('zscore', 'z', 'm')", "0"],
  ["EVAL", "return {1, 2, {err='nested'}}", "0"],
  ["EVAL", "return string.format('%.17g', 0.1)", "0"],
  ["EVAL", "return cjson.encode(cjson.decode('{\"a\":[1,2,3],\"b\":null}'))", "0"],
  ["EVAL", "return cjson.decode('bad json')", "0"],
  ["EVAL", "return cjson.encode(0.1)", "0"],
  ["EVAL", "return cjson.encode(1e300)", "0"],
  ["EVAL", "return struct.pack('x')", "0"],
  ["EVAL", "return struct.unpack('i', 'ab')", "0"],
  ["EVAL", "return cmsgpack.unpack('\\193')", "0"],
  ["EVAL", "return bit.tobit('x')", "0"],
  ["EVAL", "return math.huge", "0"],
  ["EVAL", "return math.floor(3.7)", "0"],
  ["EVAL", "return math.fmod(7, 3)", "0"],
  ["EVAL", "return gcinfo() > 0", "0"],
  ["EVAL", "return newproxy ~= nil", "0"],
  ["EVAL", "return loadstring('return 7')()", "0"],
  ["EVAL", "return (function() local a = nil; return a.b end)()", "0"],
  ["EVAL", "local a = {} ; a = a + 1", "0"],
  ["EVAL", "return #ARGV", "0"],
  ["EVAL", "return redis.call('EXISTS', 'cnt')", "0"],
  ["EVAL", "return redis.status_reply(1)", "0"],
  ["EVAL", "return redis.error_reply()", "0"],
  ["EVAL", "return redis.sha1hex()", "0"],
  ["EVAL", "return redis.setresp(5)", "0"],
  ["EVAL", "return redis.call('object','encoding','cnt')", "0"],
  ["EVAL", "return redis.call('config','get','maxmemory')", "0"],
  ["EVAL", "return redis.call('multi')", "0"],
  ["EVAL", "return redis.call('subscribe','x')", "0"],
  ["EVAL", "return redis.call('script','load','return 1')", "0"],
  ["EVAL", "return 1", "0"],
  // edge cases: recursion limits, nesting, binary data, numbers at the limits, NaN's sign
  ["SET", "binkey", "\u0000\u00ff\u0080a"],
  ["EVAL", "local function f(n) return f(n+1) + 1 end return f(1)", "0"],
  ["EVAL", "local s = string.rep('[', 2000) return cjson.decode(s)", "0"],
  ["EVAL", "local t = {} local c = t for i=1,2000 do c[1] = {} c = c[1] end return cjson.encode(t)", "0"],
  ["EVAL", "local t = {} local c = t for i=1,30 do c[1] = {} c = c[1] end return #cmsgpack.pack(t)", "0"],
  ["EVAL", "return #string.rep('x', 1e7)", "0"],
  ["EVAL", "local t = {} setmetatable(t, {__index = function(t, k) return t[k] end}) return t.x", "0"],
  ["EVAL", "return string.format('%s', setmetatable({}, {__tostring = function() return 'custom' end}))", "0"],
  ["EVAL", "return tostring(nil) .. tostring(true)", "0"],
  ["EVAL", "return table.concat({})", "0"],
  ["EVAL", "return {cjson.encode({[1]=1,[3]=3})}", "0"],
  ["EVAL", "return cjson.encode({[1]=1,[2]=2,[4]=4})", "0"],
  ["EVAL", "return cjson.encode(string.rep('\\0', 3))", "0"],
  ["EVAL", "return cjson.decode('\"\\\\u00e9\"')", "0"],
  ["EVAL", "return cjson.encode({a={}})", "0"],
  ["EVAL", "return redis.call('set', 'k', string.rep('a', 100)) and redis.call('strlen', 'k')", "0"],
  ["EVAL", "return redis.sha1hex(string.rep('\\255', 10))", "0"],
  ["EVAL", "return string.byte(redis.call('get', KEYS[1]), 1, -1)", "1", "binkey"],
  ["EVAL", "return xpcall(function() error('e1') end, function(m) return 'handled: ' .. m end)", "0"],
  ["EVAL", "local ok, err = pcall(error) return {tostring(ok), tostring(err)}", "0"],
  ["EVAL", "local ok, err = pcall(error, {x=1}) return type(err)", "0"],
  ["EVAL", "return select(2, pcall(redis.call, 'nosuchcmd'))", "0"],
  ["EVAL", "local r = redis.pcall('nosuchcmd') return r.err", "0"],
  ["EVAL", "return #redis.call('keys', '*') >= 0", "0"],
  ["EVAL", "return math.max(1, 5, 3) + math.min(2, 0)", "0"],
  ["EVAL", "return string.gsub('hello world', 'o', '0')", "0"],
  ["EVAL", "return {string.find('hello', 'l+')}", "0"],
  ["EVAL", "return string.match('key:123', '%d+')", "0"],
  ["EVAL", "return 2^63", "0"],
  ["EVAL", "return -2^63", "0"],
  ["EVAL", "return 2^64", "0"],
  ["EVAL", "return 1/0", "0"],
  ["EVAL", "return -1/0", "0"],
  ["EVAL", "return {double = 1/0}", "0"],
  ["EVAL", "return {double = 0/0}", "0"],
  ["EVAL", "return tonumber('1e1000')", "0"],
  ["EVAL", "return redis.call('incrbyfloat', 'fl', 0.1)", "0"],
  ["EVAL", "return redis.call('incrbyfloat', 'fl', 1/3)", "0"],
  ["EVAL", "return redis.call('set', 'big', 2^53 + 1) and redis.call('get', 'big')", "0"],
  ["EVAL", "return redis.call('set', 'neg', -0.0) and redis.call('get', 'neg')", "0"],
  ["EVAL", "return redis.call('set', 'tiny', 1e-300) and redis.call('get', 'tiny')", "0"],
  ["EVAL", "return redis.call('lpush', 'l', 1, 2.5, 'x')", "0"],
  ["EVAL", "return redis.call('lrange', 'l', 0, -1)", "0"],
  ["EVAL", "return {double = 0/0}", "0"],
  ["EVAL", "return {double = -(0/0)}", "0"],
  ["EVAL", "redis.call('set', 'n', 0/0) return redis.call('get', 'n')", "0"],
  ["EVAL", "redis.call('set', 'n', -(0/0)) return redis.call('get', 'n')", "0"],
  // every run gets KEYS and ARGV as they were sent, whatever the run before did to its tables (tredis refills a table left intact)
  ["EVAL", "return {#KEYS, #ARGV, KEYS[1], ARGV[1], ARGV[2]}", "1", "k1", "a1", "a2"],
  ["EVAL", "KEYS[1] = 'changed' ARGV[3] = 'added' return {#KEYS, #ARGV}", "1", "k1", "a1", "a2"],
  ["EVAL", "return {#KEYS, #ARGV, KEYS[1], ARGV[1], ARGV[2], tostring(ARGV[3])}", "1", "k1", "a1", "a2"],
  ["EVAL", "KEYS[1] = nil ARGV.x = 1 return #KEYS", "1", "k1", "a1"],
  ["EVAL", "return {#KEYS, KEYS[1], tostring(ARGV.x), #ARGV}", "1", "k1", "a1"],
  ["EVAL", "setmetatable(ARGV, {__index = function() return 'meta' end}) table.remove(KEYS) return ARGV[9]", "2", "k1", "k2", "a1"],
  ["EVAL", "return {#KEYS, KEYS[2], tostring(ARGV[9]), tostring(getmetatable(ARGV))}", "2", "k1", "k2", "a1"],
  ["EVAL", "KEYS[1.5] = 'x' ARGV[0] = 'zero' return 1", "1", "k1", "a1"],
  ["EVAL", "local n = 0 for k in pairs(KEYS) do n = n + 1 end for k in pairs(ARGV) do n = n + 1 end return {n, tostring(ARGV[0])}", "1", "k1", "a1"],
  ["EVAL", "return {#KEYS, #ARGV}", "0"],
  ["EVAL", "return {#KEYS, #ARGV, KEYS[3], ARGV[3]}", "3", "x", "y", "z", "p", "q", "r"],
  ["EVAL", "return {pcall(function() KEYS = {} end)}", "0"],
  // EVALSHA queued after a SCRIPT FLUSH in the same transaction: NOSCRIPT at EXEC (the script the gate saw is gone)
  ["SCRIPT", "LOAD", "return 'queued'"],
  ["MULTI"],
  ["EVALSHA", "a90427422e523331636f3edbfc04f3307746ff04", "0"],
  ["SCRIPT", "FLUSH"],
  ["EVALSHA", "a90427422e523331636f3edbfc04f3307746ff04", "0"],
  ["EXEC"],
];

const GLOBALS = ["assert", "collectgarbage", "dofile", "error", "gcinfo", "getfenv", "getmetatable", "ipairs", "load", "loadfile", "loadstring", "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawset", "select", "setfenv", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "newproxy", "coroutine", "string", "table", "math", "debug", "cjson", "struct", "cmsgpack", "bit", "redis", "_G", "_VERSION", "module", "require", "package", "os", "io"];

/** FUNCTION and FCALL, in this order (one library at a time in LIST and DUMP: Redis orders several by its hash table). */
const FUNCTION_CASES: string[][] = [
  ["FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return {keys[1], args[1]} end)"],
  ["FCALL", "myfunc", "1", "k", "v"],
  ["FCALL", "MYFUNC", "1", "k", "v"],
  ["FCALL", "nofunc", "0"],
  ["FCALL", "myfunc", "x"],
  ["FCALL", "myfunc", "5"],
  ["FCALL", "myfunc", "-1"],
  ["FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return {keys[1], args[1]} end)"],
  ["FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return {keys[1], args[1]} end)"],
  ["FUNCTION", "LOAD", "BOGUS", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return {keys[1], args[1]} end)"],
  ["FUNCTION", "LOAD"],
  ["FUNCTION", "LOAD", "REPLACE"],
  ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function(keys, args) return redis.call('incr', keys[1]) end, flags={'no-writes'}, description='incr it'}"],
  ["FCALL", "f2", "1", "cnt"],
  ["FCALL_RO", "f2", "1", "cnt"],
  ["FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-stale'}}"],
  ["SET", "s", "1"],
  ["FCALL_RO", "ro", "1", "s"],
  ["FCALL", "ro", "1", "s"],
  ["FCALL_RO", "myfunc", "1", "a", "b"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "lib2"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "lib2", "WITHCODE"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "mylib", "WITHCODE"],
  ["FUNCTION", "LIST", "BAD"],
  ["FUNCTION", "LIST", "LIBRARYNAME"],
  ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"],
  ["FUNCTION", "STATS"],
  ["FUNCTION", "LOAD", "return 1"],
  ["FUNCTION", "LOAD", "#!lua\nreturn 1"],
  ["FUNCTION", "LOAD", "#!lua name=x"],
  ["FUNCTION", "LOAD", "#!lua name=x foo=bar\n"],
  ["FUNCTION", "LOAD", "#!lua name=a name=b\n"],
  ["FUNCTION", "LOAD", "#!js name=x\nreturn 1"],
  ["FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"],
  ["FUNCTION", "LOAD", "#!lua name=empty\nreturn 1"],
  ["FUNCTION", "LOAD", "#!lua name=syn\nreturn ("],
  ["FUNCTION", "LOAD", "#!lua name=err\nerror('boom')"],
  ["FUNCTION", "LOAD", "#!lua name=err2\nredis.call('set','a','b')"],
  ["FUNCTION", "LOAD", "#!lua name=glob\nlocal x = string.format('%d', 1)"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function('a')"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function(1, 2, 3)"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function('bad-name', function() end)"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function('f', function() end) redis.register_function('f', function() end)"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function{function_name='f'}"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function{callback=function() end}"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function{function_name='f', callback=function() end, flags={'bogus'}}"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function{function_name='f', callback=function() end, other=1}"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function{function_name='f', callback=5}"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function{function_name={}, callback=function() end}"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function{'x'}"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function(5)"],
  ["FUNCTION", "LOAD", "#!lua name=reg\nredis.register_function('f', 5)"],
  ["FUNCTION", "LOAD", "#!lua name=dup\nredis.register_function('myfunc', function() return 1 end)"],
  ["FUNCTION", "LOAD", "#!lua name=loop\nwhile true do end"],
  ["FUNCTION", "LOAD", "#!lua name=lg\nredis.log(redis.LOG_WARNING, 'loading') redis.register_function('lgf', function() return redis.REDIS_VERSION end)"],
  ["FCALL", "lgf", "0"],
  ["FUNCTION", "LOAD", "#!lua name=errs\nredis.register_function('fe', function(keys, args) return redis.call('incr', 's2') end) redis.register_function('fe2', function() error('x') end) redis.register_function('fe3', function() return undefined_var end) redis.register_function('fe4', function() x = 1 end)"],
  ["SET", "s2", "str"],
  ["FCALL", "fe", "0"],
  ["FCALL", "fe2", "0"],
  ["FCALL", "fe3", "0"],
  ["FCALL", "fe4", "0"],
  ["FUNCTION", "DELETE", "nolib"],
  ["FUNCTION", "DELETE", "lib3"],
  ["FCALL", "ro", "1", "s"],
  ["FUNCTION", "FLUSH", "bad"],
  ["FUNCTION", "FLUSH", "a", "b"],
  ["FUNCTION", "RESTORE", "bad"],
  ["FUNCTION", "RESTORE", "bad", "bad"],
  ["FUNCTION", "HELP"],
  ["FUNCTION", "KILL"],
  ["FUNCTION", "FLUSH"],
  ["FUNCTION", "LIST"],
  ["FUNCTION", "STATS"],
  ["FUNCTION", "DUMP"],
  ["FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return {keys[1], args[1]} end)"],
  ["FUNCTION", "DUMP"],
];

/** Run in RESP3 (the scripts' own RESP version comes from redis.setresp). */
const RESP3_CASES: string[][] = [
  ["EVAL", "return true", "0"],
  ["EVAL", "return false", "0"],
  ["EVAL", "return {double=3.5}", "0"],
  ["EVAL", "return {map={a=1}}", "0"],
  ["EVAL", "return {set={a=true}}", "0"],
  ["EVAL", "return {big_number='123456789012345678901234567890'}", "0"],
  ["EVAL", "return {verbatim_string={format='txt', string='hello'}}", "0"],
  ["EVAL", "redis.setresp(3) return redis.call('hgetall','nokey')", "0"],
  ["EVAL", "redis.call('hset','h','f','v') redis.setresp(3) local r = redis.call('hgetall','h') return r", "0"],
  ["EVAL", "redis.setresp(3) return redis.call('zscore','z','m')", "0"],
  ["EVAL", "redis.call('zadd','z',2.5,'m') redis.setresp(3) local r = redis.call('zscore','z','m') return r", "0"],
  ["EVAL", "redis.setresp(3) local r = redis.call('get','nokey') return r == nil", "0"],
  ["EVAL", "redis.setresp(3) return redis.call('exists','h') ", "0"],
  ["EVAL", "redis.setresp(3) return redis.call('smembers','nokey')", "0"],
  ["EVAL", "redis.setresp(3) return redis.call('hgetall','h')['map']['f']", "0"],
  ["EVAL", "return nil", "0"],
  ["EVAL", "return {1,nil,3}", "0"],
  ["EVAL", "return redis.call('get','nokey')", "0"],
  ["EVAL", "return {map={a=1}}", "0"],
  ["EVAL", "return {set={a=true}}", "0"],
  ["EVAL", "return {double=3.5}", "0"],
  ["EVAL", "return {big_number='12345'}", "0"],
  ["EVAL", "return {verbatim_string={format='txt', string='hello'}}", "0"],
  ["EVAL", "redis.setresp(3) return true", "0"],
  ["EVAL", "redis.setresp(3) return false", "0"],
  ["EVAL", "return redis.call('incr','h')", "0"],
  ["EVAL", "return redis.pcall('incr','h')", "0"],
  ["EVAL", "return redis.call('nosuch')", "0"],
  ["EVAL", "return redis.call('get')", "0"],
  ["EVAL", "error('x')", "0"],
  ["EVAL", "return {err='MYERR a'}", "0"],
  ["EVAL", "return redis.call('set','a','1')", "0"],
  ["EVAL_RO", "return redis.call('set','a','1')", "0"],
  ["EVALSHA", "0000000000000000000000000000000000000000", "0"],
  ["EVAL", "return {double = 0/0}", "0"],
  ["EVAL", "return {double = -(0/0)}", "0"],
  ["EVAL", "return {double = 1/0}", "0"],
];

/**
 * table.sort, table.foreach(i), xpcall, coroutine.resume/wrap (written in Lua in tredis so that busy scripts yield in
 * them): results, the comparisons an inconsistent comparator sees, "invalid order function for sorting", argument
 * errors and their positions, errors in comparators and handlers.
 */
const E = (s: string, ...a: Array<string | number>): string[] => ['EVAL', s, String(a.length ? a[0] : 0), ...a.slice(1).map(String)];
const LIBRARY_CASES: string[][] = [
  E("local t = {5,3,8,1,9,2} table.sort(t) return t"),
  E("local t = {'b','a','d','c'} table.sort(t, function(a,b) return a > b end) return t"),
  E("local t = {} for i = 1, 200 do t[i] = (i * 7919) % 211 end table.sort(t) return t"),
  E("local t = {} for i = 1, 100 do t[i] = (i * 31) % 17 end table.sort(t, function(a, b) return a <= b end) return t"),
  E("local t = {} for i = 1, 100 do t[i] = i end local ok, e = pcall(table.sort, t, function(a, b) return true end) return {tostring(ok), e, t}"),
  E("local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) return true end) return t"),
  E("local t = {3,1,2} table.sort(t, function(a, b) return true end) return t"),
  E("local t = {} for i = 1, 50 do t[i] = 51 - i end table.sort(t, function(a, b) return false end) return t"),
  E("local n = 0 local t = {} for i = 1, 64 do t[i] = (i * 13) % 64 end table.sort(t, function(a, b) n = n + 1 return (n % 3 == 0) end) return t"),
  E("local n = 0 local t = {} for i = 1, 64 do t[i] = (i * 13) % 64 end local ok, e = pcall(table.sort, t, function(a, b) n = n + 1 return (n % 5 ~= 0) end) return {tostring(ok), tostring(e), n, t}"),
  E("local c = 0 local t = {} for i = 1, 300 do t[i] = (i * 37) % 101 end table.sort(t, function(a, b) c = c + 1 return a < b end) return {c, t}"),
  E("table.sort(nil)"),
  E("table.sort()"),
  E("table.sort({}, 3)"),
  E("table.sort({1,2}, {})"),
  E("local s = table.sort s(5)"),
  E("return {pcall(table.sort, 5)}"),
  E("return {pcall(table.sort)}"),
  E("table.sort({1,'x',3})"),
  E("table.sort({{},{}})"),
  E("return {pcall(table.sort, {1, {}, 3})}"),
  E("local t = {3,1,2} table.sort(t, function(a, b) error('in comp') end)"),
  E("local t = {3,1,2} table.sort(t, function(a, b) error({err='MYERR x'}) end)"),
  E("local t = {3,1,2} table.sort(t, function(a, b) return a.x < b end)"),
  E("table.sort(KEYS) return KEYS", 3, 'c', 'a', 'b'),
  E("table.sort(string)"),
  E("local t = setmetatable({}, {__index = function(t, k) return k end}) t[1] = 3 t[2] = 1 table.sort(t) return {t[1], t[2], t[3]}"),
  E("local mt = {__lt = function(a, b) return a.v < b.v end} local t = {} for i = 1, 20 do t[i] = setmetatable({v = (i * 7) % 20}, mt) end table.sort(t) local r = {} for i = 1, 20 do r[i] = t[i].v end return r"),
  E("local t = {5, 1, 4, nil, 2} table.sort(t) return t"),
  E("local t = {1, 2, 3} table.sort(t, nil) return t"),
  E("local t = {2, 1}\ntable.sort(t, function(a, b)\n  return a < b\nend)\nreturn t"),
  E("local t = {}\nfor i = 1, 10 do t[i] = i end\n\ntable.sort(t, function(a, b) return true end)\nreturn t"),
  E("local t = {}\nfor i = 1, 10 do t[i] = i end\nlocal x = {pcall(function()\n table.sort(t, function(a, b) return true end)\nend)}\nreturn x"),
  // foreach / foreachi
  E("local r = {} table.foreachi({'a','b','c'}, function(i, v) r[#r+1] = i .. v end) return r"),
  E("return table.foreachi({'a','b','c'}, function(i, v) if v == 'b' then return i end end)"),
  E("local n = 0 table.foreach({a=1, b=2, c=3}, function(k, v) n = n + v end) return n"),
  E("return table.foreach({x=1}, function(k, v) return k .. v end)"),
  E("table.foreach(nil, print)"),
  E("table.foreach({}, nil)"),
  E("table.foreach({})"),
  E("table.foreachi(5)"),
  E("table.foreachi({}, 7)"),
  E("local t = {a=1} table.foreach(t, function(k, v) t.b = 2 t.c = 3 t.a = nil end) return 1"),
  // xpcall
  E("return {xpcall(function() error('e') end, function(m) return 'h:'..m end)}"),
  E("return {xpcall(function() return 1, 2, 3 end, function(m) return 'h' end)}"),
  E("return {xpcall(function() error({err='X'}) end, function(m) return type(m) end)}"),
  E("return {xpcall(function() error('e') end, function(m) end)}"),
  E("return {xpcall(function() error('e') end)}"),
  E("return {xpcall()}"),
  E("return {xpcall(function() error('e') end, nil)}"),
  E("return {xpcall(nil, function(m) return 'H:' .. m end)}"),
  E("return {xpcall(error, function(m) return 'H:' .. tostring(m) end)}"),
  E("local n = 0 local r = {xpcall(function() error('x') end, function(m) n = n + 1 error('again') end)} return {n, r[2]}"),
  E("local n = 0 local r = {xpcall(function() error('x') end, function(m) n = n + 1 if n < 3 then error('again' .. n) end return m end)} return {n, r[2]}"),
  E("return {xpcall(function() return redis.call('nosuch') end, function(m) return m end)}"),
  E("return {xpcall(function() local x = nil; return x.y end, function(m) return 'H:' .. m end)}"),
  E("return {xpcall(function() coroutine.yield(1) end, function(m) return 'H:' .. m end)}"),
  E("return {xpcall(function(...) return select('#', ...) end, print, 1, 2)}"),
  // coroutines
  E("local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local r1 = {coroutine.resume(co, 1)} local r2 = {coroutine.resume(co, 10)} local r3 = {coroutine.resume(co)} return {r1[2], r2[2], tostring(r3[1]), r3[2]}"),
  E("local f = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end) return {f(), f()}"),
  E("local f = coroutine.wrap(function() error('in wrap') end) f()"),
  E("local f = coroutine.wrap(function() error({err='WRAPERR x'}) end) f()"),
  E("local f = coroutine.wrap(function() return 1 end) f() f()"),
  E("local f = coroutine.wrap(function() return 1 end) f() return {pcall(f)}"),
  E("coroutine.wrap(5)"),
  E("coroutine.wrap(print)"),
  E("coroutine.resume(5)"),
  E("return {coroutine.resume(coroutine.create(function() error('x') end))}"),
  E("local co co = coroutine.create(function() return coroutine.resume(co) end) return {coroutine.resume(co)}"),
  E("return {pcall(coroutine.resume)}"),
];

async function withPair(fn: (redisPort: number, tredisPort: number) => Promise<void>): Promise<void> {
  const t = await startTredis({});
  const r = await startRedis([]);
  try {
    await fn(r.port, t.port);
  } finally {
    await t.close();
    await r.stop();
  }
}

test('scripts: replies byte for byte as redis-server (RESP2)', { skip }, async () => {
  await withPair(async (rp, tp) => {
    await sameBytesOn(rp, tp, CASES);
    const listing = 'local t = {} for k,v in pairs(%s) do t[#t+1]=k end table.sort(t) return t';
    await sameBytesOn(rp, tp, [
      ...GLOBALS.map((g) => ['EVAL', `return type(${g})`, '0']),
      ...['_G', 'string', 'table', 'math', 'redis', 'cjson', 'cmsgpack', 'bit', 'struct', 'coroutine'].map((g) => ['EVAL', listing.replace('%s', g), '0']),
      ['EVAL', 'return {cjson._NAME, cjson._VERSION, tostring(cjson.null)}', '0'],
    ]);
  });
});

test('table.sort, table.foreach(i), xpcall, coroutine.resume/wrap: replies byte for byte as redis-server', { skip }, async () => {
  await withPair(async (rp, tp) => {
    await sameBytesOn(rp, tp, LIBRARY_CASES);
  });
});

test('scripts: replies byte for byte as redis-server (RESP3 client, redis.setresp)', { skip }, async () => {
  await withPair(async (rp, tp) => {
    await sameBytesOn(rp, tp, RESP3_CASES, 3);
    await sameBytesOn(rp, tp, RESP3_CASES, 2);
  });
});

test('functions: replies byte for byte as redis-server', { skip }, async () => {
  await withPair(async (rp, tp) => {
    await sameBytesOn(rp, tp, FUNCTION_CASES);
  });
});

test('scripts: errorstats and commandstats count as redis-server', { skip }, async () => {
  await withPair(async (rp, tp) => {
    const cmds = [
      ['SET', 'str', 'x'],
      ['EVAL', "return redis.call('incr','str')", '0'],
      ['EVAL', "return redis.pcall('incr','str')", '0'],
      ['EVAL', "return redis.call('nosuch')", '0'],
      ['EVAL', "return redis.call('get')", '0'],
      ['EVAL', "error('x')", '0'],
      ['EVAL', "return {err='MYERR a'}", '0'],
      ['EVAL', "return {1, {err='NESTED b'}}", '0'],
      ['EVAL', "return redis.call('set','a','1')", '0'],
      ['EVAL_RO', "return redis.call('set','a','1')", '0'],
      ['EVALSHA', '0000000000000000000000000000000000000000', '0'],
      ['EVAL', 'return redis.call()', '0'],
      ['EVAL', "return redis.call('eval','return 1','0')", '0'],
    ];
    const stats = async (port: number): Promise<[string, string[]]> => {
      const c = await TestClient.connect(port);
      await c.call('CONFIG', 'RESETSTAT');
      for (const argv of cmds) await c.callRaw(...argv);
      const errs = (await c.call('INFO', 'errorstats')) as string;
      const cs = parseInfo((await c.call('INFO', 'commandstats')) as string);
      c.close();
      const calls = [...cs.entries()].filter(([k]) => !/^cmdstat_(info|config)/.test(k)).map(([k, v]) => `${k}:${v.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')}`).sort();
      return [errs, calls];
    };
    assert.deepEqual(await stats(tp), await stats(rp));
  });
});

/** What each server answers around busy scripts (timing-sensitive steps wait well past the threshold). */
async function busyScenario(port: number): Promise<string[]> {
  const a = await TestClient.connect(port);
  const b = await TestClient.connect(port);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const out: string[] = [];
  try {
    await a.call('CONFIG', 'SET', 'busy-reply-threshold', '100');
    const p1 = a.callRaw('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
    await pause(400);
    // SHUTDOWN without NOSAVE is refused while busy
    out.push(await b.callRaw('PING'), await b.callRaw('GET', 'x'), await b.callRaw('SHUTDOWN'), await b.callRaw('SHUTDOWN', 'SAVE'), await b.callRaw('SCRIPT', 'KILL'), await p1, await a.callRaw('PING'));
    // a script that wrote cannot be killed; MULTI is allowed while busy, commands in it are refused
    const p2 = a.callRaw('EVAL', "redis.call('set','x','1') local i = 0 while i < 1.5e8 do i = i + 1 end return i", '0');
    await pause(400);
    out.push(await b.callRaw('SCRIPT', 'KILL'), await b.callRaw('MULTI'), await b.callRaw('SET', 'y', '1'), await p2, await b.callRaw('DISCARD'), await b.callRaw('SCRIPT', 'KILL'));
    // the caller's pipelined command waits for its script
    const p3 = a.callRaw('EVAL', "local i = 0 while i < 1e8 do i = i + 1 end return i", '0');
    const p4 = a.callRaw('GET', 'x');
    await pause(300);
    out.push(await b.callRaw('GET', 'x'), await p3, await p4);
    // pcall cannot swallow SCRIPT KILL
    const p5 = a.callRaw('EVAL', 'while true do pcall(function() local x = 1 end) end', '0');
    await pause(400);
    out.push(await b.callRaw('SCRIPT', 'KILL'), await p5, await b.callRaw('INFO', 'errorstats'));
    // a loop inside pcall (nested too) still gives turns: others get -BUSY, SCRIPT KILL stops it, raised again
    // from the caller's next line (a return on the same line still returns, as Redis's line hook decides)
    for (const script of [
      'pcall(function() while true do end end) return 1',
      'pcall(function() while true do end end)\nreturn 1',
      'local ok = pcall(function() pcall(function() while true do end end) end) while true do end',
      'local ok, e = pcall(function() local t = {} while true do t[1] = 1 end end) if not ok then return e end',
      // loops in a sort comparator, a foreachi callback, xpcall's function, a coroutine of the script's own
      'local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) while true do end end)',
      'local t = {3, 2, 1} table.sort(t, function(a, b) local i = 0 while true do i = i + 1 end end) return t',
      'return {pcall(table.sort, {3, 2, 1}, function(a, b) while true do end end)}',
      'table.foreachi({1}, function() while true do end end)',
      'return xpcall(function() while true do end end, function(m) return m end)',
      'local r = {xpcall(function() while true do end end, function(m) return m end)}\nreturn 1',
      'local f = coroutine.wrap(function() while true do end end) f()',
      'local ok, e = coroutine.resume(coroutine.create(function() while true do end end)) return e',
    ]) {
      const p = a.callRaw('EVAL', script, '0');
      await pause(400);
      out.push(await b.callRaw('PING'), await b.callRaw('SCRIPT', 'KILL'), await p);
    }
    // a busy script's own coroutines see only their own yields (the turns tredis gives are passed up, unseen)
    const pc = a.callRaw(
      'EVAL',
      "local co = coroutine.create(function(n) local x = 0 for i = 1, n do x = x + 1 end local y = coroutine.yield(x) for i = 1, n do x = x + 1 end return x + y end) local f = coroutine.wrap(function() local x = 0 for i = 1, 3e7 do x = x + 1 end coroutine.yield(x) return 'end' end) local r1 = {coroutine.resume(co, 3e7)} local r2 = {coroutine.resume(co, 5)} return {r1[2], r2[2], tostring(r1[1]), coroutine.status(co), f(), f()}",
      '0',
    );
    out.push(await pc);
  } finally {
    a.close();
    b.close();
  }
  return out;
}

test('busy scripts: -BUSY, SCRIPT KILL, UNKILLABLE, NOTBUSY as redis-server', { skip }, async () => {
  await withPair(async (rp, tp) => {
    const want = await busyScenario(rp);
    const got = await busyScenario(tp);
    assert.deepEqual(got, want);
  });
});

test('script effects replicate to a redis-server replica (MULTI/EXEC, set_repl, SPOP rewrite, expire): digests equal', { skip }, async () => {
  const m = await startTredis({ enableDebugCommand: 'yes' });
  const M = await tredisNode(m);
  const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port)]);
  const R = await childNode(r.port);
  try {
    await waitInSync(M, R);
    const scripts: string[][] = [
      ['EVAL', "redis.call('set', KEYS[1], ARGV[1]) redis.call('incr', KEYS[2]) return redis.call('get', KEYS[1])", '2', 'a', 'n', 'v1'],
      ['EVAL', "for i = 1, 20 do redis.call('rpush', 'list', i, i * 1.5) end return redis.call('llen', 'list')", '0'],
      ['EVAL', "redis.call('sadd', 's', 'a', 'b', 'c', 'd') return redis.call('spop', 's')", '0'],
      ['EVAL', "redis.call('set', 'tmp', 'x', 'EX', 100) redis.call('expire', 'a', 1000) return 1", '0'],
      ['EVAL', "redis.set_repl(redis.REPL_NONE) redis.call('set', 'local-only', '1') redis.set_repl(redis.REPL_ALL) redis.call('set', 'everywhere', '1') return 1", '0'],
      ['EVAL', "redis.call('hset', 'h', 'f', math.random(1000)) return redis.call('hget', 'h', 'f')", '0'],
      ['EVAL', "redis.call('select', 3) redis.call('set', 'in3', 'yes') return 1", '0'],
      ['EVAL', "redis.call('set', 'before-error', '1') return redis.call('incr', 'list')", '0'],
      ['EVAL', "redis.call('zadd', 'z', 1, 'a', 2, 'b') return redis.call('zincrby', 'z', 2.5, 'a')", '0'],
    ];
    for (const argv of scripts) await M.c.callRaw(...argv);
    // drop what only the master has (REPL_NONE) so the datasets must be equal
    await M.c.call('DEL', 'local-only');
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M));
    assert.equal(await R.c.call('GET', 'everywhere'), '1');
    assert.equal(await R.c.call('GET', 'local-only'), null);
    await waitFor(async () => (await R.c.call('SELECT', '3')) === 'OK' && (await R.c.call('GET', 'in3')) === 'yes', 5000, 'db 3 write');
  } finally {
    M.c.close();
    R.c.close();
    await r.stop();
    await m.close();
  }
});

/** Busy functions: FUNCTION KILL, FUNCTION STATS while a function runs, SCRIPT KILL refused for a function. */
async function busyFunctionScenario(port: number): Promise<string[]> {
  const a = await TestClient.connect(port);
  const b = await TestClient.connect(port);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const out: string[] = [];
  try {
    await a.call('CONFIG', 'SET', 'busy-reply-threshold', '100');
    await a.call('FUNCTION', 'LOAD', "#!lua name=busy\nredis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}");
    const p1 = a.callRaw('FCALL', 'spin', '0');
    await pause(400);
    out.push(await b.callRaw('PING'), await b.callRaw('SCRIPT', 'KILL'));
    const stats = (await b.call('FUNCTION', 'STATS')) as unknown[];
    const running = stats[1] as unknown[];
    out.push(JSON.stringify([stats[0], running[0], running[1], running[2], running[3], stats[2], stats[3]]));
    out.push(await b.callRaw('FUNCTION', 'KILL'), await p1, await b.callRaw('FUNCTION', 'KILL'));
    const p2 = a.callRaw('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
    await pause(400);
    out.push(await b.callRaw('FUNCTION', 'STATS'), await b.callRaw('FUNCTION', 'KILL'), await b.callRaw('SCRIPT', 'KILL'), await p2);
  } finally {
    a.close();
    b.close();
  }
  return out;
}

test('busy functions: FUNCTION KILL, FUNCTION STATS, the BUSY texts as redis-server', { skip }, async () => {
  await withPair(async (rp, tp) => {
    const want = await busyFunctionScenario(rp);
    const got = await busyFunctionScenario(tp);
    assert.deepEqual(got, want);
  });
});

const LIB = "#!lua name=mylib\nredis.register_function('setget', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)";
const LIB2 = "#!lua name=lib2\nredis.register_function{function_name='two', callback=function() return 2 end, flags={'no-writes'}}";

test('function libraries cross by replication: a redis-server replica of tredis and a tredis replica of redis-server', { skip }, async () => {
  const m = await startTredis({ enableDebugCommand: 'yes' });
  const M = await tredisNode(m);
  const rm = await startRedis([]);
  const RM = await childNode(rm.port);
  let r: Awaited<ReturnType<typeof startRedis>> | null = null;
  let t: Awaited<ReturnType<typeof startTredis>> | null = null;
  const nodes = [M, RM];
  try {
    // tredis master: the library reaches the replica by the full sync RDB, the next ones by FUNCTION LOAD
    await M.c.call('FUNCTION', 'LOAD', LIB);
    r = await startRedis(['--replicaof', '127.0.0.1', String(m.port)]);
    const R = await childNode(r.port);
    nodes.push(R);
    await waitInSync(M, R);
    await M.c.call('FUNCTION', 'LOAD', LIB2);
    assert.equal(await M.c.call('FCALL', 'setget', '1', 'k', 'v'), 'v');
    await waitInSync(M, R);
    assert.equal(await R.c.call('FCALL_RO', 'two', '0'), 2);
    assert.equal(await R.c.call('GET', 'k'), 'v');
    assert.equal(await digest(R), await digest(M));
    await M.c.call('FUNCTION', 'DELETE', 'lib2');
    await waitInSync(M, R);
    assert.deepEqual(await R.c.call('FUNCTION', 'LIST'), await M.c.call('FUNCTION', 'LIST'));
    assert.equal(await R.c.callRaw('FUNCTION', 'DUMP'), await M.c.callRaw('FUNCTION', 'DUMP'));
    // redis-server master: a tredis replica gets its libraries and its FUNCTION LOAD
    await RM.c.call('FUNCTION', 'LOAD', LIB);
    t = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${rm.port}` });
    const T = await tredisNode(t);
    nodes.push(T);
    await waitInSync(RM, T);
    await RM.c.call('FUNCTION', 'LOAD', LIB2);
    await RM.c.call('FCALL', 'setget', '1', 'x', 'y');
    await waitInSync(RM, T);
    assert.equal(await T.c.call('FCALL_RO', 'two', '0'), 2);
    assert.equal(await T.c.call('GET', 'x'), 'y');
    assert.equal(await digest(T), await digest(RM));
    await RM.c.call('FUNCTION', 'FLUSH');
    await waitInSync(RM, T);
    assert.deepEqual(await T.c.call('FUNCTION', 'LIST'), []);
  } finally {
    for (const n of nodes) n.c.close();
    await r?.stop();
    await t?.close();
    await rm.stop();
    await m.close();
  }
});

test('function libraries in RDB files both ways (RDB_OPCODE_FUNCTION2), DEBUG RELOAD keeps them, DUMP/RESTORE round trip', { skip }, async () => {
  const dir = tempDir();
  const redis = await startRedis(['--dir', dir]);
  const rc = await TestClient.connect(redis.port);
  await rc.call('FUNCTION', 'LOAD', LIB2);
  await rc.call('SET', 'a', 'b');
  await rc.call('SAVE');
  const dump = (await rc.call('FUNCTION', 'DUMP')) as string;
  rc.close();
  await redis.stop();
  const t = await startTredis({ dir, enableDebugCommand: 'yes' });
  const tc = await TestClient.connect(t.port);
  try {
    assert.equal(await tc.call('FCALL', 'two', '0'), 2);
    assert.equal(await tc.call('GET', 'a'), 'b');
    await tc.call('FUNCTION', 'LOAD', LIB);
    assert.equal(await tc.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(((await tc.call('FUNCTION', 'LIST')) as unknown[]).length, 2);
    assert.equal(await tc.call('SAVE'), 'OK');
    assert.equal(await tc.call('FUNCTION', 'FLUSH'), 'OK');
    assert.equal(await tc.call('FUNCTION', 'RESTORE', Buffer.from(dump, 'latin1').toString('latin1')), 'OK');
    assert.equal(await tc.call('FCALL', 'two', '0'), 2);
    const again = await tc.call('FUNCTION', 'RESTORE', dump);
    assert.equal(String((again as { message?: string }).message), 'ERR Library lib2 already exists');
    assert.equal(await tc.call('FUNCTION', 'RESTORE', dump, 'REPLACE'), 'OK');
  } finally {
    tc.close();
    await t.close();
  }
  // and redis-server loads tredis's file (the SAVE above, with both libraries)
  const back = await startRedis(['--dir', dir]);
  const bc = await TestClient.connect(back.port);
  try {
    assert.equal(await bc.call('FCALL', 'two', '0'), 2);
    assert.equal(await bc.call('FCALL', 'setget', '1', 'q', 'w'), 'w');
  } finally {
    bc.close();
    await back.stop();
  }
});

/**
 * Under CLIENT PAUSE WRITE: which script commands wait. A reply that comes
 * while the pause is on is "now"; one that has not come after `holdMs` is
 * held: the pause is lifted (CLIENT UNPAUSE) and its reply is "after". The
 * scripts that must run get 5 s (a loaded machine answers late, never wrongly);
 * the one that must wait gets 300 ms to show it is not held.
 */
async function pauseScenario(port: number): Promise<string[]> {
  const a = await TestClient.connect(port);
  const b = await TestClient.connect(port);
  const out: string[] = [];
  try {
    await a.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    const when = async (p: Promise<unknown>, holdMs: number): Promise<string> => {
      const early = await Promise.race([p.then((r) => ({ r })), new Promise<null>((res) => setTimeout(() => res(null), holdMs))]);
      if (early !== null) return `${JSON.stringify(early.r)} now`;
      await a.call('CLIENT', 'UNPAUSE');
      return `${JSON.stringify(await p)} after`;
    };
    out.push(await when(b.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'k')", '0'), 5000));
    out.push(await when(b.call('EVAL_RO', "return redis.call('get', 'k')", '0'), 5000));
    out.push(await when(b.call('EVAL', "return redis.call('get', 'k')", '0'), 300));
  } finally {
    await a.call('CLIENT', 'UNPAUSE');
    a.close();
    b.close();
  }
  return out;
}

test('CLIENT PAUSE WRITE holds EVAL but not no-writes scripts, as redis-server', { skip }, async () => {
  await withPair(async (rp, tp) => {
    const r = await pauseScenario(rp);
    assert.deepEqual(r, ['null now', 'null now', 'null after'], 'redis-server holds only the script that may write');
    assert.deepEqual(await pauseScenario(tp), r);
  });
});
