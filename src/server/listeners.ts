/**
 * The listening sockets: TCP on every `bind` address (a leading '-' marks an
 * optional one, as Redis 7.0), TLS on `tls-port` at the same addresses, the
 * unix socket, and CONFIG SET port/bind/tls-port moving them. Accepted
 * sockets (TLS ones once their handshake is done) go to the server's
 * connections, one accept path for all.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as fs from 'node:fs';
import type { Server } from './server';
import { bytesToText } from '../config/bytes';
import { strerror } from '../util/strerror';

/** The listeners of one server. */
export class Listeners {
  readonly servers: net.Server[] = [];
  /** TCP port actually bound (port 0 picks a free one; with a tls-port, port 0 means TLS only, as Redis) */
  port = 0;
  /** the tls-port listeners */
  readonly tlsServers: tls.Server[] = [];
  /** TLS port bound (0: none) */
  tlsPort = 0;

  constructor(private readonly server: Server) {}

  /** Listen on `port` at every `bind` address, then on `unixsocket` (initServer's listenToPort). */
  async listen(): Promise<void> {
    const cfg = this.server.config;
    const tlsPort = cfg.settings.tlsPort;
    if (cfg.settings.port !== 0 || tlsPort === 0) {
      try {
        const r = await this.bindAll(cfg.settings.port, cfg.settings.bind as string[], false);
        this.servers.push(...r.servers);
        this.port = r.port;
      } catch (e) {
        throw new Error(`Failed listening on port ${(e as BindError).port} (TCP), aborting.`);
      }
    }
    if (tlsPort !== 0) {
      try {
        const r = await this.bindAll(tlsPort, cfg.settings.bind as string[], true);
        this.tlsServers.push(...(r.servers as tls.Server[]));
        this.tlsPort = r.port;
      } catch (e) {
        await this.abort();
        throw new Error(`Failed listening on port ${(e as BindError).port} (TLS), aborting.`);
      }
    }
    const sock = cfg.path('unixsocket');
    if (sock !== '') {
      try {
        fs.unlinkSync(sock);
      } catch {
        /* not there */
      }
      const srv = await this.listenOne(sock, -1, false);
      const perm = cfg.settings.unixsocketperm as number;
      if (perm) fs.chmodSync(sock, perm);
      this.servers.push(srv);
      this.server.logger.notice(`The server is now ready to accept connections at ${sock}`);
    }
  }

  /**
   * CONFIG SET port / bind: move the TCP listeners (the unix socket stays).
   * A new port is bound before the old listeners close (changeListenPort); a
   * new bind list closes the old listeners first and restores them if the new
   * addresses cannot all be bound (changeBindAddr). Rejects on failure.
   */
  async relisten(port: number, binds: string[], closeFirst: boolean): Promise<void> {
    const old = this.servers.filter((l) => typeof l.address() !== 'string');
    const drop = () => {
      for (const l of old) this.servers.splice(this.servers.indexOf(l), 1);
    };
    if (closeFirst) {
      await closeNow(old);
      drop();
      try {
        if (port !== 0 || this.tlsPort === 0) {
          const r = await this.bindAll(port, binds, false);
          this.servers.push(...r.servers);
          this.port = r.port;
        } else this.port = 0;
        if (this.tlsPort !== 0) await this.relistenTls(this.tlsPort, binds, true);
      } catch (e) {
        this.server.logger.warning('Failed to bind, trying to restore old listening sockets.');
        const r = await this.bindAll(this.port, this.server.config.settings.bind as string[], false).catch(() => null);
        if (r) this.servers.push(...r.servers);
        throw (e as BindError).cause ?? e;
      }
      return;
    }
    if (port === 0 && this.tlsPort !== 0) {
      // port 0 next to a tls-port: stop plain TCP (changeListenPort with 0)
      await closeNow(old);
      drop();
      this.port = 0;
      return;
    }
    const r = await this.bindAll(port, binds, false).catch((e: BindError) => {
      throw e.cause;
    });
    await closeNow(old);
    drop();
    this.servers.push(...r.servers);
    this.port = r.port;
  }

  /**
   * CONFIG SET tls-port: the TLS listeners move (the new port is bound before
   * the old listeners close); 0 closes them. `closeFirst`: a new bind list,
   * the old listeners go first (same port).
   */
  async relistenTls(port: number, binds: string[], closeFirst = false): Promise<void> {
    if (port === this.tlsPort && !closeFirst) return;
    const old = this.tlsServers.splice(0);
    const closeOld = async (): Promise<void> => {
      for (const l of old) this.server.tls.servers.delete(l);
      await closeNow(old);
    };
    if (closeFirst) await closeOld();
    let fresh: tls.Server[] = [];
    let bound = 0;
    try {
      if (port !== 0) {
        if (this.server.tls.serverContext === null) this.server.tls.configure();
        const r = await this.bindAll(port, binds, true);
        fresh = r.servers as tls.Server[];
        bound = r.port;
      }
    } catch (e) {
      if (!closeFirst) this.tlsServers.push(...old);
      else this.tlsPort = 0;
      throw e instanceof BindError ? e.cause : e;
    }
    if (!closeFirst) await closeOld();
    this.tlsServers.push(...fresh);
    this.tlsPort = bound;
  }

