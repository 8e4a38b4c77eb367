/**
 * Clients blocked by BLPOP & co. (Redis's blocked.c): the index of keys to
 * clients, the keys that became ready during an execution unit, timeouts,
 * and serving ready clients in the order they blocked.
 */
import type { Client, BlockState } from './client';
import type { Server } from './server';

/** setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): longer waits are armed in steps. */
const MAX_DELAY = 0x7fffffff;

/** Blocked clients of one server. */
export class Blocking {
  /** `${db}\0${key}` -> clients blocked on it, in blocking order */
  readonly blockingKeys = new Map<string, Client[]>();
  /** every blocked client (keys, WAIT, pause) */
  readonly blockedClients = new Set<Client>();
  private readyKeys = new Set<string>();

  constructor(private readonly server: Server) {}

  /** A key (`${db}\0${key}`) changed: serve its blocked clients at the end of the unit. */
  signalKeyReady(k: string): void {
    if (this.blockingKeys.has(k)) this.readyKeys.add(k);
  }

  /** Block a client until tryServe succeeds, a timeout, or a disconnect. */
  block(c: Client, state: BlockState): void {
    c.blocked = state;
    this.blockedClients.add(c);
    for (const key of state.keys) {
      const k = state.db + '\0' + key;
      let l = this.blockingKeys.get(k);
      if (!l) this.blockingKeys.set(k, (l = []));
      l.push(c);
    }
    if (state.timeoutAt > 0) {
      const arm = (delay: number): void => {
        state.timer = setTimeout(() => {
          if (c.blocked !== state) return;
          const left = state.timeoutAt - this.server.now();
          if (delay === MAX_DELAY && left > 0) return arm(Math.min(MAX_DELAY, left));
          this.server.executor.execUnit(() => state.onTimeout());
          this.unblock(c, true);
        }, delay);
      };
      arm(Math.min(MAX_DELAY, Math.max(0, state.timeoutAt - this.server.now())));
    }
  }

  /** Unblock a client; when resume, continue processing its pipelined input. */
  unblock(c: Client, resume: boolean): void {
    const st = c.blocked;
    if (st === null) return;
    c.blocked = null;
    this.blockedClients.delete(c);
    if (st.timer) clearTimeout(st.timer);
    for (const key of st.keys) {
      const k = st.db + '\0' + key;
      const l = this.blockingKeys.get(k);
      if (!l) continue;
      const i = l.indexOf(c);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.blockingKeys.delete(k);
    }
    if (resume && !c.closed) {
      c.flush();
      setImmediate(() => {
        if (!c.closed && c.blocked === null) this.server.connections.processInput(c);
      });
    }
  }

  /** Serve clients blocked on keys that became ready (FIFO per key), as handleClientsBlockedOnKeys. */
  handleClientsBlockedOnKeys(): void {
    let guard = 0;
    while (this.readyKeys.size > 0 && guard++ < 1000) {
      const ready = this.readyKeys;
      this.readyKeys = new Set();
      for (const k of ready) {
        const l = this.blockingKeys.get(k);
        if (!l) continue;
        for (const c of [...l]) {
          const st = c.blocked;
          if (st === null || st.kind !== 'keys') continue;
          const served = this.server.executor.serveAs(c, () => st.tryServe(k.slice(k.indexOf('\0') + 1)));
          if (served) {
            this.server.executor.remeasureBlocked(st.db, st.argv);
            this.unblock(c, true);
          }
        }
      }
    }
  }
}
