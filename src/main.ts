/**
 * tredis-server [/path/to/redis.conf] [--option value ...] [-]
 * Parses the command line and config file as redis-server does (errors are
 * Redis's FATAL CONFIG FILE ERROR block, exit 1), changes to `dir`,
 * optionally daemonizes (re-spawning detached, since Node cannot fork),
 * writes the pid file, starts the server and shuts down cleanly on
 * SIGTERM/SIGINT following shutdown-on-sigterm / shutdown-on-sigint.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { spawn } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Server } from './server/server';
import { parseCommandLine, ConfigFileError, ConfigOpenError, type Directive } from './config/parse';
import { logTimestamp } from './server/logger';
import { bytesToText, textToBytes } from './config/bytes';
import { StartupExit } from './util/startup-exit';
import { strerror } from './util/strerror';
import { REDIS_VERSION, tredisVersion } from './version';

const VERSION = `Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=tredis-${tredisVersion()}`;

function usage(): void {
  process.stderr.write(
    'Usage: ./tredis-server [/path/to/redis.conf] [options] [-]\n       ./tredis-server - (read config from stdin)\n       ./tredis-server -v or --version\n       ./tredis-server -h or --help\n\nExamples:\n       ./tredis-server (run the server with default conf)\n       ./tredis-server /etc/redis/6379.conf\n       ./tredis-server --port 7777\n       ./tredis-server --port 7777 --replicaof 127.0.0.1 8888\n       ./tredis-server /etc/myredis.conf --loglevel verbose -\n       ./tredis-server /etc/myredis.conf --loglevel verbose\n',
  );
}

/** A log line written before the server (and its logger) exists, as serverLog does at start-up. */
function earlyLog(mark: string, msg: string): void {
  process.stdout.write(`${process.pid}:C ${logTimestamp(new Date())} ${mark} ${msg}\n`);
}

/** serverLogFromHandler's format: `<pid>:signal-handler (<unixtime>) <msg>`. */
function signalLog(server: Server, msg: string): void {
  server.logger.raw(`${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${msg}\n`);
}

/**
 * What the launching thread hands to the worker thread that runs the server
 * with a sized heap: the command line already parsed (stdin read once,
 * includes resolved before the chdir to `dir`).
 */
interface Launch {
  tredisLaunch: true;
  argv: string[];
  /** absolute path of the config file, '-' or null */
  file: string | null;
  directives: Directive[];
  /** the launcher script as the user named it (for the no-config-file warning) */
  script: string;
}

const MB = 1024 * 1024;

/**
 * The heap the server should run with, in MB, or null to run in this thread
 * as it is: from maxmemory (twice it plus 256 MB, for garbage between
 * collections, fork-less snapshots and buffers; never past 90% of the
 * machine unless maxmemory itself is) or, without maxmemory, 80% of the
 * machine's memory (os.totalmem(), or the cgroup limit when lower). Null when
 * node was given --max-old-space-size (the user decided) or when this
 * thread's heap is already that big. TREDIS_MAX_OLD_SPACE_SIZE (MB) forces a
 * size (tests use it to run with a tiny heap).
 */
export function heapPlanMb(maxmemory: number, env: NodeJS.ProcessEnv = process.env): number | null {
  const forced = Number(env.TREDIS_MAX_OLD_SPACE_SIZE ?? '');
  if (forced > 0) return Math.ceil(forced);
  const userFlag = (a: string) => a.startsWith('--max-old-space-size') || a.startsWith('--max_old_space_size');
  if (process.execArgv.some(userFlag) || (env.NODE_OPTIONS ?? '').split(/\s+/).some(userFlag)) return null;
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const machine = constrained !== undefined && constrained > 0 && constrained < os.totalmem() ? constrained : os.totalmem();
  let want: number;
  if (maxmemory > 0) want = Math.max(Math.min(maxmemory * 2 + 256 * MB, machine * 0.9), maxmemory + 128 * MB);
  else want = machine * 0.8;
  if (want <= v8.getHeapStatistics().heap_size_limit * 1.05) return null;
  return Math.ceil(want / MB);
}

/**
 * Run the server in a worker thread whose V8 heap is `mb` MB: the same
 * process (same PID, pid file, logs), signals forwarded to it, its exit code
 * made the process's. A heap that still runs out ends the worker, not the
 * process abruptly: it is logged in Redis's format and the process exits 1.
 */
function runInWorker(launch: Launch, mb: number): void {
  // MEMORY PURGE and the heap guard can then force a full collection
  v8.setFlagsFromString('--expose-gc');
  const w = new Worker(__filename, { argv: launch.argv, workerData: launch, resourceLimits: { maxOldGenerationSizeMb: mb } });
  const forward = (sig: NodeJS.Signals) => w.postMessage({ signal: sig });
  process.on('SIGTERM', () => forward('SIGTERM'));
  process.on('SIGINT', () => forward('SIGINT'));
  w.on('error', (e) => {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ERR_WORKER_OUT_OF_MEMORY' ? `Out Of Memory: the heap (${mb} MB) is exhausted. Exiting.` : `Fatal error: ${e.stack ?? e}`;
    process.stdout.write(`${process.pid}:M ${logTimestamp(new Date())} # ${why}\n`);
    process.exit(1);
  });
  w.on('exit', (code) => process.exit(code));
}

