/**
 * Loading a multi-part AOF (Redis 7.0's loadAppendOnlyFiles and
 * loadSingleAppendOnlyFile): the base file (RDB, or commands) then each
 * incr file, replayed through the executor with a fake client (MULTI/EXEC
 * included), `#` annotations skipped. A truncated last file is cut at the
 * last complete command when aof-load-truncated is yes (with Redis's
 * warnings); anything else wrong fails the load with Redis's messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Server } from '../../server/server';
import { Client } from '../../server/client';
import { RdbLoader } from '../rdb-load';
import { RdbError } from '../rdb/errors';
import type { AofManifest } from './manifest';
import { strerror } from '../../util/strerror';
import { STRING_LIMIT, bigArgToken } from '../../util/string-limit';

/** Outcome of loading one file or the whole set (Redis's AOF_* codes). */
export type AofLoadStatus = 'ok' | 'not_exist' | 'empty' | 'open_err' | 'failed' | 'truncated';

/** What the loader needs from the persistence layer. */
export interface AofLoadContext {
  server: Server;
  /** absolute path of appenddirname */
  dir: string;
  /** appendfilename (an old-style single file has exactly this name) */
  aofFilename: string;
  loadTruncated: boolean;
  /** bytes consumed so far in the whole load (INFO loading_loaded_bytes) */
  onProgress?: (delta: number) => void;
  /** an RDB part was loaded (rdb_last_load_keys_loaded / expired) */
  onRdbLoaded?: (loader: RdbLoader) => void;
}

/** Redis's AOF_ANNOTATION_LINE_MAX_LEN: fgets buffer of the loader. */
const LINE_MAX = 1024;
const CHUNK = 1 << 20;

/** A buffered synchronous reader with fgets/fread semantics and a file offset. */
class FileReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** file offset of buf[0] */
  private bufStart = 0;
  private eof = false;

  constructor(
    private readonly fd: number,
    start: number,
  ) {
    this.bufStart = start;
  }

  /** Offset of the next unread byte. */
  get offset(): number {
    return this.bufStart + this.pos;
  }

  private fill(need: number): boolean {
    while (this.buf.length - this.pos < need && !this.eof) {
      const rest = this.buf.subarray(this.pos);
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK, need - rest.length));
      const n = fs.readSync(this.fd, chunk, 0, chunk.length, this.bufStart + this.buf.length);
      if (n === 0) this.eof = true;
      this.bufStart += this.pos;
      this.buf = rest.length === 0 ? chunk.subarray(0, n) : Buffer.concat([rest, chunk.subarray(0, n)]);
      this.pos = 0;
    }
    return this.buf.length - this.pos >= need;
  }

  /** fgets(buf, LINE_MAX): up to and including '\n', at most LINE_MAX-1 bytes; null at EOF. */
  line(): string | null {
    for (;;) {
      const avail = this.buf.length - this.pos;
      const lim = Math.min(avail, LINE_MAX - 1);
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0 && nl < this.pos + lim) {
        const s = this.buf.toString('latin1', this.pos, nl + 1);
        this.pos = nl + 1;
        return s;
      }
      if (avail >= LINE_MAX - 1 || this.eof) {
        if (avail === 0) return null;
        const s = this.buf.toString('latin1', this.pos, this.pos + lim);
        this.pos += lim;
        return s;
      }
      this.fill(avail + 1);
    }
  }

  /** fread of exactly n bytes as a latin1 string; null when the file ends first. */
  exact(n: number): string | null {
    if (!this.fill(n)) {
      this.pos = this.buf.length;
      return null;
    }
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Exactly n bytes (a copy), or null at EOF. */
  exactBytes(n: number): Buffer | null {
    if (!this.fill(n)) {
      this.pos = this.buf.length;
      return null;
    }
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }
}

/** The AOF client (createAOFClient): authenticated, never blocked, no replies. */
function createAofClient(server: Server): Client {
  const c = new Client(server, null, { fake: true });
  c.authenticated = true;
  c.aclUser = null; // Redis's AOF client has no user: no ACL checks
  c.denyBlocking = true;
  c.reply.enabled = false;
  return c;
}

