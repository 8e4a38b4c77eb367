import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config, ConfigRegistry, memtoull, formatValue } from '../../src/config/schema';
import { DIRECTIVES, normalizeKeyspaceEvents, formatMemoryForRewrite } from '../../src/config/directives';
import { parseConfigText, splitCommandLine, parseCommandLine, ConfigFileError, sdsrepr } from '../../src/config/parse';
import { rewriteConfigContent } from '../../src/config/rewrite';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function newConfig(): Config {
  return new Config(new ConfigRegistry(DIRECTIVES));
}

function setErr(cfg: Config, ...pairs: string[]): string {
  const p: Array<[string, string]> = [];
  for (let i = 0; i < pairs.length; i += 2) p.push([pairs[i], pairs[i + 1]]);
  try {
    cfg.setMany(p, { allowProtected: false });
    return 'OK';
  } catch (e) {
    return (e as Error).message;
  }
}

test('defaults read back as redis-server 7.0.15 prints them', () => {
  const cfg = newConfig();
  const expect: Record<string, string> = {
    'hash-max-listpack-entries': '512',
    'hash-max-ziplist-entries': '512',
    'zset-max-listpack-entries': '128',
    save: '3600 1 300 100 60 10000',
    bind: '* -::*',
    'client-output-buffer-limit': 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    'latency-tracking-info-percentiles': '50 99 99.9',
    'maxmemory-clients': '0',
    unixsocketperm: '0',
    'proto-max-bulk-len': '536870912',
    'shutdown-on-sigterm': 'default',
    'oom-score-adj-values': '0 200 800',
    'acllog-max-len': '128',
    'socket-mark-id': '0',
    'replica-ignore-disk-write-errors': 'no',
    'proc-title-template': '{title} {listen-addr} {server-mode}',
    appendfsync: 'everysec',
    'notify-keyspace-events': '',
    replicaof: '',
    slaveof: '',
  };
  for (const [k, v] of Object.entries(expect)) assert.equal(cfg.getText(k), v, k);
});

