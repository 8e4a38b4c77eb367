/**
 * Client-side caching (Redis 7.0's tracking.c): the tracking table (key ->
 * ids of the clients that may hold it), the BCAST prefix table, and the
 * invalidation messages: `>2 invalidate [keys]` in RESP3, a `message` on
 * `__redis__:invalidate` for a RESP2 client that redirects to a subscriber,
 * a null for "everything" after a flush.
 *
 * Every key change reaches `invalidateKey` through KeyWatch.signalModifiedKey
 * (writes, expiry, eviction), and flushes through KeyWatch.signalFlushedDb.
 * Per-client state lives on the client (`c.tracking`).
 */
import type { Client } from './client';
import type { Server } from './server';
import { cstr } from '../protocol/errors';

/** A client's tracking state (Redis's CLIENT_TRACKING* flags, redirection and BCAST prefixes). */
export interface ClientTracking {
  /** client id to send invalidations to, 0 = this client */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES/NO was given for the next command */
  caching: boolean;
  /** the redirection client is gone */
  brokenRedir: boolean;
  /** BCAST prefixes ('' = every key) */
  prefixes: Set<string>;
}

/** The options of CLIENT TRACKING ON. */
export interface TrackingOptions {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  prefixes: string[];
}

/** One BCAST prefix: the keys changed in this event-loop turn (with who changed them last) and its clients. */
interface BcastState {
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const INVALIDATE_RESP3 = '>2\r\n$10\r\ninvalidate\r\n';
const INVALIDATE_RESP2 = '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n';

/** The tracking tables of one server. */
export class Tracking {
  /** key -> ids of clients that read it (Redis's TrackingTable; one table for every db, as Redis) */
  readonly table = new Map<string, Set<number>>();
  /** prefix -> BCAST state (Redis's PrefixTable) */
  readonly prefixes = new Map<string, BcastState>();
  /** ids stored over the whole table (tracking_total_items) */
  totalItems = 0;
  /** clients with tracking on (tracking_clients) */
  clients = 0;
  /** invalidations for the running client, sent after its reply (Redis's tracking_pending_keys); null = flush */
  private pending: Array<{ c: Client; key: string | null }> = [];
  /** a BCAST broadcast is scheduled for the end of this event-loop turn */
  private bcastScheduled = false;
  /** rounds in a row that could not bring the table under tracking-table-max-keys */
  private limitRounds = 0;

  constructor(private readonly server: Server) {}

  /** Whether a key change has anything to do here (the executor skips building key lists otherwise). */
  get idle(): boolean {
    return this.table.size === 0 && this.prefixes.size === 0;
  }

  /** CLIENT TRACKING ON (enableTracking): options already validated by the command. */
  enable(c: Client, o: TrackingOptions): void {
    let t = c.tracking;
    if (t === null) {
      this.clients++;
      t = c.tracking = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedir: false, prefixes: new Set() };
    }
    t.brokenRedir = false;
    t.redirect = o.redirect;
    t.optin = o.optin;
    t.optout = o.optout;
    t.noloop = o.noloop;
    if (o.bcast) {
      t.bcast = true;
      if (o.prefixes.length === 0) this.bcastPrefix(c, t, '');
      for (const p of o.prefixes) this.bcastPrefix(c, t, p);
    } else t.bcast = false;
  }

  private bcastPrefix(c: Client, t: ClientTracking, prefix: string): void {
    let bs = this.prefixes.get(prefix);
    if (bs === undefined) this.prefixes.set(prefix, (bs = { keys: new Map(), clients: new Set() }));
    bs.clients.add(c);
    t.prefixes.add(prefix);
  }

  /** CLIENT TRACKING OFF, RESET, disconnect (disableTracking). Table entries of the client go lazily. */
  disable(c: Client): void {
    const t = c.tracking;
    if (t === null) return;
    for (const p of t.prefixes) {
      const bs = this.prefixes.get(p);
      if (bs === undefined) continue;
      bs.clients.delete(c);
      if (bs.clients.size === 0) this.prefixes.delete(p);
    }
    c.tracking = null;
    this.clients--;
  }

  /**
   * The prefix error of CLIENT TRACKING ... BCAST PREFIX (checkPrefixCollisionsOrReply),
   * or null: two prefixes of one client must not cover the same keys.
   */
  prefixCollision(c: Client, prefixes: string[]): string | null {
    const own = c.tracking?.prefixes;
    for (let i = 0; i < prefixes.length; i++) {
      if (own !== undefined) {
        for (const p of sortedKeys(own)) {
          if (overlap(p, prefixes[i])) return `ERR Prefix '${cstr(prefixes[i])}' overlaps with an existing prefix '${cstr(p)}'. Prefixes for a single client must not overlap.`;
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlap(prefixes[i], prefixes[j])) {
          return `ERR Prefix '${cstr(prefixes[i])}' overlaps with another provided prefix '${cstr(prefixes[j])}'. Prefixes for a single client must not overlap.`;
        }
      }
    }
    return null;
  }

