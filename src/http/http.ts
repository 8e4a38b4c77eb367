/**
 * The optional HTTP side of a server (`http-port`, default 0 = off, on
 * `http-bind`, default 127.0.0.1): a live replication dashboard page (/),
 * Prometheus metrics with redis_exporter's names (/metrics) and the
 * replication topology reachable from this node as JSON (/api/topology).
 * tredis-only: the directives are hidden from CONFIG GET patterns.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '../server/server';
import { genInfoString } from '../info/info';
import { bytesToText } from '../config/bytes';
import { connect } from '../client';
import { listenErrorText } from '../server/listeners';
import { parseInfo, nodeFromInfo, nodeId, type NodeView } from './node-info';
import { renderMetrics } from './metrics';
import { DASHBOARD_HTML } from './page';

/** Log lines about replication kept for the page (the last 50). */
const REPL_LOG = /MASTER|REPLICA|[Rr]eplica|[Ss]ync|PSYNC|resync|backlog|replication|Connecting to|Connection with|FAILOVER|failover|Lagging|slave/;
const MAX_EVENTS = 50;
/** Nodes visited per /api/topology (a chain or a fan-out of this size is already unusual). */
const MAX_NODES = 32;

/** The HTTP dashboard part of a Server. */
export class HttpDashboard {
  private server: http.Server | null = null;
  private readonly events: string[] = [];
  /** the bound port (0 when off) */
  port = 0;

  constructor(private readonly srv: Server) {
    srv.logger.listeners.push((line) => {
      if (!REPL_LOG.test(line)) return;
      this.events.push(line.replace(/\n$/, ''));
      if (this.events.length > MAX_EVENTS) this.events.shift();
    });
  }

  /**
   * Listen on http-bind:http-port when http-port is not 0 and log the URL
   * (`Dashboard: http://127.0.0.1:<port>/`). The dashboard is optional: when
   * it cannot listen (port taken, bad address) the server logs a warning as
   * Redis words a failed listen and starts without it (port stays 0).
   */
  async start(): Promise<void> {
    const port = this.srv.config.settings.httpPort;
    if (port === 0) return;
    const host = bytesToText(this.srv.config.settings.httpBind) || '127.0.0.1';
    const s = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
    const failed = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      s.once('error', resolve);
      s.listen(port, host, () => {
        s.removeListener('error', resolve);
        resolve(null);
      });
    });
    if (failed !== null) {
      this.srv.logger.warning(`Warning: Could not create HTTP dashboard listening socket ${host}:${port}: ${listenErrorText(failed)}`);
      this.srv.logger.warning(`Failed listening on HTTP port ${port}, going on without the dashboard.`);
      s.close();
      return;
    }
    this.server = s;
    this.port = (s.address() as AddressInfo).port;
    this.srv.logger.notice(`Dashboard: http://${host.includes(':') ? `[${host}]` : host}:${this.port}/ (also /metrics, /api/topology)`);
  }

  /** Stop listening and drop open HTTP connections. */
  async stop(): Promise<void> {
    const s = this.server;
    if (s === null) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (url.pathname) {
      case '/':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(DASHBOARD_HTML);
        return;
      case '/metrics':
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(renderMetrics(this.localInfo()));
        return;
      case '/api/topology':
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(await this.topology()));
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  private localInfo(): Map<string, string> {
    return parseInfo(genInfoString(this.srv, ['everything']));
  }

  /** This node's id as its replicas and master name it. */
  private selfId(): string {
    const binds = this.srv.config.settings.bind.map((b) => bytesToText(b).replace(/^-/, ''));
    const host = binds.find((b) => b !== '*' && b !== '::*' && b !== '::1') ?? '127.0.0.1';
    return nodeId(host === '0.0.0.0' ? '127.0.0.1' : host, this.srv.port);
  }

  /**
   * This node, its master chain and its replicas, recursively (breadth-first,
   * each remote node asked `INFO everything` with a 1 s budget; AUTH with
   * masterauth when the node wants a password).
   */
  async topology(): Promise<{ self: string; time: number; nodes: NodeView[]; events: string[] }> {
    const self = this.selfId();
    const nodes = new Map<string, NodeView>();
    const queue: string[] = [];
    const visit = (n: NodeView): void => {
      nodes.set(n.id, n);
      if (n.master) queue.push(n.master);
      for (const r of n.replicas ?? []) queue.push(r.id);
    };
    visit(nodeFromInfo(self, this.localInfo()));
    while (queue.length > 0 && nodes.size < MAX_NODES) {
      const id = queue.shift()!;
      if (nodes.has(id)) continue;
      const [host, port] = [id.slice(0, id.lastIndexOf(':')), Number(id.slice(id.lastIndexOf(':') + 1))];
      if (port === this.srv.port && (host === '127.0.0.1' || id === self)) continue;
      visit(await this.remote(id, host, port));
    }
    return { self, time: this.srv.now(), nodes: [...nodes.values()], events: [...this.events] };
  }

  private async remote(id: string, host: string, port: number): Promise<NodeView> {
    const pass = bytesToText(this.srv.config.settings.masterauth);
    const user = bytesToText(this.srv.config.settings.masteruser);
    let timer: NodeJS.Timeout | undefined;
    let client: Awaited<ReturnType<typeof connect>> | null = null;
    let late = false;
    const work = (async () => {
      client = await connect(port, host);
      if (late) client.close();
      if (pass !== '') await (user !== '' ? client.call('AUTH', user, pass) : client.call('AUTH', pass)).catch(() => undefined);
      return nodeFromInfo(id, parseInfo(String(await client.call('INFO', 'everything'))));
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), 1000);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (e) {
      late = true;
      work.catch(() => undefined);
      return { id, up: false, error: (e as Error).message };
    } finally {
      clearTimeout(timer);
      (client as { close(): void } | null)?.close();
    }
  }
}
