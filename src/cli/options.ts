/**
 * Command line option parsing for tredis-cli, following redis-cli 7.0's
 * parseOptions()/parseRedisUri()/parseEnv().
 */
import * as fs from 'node:fs';
import { tredisVersion } from '../version';
import type { OutputMode } from './format';
import { splitArgs } from '../util/split-args';

/** Redis version whose redis-cli behaviour tredis-cli reproduces. */
export const COMPAT_VERSION = '7.0.15';

/** Everything the CLI was asked to do. */
export interface CliConfig {
  host: string;
  port: number;
  socket: string | null;
  auth: Buffer | null;
  user: Buffer | null;
  /** Database requested with -n / -u (redis-cli's input_dbnum). */
  dbnum: number;
  repeat: number;
  /** Interval between repeats, in microseconds. */
  intervalUs: number;
  stdinLastArg: boolean;
  stdinTagName: Buffer | null;
  output: OutputMode;
  mbDelim: Buffer;
  cmdDelim: Buffer;
  /** 0: RESP2, 1: RESP3 required (-3), 2: RESP3 preferred (--json). */
  resp3: 0 | 1 | 2;
  resp2: boolean;
  setErrcode: boolean;
  scanMode: boolean;
  pattern: Buffer | null;
  count: number | null;
  noAuthWarning: boolean;
  pushOutput: boolean;
  quotedInput: boolean;
  askpass: boolean;
  clusterMode: boolean;
  /** --stat */
  statMode: boolean;
  /** --latency / --latency-history */
  latencyMode: boolean;
  latencyHistory: boolean;
  /** --bigkeys, --memkeys [--memkeys-samples n] */
  bigkeys: boolean;
  memkeys: boolean;
  memkeysSamples: number;
  verbose: boolean;
  eval: string | null;
  pipeMode: boolean;
  pipeTimeout: number;
  /** Remaining (non-option) arguments: the command to run, if any. */
  args: string[];
}

/** Result of option parsing: a config to run, or an immediate exit. */
export type ParseResult =
  | { kind: 'run'; config: CliConfig; warnings: string[] }
  | { kind: 'exit'; code: number; stdout?: string; stderr?: string };

/** Terminal facts that influence defaults (redis-cli uses isatty(stdout)). */
export interface TtyInfo {
  stdoutIsTTY: boolean;
}

/** Version string printed by -v/--version and in the usage text. */
export function cliVersion(): string {
  return `${COMPAT_VERSION} (tredis ${tredisVersion()})`;
}

/** C atoi(): leading optional sign and digits, 0 when absent. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  if (m === null) return 0;
  const v = parseInt(m[1], 10);
  if (v > 2147483647 || v < -2147483648) return v | 0;
  return v;
}

/** C atof(): the longest numeric prefix, 0 when absent. */
function atof(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/.exec(s);
  return m === null ? 0 : parseFloat(m[1]);
}

/** C strtoll(s, NULL, 10). */
function strtoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

