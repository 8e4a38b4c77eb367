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
 * The global pcall, in Lua: the function runs in a coroutine of its own, so
 * the count hook can yield it even inside a pcall (Lua 5.1 cannot yield
 * across the C pcall), and a yield the hook made there is passed up to the
 * script's coroutine: a script looping inside pcall still gives the event
 * loop turns (-BUSY for others, SCRIPT KILL). Errors come back as Redis's
 * pcall gives them (an error table's err string); a C function (redis.call,
 * ...) is called through the C pcall; a coroutine.yield of the script's own
 * inside the pcall fails as in Lua 5.1. When the function was stopped
 * (SCRIPT KILL), the caller's coroutine gets the every-line hook the C hook
 * gave the inner one (raise_stop), as its last act before returning, so that
 * the error is raised again from the caller's next line exactly as Redis
 * does. Arguments: the C pcall and the three bridges.
 */
export const PCALL_WRAPPER = `local cpcall, hookYielded, canYield, killed = ...
local create, resume, yield, status, type, select = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status, type, select
local MARK = {}
local function errval(e)
  if type(e) == 'table' and type(e.err) == 'string' then return e.err end
  return e
end
local step
step = function(co, ok, ...)
  if status(co) ~= 'suspended' then
    if ok then return true, ... end
    return false, errval((...)), killed()
  end
  if (select('#', ...) > 0 and (...) == MARK) or (select('#', ...) == 0 and hookYielded()) then
    if canYield() then yield(MARK) end
    return step(co, resume(co))
  end
  return false, 'attempt to yield across metamethod/C-call boundary'
end
local function run(f, ...)
  local made, co = cpcall(create, f)
  if not made then return cpcall(f, ...) end
  return step(co, resume(co, ...))
end
pcall = function(...)
  if type((...)) ~= 'function' then return cpcall(...) end
  return run(...)
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

