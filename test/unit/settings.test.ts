import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import { Config, ConfigRegistry } from '../../src/config/schema';
import { DIRECTIVES, type OutputLimits, type ReplicaOf, type SavePoint, type ShutdownFlag } from '../../src/config/directives';
import { parseCommandLine, parseConfigText } from '../../src/config/parse';
import { settingName, type Settings } from '../../src/config/settings';
import { freePort, startTredis } from '../helpers/servers';
import { TestClient } from '../helpers/resp';

function newConfig(): Config {
  return new Config(new ConfigRegistry(DIRECTIVES));
}

// ---------------------------------------------------------------- types (checked by tsc)

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(ok: T): T {
  return ok;
}

test('the settings types follow the schema', () => {
  expectType<Equals<Settings['replBacklogSize'], number>>(true);
  expectType<Equals<Settings['maxmemory'], number>>(true);
  expectType<Equals<Settings['replicaReadOnly'], boolean>>(true);
  expectType<Equals<Settings['requirepass'], string>>(true);
  expectType<Equals<Settings['serverCpulist'], string>>(true);
  expectType<Equals<Settings['appendfsync'], 'everysec' | 'always' | 'no'>>(true);
  expectType<Equals<Settings['maxmemoryPolicy'], 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'noeviction'>>(true);
  // a synonym is stored as the name it stands for
  expectType<Equals<Settings['oomScoreAdj'], 'no' | 'yes' | 'absolute'>>(true);
  expectType<Equals<Settings['shutdownOnSigterm'], ShutdownFlag[]>>(true);
  expectType<Equals<Settings['clientOutputBufferLimit'], OutputLimits>>(true);
  expectType<Equals<Settings['save'], SavePoint[]>>(true);
  expectType<Equals<Settings['replicaof'], ReplicaOf | null>>(true);
  expectType<Equals<Settings['bind'], string[]>>(true);
  expectType<Equals<Settings['latencyTrackingInfoPercentiles'], number[]>>(true);
  // never called: tsc fails the build if one of these lines compiles
  const refused = (cfg: Config) => {
    // @ts-expect-error settings are read-only: values change through the config
    cfg.settings.hz = 5;
    // @ts-expect-error aliases are not settings: one property per directive
    void cfg.settings.slaveReadOnly;
    // @ts-expect-error a hook gets the setting's type
    cfg.onSettingChange('appendfsync', (v: number) => v);
  };
  void refused;
  const cfg = newConfig();
  // @ts-expect-error listeners take a settings name, not a directive name
  assert.throws(() => cfg.onSettingChange('repl-backlog-size', () => {}), /unknown setting repl-backlog-size/);
});

// ---------------------------------------------------------------- values

test('every directive has exactly one setting, equal to its value', () => {
  const cfg = newConfig();
  const keys = DIRECTIVES.map((d) => settingName(d.name));
  assert.equal(new Set(keys).size, DIRECTIVES.length, 'no two directives share a camelCase name');
  assert.deepEqual(Object.keys(cfg.settings).sort(), [...keys].sort());
  for (const d of DIRECTIVES) assert.deepEqual((cfg.settings as unknown as Record<string, unknown>)[settingName(d.name)], cfg.get(d.name), d.name);
  assert.equal(settingName('repl-backlog-size'), 'replBacklogSize');
  assert.equal(settingName('aof_rewrite_cpulist'), 'aofRewriteCpulist');
  assert.equal(cfg.settings.replBacklogSize, 1048576);
  assert.equal(cfg.settings.appendfsync, 'everysec');
  assert.deepEqual(cfg.settings.shutdownOnSigint, []);
  assert.deepEqual(cfg.settings.clientOutputBufferLimit.replica, { hard: 268435456, soft: 67108864, softSeconds: 60 });
  assert.equal(cfg.settings.replicaof, null);
});

test('a setting follows CONFIG SET, aliases included, and a refused CONFIG SET rolls it back', () => {
  const cfg = newConfig();
  const v0 = cfg.version;
  cfg.setMany([
    ['repl-backlog-size', '2mb'],
    ['appendfsync', 'ALWAYS'],
    ['maxmemory-policy', 'allkeys-lfu'],
    ['slave-read-only', 'no'],
    ['hash-max-ziplist-entries', '7'],
    ['client-output-buffer-limit', 'pubsub 1mb 2mb 3'],
    ['shutdown-on-sigterm', 'now save'],
  ]);
  assert.ok(cfg.version > v0);
  assert.equal(cfg.settings.replBacklogSize, 2 * 1024 * 1024);
  assert.equal(cfg.settings.appendfsync, 'always');
  assert.equal(cfg.settings.maxmemoryPolicy, 'allkeys-lfu');
  assert.equal(cfg.settings.replicaReadOnly, false);
  assert.equal(cfg.settings.hashMaxListpackEntries, 7);
  assert.deepEqual(cfg.settings.clientOutputBufferLimit.pubsub, { hard: 1048576, soft: 2097152, softSeconds: 3 });
  assert.deepEqual(cfg.settings.shutdownOnSigterm, ['save', 'now']);

  cfg.onChange('timeout', () => {
    throw new Error('refused');
  });
  assert.throws(() => cfg.setMany([['hz', '50'], ['timeout', '9']]), /refused/);
  assert.equal(cfg.settings.hz, 10);
  assert.equal(cfg.settings.timeout, 0);
});

