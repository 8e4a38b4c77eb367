/**
 * One attempt to synchronize with the master: the connection, its reader,
 * the temp file of a disk transfer, and the AbortController that cancels
 * it. The steps get this as their context and its signal; aborting it
 * (repl-timeout from the cron, or the run loop being stopped) destroys the
 * socket at once, so whatever a step awaits rejects with the abort reason.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as fs from 'node:fs';
import type { Server } from '../../server/server';
import type { ReplicaSide } from './replica-side';
import type { SyncCancelled } from './errors';
import { StreamReader } from './stream-reader';

/** The context of the steps of one sync attempt. */
export class SyncAttempt {
  readonly socket: net.Socket;
  readonly reader: StreamReader;
  /** the temp file a disk transfer writes (-1 / null: none open) */
  fd = -1;
  tmpfile: string | null = null;
  /** we set server.loading */
  loading = false;
  /** the socket was handed to the master client */
  handedOver = false;
  private readonly controller = new AbortController();
  private readonly onRunAbort = (): void => this.abort(this.run.reason as SyncCancelled);

  /** The link is TLS (tls-replication yes): the connect step waits for the handshake. */
  readonly secure: boolean;

  /** Connects to side.masterHost:masterPort (net.connect does not block; the connect step awaits it). */
  constructor(
    readonly side: ReplicaSide,
    private readonly run: AbortSignal,
  ) {
    const s = side.server;
    const tlsOptions = s.config.settings.tlsReplication ? s.tls.clientOptions : null;
    this.secure = tlsOptions !== null;
    this.socket =
      tlsOptions !== null
        ? tls.connect({ ...tlsOptions, host: side.masterHost as string, port: side.masterPort })
        : net.connect({ host: side.masterHost as string, port: side.masterPort, noDelay: true });
    this.socket.setNoDelay(true);
    this.reader = new StreamReader(this.socket, (n) => (s.stats.netReplInputBytes += n));
    this.signal.addEventListener('abort', () => {
      if (!this.handedOver) this.socket.destroy();
    });
    // stopping the run loop cancels the attempt it is waiting for
    run.addEventListener('abort', this.onRunAbort, { once: true });
  }

  get server(): Server {
    return this.side.server;
  }

  /** Aborted when the attempt is cancelled; its reason says how the loop goes on. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Cancel the attempt (the socket is destroyed now; the step in progress rejects with the reason). */
  abort(reason: SyncCancelled): void {
    this.controller.abort(reason);
  }

  /** The socket now belongs to the master client: returns the bytes received but not read. */
  handOver(): Buffer {
    const rest = this.reader.detach();
    this.handedOver = true;
    this.release();
    return rest;
  }

  /** Free what the attempt holds (socket, temp file, the loading flag) unless it was already freed or handed over. */
  dispose(): void {
    this.run.removeEventListener('abort', this.onRunAbort);
    if (this.side.attempt !== this) return;
    this.release();
    this.reader.detach();
    if (!this.handedOver && !this.socket.destroyed) this.socket.destroy();
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* closed */
      }
      this.fd = -1;
    }
    if (this.tmpfile !== null) {
      fs.unlink(this.tmpfile, () => {});
      this.tmpfile = null;
    }
    if (this.loading) {
      this.server.loading = false;
      this.loading = false;
    }
    this.side.transferSize = -1;
    this.side.transferRead = 0;
  }

  private release(): void {
    this.run.removeEventListener('abort', this.onRunAbort);
    if (this.side.attempt === this) this.side.attempt = null;
  }
}
