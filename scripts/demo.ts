/**
 * `npm run demo`: a master and two replicas, as in the usual tutorials.
 *
 * Starts three tredis-server processes (bin/tredis-server) from config files
 * written to ./demo-data/<port>/ — on 6379/6380/6381 when those are free,
 * else on free ports — writes a key on the master, reads it back on both
 * replicas, prints INFO replication of each, then keeps running until
 * Ctrl-C, which stops all three. Each node serves the replication dashboard
 * (http-port) on 8080/8081/8082 when those are free, else on free ports, and
 * the demo prints each URL. `--once` stops right after printing;
 * `--free-ports` takes free ports for everything (tests use it).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'tredis-server');
const DATA = path.resolve('demo-data');

/** One reply of the tiny demo client. */
type Reply = string | number | null | Error | Reply[];

/** Send one command and read one reply (enough for a demo). */
function call(port: number, ...argv: string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('connect', () => {
      let out = `*${argv.length}\r\n`;
      for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
      s.write(out);
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const r = parse(buf, 0);
      if (r !== null) {
        s.destroy();
        resolve(r[0]);
      }
    });
  });
}

function parse(b: Buffer, p: number): [Reply, number] | null {
  const nl = b.indexOf('\r\n', p);
  if (nl < 0) return null;
  const line = b.toString('utf8', p + 1, nl);
  switch (String.fromCharCode(b[p])) {
    case '+':
      return [line, nl + 2];
    case '-':
      return [new Error(line), nl + 2];
    case ':':
      return [Number(line), nl + 2];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, nl + 2];
      if (b.length < nl + 2 + n + 2) return null;
      return [b.toString('utf8', nl + 2, nl + 2 + n), nl + 4 + n];
    }
    case '*': {
      const n = Number(line);
      const items: Reply[] = [];
      let q = nl + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(b, q);
        if (r === null) return null;
        items.push(r[0]);
        q = r[1];
      }
      return [items, q];
    }
    default:
      return [new Error(`unexpected reply ${line}`), nl + 2];
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/** The wanted ports when all are free (and not --free-ports), else as many other free ports, none in `taken`. */
async function choosePorts(wanted: number[], anyPorts: boolean, taken: number[] = []): Promise<number[]> {
  if (!anyPorts && !wanted.some((p) => taken.includes(p)) && (await Promise.all(wanted.map(portFree))).every(Boolean)) return wanted;
  const ports: number[] = [];
  for (let tries = 0; ports.length < wanted.length; tries++) {
    if (tries > 100) throw new Error('no free ports');
    const p = await anyFreePort();
    if (!ports.includes(p) && !taken.includes(p)) ports.push(p);
  }
  return ports;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      if (!(e as NodeJS.ErrnoException).code) throw e; // a socket error means "not up yet"
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  const anyPorts = process.argv.includes('--free-ports');
  const ports = await choosePorts([6379, 6380, 6381], anyPorts);
  const [master, ...replicas] = ports;
  // every node serves the replication dashboard (http-port), 8080/8081/8082 when free
  const httpPorts = await choosePorts([8080, 8081, 8082], anyPorts, ports);
  const url = (i: number): string => `http://127.0.0.1:${httpPorts[i]}/`;
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    try {
      process.stdout.write('\nStopping the three servers...\n');
    } catch {
      /* stdout closed */
    }
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 5000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // never leave servers behind: a closed stdout (| head) or a crash stops them too
  process.stdout.on('error', () => void stop(0));
  process.on('uncaughtException', (e) => {
    process.stderr.write(`demo failed: ${e.message}\n`);
    void stop(1);
  });
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  try {
    for (const [i, port] of ports.entries()) {
      const dir = path.join(DATA, String(port));
      fs.mkdirSync(dir, { recursive: true });
      const lines = [`# tredis demo: ${port === master ? 'master' : 'replica'}`, 'bind 127.0.0.1', `port ${port}`, `dir ${dir}`, `logfile ${path.join(dir, 'tredis.log')}`, `dbfilename dump${port}.rdb`, 'save ""', `http-port ${httpPorts[i]}`];
      if (port !== master) lines.push(`slaveof 127.0.0.1 ${master}`, 'slave-read-only yes');
      else lines.push('repl-diskless-sync-delay 0');
      const conf = path.join(dir, `redis${port}.conf`);
      fs.writeFileSync(conf, lines.join('\n') + '\n');
      const child = spawn(process.execPath, [BIN, conf], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      child.once('exit', (code, sig) => {
        if (!stopping) process.stderr.write(`tredis-server on port ${port} exited (${sig ?? code})\n`);
      });
      await waitFor(`tredis-server on ${port}`, async () => {
        if (child.exitCode !== null) throw new Error(`tredis-server on ${port} exited with ${child.exitCode}`);
        return (await call(port, 'PING')) === 'PONG';
      });
      process.stdout.write(`started ${port === master ? 'master ' : 'replica'} on 127.0.0.1:${port} (config ${conf})  Dashboard: ${url(i)}\n`);
    }

    const value = `hello from the master at ${new Date().toISOString()}`;
    process.stdout.write(`\nmaster  ${master}> SET greeting "${value}"  -> ${String(await call(master, 'SET', 'greeting', value))}\n`);
    for (const port of replicas) {
      await waitFor(`replica ${port} to get the key`, async () => (await call(port, 'GET', 'greeting')) === value);
      process.stdout.write(`replica ${port}> GET greeting  -> "${String(await call(port, 'GET', 'greeting'))}"\n`);
    }
    const ro = await call(replicas[0], 'SET', 'greeting', 'nope');
    process.stdout.write(`replica ${replicas[0]}> SET greeting nope  -> ${ro instanceof Error ? `(error) ${ro.message}` : String(ro)}\n`);
    await waitFor('both replicas online', async () => String(await call(master, 'INFO', 'replication')).includes('connected_slaves:2'));
    // replicas ACK once a second: wait until the master shows them at its own offset
    await waitFor('the replicas ACKs', async () => {
      const inf = String(await call(master, 'INFO', 'replication'));
      const off = /master_repl_offset:(\d+)/.exec(inf)?.[1];
      return (inf.match(new RegExp(`state=online,offset=${off},`, 'g')) ?? []).length === 2;
    }, 5000).catch(() => undefined);
    for (const port of ports) {
      process.stdout.write(`\n127.0.0.1:${port}> INFO replication\n${String(await call(port, 'INFO', 'replication')).replace(/\r\n/g, '\n')}`);
    }
    process.stdout.write(`\nLogs and configs are in ${DATA}/<port>/. Try: tredis-cli -p ${replicas[0]} INFO replication\n`);
    for (const [i, port] of ports.entries()) process.stdout.write(`Dashboard: ${url(i)}  (${port === master ? 'master' : 'replica'} ${port}; also /metrics and /api/topology)\n`);
    if (once) return void (await stop(0));
    process.stdout.write('Press Ctrl-C to stop.\n');
    setInterval(() => {}, 1 << 30);
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    await stop(1);
  }
}

void main();
