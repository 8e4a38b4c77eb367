/**
 * The one propagation path (Redis's propagatePendingCommands): what an
 * execution unit wrote is recorded here and flushed once at its end to the
 * AOF, the replication feed (backlog + replicas) and any listeners, wrapped in
 * MULTI/EXEC when the unit wrote more than once.
 */

/** A consumer of the propagated command stream (AOF, replication, tests). */
export interface PropagationSink {
  /** `big`: argv holds placeholders of arguments longer than any JS string, mapped to their bytes (Client.bigArgs) */
  feed(db: number, argv: string[], big?: ReadonlyMap<string, Buffer> | null): void;
  /** false while feed() would drop everything (AOF off, no backlog and no replicas): a flush then skips the sink */
  wants?(): boolean;
}

/** Whether a flush has anything to feed sink. */
function wanted(sink: PropagationSink | null): boolean {
  return sink !== null && (sink.wants === undefined || sink.wants());
}

/** Propagation targets (Redis's PROPAGATE_AOF / PROPAGATE_REPL). */
export const TO_AOF = 1;
export const TO_REPL = 2;

interface Pending {
  db: number;
  argv: string[];
  /** TO_AOF | TO_REPL */
  targets: number;
  /** the bytes of argv's placeholders (arguments longer than any JS string), else null */
  big: ReadonlyMap<string, Buffer> | null;
}

/** The propagation state of one server. */
export class Propagation {
  /** what the running command propagates instead of its argv (SET EX -> SET PXAT ...) */
  rewritten: string[] | null = null;
  /** the running command propagates nothing of its own */
  prevent = false;
  /** where what is recorded now goes (a script's redis.set_repl narrows it) */
  targets = TO_AOF | TO_REPL;
  /** set by commands that touch arbitrary keys (SCAN, RANDOMKEY) run directly: their expired-key DELs are not MULTI-wrapped (Redis's propagate_no_multi) */
  noMulti = false;
  /** the AOF (persistence sets it) */
  aof: PropagationSink | null = null;
  /** the replication feed: backlog and online replicas (replication sets it) */
  repl: PropagationSink | null = null;
  /** extra sinks (tests, keyspace tools) */
  readonly listeners: PropagationSink[] = [];
  /** the unit's first pending command, in fields (most units propagate one command: no list, no record) */
  private firstArgv: string[] | null = null;
  private firstDb = 0;
  private firstTargets = 0;
  private firstBig: ReadonlyMap<string, Buffer> | null = null;
  /** the unit's later pending commands */
  private rest: Pending[] = [];

  /** `toReplicas()`: false while we are a replica (our replicas get our master's bytes, not ours). */
  constructor(private readonly toReplicas: () => boolean) {}

  /**
   * Record a command to propagate at the end of the current execution unit.
   * replOnly: replicas (and listeners) only, not the AOF (Redis's PROPAGATE_REPL, used by PUBLISH).
   */
  also(db: number, argv: string[], replOnly = false, big: ReadonlyMap<string, Buffer> | null = null): void {
    const targets = replOnly ? this.targets & TO_REPL : this.targets;
    if (targets === 0) return;
    if (big !== null) big = usedCopy(argv, big);
    if (this.firstArgv === null) {
      this.firstArgv = argv;
      this.firstDb = db;
      this.firstTargets = targets;
      this.firstBig = big;
    } else this.rest.push({ db, argv, targets, big });
  }

  /** Replace what the current command propagates (SET EX -> SET PXAT ...). */
  rewrite(argv: string[]): void {
    this.rewritten = argv;
  }

  /** Propagate pending commands: AOF always; replicas only when we are a master and not applying our master's stream. */
  flush(): void {
    const noMulti = this.noMulti;
    this.noMulti = false;
    const argv = this.firstArgv;
    if (argv === null) return;
    const db = this.firstDb;
    const targets = this.firstTargets;
    const big = this.firstBig;
    // taken before anything is fed: a sink may start a unit of its own
    this.firstArgv = null;
    this.firstBig = null;
    const rest = this.rest;
    const n = rest.length;
    if (n > 0) this.rest = [];
    // decided at the unit's end, as Redis's propagatePendingCommands: nothing to do when no sink takes anything
    if (this.listeners.length === 0 && !wanted(this.aof) && !wanted(this.repl)) return;
    const wrap = n > 0 && !noMulti;
    const toReplicas = this.toReplicas();
    if (wrap) this.one(db, ['MULTI'], toReplicas, TO_AOF | TO_REPL, null);
    this.one(db, argv, toReplicas, targets, big);
    // (n: what a sink records meanwhile waits for the next flush)
    for (let i = 0; i < n; i++) this.one(rest[i].db, rest[i].argv, toReplicas, rest[i].targets, rest[i].big);
    // Redis 7.0 gives EXEC the db of the last command, so no SELECT precedes it
    if (wrap) this.one(rest[n - 1].db, ['EXEC'], toReplicas, TO_AOF | TO_REPL, null);
  }

  private one(db: number, argv: string[], toReplicas: boolean, targets: number, big: ReadonlyMap<string, Buffer> | null): void {
    for (const l of this.listeners) l.feed(db, argv, big);
    if (this.aof !== null && (targets & TO_AOF) !== 0) this.aof.feed(db, argv, big);
    if (toReplicas && this.repl !== null && (targets & TO_REPL) !== 0) this.repl.feed(db, argv, big);
  }
}

/**
 * The long arguments argv names (a rewritten argv may have dropped them),
 * copied now: the stored value may change in place (SETRANGE in the same
 * EXEC) before the unit's end writes them. null when argv names none.
 */
function usedCopy(argv: string[], big: ReadonlyMap<string, Buffer>): Map<string, Buffer> | null {
  let out: Map<string, Buffer> | null = null;
  for (const a of argv) {
    const b = big.get(a);
    if (b !== undefined) (out ??= new Map()).set(a, Buffer.from(b));
  }
  return out;
}
