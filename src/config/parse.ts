/**
 * redis.conf syntax: one directive per line, `#` comments, arguments split as
 * sdssplitargs does (double/single quotes with escapes), `include <path>`.
 * Command-line `--name v1 v2` is the same as a line `name v1 v2` after the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitArgs } from '../protocol/parser';

/** One directive with where it came from (for error messages and CONFIG REWRITE). */
export interface Directive {
  name: string;
  args: string[];
  file: string | null;
  line: number;
  text: string;
}

/** A start-up configuration error, printed as Redis prints it. */
export class ConfigFileError extends Error {
  constructor(
    message: string,
    public readonly lineNo: number,
    public readonly lineText: string,
  ) {
    super(message);
  }
  /** The text Redis prints to stderr before exiting. */
  format(): string {
    return `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${this.lineNo}\n>>> '${this.lineText}'\n${this.message}\n`;
  }
}

/** Parse config text into directives; `include` is followed relative to the cwd, as Redis does. */
export function parseConfigText(text: string, file: string | null, depth = 0): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const args = splitArgs(line);
    if (args === null) throw new ConfigFileError('Unbalanced quotes in configuration line', i + 1, line);
    if (args.length === 0) continue;
    const name = args[0].toLowerCase();
    if (name === 'include') {
      if (args.length !== 2) throw new ConfigFileError('Bad directive or wrong number of arguments', i + 1, line);
      if (depth > 16) throw new ConfigFileError('Include nesting too deep', i + 1, line);
      let inc: string;
      try {
        inc = fs.readFileSync(path.resolve(args[1]), 'latin1');
      } catch (e) {
        throw new ConfigFileError(`Fatal error, can't open config file '${args[1]}': ${(e as Error).message}`, i + 1, line);
      }
      out.push(...parseConfigText(inc, args[1], depth + 1));
      continue;
    }
    out.push({ name, args: args.slice(1), file, line: i + 1, text: line });
  }
  return out;
}

/**
 * Turn `tredis-server [file] [--name v ...]` argv into directives, as Redis's
 * main(): options after the file become config lines appended to it; `-` as
 * the file reads stdin; a bare `--port` starts a new directive.
 */
export function parseCommandLine(argv: string[]): { file: string | null; directives: Directive[] } {
  let file: string | null = null;
  let i = 0;
  if (argv.length > 0 && !argv[0].startsWith('--')) {
    file = argv[0];
    i = 1;
  }
  const directives: Directive[] = [];
  if (file !== null) {
    const text = file === '-' ? fs.readFileSync(0, 'latin1') : readConfigFile(file);
    directives.push(...parseConfigText(text, file === '-' ? null : file));
  }
  let cur: Directive | null = null;
  let pos = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--') && a.length > 2) {
      cur = { name: a.slice(2).toLowerCase(), args: [], file: null, line: ++pos, text: a.slice(2) };
      directives.push(cur);
    } else if (cur) {
      // "--replicaof '127.0.0.1 6379'" gives one arg that holds two words, as in Redis
      const parts = cur.args.length === 0 && /\s/.test(a) ? splitArgs(a) ?? [a] : [a];
      cur.args.push(...parts);
      cur.text += ' ' + a;
    } else {
      throw new ConfigFileError('Bad directive or wrong number of arguments', i + 1, a);
    }
  }
  return { file, directives };
}

function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigFileError(`Fatal error, can't open config file '${path.resolve(file)}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`, 0, file);
  }
}
