/**
 * CLIENT PAUSE / UNPAUSE (and the pause a FAILOVER takes): commands of
 * paused clients are held back, with their argv, until the pause ends.
 */
import type { Client } from './client';
import type { Command } from '../commands/spec';
import type { Server } from './server';

/** The CLIENT PAUSE state of one server. */
export class ClientPause {
  /** ms; 0 = not paused */
  until = 0;
  /** PAUSE WRITE: only commands that may write wait */
  writeOnly = false;
  /** clients with a command held back */
  readonly postponed = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly server: Server) {}

  /** Whether this command must wait because of CLIENT PAUSE; mayWrite overrides the command's flags (a script's declared flags). */
  isPausedFor(c: Client, cmd: Command, mayWrite?: boolean): boolean {
    if (this.until === 0) return false;
    if (this.server.now() >= this.until) {
      this.unpause();
      return false;
    }
    if (c.isMaster || c.isReplica || c.isFake) return false;
    if (!this.writeOnly) return true;
    return mayWrite ?? (cmd.isWrite || cmd.mayReplicate);
  }

  /** Format: CLIENT PAUSE timeout [WRITE|ALL] */
  pause(ms: number, writeOnly: boolean): void {
    const until = this.server.now() + ms;
    if (until > this.until) this.until = until;
    this.writeOnly = writeOnly;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.unpause(), Math.max(0, this.until - this.server.now()));
  }

  /** Format: CLIENT UNPAUSE */
  unpause(): void {
    this.until = 0;
    this.stop();
    const list = [...this.postponed];
    this.postponed.clear();
    for (const c of list) setImmediate(() => this.server.connections.processInput(c));
  }

  /** Clear the timer (shutdown). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
