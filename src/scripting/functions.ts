/**
 * Redis 7.0 functions (functions.c): libraries loaded with FUNCTION LOAD,
 * their functions called with FCALL, kept in RDB files (RDB_OPCODE_FUNCTION2)
 * and FUNCTION DUMP payloads. The Lua side (the functions' own Lua state,
 * redis.register_function, running a library's code) is in engine.ts.
 */
import { RedisError, cstr } from '../protocol/errors';
import { splitArgs } from '../util/split-args';
import { RDB_VERSION } from '../persistence/rdb/constants';
import { Crc64 } from '../persistence/rdb/crc64';
import { RdbReader } from '../persistence/rdb/reader';
import { RdbWriter } from '../persistence/rdb/writer';
import { verifyDumpPayload } from '../persistence/rdb/dump';
import { RdbError } from '../persistence/rdb/errors';

/** FUNCTION LOAD's time limit (Redis's LOAD_TIMEOUT_MS); 0 for a master or the AOF. */
export const LOAD_TIMEOUT_MS = 500;

/** One registered function. */
export interface FunctionInfo {
  name: string;
  /** registry key of the Lua callback in the functions' Lua state */
  ref: string;
  desc: string | null;
  flags: number;
  lib: Library;
}

/** One library: its code (with the shebang line) and its functions. */
export interface Library {
  name: string;
  code: string;
  functions: Map<string, FunctionInfo>;
}

/** The Lua engine as the libraries see it (implemented by Scripting). */
export interface FunctionEngine {
  /** Run a library's code (after its shebang line) so it registers its functions into lib; throws the error text. */
  loadLibrary(lib: Library, body: string, timeoutMs: number): void;
  /** Forget a function's Lua callback. */
  freeFunction(fi: FunctionInfo): void;
}

/** Libraries and the functions they registered (Redis's functionsLibCtx). */
export class LibCtx {
  /** by name, case-sensitive */
  readonly libraries = new Map<string, Library>();
  /** by lowercased name (FCALL finds a function whatever its case) */
  readonly functions = new Map<string, FunctionInfo>();

  link(li: Library): void {
    for (const fi of li.functions.values()) this.functions.set(fi.name.toLowerCase(), fi);
    this.libraries.set(li.name, li);
  }

  unlink(li: Library): void {
    for (const fi of li.functions.values()) this.functions.delete(fi.name.toLowerCase());
    this.libraries.delete(li.name);
  }
}

const NAME_RE = /^[A-Za-z0-9_]+$/;
const BAD_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** The "#!engine name=lib" line of a library (functionExtractLibMetaData). */
function extractMetadata(payload: string): { engine: string; name: string; body: string } {
  if (!payload.startsWith('#!')) throw new RedisError('ERR Missing library metadata');
  const nl = payload.indexOf('\n');
  if (nl < 0) throw new RedisError('ERR Invalid library metadata');
  const parts = splitArgs(payload.slice(0, nl));
  if (parts === null || parts.length === 0) throw new RedisError('ERR Invalid library metadata');
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    if (parts[i].slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) throw new RedisError('ERR Invalid metadata value, name argument was given multiple times');
      name = parts[i].slice(5);
      continue;
    }
    throw new RedisError(`ERR Invalid metadata value given: ${cstr(parts[i])}`);
  }
  if (name === null) throw new RedisError('ERR Library name was not given');
  // the body keeps the shebang's line feed, so line numbers stay the user's
  return { engine, name, body: payload.slice(nl) };
}

/** The function libraries of a server. */
export class Functions {
  cur = new LibCtx();

  constructor(private readonly engine: FunctionEngine) {}

  /** A function by name (case-insensitive). */
  find(name: string): FunctionInfo | undefined {
    return this.cur.functions.get(name.toLowerCase());
  }

  get functionCount(): number {
    return this.cur.functions.size;
  }

  get libraryCount(): number {
    return this.cur.libraries.size;
  }

  /** The libraries' code, for an RDB file (RDB_OPCODE_FUNCTION2 each). */
  codes(): string[] {
    return [...this.cur.libraries.values()].map((l) => l.code);
  }

