/**
 * The Redis 7.0 multi-part AOF manifest (`appendonly.aof.manifest` in
 * `appenddirname`): one line per file, `file <name> seq <n> type <b|h|i>`,
 * the base first, then history files, then the incr files in order. The
 * parser applies aofLoadManifestFromFile's checks and messages; writing is
 * temp file + fsync + rename + directory fsync (writeAofManifestFile).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitArgs } from '../../util/split-args';
import { fsyncFileDir, unlinkQuiet, writeFully } from '../fs-util';
import { strerror } from '../../util/strerror';

/** b = base, h = history, i = incr. */
export type AofFileType = 'b' | 'h' | 'i';

/** One file of the manifest. */
export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

/** A manifest that cannot be parsed (Redis aborts start-up with these lines). */
export class AofManifestError extends Error {
  constructor(
    readonly detail: string,
    /** 1-based line, 0 when not about a line */
    readonly line: number,
    readonly lineText: string | null,
  ) {
    super(detail);
  }

  /** The log lines Redis prints before exiting. */
  logLines(): string[] {
    const out = ['\n*** FATAL AOF MANIFEST FILE ERROR ***\n'];
    if (this.lineText !== null) {
      out.push(`Reading the manifest file, at line ${this.line}\n`);
      out.push(`>>> '${this.lineText}'\n`);
    }
    out.push(`${this.detail}\n`);
    return out;
  }
}

const MANIFEST_MAX_LINE = 1024;

/** sdsneedsrepr: whether a file name must be written quoted. */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c === 10 || c === 13 || c === 9 || c === 7 || c === 8 || c < 0x20 || c > 0x7e || c === 0x20 || c === 11 || c === 12) return true;
  }
  return false;
}

/** sdscatrepr */
function repr(s: string): string {
  let o = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    if (ch === '\\' || ch === '"') o += '\\' + ch;
    else if (ch === '\n') o += '\\n';
    else if (ch === '\r') o += '\\r';
    else if (ch === '\t') o += '\\t';
    else if (ch === '\x07') o += '\\a';
    else if (ch === '\b') o += '\\b';
    else if (c < 0x20 || c > 0x7e) o += '\\x' + c.toString(16).padStart(2, '0');
    else o += ch;
  }
  return o + '"';
}

function isBaseName(s: string): boolean {
  return !s.includes('/') && s !== '.' && s !== '..';
}

/** The manifest of an appendonlydir. */
export class AofManifest {
  base: AofInfo | null = null;
  incr: AofInfo[] = [];
  history: AofInfo[] = [];
  currBaseSeq = 0;
  currIncrSeq = 0;
  /** changed since last persisted */
  dirty = false;