/** Entry point of the tredis-server binary (`launch`: inside the worker thread runInWorker started). */
export async function main(argv: string[], launch?: Launch): Promise<void> {
  if (launch === undefined && (argv[0] === '-v' || argv[0] === '--version')) {
    process.stdout.write(VERSION + '\n');
    return;
  }
  if (launch === undefined && (argv[0] === '-h' || argv[0] === '--help')) {
    usage();
    process.exit(1);
  }
  const origCwd = process.cwd();
  const server = new Server({ logToStdout: true });
  let file: string | null;
  let directives: Directive[];
  try {
    const parsed = launch ?? parseCommandLine(argv);
    file = parsed.file;
    directives = parsed.directives;
    server.config.loadDirectives(directives);
  } catch (e) {
    if (e instanceof ConfigFileError) {
      process.stderr.write(e.format());
      process.exit(1);
    }
    if (e instanceof ConfigOpenError) {
      earlyLog('#', e.message);
      process.exit(1);
    }
    throw e;
  }
  if (file !== null && file !== '-') server.config.file = path.resolve(file);
  const daemonChild = process.env.TREDIS_DAEMON_CHILD === '1';
  if (server.config.settings.daemonize && !daemonChild && launch === undefined) {
    // daemonize(): the parent returns at once, the child keeps running detached
    const child = spawn(process.execPath, [process.argv[1], ...argv], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, TREDIS_DAEMON_CHILD: '1' },
      cwd: origCwd,
    });
    child.unref();
    return;
  }
  // Redis chdir()s to `dir` while reading the config: relative paths (logfile, pidfile, dump) are inside it
  const dir = bytesToText(server.config.settings.dir);
  try {
    // a worker cannot chdir: the launching thread did it for the whole process
    if (launch === undefined) process.chdir(dir);
    // the server resolves `dir` against the new cwd: it is the cwd now
    server.config.setRaw('dir', textToBytes(process.cwd()));
  } catch (e) {
    const d = [...directives].reverse().find((x) => x.name === 'dir');
    process.stderr.write(new ConfigFileError(strerror(e), d?.line ?? 0, d?.text ?? '').format());
    process.exit(1);
  }
  if (launch === undefined && isMainThread) {
    const mb = heapPlanMb(server.config.settings.maxmemory);
    if (mb !== null) {
      runInWorker({ tredisLaunch: true, argv, file: server.config.file ?? file, directives, script: process.argv[1] ?? 'tredis-server' }, mb);
      return;
    }
  }
  const logfile = bytesToText(server.config.settings.logfile);
  if (logfile !== '') {
    try {
      fs.closeSync(fs.openSync(logfile, 'a'));
    } catch (e) {
      process.stderr.write(`\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: ${strerror(e)}\n`);
      process.exit(1);
    }
  }
  if (daemonChild) server.logger.quiet = true;
  if (argv.length === 0) {
    server.configLoadedMessage = `Warning: no config file specified, using the default config. In order to specify a config file use ${launch?.script ?? process.argv[1] ?? 'tredis-server'} /path/to/redis.conf`;
  }
  // createPidFile(): daemonized servers always have one
  let pidfile = bytesToText(server.config.settings.pidfile);
  if (pidfile === '' && daemonChild) pidfile = '/var/run/redis.pid';
  if (pidfile !== '') {
    server.config.setRaw('pidfile', textToBytes(pidfile));
    try {
      fs.writeFileSync(pidfile, `${process.pid}\n`);
    } catch (e) {
      earlyLog('#', `Failed to write PID file: ${strerror(e)}`);
    }
  }
  try {
    await server.start();
  } catch (e) {
    // a StartupExit was logged where it happened, as Redis logs and then exit(1)s
    if (!(e instanceof StartupExit)) server.logger.warning((e as Error).message);
    if (pidfile !== '') {
      try {
        fs.unlinkSync(pidfile);
      } catch {
        /* gone */
      }
    }
    process.exit(1);
  }
  server.onExit = () => process.exit(0);
  let shuttingDown = false;
  const onSignal = (sig: 'SIGTERM' | 'SIGINT') => {
    if (shuttingDown) {
      if (sig === 'SIGINT') {
        signalLog(server, 'You insist... exiting now.');
        process.exit(1);
      }
      return;
    }
    shuttingDown = true;
    signalLog(server, `Received ${sig} scheduling shutdown...`);
    const { shutdownOnSigint, shutdownOnSigterm } = server.config.settings;
    const flags = sig === 'SIGINT' ? shutdownOnSigint : shutdownOnSigterm;
    const save = flags.includes('save') ? true : flags.includes('nosave') ? false : null;
    void server.shutdown({ save, now: flags.includes('now'), force: flags.includes('force') }).then((ok) => {
      if (!ok) {
        server.logger.warning('Errors trying to shut down the server. Check the logs for more information.');
        shuttingDown = false;
      }
    });
  };
  if (launch !== undefined) {
    // signals reach the process's main thread, which forwards them here
    parentPort?.on('message', (m: { signal?: 'SIGTERM' | 'SIGINT' }) => {
      if (m.signal !== undefined) onSignal(m.signal);
    });
  } else {
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  }
  process.on('uncaughtException', (e) => {
    server.logger.warning(`Uncaught exception: ${e.stack ?? e}`);
  });
}

/** Launcher helper used by bin/tredis-server. */
export function run(): void {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}

if (!isMainThread && (workerData as Launch | null)?.tredisLaunch === true) {
  const launch = workerData as Launch;
  // a worker's argv[1] is this file: show the launcher the user ran (INFO's executable) as the main thread would
  process.argv[1] = launch.script;
  main(launch.argv, launch).catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
} else if (require.main === module) run();