function fileSize(file: string): number | NodeJS.ErrnoException {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

/** loadSingleAppendOnlyFile, in steps (a step: one chunk of an RDB base, or 1024 commands). */
function* loadSingleAppendOnlyFile(ctx: AofLoadContext, name: string): Generator<void, AofLoadStatus> {
  const s = ctx.server;
  const log = s.logger;
  const file = path.join(ctx.dir, name);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warning(`The append log file ${name} doesn't exist: ${strerror(e)}`);
      return 'not_exist';
    }
    log.warning(`Fatal error: can't open the append log file ${name} for reading: ${strerror(e)}`);
    return 'open_err';
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return 'empty';
    let start = 0;
    const sig = Buffer.alloc(5);
    const got = fs.readSync(fd, sig, 0, 5, 0);
    if (got === 5 && sig.toString('latin1') === 'REDIS') {
      const oldStyle = name === ctx.aofFilename;
      log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      const loader = new RdbLoader(s, { keepExpired: true });
      try {
        const chunk = Buffer.allocUnsafe(CHUNK);
        let off = 0;
        while (!loader.done) {
          const n = fs.readSync(fd, chunk, 0, chunk.length, off);
          if (n === 0) break;
          loader.push(n === chunk.length ? Buffer.from(chunk) : Buffer.from(chunk.subarray(0, n)));
          off += n;
          yield;
        }
        const summary = loader.end();
        start = summary.bytes;
      } catch (e) {
        if (e instanceof RdbError) log.warning(`Internal error in RDB reading offset ${e.offset < 0 ? loader.offset : e.offset} -> ${e.detail}`);
        else log.warning(`Unrecoverable error reading the RDB part of ${name}: ${strerror(e)}`);
        log.warning(
          oldStyle
            ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted`
            : `Error reading the RDB base file ${name}, AOF loading aborted`,
        );
        return 'failed';
      }
      ctx.onRdbLoaded?.(loader);
      ctx.onProgress?.(start);
      if (oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    return yield* replayCommands(ctx, fd, name, file, start);
  } finally {
    fs.closeSync(fd);
  }
}

/** The command part of a file, from byte `start`. */
function* replayCommands(ctx: AofLoadContext, fd: number, name: string, file: string, start: number): Generator<void, AofLoadStatus> {
  const s = ctx.server;
  const log = s.logger;
  const r = new FileReader(fd, start);
  const c = createAofClient(s);
  let validUpTo = start;
  let validBeforeMulti = start;
  let reported = start;
  let loops = 0;
  let status: 'eof' | 'readerr' | 'fmterr' | 'uxeof' = 'eof';
  try {
    outer: for (;;) {
      if ((loops++ & 1023) === 0) {
        ctx.onProgress?.(r.offset - reported);
        reported = r.offset;
        if (loops > 1) yield;
      }
      const head = r.line();
      if (head === null) break;
      if (head[0] === '#') continue;
      if (head[0] !== '*') {
        status = 'fmterr';
        break;
      }
      if (head.length === 1) {
        status = 'readerr';
        break;
      }
      const argc = parseInt(head.slice(1), 10) || 0;
      if (argc < 1) {
        status = 'fmterr';
        break;
      }
      const argv: string[] = new Array(argc);
      for (let j = 0; j < argc; j++) {
        const l = r.line();
        if (l === null) {
          status = 'readerr';
          break outer;
        }
        if (l[0] !== '$') {
          status = 'fmterr';
          break outer;
        }
        const len = parseInt(l.slice(1), 10) || 0;
        let arg: string | null;
        if (len > STRING_LIMIT) {
          // longer than any JS string: a placeholder in argv, the bytes beside it (as the parser does)
          const b = r.exactBytes(len);
          arg = b === null ? null : bigArgToken();
          if (b !== null) (c.bigArgs ??= new Map()).set(arg!, b);
        } else arg = len > 0 ? r.exact(len) : '';
        if (arg === null) {
          status = 'readerr';
          break outer;
        }
        argv[j] = arg;
        // discard CRLF
        if (r.exact(2) === null) {
          status = 'readerr';
          break outer;
        }
      }
      const name0 = argv[0].toLowerCase();
      if (!s.commands.has(name0)) {
        log.warning(`Unknown command '${argv[0]}' reading the append only file ${name}`);
        return 'failed';
      }
      if (name0 === 'multi') validBeforeMulti = validUpTo;
      s.executor.execute(c, argv);
      if (c.bigArgs !== null && c.multi === null) c.bigArgs = null;
      validUpTo = r.offset;
    }
    if (status === 'eof' && c.multi !== null) {
      log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      validUpTo = validBeforeMulti;
      status = 'uxeof';
    }
  } finally {
    ctx.onProgress?.(r.offset - reported);
  }
  if (status === 'eof') return 'ok';
  if (status === 'fmterr') {
    log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
    return 'failed';
  }
  // readerr at end of file, or an incomplete MULTI: an unexpected EOF
  if (ctx.loadTruncated) {
    log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
    log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
    try {
      fs.truncateSync(file, validUpTo);
      log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
      return 'truncated';
    } catch (e) {
      log.warning(`Error truncating the AOF file ${name}: ${strerror(e)}`);
    }
  }
  log.warning(
    `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
  );
  return 'failed';
}

/** Total size of the base and incr files (getBaseAndIncrAppendOnlyFilesSize); a missing file is an error. */
export function manifestFilesSize(ctx: AofLoadContext, am: AofManifest): { size: number; status: AofLoadStatus } {
  let size = 0;
  const files = [...(am.base ? [am.base] : []), ...am.incr];
  for (const f of files) {
    const r = fileSize(path.join(ctx.dir, f.name));
    if (typeof r !== 'number') {
      ctx.server.logger.warning(`Unable to obtain the AOF file ${f.name} length. stat: ${strerror(r)}`);
      return { size: 0, status: r.code === 'ENOENT' ? 'not_exist' : 'open_err' };
    }
    size += r;
  }
  return { size, status: 'ok' };
}

/** Result of loadAppendOnlyFiles. */
export interface AofLoadResult {
  status: AofLoadStatus;
  totalSize: number;
  baseSize: number;
}

/** loadAppendOnlyFiles: base then incr files, in manifest order; in steps, so the caller can let the event loop run between them. */
export function* loadAppendOnlyFiles(ctx: AofLoadContext, am: AofManifest): Generator<void, AofLoadResult> {
  const log = ctx.server.logger;
  if (am.base === null && am.incr.length === 0) return { status: 'not_exist', totalSize: 0, baseSize: 0 };
  const total = am.incr.length + (am.base ? 1 : 0);
  const sz = manifestFilesSize(ctx, am);
  if (sz.status !== 'ok') return { status: sz.status === 'not_exist' ? 'failed' : sz.status, totalSize: 0, baseSize: 0 };
  if (sz.size === 0) return { status: 'empty', totalSize: 0, baseSize: 0 };
  let n = 0;
  let baseSize = 0;
  let ret: AofLoadStatus = 'ok';
  const files = [...(am.base ? [{ info: am.base, kind: 'base' }] : []), ...am.incr.map((info) => ({ info, kind: 'incr' }))];
  for (const f of files) {
    const last = ++n === total;
    const t0 = process.hrtime.bigint();
    if (f.kind === 'base') {
      const r = fileSize(path.join(ctx.dir, f.info.name));
      baseSize = typeof r === 'number' ? r : 0;
    }
    ret = yield* loadSingleAppendOnlyFile(ctx, f.info.name);
    if (ret === 'ok' || (ret === 'truncated' && last)) {
      log.notice(`DB loaded from ${f.kind} file ${f.info.name}: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3)} seconds`);
    }
    // an empty incr file does not make the whole load empty: some file had data
    if (ret === 'empty') ret = 'ok';
    if (ret === 'truncated' && !last) {
      ret = 'failed';
      log.warning('Fatal error: the truncated file is not the last file');
    }
    if (ret === 'open_err' || ret === 'failed' || ret === 'not_exist') {
      return { status: ret === 'not_exist' ? 'failed' : ret, totalSize: sz.size, baseSize };
    }
  }
  return { status: ret, totalSize: sz.size, baseSize };
}