  /** functionsCreateWithLibraryCtx: load a library into ctx; returns its name or throws Redis's error. */
  create(code: string, replace: boolean, timeoutMs: number, ctx: LibCtx = this.cur): string {
    const md = extractMetadata(code);
    if (!NAME_RE.test(md.name)) throw new RedisError(`ERR ${BAD_NAME}`);
    if (md.engine.toLowerCase() !== 'lua') throw new RedisError(`ERR Engine '${md.engine}' not found`);
    const old = ctx.libraries.get(md.name);
    if (old && !replace) throw new RedisError(`ERR Library '${md.name}' already exists`);
    if (old) ctx.unlink(old);
    const li: Library = { name: md.name, code, functions: new Map() };
    try {
      this.engine.loadLibrary(li, md.body, timeoutMs);
      if (li.functions.size === 0) throw new RedisError('ERR No functions registered');
      for (const fi of li.functions.values()) {
        if (ctx.functions.has(fi.name.toLowerCase())) throw new RedisError(`ERR Function ${fi.name} already exists`);
      }
    } catch (e) {
      this.free(li);
      if (old) ctx.link(old);
      throw e;
    }
    ctx.link(li);
    if (old) this.free(old);
    return md.name;
  }

  private free(li: Library): void {
    for (const fi of li.functions.values()) this.engine.freeFunction(fi);
  }

  private freeCtx(ctx: LibCtx): void {
    for (const li of ctx.libraries.values()) this.free(li);
  }

  /** FUNCTION DELETE library */
  delete(name: string): void {
    const li = this.cur.libraries.get(name);
    if (!li) throw new RedisError('ERR Library not found');
    this.cur.unlink(li);
    this.free(li);
  }

  /** FUNCTION FLUSH, and the emptying before an RDB load (DEBUG RELOAD, full sync). */
  flush(): void {
    this.freeCtx(this.cur);
    this.cur = new LibCtx();
  }

  /** FUNCTION DUMP: each library as RDB_OPCODE_FUNCTION2 + its code, the RDB version and a CRC-64. */
  dump(compression: boolean): string {
    const w = new RdbWriter({ compression, checksum: false });
    for (const code of this.codes()) w.writeFunction(code);
    const body = w.toBuffer();
    const out = Buffer.allocUnsafe(body.length + 10);
    body.copy(out, 0);
    out[body.length] = RDB_VERSION & 0xff;
    out[body.length + 1] = (RDB_VERSION >> 8) & 0xff;
    new Crc64().update(out, 0, body.length + 2).writeLE(out, body.length + 2);
    return out.toString('latin1');
  }

  /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] */
  restore(payload: string, policy: 'flush' | 'append' | 'replace'): void {
    const buf = Buffer.from(payload, 'latin1');
    try {
      verifyDumpPayload(buf);
    } catch {
      throw new RedisError('ERR DUMP payload version or checksum are wrong');
    }
    // the records are RDB opcodes: read them as the body of an RDB file
    const codes: string[] = [];
    let notFunction = false;
    const reader = new RdbReader({ onKey: () => (notFunction = true), onFunction: (code) => codes.push(code) }, {});
    const rdb = Buffer.concat([Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'), buf.subarray(0, buf.length - 10), Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0])]);
    try {
      reader.push(rdb);
      reader.end();
    } catch (e) {
      throw new RedisError(e instanceof RdbError && !notFunction ? 'ERR can not read data type' : 'ERR given type is not a function');
    }
    if (notFunction) throw new RedisError('ERR given type is not a function');
    const ctx = new LibCtx();
    try {
      for (const code of codes) this.create(code, false, 0, ctx);
    } catch (e) {
      this.freeCtx(ctx);
      throw e;
    }
    if (policy === 'flush') {
      this.freeCtx(this.cur);
      this.cur = ctx;
      return;
    }
    this.join(ctx, policy === 'replace');
  }

  /** libraryJoin: move src's libraries into the current ones (all or nothing). */
  private join(src: LibCtx, replace: boolean): void {
    const dst = this.cur;
    const replaced: Library[] = [];
    const undo = (): void => {
      for (const li of replaced) dst.link(li);
    };
    for (const li of src.libraries.values()) {
      const old = dst.libraries.get(li.name);
      if (!old) continue;
      if (!replace) {
        undo();
        this.freeCtx(src);
        throw new RedisError(`ERR Library ${li.name} already exists`);
      }
      dst.unlink(old);
      replaced.push(old);
    }
    for (const fi of src.functions.values()) {
      if (dst.functions.has(fi.name.toLowerCase())) {
        undo();
        this.freeCtx(src);
        throw new RedisError(`ERR Function ${fi.name} already exists`);
      }
    }
    for (const li of src.libraries.values()) dst.link(li);
    for (const li of replaced) this.free(li);
  }
}
