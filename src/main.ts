/**
 * tredis-server [/path/to/redis.conf] [--option value ...] [-]
 * Parses the command line and config file as redis-server does (errors are
 * Redis's FATAL CONFIG FILE ERROR block, exit 1), changes to `dir`,
 * optionally daemonizes (re-spawning detached, since Node cannot fork),
 * writes the pid file, starts the server and shuts down cleanly on
 * SIGTERM/SIGINT following shutdown-on-sigterm / shutdown-on-sigint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
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

/** Entry point of the tredis-server binary. */
export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(VERSION + '\n');
    return;
  }
  if (argv[0] === '-h' || argv[0] === '--help') {
    usage();
    process.exit(1);
  }
  const origCwd = process.cwd();
  const server = new Server({ logToStdout: true });
  let file: string | null;
  let directives: Directive[];
  try {
    const parsed = parseCommandLine(argv);
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
  if (server.config.settings.daemonize && !daemonChild) {
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
    process.chdir(dir);
    // the server resolves `dir` against the new cwd: it is the cwd now
    server.config.setRaw('dir', textToBytes(process.cwd()));
  } catch (e) {
    const d = [...directives].reverse().find((x) => x.name === 'dir');
    process.stderr.write(new ConfigFileError(strerror(e), d?.line ?? 0, d?.text ?? '').format());
    process.exit(1);
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
    server.configLoadedMessage = `Warning: no config file specified, using the default config. In order to specify a config file use ${process.argv[1] ?? 'tredis-server'} /path/to/redis.conf`;
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
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
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

if (require.main === module) run();
