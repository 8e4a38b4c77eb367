/**
 * redis.conf syntax, as loadServerConfigFromString and main() of Redis 7.0:
 * one directive per line (trimmed of spaces, tabs, CR, LF), `#` comments,
 * arguments split as sdssplitargs does (double/single quotes with escapes),
 * `include <path|glob>`. Command-line `--name v1 v2` options are turned into
 * config text (values quoted with sdscatrepr) appended after the file, so
 * they are parsed, and reported in errors, exactly like file lines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitArgs } from '../util/split-args';
import { bytesToText, textToBytes } from './bytes';
import { strerror } from '../util/strerror';

/** One directive with where it came from (for error messages and CONFIG REWRITE). */
export interface Directive {
  /** lowercase directive name */
  name: string;
  args: string[];
  /** file it was read from (null: command line / string) */
  file: string | null;
  /** 1-based line number in the text it came from */
  line: number;
  /** the trimmed line as Redis prints it after `>>>` */
  text: string;
}

/** A start-up configuration error, printed as Redis prints it. */
export class ConfigFileError extends Error {
  constructor(
    message: string,
    public readonly lineNo: number,
    public readonly lineText: string,
    public readonly file: string | null = null,
  ) {
    super(message);
  }
  /** The text Redis prints to stderr before exiting with status 1. */
  format(): string {
    // the line is bytes: shown as the text it is (UTF-8), as Redis writes the bytes back
    const where = this.lineNo > 0 ? `Reading the configuration file, at line ${this.lineNo}\n>>> '${bytesToText(this.lineText)}'\n` : '';
    return `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n${where}${this.message}\n`;
  }
}

/**
 * A config file that cannot be opened. Redis logs this as a warning line
 * (`Fatal error, can't open config file '<path>': <strerror>`) and exits 1.
 */
export class ConfigOpenError extends Error {}

/** sdscatrepr: a double-quoted, escaped representation (config rewrite, command-line options). */
export function sdsrepr(s: string): string {
  let o = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '\\' || ch === '"') o += '\\' + ch;
    else if (ch === '\n') o += '\\n';
    else if (ch === '\r') o += '\\r';
    else if (ch === '\t') o += '\\t';
    else if (c === 7) o += '\\a';
    else if (c === 8) o += '\\b';
    else if (c >= 32 && c <= 126) o += ch;
    else o += '\\x' + c.toString(16).padStart(2, '0');
  }
  return o + '"';
}

/** Read a config file (latin1, binary safe) or throw ConfigOpenError with Redis's words. */
export function readConfigFile(file: string): string {
  try {
    if (fs.statSync(file).isDirectory()) {
      // fopen() of a directory succeeds in C and reads nothing
      return '';
    }
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigOpenError(`Fatal error, can't open config file '${file}': ${strerror(e)}`);
  }
}

/** Files matching an include glob (`*`, `?`, `[...]` in the last components), sorted like glob(3). */
function globFiles(pattern: string): string[] {
  const abs = path.resolve(pattern);
  const parts = abs.split('/').filter((p) => p !== '');
  let bases = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    const wild = /[*?[]/.test(part);
    for (const b of bases) {
      if (!wild) {
        const p = path.join(b, part);
        if (fs.existsSync(p)) next.push(p);
        continue;
      }
      let entries: string[] = [];
      try {
        entries = fs.readdirSync(b);
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const e of entries.sort()) if (re.test(e) && !(e.startsWith('.') && !part.startsWith('.'))) next.push(path.join(b, e));
    }
    bases = next;
  }
  return bases;
}

function globToRegExp(g: string): RegExp {
  let r = '^';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') r += '.*';
    else if (c === '?') r += '.';
    else if (c === '[') {
      const end = g.indexOf(']', i + 1);
      if (end < 0) r += '\\[';
      else {
        let set = g.slice(i + 1, end);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        r += '[' + set.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else r += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(r + '$');
}

/**
 * Parse config text into directives. `include` is followed at once (relative
 * to the current directory, as Redis does); a glob include with no match is
 * skipped, a plain one that cannot be opened is fatal.
 */
export function parseConfigText(text: string, file: string | null, depth = 0): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '' || line[0] === '#') continue;
    const args = splitArgs(line);
    if (args === null) throw new ConfigFileError('Unbalanced quotes in configuration line', i + 1, line, file);
    if (args.length === 0) continue;
    const name = args[0].toLowerCase();
    if (name === 'include' && args.length === 2) {
      if (depth > 64) throw new ConfigFileError('Bad directive or wrong number of arguments', i + 1, line, file);
      const target = bytesToText(args[1]);
      const files = /[*?[]/.test(target) ? globFiles(target) : [target];
      for (const f of files) out.push(...parseConfigText(readConfigFile(f), f, depth + 1));
      continue;
    }
    out.push({ name, args: args.slice(1), file, line: i + 1, text: line });
  }
  return out;
}

/** What the command line of redis-server asks for. */
export interface CommandLine {
  /** the config file as given (null when none) */
  file: string | null;
  /** `-` was given: config text follows on stdin */
  stdin: boolean;
  /** the `--name value` options as config text (Redis's `options` string) */
  options: string;
}

/**
 * Split `redis-server [file] [--name v ...] [-]` as Redis's main(): an
 * option name ends the previous option; values are quoted with sdscatrepr;
 * `--save` with no value (last, or followed by another option) means `save ""`.
 */
export function splitCommandLine(argv: string[]): CommandLine {
  let j = 0;
  let file: string | null = null;
  if (argv.length > 0 && argv[0][0] !== '-') {
    file = argv[0];
    j = 1;
  }
  let stdin = false;
  let options = '';
  let handledLast = true;
  const argc = argv.length;
  for (; j < argc; j++) {
    const a = argv[j];
    const isOpt = a.length >= 2 && a[0] === '-' && a[1] === '-';
    if (a === '-' && (j === 0 || j === argc - 1)) {
      stdin = true;
    } else if (handledLast && isOpt) {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a) ?? [a];
      if (parts.length === 1) {
        handledLast = false;
        const nextIsOpt = j !== argc - 1 && argv[j + 1].startsWith('--');
        const lname = a.toLowerCase();
        if (nextIsOpt && lname === '--save') {
          options += '""';
          handledLast = true;
        } else if (j === argc - 1 && lname === '--save') {
          options += '""';
        } else if (nextIsOpt && lname === '--sentinel') {
          handledLast = true;
        }
      } else {
        handledLast = true;
      }
    } else {
      options += sdsrepr(a) + ' ';
      handledLast = true;
    }
  }
  return { file, stdin, options };
}

/**
 * Turn `tredis-server [file] [--name v ...]` argv into directives, as
 * loadServerConfig(file, stdin, options): the text is the file, then stdin,
 * then "\n" + options, parsed as one config (line numbers run through it).
 */
export function parseCommandLine(argv: string[], readStdin: () => string = () => fs.readFileSync(0, 'latin1')): { file: string | null; directives: Directive[] } {
  // argv is text; Redis sees its bytes (so `--logfile 日志.log` names that file)
  const cl = splitCommandLine(argv.map(textToBytes));
  let text = '';
  // the main config file is known by its absolute path (getAbsolutePath), in errors too
  const file = cl.file === null ? null : bytesToText(cl.file);
  if (file !== null) text += readConfigFile(path.resolve(file));
  if (cl.stdin) text += readStdin();
  if (cl.options) text += '\n' + cl.options;
  return { file, directives: parseConfigText(text, file) };
}