function percentDecode(s: string): Buffer | string {
  const out: number[] = [];
  const bytes = Buffer.from(s, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x25) {
      if (bytes.length - i < 3) return 'Incomplete URI encoding';
      const h = String.fromCharCode(bytes[i + 1]).toLowerCase();
      const l = String.fromCharCode(bytes[i + 2]).toLowerCase();
      if (!/^[0-9a-f]$/.test(h) || !/^[0-9a-f]$/.test(l)) return 'Illegal character in URI encoding';
      out.push(parseInt(h + l, 16));
      i += 2;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}

/** Port of parseRedisUri(); returns an error message on failure. */
function parseRedisUri(uri: string, cfg: CliConfig): string | null {
  const lower = uri.toLowerCase();
  let curr: string;
  if (lower.startsWith('redis://')) curr = uri.slice('redis://'.length);
  else if (lower.startsWith('rediss://')) return 'Insecure scheme is not supported: TLS is not available in tredis-cli';
  else return 'Invalid URI scheme';
  if (curr === '') return null;
  const at = curr.indexOf('@');
  if (at >= 0) {
    const colon = curr.indexOf(':');
    if (colon >= 0 && colon < at) {
      const user = percentDecode(curr.slice(0, colon));
      if (typeof user === 'string') return user;
      cfg.user = user;
      curr = curr.slice(colon + 1);
    }
    const at2 = curr.indexOf('@');
    const pass = percentDecode(curr.slice(0, at2));
    if (typeof pass === 'string') return pass;
    cfg.auth = pass;
    curr = curr.slice(at2 + 1);
  }
  if (curr === '') return null;
  const slash = curr.indexOf('/');
  if (!curr.startsWith('/')) {
    const hostPart = slash >= 0 ? curr.slice(0, slash) : curr;
    const colon = hostPart.indexOf(':');
    if (colon >= 0) {
      cfg.port = atoi(hostPart.slice(colon + 1));
      cfg.host = hostPart.slice(0, colon);
    } else {
      cfg.host = hostPart;
    }
  }
  curr = slash >= 0 ? curr.slice(slash + 1) : '';
  if (curr === '') return null;
  cfg.dbnum = atoi(curr);
  return null;
}

/** Parse a quoted string the way redis-cli's unquoteCString() does (exactly one token). */
export function unquote(s: string): Buffer | null {
  const parts = splitArgs(Buffer.from(s, 'utf8').toString('latin1'));
  if (parts === null || parts.length !== 1) return null;
  return Buffer.from(parts[0], 'latin1');
}

const UNSUPPORTED_WITH_ARG = new Set([
  '--sni',
  '--cacert',
  '--cacertdir',
  '--cert',
  '--key',
  '--tls-ciphers',
  '--tls-ciphersuites',
  '--lru-test',
  '--rdb',
  '--functions-rdb',
  '--intrinsic-latency',
  '--cluster',
]);
const UNSUPPORTED_FLAGS = new Set([
  '--tls',
  '--insecure',
  '--latency-dist',
  '--replica',
  '--slave',
  '--hotkeys',
  '--ldb',
  '--ldb-sync-mode',
  '--cluster-yes',
]);

/** The --help text (redis-cli's usage(), restricted to what tredis-cli implements). */
export function usageText(): string {
  return `tredis-cli ${cliVersion()}

Usage: tredis-cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -s <socket>        Server socket (overrides hostname and port).
  -a <password>      Password to use when connecting to the server.
                     You can also use the REDISCLI_AUTH environment
                     variable to pass this password more safely
                     (if both are used, this argument takes precedence).
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a for consistency with the new --user option.
  --askpass          Force user to input password with mask from STDIN.
                     If this argument is used, '-a' and REDISCLI_AUTH
                     environment variable will be ignored.
  -u <uri>           Server URI.
  -r <repeat>        Execute specified command N times.
  -i <interval>      When -r is used, waits <interval> seconds per command.
                     It is possible to specify sub-second times like -i 0.1.
                     This interval is also used in --scan and --stat per cycle.
                     and in --bigkeys, --memkeys per 100 cycles.
  -n <db>            Database number.
  -2                 Start session in RESP2 protocol mode.
  -3                 Start session in RESP3 protocol mode.
  -x                 Read last argument from STDIN (see example below).
  -X                 Read <tag> argument from STDIN (see example below).
  -d <delimiter>     Delimiter between response bulks for raw formatting (default: \\n).
  -D <delimiter>     Delimiter between responses for raw formatting (default: \\n).
  -e                 Return exit error code when command execution fails.
  --raw              Use raw formatting for replies (default when STDOUT is
                     not a tty).
  --no-raw           Force formatted output even when STDOUT is not a tty.
  --quoted-input     Force input to be handled as quoted strings.
  --csv              Output in CSV format.
  --json             Output in JSON format (default RESP3, use -2 if you want to use with RESP2).
  --quoted-json      Same as --json, but produce ASCII-safe quoted strings, not Unicode.
  --show-pushes <yn> Whether to print RESP3 PUSH messages.  Enabled by default when
                     STDOUT is a tty but can be overridden with --show-pushes no.
  --stat             Print rolling stats about server: mem, clients, ...
  --latency          Enter a special mode continuously sampling latency.
                     If you use this mode in an interactive session it runs
                     forever displaying real-time stats. Otherwise if --raw or
                     --csv is specified, or if you redirect the output to a non
                     TTY, it samples the latency for 1 second (you can use
                     -i to change the interval), then produces a single output
                     and exits.
  --latency-history  Like --latency but tracking latency changes over time.
                     Default time interval is 15 sec. Change it using -i.
  --pipe             Transfer raw Redis protocol from stdin to server.
  --pipe-timeout <n> In --pipe mode, abort with error if after sending all data.
                     no reply is received within <n> seconds.
                     Default timeout: 30. Use 0 to wait forever.
  --bigkeys          Sample Redis keys looking for keys with many elements (complexity).
  --memkeys          Sample Redis keys looking for keys consuming a lot of memory.
  --memkeys-samples <n> Sample Redis keys looking for keys consuming a lot of memory.
                     And define number of key elements to sample
  --scan             List all keys using the SCAN command.
  --pattern <pat>    Keys pattern when using the --scan or --bigkeys
                     options (default: *).
  --quoted-pattern <pat> Same as --pattern, but the specified string can be
                         quoted, in order to pass an otherwise non binary-safe string.
  --count <count>    Count option when using --scan.
  --eval <file>      Send an EVAL command using the Lua script at <file>.
  --verbose          Verbose mode.
  --no-auth-warning  Don't show warning message when using password on command
                     line interface.
  --help             Output this help and exit.
  --version          Output version and exit.

Examples:
  cat /etc/passwd | tredis-cli -x set mypasswd
  tredis-cli -D "" --raw dump key > key.dump && tredis-cli -X dump_tag restore key2 0 dump_tag replace < key.dump
  tredis-cli -r 100 lpush mylist x
  tredis-cli -r 100 -i 1 info | grep used_memory_human:
  tredis-cli --quoted-input set '"null-\\x00-separated"' value
  tredis-cli --eval myscript.lua key1 key2 , arg1 arg2 arg3
  tredis-cli --scan --pattern '*:12345*'

  (Note: when using --eval the comma separates KEYS[] from ARGV[] items)

When no command is given, tredis-cli starts in interactive mode.
Type "help" in interactive mode for information on available commands
and settings.

`;
}

/** Build the default configuration (before options are applied). */
export function defaultConfig(tty: TtyInfo): CliConfig {
  return {
    host: '127.0.0.1',
    port: 6379,
    socket: null,
    auth: null,
    user: null,
    dbnum: 0,
    repeat: 1,
    intervalUs: 0,
    stdinLastArg: false,
    stdinTagName: null,
    output: tty.stdoutIsTTY ? 'standard' : 'raw',
    mbDelim: Buffer.from('\n'),
    cmdDelim: Buffer.from('\n'),
    resp3: 0,
    resp2: false,
    setErrcode: false,
    scanMode: false,
    pattern: null,
    count: null,
    noAuthWarning: false,
    pushOutput: tty.stdoutIsTTY,
    quotedInput: false,
    askpass: false,
    clusterMode: false,
    statMode: false,
    latencyMode: false,
    latencyHistory: false,
    bigkeys: false,
    memkeys: false,
    memkeysSamples: 0,
    verbose: false,
    eval: null,
    pipeMode: false,
    pipeTimeout: 30,
    args: [],
  };
}

/**
 * Parse argv (without node and script path) like redis-cli's parseOptions(),
 * then apply REDISCLI_AUTH from `env` like parseEnv().
 */
export function parseOptions(argv: readonly string[], tty: TtyInfo, env: NodeJS.ProcessEnv): ParseResult {
  const cfg = defaultConfig(tty);
  const stderrLines: string[] = [];
  let i = 0;
  const bad = (arg: string): ParseResult => ({
    kind: 'exit',
    code: 1,
    stderr: `Unrecognized option or bad number of args for: '${arg}'\n`,
  });
  for (; i < argv.length; i++) {
    const a = argv[i];
    const lastarg = i === argv.length - 1;
    const next = (): string => argv[++i];
    if (a === '-h' && !lastarg) cfg.host = next();
    else if (a === '-h' && lastarg) return { kind: 'exit', code: 0, stdout: usageText() };
    else if (a === '--help') return { kind: 'exit', code: 0, stdout: usageText() };
    else if (a === '-x') cfg.stdinLastArg = true;
    else if (a === '-X' && !lastarg) cfg.stdinTagName = Buffer.from(next(), 'utf8');
    else if (a === '-p' && !lastarg) cfg.port = atoi(next());
    else if (a === '-s' && !lastarg) cfg.socket = next();
    else if (a === '-r' && !lastarg) cfg.repeat = strtoll(next());
    else if (a === '-i' && !lastarg) cfg.intervalUs = Math.trunc(atof(next()) * 1000000);
    else if (a === '-n' && !lastarg) cfg.dbnum = atoi(next());
    else if (a === '--no-auth-warning') cfg.noAuthWarning = true;
    else if (a === '--askpass') cfg.askpass = true;
    else if ((a === '-a' || a === '--pass') && !lastarg) cfg.auth = Buffer.from(next(), 'utf8');
    else if (a === '--user' && !lastarg) cfg.user = Buffer.from(next(), 'utf8');
    else if (a === '-u' && !lastarg) {
      const err = parseRedisUri(next(), cfg);
      if (err !== null) return { kind: 'exit', code: 1, stderr: `${err}\n` };
    } else if (a === '--raw') cfg.output = 'raw';
    else if (a === '--no-raw') cfg.output = 'standard';
    else if (a === '--quoted-input') cfg.quotedInput = true;
    else if (a === '--csv') cfg.output = 'csv';
    else if (a === '--json') {
      if (cfg.resp3 === 0) cfg.resp3 = 2;
      cfg.output = 'json';
    } else if (a === '--quoted-json') {
      if (cfg.resp3 === 0) cfg.resp3 = 2;
      cfg.output = 'quoted-json';
    } else if (a === '--pipe') cfg.pipeMode = true;
    else if (a === '--pipe-timeout' && !lastarg) {
      cfg.pipeTimeout = atoi(next());
      if (cfg.pipeTimeout < 0) cfg.pipeTimeout = 30;
    } else if (a === '--scan') cfg.scanMode = true;
    else if (a === '--stat') cfg.statMode = true;
    else if (a === '--latency') cfg.latencyMode = true;
    else if (a === '--latency-history') {
      cfg.latencyMode = true;
      cfg.latencyHistory = true;
    } else if (a === '--bigkeys') cfg.bigkeys = true;
    else if (a === '--memkeys') {
      cfg.memkeys = true;
      cfg.memkeysSamples = 0;
    } else if (a === '--memkeys-samples' && !lastarg) {
      cfg.memkeys = true;
      cfg.memkeysSamples = atoi(next());
    }
    else if (a === '--pattern' && !lastarg) cfg.pattern = Buffer.from(next(), 'utf8');
    else if (a === '--quoted-pattern' && !lastarg) {
      const p = unquote(next());
      if (p === null) {
        return { kind: 'exit', code: 1, stderr: 'Invalid quoted string specified for --quoted-pattern.\n' };
      }
      cfg.pattern = p;
    } else if (a === '--count' && !lastarg) cfg.count = atoi(next());
    else if (a === '--eval' && !lastarg) cfg.eval = next();
    else if (a === '-c') cfg.clusterMode = true;
    else if (a === '-d' && !lastarg) cfg.mbDelim = Buffer.from(next(), 'utf8');
    else if (a === '-D' && !lastarg) cfg.cmdDelim = Buffer.from(next(), 'utf8');
    else if (a === '-e') cfg.setErrcode = true;
    else if (a === '--verbose') cfg.verbose = true;
    else if (a === '-v' || a === '--version') return { kind: 'exit', code: 0, stdout: `tredis-cli ${cliVersion()}\n` };
    else if (a === '-2') cfg.resp2 = true;
    else if (a === '-3') cfg.resp3 = 1;
    else if (a === '--show-pushes' && !lastarg) {
      const v = next();
      if (/^n/i.test(v)) cfg.pushOutput = false;
      else if (/^y/i.test(v)) cfg.pushOutput = true;
      else stderrLines.push(`Unknown --show-pushes value '${v}' (valid: '[y]es', '[n]o')\n`);
    } else if (UNSUPPORTED_FLAGS.has(a) || (UNSUPPORTED_WITH_ARG.has(a) && !lastarg)) {
      return { kind: 'exit', code: 1, stderr: `Option '${a}' is not supported by tredis-cli.\n` };
    } else if (a.startsWith('-')) {
      return bad(a);
    } else {
      break;
    }
  }
  cfg.args = argv.slice(i);
  if (cfg.stdinLastArg && cfg.stdinTagName !== null) {
    return { kind: 'exit', code: 1, stderr: 'Options -x and -X are mutually exclusive.\n' };
  }
  if (!cfg.noAuthWarning && cfg.auth !== null) {
    stderrLines.push("Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n");
  }
  // parseEnv(): REDISCLI_AUTH only when no password was given on the command line.
  const envAuth = env['REDISCLI_AUTH'];
  if (envAuth !== undefined && cfg.auth === null) cfg.auth = Buffer.from(envAuth, 'utf8');
  return { kind: 'run', config: cfg, warnings: stderrLines };
}