  /** CONFIG SET maxclients: the accept limit follows. */
  setMaxClients(n: number): void {
    for (const l of [...this.servers, ...this.tlsServers]) l.maxConnections = n + 32;
  }

  /** Stop listening (shutdown); the unix socket file is removed. */
  async close(): Promise<void> {
    await this.abort();
    const sock = this.server.config.path('unixsocket');
    if (sock !== '') {
      try {
        fs.unlinkSync(sock);
      } catch {
        /* gone */
      }
    }
  }

  /** Close every listener at once without waiting for their clients (start-up failure). */
  async abort(): Promise<void> {
    const all: net.Server[] = [...this.servers, ...this.tlsServers];
    for (const l of this.tlsServers) this.server.tls.servers.delete(l);
    this.servers.length = 0;
    this.tlsServers.length = 0;
    await Promise.all(all.map((l) => new Promise<void>((r) => l.close(() => r()))));
  }

  /** Bind every address of `binds` on `port`; on failure logs Redis's line, closes what it bound and throws a BindError. */
  private async bindAll(port: number, binds: string[], secure: boolean): Promise<{ servers: net.Server[]; port: number }> {
    const servers: net.Server[] = [];
    const seen = new Set<string>();
    let bound = port;
    try {
      for (const b of binds.length === 0 ? ['*'] : binds) {
        const optional = b.startsWith('-');
        const h = optional ? b.slice(1) : b;
        const host = h === '*' ? '0.0.0.0' : h === '::*' ? '::' : h;
        if (seen.has(host)) continue;
        seen.add(host);
        try {
          const srv = await this.listenOne(host, bound, secure);
          const a = srv.address();
          if (a && typeof a === 'object') bound = a.port;
          servers.push(srv);
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || err.code === 'EINVAL')) continue;
          this.server.logger.warning(`Warning: Could not create server ${secure ? 'TLS' : 'TCP'} listening socket ${bytesToText(host)}:${bound}: ${listenErrorText(err)}`);
          throw new BindError(err, bound);
        }
      }
    } catch (e) {
      await closeNow(servers);
      throw e;
    }
    return { servers, port: bound };
  }

  private listenOne(host: string, port: number, secure: boolean): Promise<net.Server> {
    const server = this.server;
    return new Promise((resolve, reject) => {
      let srv: net.Server;
      if (secure) {
        const t = tls.createServer({ ...server.tls.listenerOptions(), noDelay: true }, (s) => server.connections.accept(s, t, true));
        // a failed handshake never becomes a client (Redis logs it at verbose level)
        t.on('tlsClientError', (e, s) => {
          server.logger.verbose(`Error accepting a client connection: ${e.message} (conn: fd=${(s as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1})`);
        });
        server.tls.servers.add(t);
        srv = t;
      } else {
        // paused: the connection moves to a socket reading into the shared buffer
        const plain = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => server.connections.accept(s, plain));
        srv = plain;
      }
      srv.maxConnections = server.config.settings.maxclients + 32;
      const onErr = (e: Error) => reject(e);
      srv.once('error', onErr);
      const name = bytesToText(host);
      const opts: net.ListenOptions = port < 0 ? { path: name } : { host: name, port, backlog: server.config.settings.tcpBacklog, ipv6Only: host === '::' };
      srv.listen(opts, () => {
        srv.off('error', onErr);
        srv.on('error', (e) => server.logger.warning(`Accept error: ${e.message}`));
        resolve(srv);
      });
    });
  }
}

/** A listen failure, with the port it was tried on. */
class BindError extends Error {
  constructor(
    override readonly cause: Error,
    readonly port: number,
  ) {
    super(cause.message);
  }
}

/** close() frees the listening socket at once; its callback would wait for every client to go. */
async function closeNow(ls: net.Server[]): Promise<void> {
  for (const l of ls) l.close();
  await new Promise((r) => setImmediate(r));
}

/** The reason anetTcpServer gives for a listen error, in Redis's words where they differ from Node's. */
/** anetTcpServer's error text for a failed listen (`bind: Address already in use`). */
export function listenErrorText(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return 'bind: ' + strerror(err);
  // getaddrinfo(3) failing on a bind address that is no address: gai_strerror(EAI_NONAME)
  if (err.syscall === 'getaddrinfo' || err.code === 'ENOTFOUND') return 'Name or service not known';
  return err.message;
}
