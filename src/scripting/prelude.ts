/**
 * What the scripting engine installs in each Lua state besides the redis.*
 * bridge: the bridge function ids, the Lua-side pcall (over coroutines, so
 * busy scripts yield inside a pcall) and Redis's error handler.
 */
/** Bridge function ids (the upvalue of each C closure). */
export const enum B {
  Call = 1,
  PCall,
  Pcall, // the global pcall replacement
  Log,
  SetResp,
  Sha1hex,
  ErrorReply,
  StatusReply,
  SetRepl,
  AclCheckCmd,
  Breakpoint,
  Debug,
  ReplicateCommands,
  ProtectedTable,
  RegisterFunction,
  HookYielded, // the pcall wrapper: did the count hook just yield the coroutine it resumed?
  CanYield, // the pcall wrapper: may the script's own coroutine yield a turn now?
  Killed, // the pcall wrapper: when the script is being stopped (SCRIPT KILL, FUNCTION KILL, a load timeout), the every-line hook
}

/**
 * Library functions rewritten in Lua so that the count hook can yield inside
 * the Lua code they call (Lua 5.1 cannot yield across a C call: a loop in a
 * pcall'd function, a sort comparator or an xpcall handler run from C would
 * give the event loop no turn, so -BUSY and SCRIPT KILL could not be
 * answered). One chunk, "@pcall", whose frames tl_errinfo skips when it
 * reports the script's line. Arguments: the C pcall bridge (Redis's
 * luaRedisPcall), the three hook bridges and lua_lessthan as a function.
 *
 * - pcall: the function runs in a coroutine of its own, and a yield the
 *   count hook made there is passed up to the script's coroutine (drive).
 *   Errors come back as Redis's pcall gives them (an error table's err
 *   string); a C function (redis.call, ...) is called through the C pcall; a
 *   coroutine.yield of the script's own inside the pcall fails as in Lua 5.1.
 *   When the function was stopped (SCRIPT KILL), the caller's coroutine gets
 *   the every-line hook the C hook gave the inner one (raise_stop), as its
 *   last act before returning, so that the error is raised again from the
 *   caller's next line exactly as Redis does.
 * - xpcall: the same, the handler called (yieldable too) with the error
 *   value; an error in the handler goes to the handler again, as Lua 5.1's
 *   luaG_errormsg does, until "error in error handling".
 * - coroutine.resume / coroutine.wrap: a yield of the count hook inside a
 *   script's own coroutine is passed up, never seen by the script.
 * - table.sort: ltablib.c's auxsort step for step (the same comparisons in
 *   the same order, the same swaps, "invalid order function for sorting" at
 *   the same moment), table.foreach / table.foreachi as ltablib.c's.
 * Argument errors are worded and positioned as luaL_argerror's.
 */
