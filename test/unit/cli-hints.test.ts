import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cliHint, type HelpEntry } from '../../src/cli/help';
import { ROOT, startTredis } from '../helpers/servers';

const entry = (full: string, params: string): HelpEntry => ({ words: full.split(' '), full, params, summary: '', since: '', group: '' });
const ENTRIES = [
  entry('SET', 'key value [NX|XX] [GET]'),
  entry('CLIENT', 'subcommand'),
  entry('CLIENT KILL', 'ip:port|[ID client-id]'),
  entry('GET', 'key'),
];

test("cliHint is redis-cli's hintsCallback: longest command match, typed arguments removed, stops at an optional", () => {
  assert.equal(cliHint('', ENTRIES), null);
  assert.equal(cliHint('nosuch', ENTRIES), null);
  assert.equal(cliHint('set', ENTRIES), ' key value [NX|XX] [GET]');
  assert.equal(cliHint('SET ', ENTRIES), 'key value [NX|XX] [GET]');
  assert.equal(cliHint('set k', ENTRIES), ' value [NX|XX] [GET]');
  assert.equal(cliHint('set k v', ENTRIES), ' [NX|XX] [GET]');
  assert.equal(cliHint('set k v nx', ENTRIES), ' [NX|XX] [GET]');
  assert.equal(cliHint('client kill', ENTRIES), ' ip:port|[ID client-id]');
  assert.equal(cliHint('client list', ENTRIES), ' ');
  assert.equal(cliHint('set "unbalanced', ENTRIES), null);
});

const haveScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

test('the prompt shows the hint in gray after the input; :set nohints turns it off (in a pty)', { skip: !haveScript && 'script(1) not installed', timeout: 60000 }, async () => {
  const srv = await startTredis();
  const cli = path.join(ROOT, 'bin', 'tredis-cli');
  const p = spawn('script', ['-qfec', `${process.execPath} ${cli} -p ${srv.port}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.setEncoding('latin1');
  p.stdout.on('data', (d: string) => (out += d));
  const until = async (re: RegExp, what: string) => {
    const end = Date.now() + 20000;
    while (!re.test(out)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(out)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const type = async (s: string) => {
    for (const ch of s) {
      p.stdin.write(ch);
      await new Promise((r) => setTimeout(r, 40));
    }
  };
  try {
    await until(/127\.0\.0\.1:\d+> /, 'the prompt');
    await type('set');
    await until(/\x1b\[0;90;49m key value \[NX\|XX\]/, 'the SET hint');
    await type(' k');
    await until(/k\x1b\[0K\x1b\[0;90;49m value \[NX\|XX\]/, 'the hint without the typed key');
    await type(' v\r');
    await until(/OK\r\n/, 'the reply');
    await type(':set nohints\r');
    const mark = out.length;
    await type('get');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!out.slice(mark).includes('\x1b[0;90;49m'), JSON.stringify(out.slice(mark)));
    await type(' k\r');
    await until(/"v"\r\n/, 'GET k');
  } finally {
    p.kill('SIGKILL');
    await srv.close();
  }
});
