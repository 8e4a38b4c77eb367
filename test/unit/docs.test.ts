/**
 * The docs cannot rot: every config snippet in README.md and docs/*.md goes
 * through the config parser and the schema, and every `tredis-server` /
 * `tredis-cli` command line in a shell block through the option parsing of
 * that program (a dry run: nothing listens, nothing connects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Config, ConfigRegistry } from '../../src/config/schema';
import { DIRECTIVES } from '../../src/config/directives';
import { parseConfigText, parseCommandLine } from '../../src/config/parse';
import { parseOptions } from '../../src/cli/options';
import { buildCommandTable } from '../../src/commands/table';
import { docFiles, docBlocks, shellWords, type DocBlock } from '../helpers/docs';

const LANGS = new Set(['conf', 'sh', 'text', 'js', 'mjs', 'ts']);
const blocks: DocBlock[] = docFiles().flatMap(docBlocks);
const where = (b: DocBlock) => `${b.file}:${b.line}`;

/** Load directives into a fresh config as tredis-server does at start-up; throws what it would print. */
function loadConfig(text: string, file: string | null): Config {
  const cfg = new Config(new ConfigRegistry(DIRECTIVES));
  cfg.loadDirectives(parseConfigText(text, file));
  return cfg;
}

test('every fenced block in README.md and docs/*.md says what it holds', () => {
  assert.ok(blocks.length > 10);
  for (const b of blocks) assert.ok(LANGS.has(b.lang), `${where(b)}: fence language '${b.lang}' is not one of ${[...LANGS].join(' ')}`);
});

test('every ```conf snippet of the docs loads with the config parser', () => {
  const confs = blocks.filter((b) => b.lang === 'conf');
  assert.ok(confs.length >= 3);
  for (const b of confs) {
    try {
      loadConfig(b.body, null);
    } catch (e) {
      assert.fail(`${where(b)}: ${(e as Error).message}\n${b.body}`);
    }
  }
});

test('a directive line with a trailing # comment is refused, as Redis refuses it', () => {
  assert.throws(() => loadConfig('requirepass centos          # optional\n', null));
  assert.throws(() => loadConfig('slave-read-only yes  # the default\n', null));
});

/** `./bin/tredis-server`, `npx tredis-cli` ... -> the program name, or null for other commands. */
function program(words: string[]): { name: string; args: string[] } | null {
  let w = words;
  if (w[0] === 'npx') w = w.slice(1);
  const m = /^(?:\.\/bin\/|node_modules\/\.bin\/)?(tredis-server|tredis-cli)$/.exec(w[0] ?? '');
  return m ? { name: m[1], args: w.slice(1) } : null;
}

test('every tredis-server / tredis-cli command line of the docs parses', () => {
  const commands = buildCommandTable();
  // config files the docs define (a ```conf block starting with "# name.conf") are written to a temp dir
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tredis-docs-'));
  const cwd = process.cwd();
  let checked = 0;
  try {
    for (const b of blocks.filter((x) => x.lang === 'conf')) {
      const m = /^#\s*(\S+\.conf)\b/.exec(b.body);
      if (m) fs.writeFileSync(path.join(dir, m[1]), b.body);
    }
    process.chdir(dir);
    for (const b of blocks.filter((x) => x.lang === 'sh')) {
      b.body.split('\n').forEach((line, i) => {
        const at = `${b.file}:${b.line + 1 + i}: ${line}`;
        const words = shellWords(line.trim());
        if (words === null || words.length === 0) return;
        const p = program(words);
        if (p === null) return;
        checked++;
        if (p.name === 'tredis-server') {
          const first = p.args[0];
          // a config file the docs do not spell out (e.g. /path/to/redis.conf) is read as an empty one
          if (first !== undefined && !first.startsWith('-') && !fs.existsSync(first)) p.args[0] = path.join(dir, 'empty.conf');
          fs.writeFileSync(path.join(dir, 'empty.conf'), '');
          try {
            const cfg = new Config(new ConfigRegistry(DIRECTIVES));
            cfg.loadDirectives(parseCommandLine(p.args, () => '').directives);
          } catch (e) {
            assert.fail(`${at}\n  ${(e as Error).message}`);
          }
        } else {
          const r = parseOptions(p.args, { stdoutIsTTY: false }, {});
          if (r.kind === 'exit') {
            assert.equal(r.code, 0, `${at}\n  ${r.stderr ?? ''}`);
            return;
          }
          const argv = r.config.args;
          if (argv.length === 0) return;
          const c = commands.get(argv[0].toLowerCase());
          assert.ok(c, `${at}: unknown command ${argv[0]}`);
          const n = argv.length;
          assert.ok(c.arity >= 0 ? n === c.arity : n >= -c.arity, `${at}: wrong number of arguments for ${argv[0]}`);
        }
      });
    }
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(checked >= 8, `only ${checked} command lines found`);
});
