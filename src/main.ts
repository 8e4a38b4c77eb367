/**
 * tredis-server [/path/to/redis.conf] [--option value ...]
 * Parses the command line and config file as redis-server does, optionally
 * daemonizes (re-spawning detached, since Node cannot fork), writes the pid
 * file, starts the server and shuts down cleanly on SIGTERM/SIGINT.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { Server } from './server/server';
import { installSubsystems } from './server/subsystems';
import { parseCommandLine, ConfigFileError } from './config/parse';

const VERSION = 'Redis server v=7.0.15 sha=00000000:0 malloc=libc bits=64 build=tredis';

function usage(): void {
  process.stderr.write(
    'Usage: ./tredis-server [/path/to/redis.conf] [options] [-]\n       ./tredis-server - (read config from stdin)\n       ./tredis-server -v or --version\n       ./tredis-server -h or --help\n\nExamples:\n       ./tredis-server (run the server with default conf)\n       ./tredis-server /etc/redis/6379.conf\n       ./tredis-server --port 7777\n       ./tredis-server --port 7777 --replicaof 127.0.0.1 8888\n       ./tredis-server /etc/myredis.conf --loglevel verbose -\n       ./tredis-server /etc/myredis.conf --loglevel verbose\n',
  );
}

/** Entry point of the tredis-server binary. */
export async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(VERSION + '\n');
    return;
  }
  if (argv[0] === '-h' || argv[0] === '--help') {
    usage();
    return;
  }
  const server = new Server({ logToStdout: true });
  let file: string | null;
  try {
    const parsed = parseCommandLine(argv);
    file = parsed.file;
    server.config.loadDirectives(parsed.directives);
  } catch (e) {
    if (e instanceof ConfigFileError) {
      process.stderr.write(e.format());
      process.exit(1);
    }
    throw e;
  }
  if (file && file !== '-') server.config.file = path.resolve(file);
  if (server.config.bool('daemonize') && process.env.TREDIS_DAEMON_CHILD !== '1') {
    const child = spawn(process.execPath, [process.argv[1], ...argv], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, TREDIS_DAEMON_CHILD: '1' },
      cwd: process.cwd(),
    });
    child.unref();
    return;
  }
  if (process.env.TREDIS_DAEMON_CHILD === '1') server.logger.quiet = true;
  if (!file) {
    server.logger.warning('Warning: no config file specified, using the default config. In order to specify a config file use tredis-server /path/to/redis.conf');
  }
  installSubsystems(server);
  let pidfile = server.config.str('pidfile');
  if (pidfile === '' && server.config.bool('daemonize')) pidfile = '/var/run/redis.pid';
  try {
    await server.start();
  } catch (e) {
    server.logger.warning((e as Error).message);
    process.exit(1);
  }
  if (pidfile !== '') {
    try {
      fs.writeFileSync(pidfile, `${process.pid}\n`);
      server.config.setRaw('pidfile', pidfile);
    } catch (e) {
      server.logger.warning(`Failed to write PID file: ${(e as Error).message}`);
    }
  }
  server.onExit = () => process.exit(0);
  let shuttingDown = false;
  const onSignal = (sig: string) => {
    if (shuttingDown) {
      server.logger.warning(`You insist... exiting now.`);
      process.exit(1);
    }
    shuttingDown = true;
    server.logger.warning(`Received ${sig} scheduling shutdown...`);
    void server.shutdown({ save: null, now: false, force: false }).then((ok) => {
      if (!ok) shuttingDown = false;
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