  /**
   * After a read-only command of a tracking client (not BCAST): remember the
   * keys it read (trackingRememberKeys), unless OPTIN without CACHING YES or
   * OPTOUT with CACHING NO.
   */
  rememberKeys(c: Client, keys: readonly string[]): void {
    const t = c.tracking!;
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    for (const key of keys) {
      let ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, (ids = new Set()));
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  /**
   * A key changed (trackingInvalidateKey): every client that read it gets an
   * invalidation (the running client after its reply); BCAST prefixes
   * covering it collect it for the end of the event-loop turn.
   * `by`: the client whose command changed it (BCAST NOLOOP), null for
   * expiry and eviction, undefined for the running client.
   */
  invalidateKey(key: string, by: Client | null | undefined, bcast = true): void {
    if (bcast && this.prefixes.size > 0) this.rememberForBroadcast(key, by === undefined ? this.server.executor.currentClient : by);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const current = this.server.executor.currentClient;
    for (const id of ids) {
      const target = this.server.clients.get(id);
      if (target === undefined || target.tracking === null || target.tracking.bcast) continue;
      if (target.tracking.noloop && target === current) continue;
      if (target === current) this.pending.push({ c: target, key });
      else this.send(target, '*1\r\n$' + key.length + '\r\n' + key + '\r\n');
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHALL / FLUSHDB / a full sync (trackingInvalidateKeysOnFlush): a null invalidation to every tracking client, the table emptied. */
  invalidateAll(): void {
    if (this.clients > 0) {
      const current = this.server.executor.currentClient;
      for (const c of this.server.clients.values()) {
        if (c.tracking === null) continue;
        if (c === current) this.pending.push({ c, key: null });
        else this.send(c, c.reply.proto === 3 ? '_\r\n' : '$-1\r\n');
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /** The running command's unit ended: send the invalidations held back for its client (trackingHandlePendingKeyInvalidations). */
  flushPending(): void {
    if (this.pending.length === 0) return;
    const list = this.pending;
    this.pending = [];
    for (const { c, key } of list) {
      if (c.closed || c.tracking === null) continue;
      this.send(c, key !== null ? '*1\r\n$' + key.length + '\r\n' + key + '\r\n' : c.reply.proto === 3 ? '_\r\n' : '$-1\r\n');
    }
  }

  /**
   * Before a command while clients track (trackingLimitUsedSlots): over
   * tracking-table-max-keys, keys are dropped from the table, their readers
   * told as if the keys changed. Redis picks them by a random walk; here the
   * oldest entries go first. The effort grows while the table stays over.
   */
  limitUsedSlots(): void {
    const max = this.server.config.settings.trackingTableMaxKeys;
    if (max === 0 || this.table.size <= max) {
      this.limitRounds = 0;
      return;
    }
    let effort = 100 * (this.limitRounds + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key, null, false);
      if (this.table.size <= max) {
        this.limitRounds = 0;
        return;
      }
    }
    this.limitRounds++;
  }

  /** Send one invalidation (sendTrackingMessage): `payload` is the RESP of the keys (an array, or a null after a flush). */
  private send(c: Client, payload: string): void {
    const t = c.tracking!;
    let target = c;
    let redirected = false;
    if (t.redirect !== 0) {
      const r = this.server.clients.get(t.redirect);
      if (r === undefined || r.closed) {
        t.brokenRedir = true;
        // the client learns its redirection broke (RESP3 only)
        if (c.reply.proto === 3) this.server.connections.push(c, '>2\r\n$21\r\ntracking-redir-broken\r\n:' + t.redirect + '\r\n');
        return;
      }
      target = r;
      redirected = true;
    }
    let head: string;
    if (target.reply.proto === 3) head = INVALIDATE_RESP3;
    else if (redirected && target.channels.size + target.patterns.size + target.shardChannels.size > 0) head = INVALIDATE_RESP2;
    else return; // RESP2 without a subscribed redirection: nothing can carry it
    this.server.connections.push(target, head + payload);
  }

  private rememberForBroadcast(key: string, by: Client | null): void {
    for (const [prefix, bs] of this.prefixes) {
      if (prefix.length > key.length || !key.startsWith(prefix)) continue;
      bs.keys.set(key, by);
      if (!this.bcastScheduled) {
        this.bcastScheduled = true;
        // Redis broadcasts in beforeSleep: what one turn of the event loop changed, in one message per prefix
        setImmediate(() => this.broadcast());
      }
    }
  }

  /** Send each BCAST prefix's changed keys to its clients (trackingBroadcastInvalidationMessages). */
  broadcast(): void {
    this.bcastScheduled = false;
    if (this.server.isClosed) return;
    for (const prefix of sortedKeys(this.prefixes)) {
      const bs = this.prefixes.get(prefix)!;
      if (bs.keys.size === 0) continue;
      const keys = sortedKeys(bs.keys);
      const all = keysReply(keys);
      for (const c of bs.clients) {
        if (c.tracking === null) continue;
        if (c.tracking.noloop) {
          const own = keys.filter((k) => bs.keys.get(k) !== c);
          if (own.length > 0) this.send(c, keysReply(own));
        } else this.send(c, all);
      }
      bs.keys = new Map();
    }
  }
}

/** RESP array of keys. */
function keysReply(keys: readonly string[]): string {
  let o = '*' + keys.length + '\r\n';
  for (const k of keys) o += '$' + k.length + '\r\n' + k + '\r\n';
  return o;
}

/** Keys in byte order, as Redis's radix trees list them (latin1: code unit order is byte order). */
function sortedKeys<V>(m: Map<string, V> | Set<string>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Two prefixes overlap when one starts the other. */
function overlap(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