test('CONFIG SET errors carry Redis 7.0 texts and precedence', () => {
  const cfg = newConfig();
  assert.equal(setErr(cfg, 'foo', 'bar'), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  assert.equal(setErr(cfg, 'daemonize', 'yes'), "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
  assert.equal(setErr(cfg, 'dir', '/tmp'), "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  assert.equal(setErr(cfg, 'slave-read-only', 'maybe', 'daemonize', 'yes'), "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
  assert.equal(setErr(cfg, 'daemonize', 'yes', 'foo', '1'), "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
  assert.equal(setErr(cfg, 'foo', '1', 'daemonize', 'yes'), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  assert.equal(setErr(cfg, 'maxmemory', '1', 'MAXMEMORY', '2'), "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter");
  assert.equal(setErr(cfg, 'maxclients', '0'), "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive");
  assert.equal(setErr(cfg, 'maxmemory', '-1'), "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
  assert.equal(setErr(cfg, 'port', 'abc'), "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer");
  assert.equal(setErr(cfg, 'proto-max-bulk-len', '10'), "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive");
  assert.equal(setErr(cfg, 'maxmemory-clients', '200%'), "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100");
  assert.equal(setErr(cfg, 'maxmemory-clients', '-5'), "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value");
  assert.equal(setErr(cfg, 'save', '3600 x'), "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  assert.equal(
    setErr(cfg, 'maxmemory-policy', 'foo'),
    "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
  );
  assert.equal(setErr(cfg, 'shutdown-on-sigint', 'save nosave'), "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously");
  assert.equal(setErr(cfg, 'oom-score-adj-values', '1 2'), "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments");
  assert.equal(
    setErr(cfg, 'client-output-buffer-limit', 'master 1 2 3'),
    "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.",
  );
  assert.equal(setErr(cfg, 'notify-keyspace-events', 'q'), "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  assert.equal(setErr(cfg, 'cluster-announce-hostname', 'a_b'), "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain alphanumeric characters, hyphens or dots");
  assert.equal(setErr(cfg, 'proc-title-template', '{foo}'), "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables");
});

test('CONFIG SET values read back canonically', () => {
  const cfg = newConfig();
  const set = (k: string, v: string) => cfg.setMany([[k, v]]);
  set('maxmemory', '1gb');
  assert.equal(cfg.getText('maxmemory'), '1073741824');
  set('maxmemory-clients', '5%');
  assert.equal(cfg.getText('maxmemory-clients'), '5%');
  set('notify-keyspace-events', 'KEA');
  assert.equal(cfg.getText('notify-keyspace-events'), 'AKE');
  set('notify-keyspace-events', 'gnmK');
  assert.equal(cfg.getText('notify-keyspace-events'), 'gnKm');
  set('shutdown-on-sigint', 'now nosave force');
  assert.equal(cfg.getText('shutdown-on-sigint'), 'nosave now force');
  set('shutdown-on-sigint', 'default now');
  assert.equal(cfg.getText('shutdown-on-sigint'), 'now');
  set('oom-score-adj', 'relative');
  assert.equal(cfg.getText('oom-score-adj'), 'yes');
  set('save', '100 2  3 4');
  assert.equal(cfg.getText('save'), '100 2 3 4');
  set('save', '');
  assert.equal(cfg.getText('save'), '');
  set('client-output-buffer-limit', 'normal 1mb 2mb 3');
  assert.equal(cfg.getText('client-output-buffer-limit'), 'normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
  set('latency-tracking-info-percentiles', '50 99.5');
  assert.equal(cfg.getText('latency-tracking-info-percentiles'), '50 99.5');
  set('list-max-ziplist-size', '5');
  assert.equal(cfg.getText('list-max-listpack-size'), '5');
  assert.equal(cfg.num('list-max-listpack-size'), 5);
});

test('CONFIG SET is atomic: a refused apply hook restores every value', () => {
  const cfg = newConfig();
  const seen: unknown[] = [];
  cfg.onChange('hz', (v) => seen.push(v));
  cfg.onChange('timeout', (v) => {
    if (v === 7) throw new Error('nope');
  });
  assert.throws(() => cfg.setMany([['hz', '20'], ['timeout', '7']]), /possibly related to argument 'timeout'\) - nope/);
  assert.equal(cfg.num('hz'), 10);
  assert.equal(cfg.num('timeout'), 0);
  assert.deepEqual(seen, [20, 10]);
});

test('memtoull, rewrite memory format, sdsrepr, keyspace events', () => {
  assert.equal(memtoull('1gb'), 1073741824n);
  assert.equal(memtoull('1G'), 1000000000n);
  assert.equal(memtoull('10kb'), 10240n);
  assert.equal(memtoull('kb'), 0n);
  assert.equal(memtoull('-1'), null);
  assert.equal(memtoull('1xb'), null);
  assert.equal(formatMemoryForRewrite(2 * 1024 * 1024 * 1024), '2gb');
  assert.equal(formatMemoryForRewrite(3 * 1024 * 1024), '3mb');
  assert.equal(formatMemoryForRewrite(1536), '1536');
  assert.equal(formatMemoryForRewrite(0), '0');
  assert.equal(sdsrepr('a"b\\c\n\x01'), '"a\\"b\\\\c\\n\\x01"');
  assert.equal(normalizeKeyspaceEvents('Ex'), 'xE');
  assert.equal(normalizeKeyspaceEvents('$'), '$');
  const d = new ConfigRegistry(DIRECTIVES).find('notify-keyspace-events')!;
  assert.equal(formatValue(d, normalizeKeyspaceEvents('Anx')), 'A');
});

test('config text: comments, quotes, include, errors with line numbers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tredis-cfg-'));
  const inc = path.join(dir, 'inc.conf');
  fs.writeFileSync(inc, 'timeout 5\n');
  const dirs = parseConfigText(`# comment\n  port 7000  \r\n\nsave "" \ninclude ${inc}\nrequirepass "a b"\n`, null);
  assert.deepEqual(
    dirs.map((d) => [d.name, d.args, d.line]),
    [
      ['port', ['7000'], 2],
      ['save', [''], 4],
      ['timeout', ['5'], 1],
      ['requirepass', ['a b'], 6],
    ],
  );
  assert.throws(
    () => parseConfigText('port 1\nsave "a b\n', null),
    (e: unknown) => e instanceof ConfigFileError && e.format() === "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'save \"a b'\nUnbalanced quotes in configuration line\n",
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('command line options become config lines as redis-server builds them', () => {
  assert.equal(splitCommandLine(['--port', '6380', '--replicaof', '127.0.0.1 6379']).options, 'port "6380" \nreplicaof "127.0.0.1 6379" ');
  assert.equal(splitCommandLine(['--save', '--port', '1']).options, 'save ""\nport "1" ');
  assert.equal(splitCommandLine(['--port', '1', '--save']).options, 'port "1" \nsave ""');
  assert.equal(splitCommandLine(['--port 7', '--hz', '5']).options, 'port 7 \nhz "5" ');
  const cfg = newConfig();
  cfg.loadDirectives(parseCommandLine(['--port', '6380', '--replicaof', '127.0.0.1 6379']).directives);
  assert.equal(cfg.getText('replicaof'), '127.0.0.1 6379');
  const cfg2 = newConfig();
  cfg2.loadDirectives(parseCommandLine(['--slaveof', '127.0.0.1', '6379', '--save', '900 1', '--save', '60 5']).directives);
  assert.equal(cfg2.getText('slaveof'), '127.0.0.1 6379');
  assert.equal(cfg2.getText('save'), '900 1 60 5');
  const bad = (argv: string[]) => {
    try {
      newConfig().loadDirectives(parseCommandLine(argv).directives);
      return 'OK';
    } catch (e) {
      return (e as ConfigFileError).format();
    }
  };
  assert.equal(bad(['--port', '1', '--foo', 'bar']), "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'foo \"bar\"'\nBad directive or wrong number of arguments\n");
  assert.equal(bad(['--port', '1', '2']), "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"1\" \"2\"'\nwrong number of arguments\n");
  assert.equal(bad(['--maxmemory', '-5']), "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'maxmemory \"-5\"'\nargument must be a memory value\n");
  assert.equal(bad(['--list-max-ziplist-entries', '5']), 'OK');
});

test('CONFIG REWRITE keeps the file and rewrites in place like Redis 7.0.15', () => {
  const cfg = newConfig();
  const old = '# top comment\nport 17003\n\n\n\nsave 900 1\nsave 300 10\nslave-read-only yes\nhash-max-ziplist-entries 64\nmaxmemory 1mb   \n# Generated by CONFIG REWRITE\nloglevel notice\nrename-command KEYS ""\nappendonly no\nfoobar 1 2\nsentinel foo\nslaveof 1.2.3.4 5\n';
  cfg.loadDirectives(parseConfigText('port 17003\nhash-max-ziplist-entries 64\n', null));
  cfg.setMany([
    ['save', '60 5'],
    ['maxmemory', '2gb'],
    ['loglevel', 'warning'],
    ['maxmemory-clients', '10%'],
    ['notify-keyspace-events', 'KEA'],
  ]);
  cfg.setRaw('dir', '/data');
  const out = rewriteConfigContent(cfg, old, false, ['user default on nopass ~* &* +@all']);
  assert.equal(
    out,
    '# top comment\nport 17003\n\nsave 60 5\n\nreplica-read-only yes\nhash-max-listpack-entries 64\nmaxmemory 2gb\n# Generated by CONFIG REWRITE\nloglevel warning\nrename-command KEYS ""\nappendonly no\n# ??? foobar 1 2\nsentinel foo\n\n' +
      'maxmemory-clients 10%\ndir "/data"\nnotify-keyspace-events "AKE"\nlatency-tracking-info-percentiles 50 99 99.9\nuser default on nopass ~* &* +@all\n',
  );
  // a new file gets the signature before the appended directives
  const fresh = rewriteConfigContent(newConfig(), '');
  assert.ok(fresh.startsWith('# Generated by CONFIG REWRITE\n'), fresh);
});