export const PCALL_WRAPPER = `local cpcall, hookYielded, canYield, killed, clt = ...
local rawpcall, cxpcall, cresume, csort = pcall, xpcall, coroutine.resume, table.sort
local create, yield, status = coroutine.create, coroutine.yield, coroutine.status
local type, select, error, tostring, rawget, rawset, next, unpack = type, select, error, tostring, rawget, rawset, next, unpack
local getinfo, format, floor = debug.getinfo, string.format, math.floor
local MARK = {}
local YIELD_ERR = 'attempt to yield across metamethod/C-call boundary'
local function errval(e)
  if type(e) == 'table' and type(e.err) == 'string' then return e.err end
  return e
end
-- was co (suspended) yielded by the count hook (or by a wrapper passing such a yield up)?
local function hooked(co, ...)
  return status(co) == 'suspended' and ((select('#', ...) > 0 and (...) == MARK) or (select('#', ...) == 0 and hookYielded()))
end
-- resume co until it returns, errors or yields of its own; hook yields go up a level (a turn of the event loop)
local drive
drive = function(co, ok, ...)
  if ok and hooked(co, ...) then
    if canYield() then yield(MARK) end
    return drive(co, cresume(co))
  end
  return ok, ...
end
-- f(...) in a coroutine: ok and results, or false and the error; a yield of f's own is an error (as across C)
local function finish(co, ok, ...)
  if ok and status(co) == 'suspended' then return false, YIELD_ERR end
  return ok, ...
end
local function pfinish(ok, ...)
  if ok then return true, ... end
  return false, errval((...)), killed()
end
pcall = function(...)
  local f = ...
  if type(f) ~= 'function' then return cpcall(...) end
  local made, co = rawpcall(create, f)
  if not made then return cpcall(...) end
  return pfinish(finish(co, drive(co, cresume(co, select(2, ...)))))
end
-- luaL_argerror for the library function up the stack (by: 1 when it called argerror, 2 through checktype), raised at its caller's line
local function argerror(narg, msg, by)
  local ar = getinfo(1 + by, 'n')
  local name = ar and ar.name
  if ar and ar.namewhat == 'method' then
    narg = narg - 1
    if narg == 0 then error(format("calling '%s' on bad self (%s)", tostring(name), msg), 2 + by) end
  end
  error(format("bad argument #%d to '%s' (%s)", narg, name or '?', msg), 2 + by)
end
local function typename(present, v)
  if present then return type(v) end
  return 'no value'
end
local function checktype(narg, expected, present, v)
  if type(v) ~= expected then argerror(narg, expected .. ' expected, got ' .. typename(present, v), 2) end
end
local function rawrun(f, ...)
  local made, co = rawpcall(create, f)
  if not made then return rawpcall(f, ...) end
  return finish(co, drive(co, cresume(co, ...)))
end
local function handle(h, e)
  for _ = 1, 221 do
    local ok, r = rawrun(h, e)
    if ok then return false, r end
    e = r
  end
  return false, 'error in error handling'
end
local function xfinish(h, ok, ...)
  if ok then return true, ... end
  local r1, r2 = handle(h, (...))
  -- (on the line of the return: the every-line hook a stopped script gets must fire in the caller's next line, not here)
  return r1, r2, killed()
end
xpcall = function(...)
  if select('#', ...) < 2 then argerror(2, 'value expected', 1) end
  local f, h = ...
  local made, co = rawpcall(create, f)
  if not made then return cxpcall(f, h) end
  return xfinish(h, finish(co, drive(co, cresume(co))))
end
coroutine.resume = function(co, ...)
  if type(co) ~= 'thread' then argerror(1, 'coroutine expected', 1) end
  return drive(co, cresume(co, ...))
end
local function pack(...)
  return { n = select('#', ...), ... }
end
coroutine.wrap = function(f)
  local made, co = rawpcall(create, f)
  if not made then argerror(1, 'Lua function expected', 1) end
  return function(...)
    local r = pack(drive(co, cresume(co, ...)))
    if r[1] then return unpack(r, 2, r.n) end
    local e = r[2]
    if type(e) == 'string' or type(e) == 'number' then error(e, 2) end
    error(e, 0)
  end
end
local function lessthan(a, b)
  local ta = type(a)
  if ta == type(b) and (ta == 'number' or ta == 'string') then return a < b end
  return clt(a, b)
end
-- ltablib.c's auxsort; depth: how many auxsort frames are below the first (for the error's position)
local auxsort
auxsort = function(t, l, u, lt, depth)
  while l < u do
    local al, au = rawget(t, l), rawget(t, u)
    if lt(au, al) then
      rawset(t, l, au)
      rawset(t, u, al)
    end
    if u - l == 1 then break end
    local i = floor((l + u) / 2)
    local ai
    ai, al = rawget(t, i), rawget(t, l)
    if lt(ai, al) then
      rawset(t, i, al)
      rawset(t, l, ai)
    else
      au = rawget(t, u)
      if lt(au, ai) then
        rawset(t, i, au)
        rawset(t, u, ai)
      end
    end
    if u - l == 2 then break end
    local P = rawget(t, i)
    rawset(t, i, rawget(t, u - 1))
    rawset(t, u - 1, P)
    i = l
    local j = u - 1
    while true do
      i = i + 1
      ai = rawget(t, i)
      while lt(ai, P) do
        if i > u then error('invalid order function for sorting', depth + 3) end
        i = i + 1
        ai = rawget(t, i)
      end
      j = j - 1
      local aj = rawget(t, j)
      while lt(P, aj) do
        if j < l then error('invalid order function for sorting', depth + 3) end
        j = j - 1
        aj = rawget(t, j)
      end
      if j < i then break end
      rawset(t, i, aj)
      rawset(t, j, ai)
    end
    local x, y = rawget(t, u - 1), rawget(t, i)
    rawset(t, u - 1, y)
    rawset(t, i, x)
    if i - l < u - i then
      j = l; i = i - 1; l = i + 2
    else
      j = i + 1; i = u; u = j - 2
    end
    auxsort(t, j, i, lt, depth + 1)
  end
end
table.sort = function(...)
  local t, comp = ...
  checktype(1, 'table', select('#', ...) >= 1, t)
  local n = #t
  if comp ~= nil then checktype(2, 'function', true, comp) end
  if comp == nil then
    -- without a comparator only an __lt metamethod (of a table or userdata element) runs Lua code: else ltablib's
    -- own sort, which runs none (the same comparisons, errors raised from a C frame as here)
    local i = 1
    while i <= n do
      local ty = type(rawget(t, i))
      if ty == 'table' or ty == 'userdata' then break end
      i = i + 1
    end
    if i > n then
      csort(t)
      return
    end
  end
  auxsort(t, 1, n, comp or lessthan, 0)
end
table.foreachi = function(...)
  local t, f = ...
  checktype(1, 'table', select('#', ...) >= 1, t)
  local n = #t
  checktype(2, 'function', select('#', ...) >= 2, f)
  for i = 1, n do
    local r = f(i, rawget(t, i))
    if r ~= nil then return r end
  end
end
table.foreach = function(...)
  local t, f = ...
  checktype(1, 'table', select('#', ...) >= 1, t)
  checktype(2, 'function', select('#', ...) >= 2, f)
  local k, v = next(t)
  while k ~= nil do
    local r = f(k, v)
    if r ~= nil then return r end
    k, v = next(t, k)
  end
end`;

export const ERR_HANDLER = `local dbg = debug
debug = nil
function __redis__err__handler(err)
  local i = dbg.getinfo(2,'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3,'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}  end  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end  return err
end
`;

