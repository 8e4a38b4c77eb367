/** Server-wide counters for INFO stats (Redis's server.stat_*). */
export class Stats {
  totalConnections = 0;
  totalCommands = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  evictedKeys = 0;
  evictedClients = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  pubsubChannels = 0;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  dumpPayloadSanitizations = 0;
  totalReadsProcessed = 0;
  totalWritesProcessed = 0;
  ioThreadedReads = 0;
  ioThreadedWrites = 0;
  readonly errors = new Map<string, number>();
  /** ops/sec samples */
  opsSamples: number[] = [];
  lastOpsSampleTime = 0;
  lastOpsSampleCount = 0;
  inputSamples: number[] = [];
  outputSamples: number[] = [];
  lastInputBytes = 0;
  lastOutputBytes = 0;
  /** reset by CONFIG RESETSTAT */
  reset(): void {
    const keep = new Stats();
    Object.assign(this, keep);
  }
}