  /** A deep copy (changes are made on a copy, then swapped in atomically). */
  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base ? { ...this.base } : null;
    m.incr = this.incr.map((x) => ({ ...x }));
    m.history = this.history.map((x) => ({ ...x }));
    m.currBaseSeq = this.currBaseSeq;
    m.currIncrSeq = this.currIncrSeq;
    m.dirty = this.dirty;
    return m;
  }

  /** getAofManifestAsString */
  format(): string {
    let out = '';
    const line = (ai: AofInfo) => `file ${needsRepr(ai.name) ? repr(ai.name) : ai.name} seq ${ai.seq} type ${ai.type}\n`;
    if (this.base) out += line(this.base);
    for (const h of this.history) out += line(h);
    for (const i of this.incr) out += line(i);
    return out;
  }

  /** aofLoadManifestFromFile's parser; throws AofManifestError. */
  static parse(text: string): AofManifest {
    const am = new AofManifest();
    if (text.length === 0) throw new AofManifestError('Found an empty AOF manifest', 0, null);
    let maxSeq = 0;
    let pos = 0;
    let lineNum = 0;
    while (pos < text.length) {
      // fgets(buf, MANIFEST_MAX_LINE+1): a line, or the first 1024 bytes of it
      let nl = text.indexOf('\n', pos);
      let raw: string;
      if (nl < 0 || nl - pos + 1 > MANIFEST_MAX_LINE) {
        const end = Math.min(text.length, pos + MANIFEST_MAX_LINE);
        raw = text.slice(pos, end);
        nl = -1;
        pos = end;
      } else {
        raw = text.slice(pos, nl + 1);
        pos = nl + 1;
      }
      lineNum++;
      if (raw[0] === '#') continue;
      const trimmed = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (!raw.includes('\n')) throw new AofManifestError('The AOF manifest file contains too long line', lineNum, null);
      if (trimmed.length === 0) throw new AofManifestError('Invalid AOF manifest file format', lineNum, trimmed);
      const argv = splitArgs(trimmed);
      if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new AofManifestError('Invalid AOF manifest file format', lineNum, trimmed);
      let name: string | null = null;
      let seq = 0;
      let type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i].toLowerCase();
        if (k === 'file') {
          name = argv[i + 1];
          if (!isBaseName(name)) throw new AofManifestError("File can't be a path, just a filename", lineNum, trimmed);
        } else if (k === 'seq') {
          seq = atoll(argv[i + 1]);
        } else if (k === 'type') {
          type = argv[i + 1][0] ?? '';
        }
      }
      if (!name || !seq || !type) throw new AofManifestError('Invalid AOF manifest file format', lineNum, trimmed);
      if (type === 'b') {
        if (am.base) throw new AofManifestError('Found duplicate base file information', lineNum, trimmed);
        am.base = { name, seq, type };
        am.currBaseSeq = seq;
      } else if (type === 'h') {
        am.history.push({ name, seq, type });
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new AofManifestError('Found a non-monotonic sequence number', lineNum, trimmed);
        am.incr.push({ name, seq, type });
        am.currIncrSeq = seq;
        maxSeq = seq;
      } else {
        throw new AofManifestError('Unknown AOF file type', lineNum, trimmed);
      }
    }
    return am;
  }

  /** getNewBaseFileNameAndMarkPreAsHistory */
  newBaseName(aofFilename: string, rdbPreamble: boolean): string {
    if (this.base) {
      this.base.type = 'h';
      this.history.unshift(this.base);
    }
    const seq = ++this.currBaseSeq;
    const name = `${aofFilename}.${seq}.base${rdbPreamble ? '.rdb' : '.aof'}`;
    this.base = { name, seq, type: 'b' };
    this.dirty = true;
    return name;
  }

  /** getNewIncrAofName */
  newIncrName(aofFilename: string): string {
    const seq = ++this.currIncrSeq;
    const name = `${aofFilename}.${seq}.incr.aof`;
    this.incr.push({ name, seq, type: 'i' });
    this.dirty = true;
    return name;
  }

  /** getLastIncrAofName */
  lastIncrName(aofFilename: string): string {
    if (this.incr.length === 0) return this.newIncrName(aofFilename);
    return this.incr[this.incr.length - 1].name;
  }

  /** markRewrittenIncrAofAsHistory: every incr file but the one being written (keepLast) becomes history. */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    if (this.incr.length === 0) return;
    const keep = keepLast ? this.incr.slice(-1) : [];
    const old = keepLast ? this.incr.slice(0, -1) : this.incr.slice();
    for (let i = old.length - 1; i >= 0; i--) this.history.unshift({ ...old[i], type: 'h' });
    this.incr = keep;
    this.dirty = true;
  }
}

/** atoll: leading digits (with sign), 0 when none. */
function atoll(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** Names of the manifest and of the temp files, from appendfilename. */
export function manifestName(aofFilename: string): string {
  return `${aofFilename}.manifest`;
}

/** The temp incr file used while waiting for the first rewrite (getTempIncrAofName). */
export function tempIncrName(aofFilename: string): string {
  return `temp-${aofFilename}.incr`;
}

/**
 * writeAofManifestFile: temp-<name>.manifest, fsync, rename, fsync dir.
 * Throws Error carrying Redis's log message.
 */
export function writeManifestFile(dir: string, aofFilename: string, m: AofManifest): void {
  const name = manifestName(aofFilename);
  const tmpName = `temp-${name}`;
  const file = path.join(dir, name);
  const tmp = path.join(dir, tmpName);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w', 0o644);
  } catch (e) {
    throw new Error(`Can't open the AOF manifest file ${tmpName}: ${strerror(e)}`);
  }
  try {
    try {
      writeFully(fd, Buffer.from(m.format(), 'latin1'));
    } catch (e) {
      throw new Error(`Error trying to write the temporary AOF manifest file ${tmpName}: ${strerror(e)}`);
    }
    try {
      fs.fsyncSync(fd);
    } catch (e) {
      throw new Error(`Fail to fsync the temp AOF file ${tmpName}: ${strerror(e)}.`);
    }
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    unlinkQuiet(tmp);
    throw new Error(`Error trying to rename the temporary AOF manifest file ${tmpName} into ${name}: ${strerror(e)}`);
  }
  try {
    fsyncFileDir(file);
  } catch (e) {
    throw new Error(`Fail to fsync AOF directory ${file}: ${strerror(e)}.`);
  }
}

/** persistAofManifest: write when dirty; false (after logging) on failure. */
export function persistManifest(dir: string, aofFilename: string, m: AofManifest, log: (msg: string) => void): boolean {
  if (!m.dirty) return true;
  try {
    writeManifestFile(dir, aofFilename, m);
  } catch (e) {
    log((e as Error).message);
    return false;
  }
  m.dirty = false;
  return true;
}