test('a setting follows the config file, the command line and setRaw', () => {
  const cfg = newConfig();
  cfg.loadDirectives(parseConfigText('slaveof 10.0.0.1 6380\nsave 900 1\nsave 60 5\nmaxmemory 1gb\nlist-max-ziplist-size 16\nslave-serve-stale-data no\nhz 1000\n', null));
  assert.deepEqual(cfg.settings.replicaof, { host: '10.0.0.1', port: 6380 });
  assert.deepEqual(cfg.settings.save, [
    { seconds: 900, changes: 1 },
    { seconds: 60, changes: 5 },
  ]);
  assert.equal(cfg.settings.maxmemory, 1024 * 1024 * 1024);
  assert.equal(cfg.settings.listMaxListpackSize, 16);
  assert.equal(cfg.settings.replicaServeStaleData, false);
  assert.equal(cfg.settings.hz, 500, 'stored clamped, as Redis runs it');

  cfg.loadDirectives(parseCommandLine(['--replicaof', 'no', 'one', '--port', '7001']).directives);
  assert.equal(cfg.settings.replicaof, null);
  assert.equal(cfg.settings.port, 7001);

  cfg.setRaw('port', 7002);
  cfg.setRaw('slaveof', { host: 'h', port: 1 });
  assert.equal(cfg.settings.port, 7002);
  assert.deepEqual(cfg.settings.replicaof, { host: 'h', port: 1 });
});

test('onSettingChange: typed hooks run on CONFIG SET with the new and old values and may refuse', () => {
  const cfg = newConfig();
  const seen: Array<[number, number]> = [];
  cfg.onSettingChange('replBacklogSize', (v, old) => seen.push([v, old]));
  cfg.onSettingChange('maxmemoryPolicy', (v) => {
    if (v === 'allkeys-random') throw new Error('not that one');
  });
  cfg.setMany([['repl-backlog-size', '1000000']]);
  cfg.setMany([['repl-backlog-size', '1000000']]); // no change, no call
  assert.deepEqual(seen, [[1000000, 1048576]]);
  assert.throws(() => cfg.setMany([['maxmemory-policy', 'allkeys-random']]), /possibly related to argument 'maxmemory-policy'\) - not that one/);
  assert.equal(cfg.settings.maxmemoryPolicy, 'noeviction');
  // the config file calls no hook: code reads settings at start-up
  cfg.loadDirectives(parseConfigText('repl-backlog-size 5mb\n', null));
  assert.equal(seen.length, 1);
  assert.equal(cfg.settings.replBacklogSize, 5 * 1024 * 1024);
});

test('settings stay a fast-mode object (a plain property load, not a dictionary lookup)', () => {
  v8.setFlagsFromString('--allow-natives-syntax');
  const hasFast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  const cfg = newConfig();
  assert.equal(hasFast(cfg.settings), true);
  cfg.setMany([
    ['maxmemory', '5gb'],
    ['save', ''],
    ['appendfsync', 'no'],
  ]);
  cfg.setRaw('replicaof', { host: 'h', port: 1 });
  cfg.loadDirectives(parseConfigText('requirepass x\nlatency-tracking-info-percentiles 1.5\n', null));
  assert.equal(hasFast(cfg.settings), true);
});

test('a running server: CONFIG SET and REPLICAOF show in server.config.settings', async () => {
  const srv = await startTredis();
  const c = await TestClient.connect(srv.port);
  try {
    const s = srv.server.config.settings;
    assert.equal(await c.call('CONFIG', 'SET', 'slave-read-only', 'no', 'maxmemory', '10mb'), 'OK');
    assert.equal(s.replicaReadOnly, false);
    assert.equal(s.maxmemory, 10 * 1024 * 1024);
    assert.equal(s.port, srv.port);
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), 'OK');
    assert.equal(s.maxmemory, 0);
    const port = await freePort();
    assert.equal(await c.call('REPLICAOF', '127.0.0.1', String(port)), 'OK');
    assert.deepEqual(s.replicaof, { host: '127.0.0.1', port });
    assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    assert.equal(s.replicaof, null);
  } finally {
    c.close();
    await srv.close();
  }
});
