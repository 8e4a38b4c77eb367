/**
 * A ready-made tredis for test suites (`tredis/testing`): one in-process
 * server per suite, emptied (FLUSHALL) before every test. It takes the test
 * framework's hooks, so it works with node:test, Jest and Vitest alike:
 *
 *   import { before, after, beforeEach } from 'node:test';   // Jest/Vitest: beforeAll, afterAll, beforeEach
 *   const redis = tredisPerSuite({ before, after, beforeEach });
 *   // in a test: new Redis(redis.port) / connect(redis.port) / redis.url
 */
import { createServer, type TredisServer } from './index';
import type { ServerOptions } from './server/server';

type Hook = (fn: () => Promise<void>) => unknown;

/** The suite hooks: node:test's names or Jest/Vitest's. */
export interface SuiteHooks {
  before?: Hook;
  beforeAll?: Hook;
  after?: Hook;
  afterAll?: Hook;
  beforeEach: Hook;
}

/** The suite's server, usable once the suite's `before` hook ran. */
export interface SuiteServer {
  readonly port: number;
  readonly host: string;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** the embedded server (see createServer) */
  readonly server: TredisServer;
  /** FLUSHALL now (it also runs before each test). */
  flushall(): void;
}

/**
 * Start one tredis for the suite (in its before/beforeAll hook), FLUSHALL in
 * beforeEach, close it in after/afterAll. Options are createServer's.
 */
export function tredisPerSuite(hooks: SuiteHooks, options: ServerOptions = {}): SuiteServer {
  const before = hooks.before ?? hooks.beforeAll;
  const after = hooks.after ?? hooks.afterAll;
  if (!before || !after) throw new TypeError('tredisPerSuite needs before/after (node:test) or beforeAll/afterAll (Jest, Vitest) and beforeEach');
  let srv: TredisServer | null = null;
  const running = (): TredisServer => {
    if (srv === null) throw new Error('the suite server is not started yet: use it inside tests or hooks');
    return srv;
  };
  before(async () => {
    srv = await createServer({ port: 0, ...options });
  });
  hooks.beforeEach(async () => {
    handle.flushall();
  });
  after(async () => {
    const s = srv;
    srv = null;
    if (s) await s.close();
  });
  const handle: SuiteServer = {
    get port() {
      return running().port;
    },
    get host() {
      return running().host;
    },
    get url() {
      return `redis://${running().host}:${running().port}`;
    },
    get server() {
      return running();
    },
    flushall() {
      running().server.executor.runAsFake(['FLUSHALL']);
    },
  };
  return handle;
}
