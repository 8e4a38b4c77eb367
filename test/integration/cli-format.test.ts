/**
 * Server-less checks of tredis-cli's building blocks: argument splitting
 * (sdssplitargs rules), the incremental RESP parser and the redis-cli reply
 * formatters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitArgs } from '../../src/util/split-args';
import { RespParser, type Reply } from '../../src/protocol/reply-parser';
import { encodeCommand } from '../../src/protocol/reply';
import { formatCSV, formatJSON, formatRaw, formatTTY, repr } from '../../src/cli/format';
import { parseOptions } from '../../src/cli/options';

const s = (x: string): Buffer => Buffer.from(x, 'latin1');
const str = (x: string): Reply => ({ type: 'string', str: s(x) });
const int = (n: number): Reply => ({ type: 'integer', int: BigInt(n) });
const arr = (...elements: Reply[]): Reply => ({ type: 'array', elements });
const words = (line: string): string[] | null => splitArgs(line);

test('splitArgs follows sdssplitargs quoting rules', () => {
  assert.deepEqual(words('set  key   value'), ['set', 'key', 'value']);
  assert.deepEqual(words('set "a b" \'c d\''), ['set', 'a b', 'c d']);
  assert.deepEqual(words('"\\x41\\x4a\\n\\r\\t\\b\\a\\"\\\\\\z"'), ['AJ\n\r\t\b\x07"\\z']);
  assert.deepEqual(words("'it\\'s' '\\n'"), ["it's", '\\n']);
  assert.deepEqual(words('""'), ['']);
  assert.deepEqual(words('a\tb\rc\nd'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(words('   '), []);
  assert.deepEqual(words('ab"cd"'), ['abcd']);
  assert.equal(words('"unterminated'), null);
  assert.equal(words("'unterminated"), null);
  assert.equal(words('"a"b'), null);
  assert.equal(words("'a'b"), null);
  assert.deepEqual(words('"\\xZZ"'), ['xZZ']);
});

test('RespParser handles every RESP2/RESP3 type, split at any byte', () => {
  const wire = s(
    '+OK\r\n-ERR bad\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n*-1\r\n' +
      '%1\r\n+k\r\n~2\r\n#t\r\n#f\r\n,3.14\r\n_\r\n(12345678901234567890\r\n=8\r\ntxt:ab\nc\r\n>2\r\n+a\r\n+b\r\n!3\r\nE x\r\n*0\r\n',
  );
  const expected: Reply[] = [
    { type: 'status', str: s('OK') },
    { type: 'error', str: s('ERR bad') },
    { type: 'integer', int: -42n },
    str('he\r\no'),
    { type: 'nil' },
    arr(arr(int(1)), str('')),
    { type: 'nil' },
    { type: 'map', elements: [{ type: 'status', str: s('k') }, { type: 'set', elements: [{ type: 'bool', bool: true }, { type: 'bool', bool: false }] }] },
    { type: 'double', str: s('3.14') },
    { type: 'nil' },
    { type: 'bignum', str: s('12345678901234567890') },
    { type: 'verb', format: 'txt', str: s('ab\nc') },
    { type: 'push', elements: [{ type: 'status', str: s('a') }, { type: 'status', str: s('b') }] },
    { type: 'error', str: s('E x') },
    { type: 'array', elements: [] },
  ];
  for (const step of [1, 2, 3, 7, wire.length]) {
    const p = new RespParser();
    const got: Reply[] = [];
    for (let i = 0; i < wire.length; i += step) {
      p.feed(wire.subarray(i, i + step));
      for (let r = p.next(); r !== undefined; r = p.next()) got.push(r);
    }
    assert.deepEqual(got, expected, `chunk size ${step}`);
    assert.equal(p.idle, true);
  }
  const bad = new RespParser();
  bad.feed(s('|1\r\n'));
  assert.throws(() => bad.next(), /Protocol error, got "\|" as reply type byte/);
  assert.deepEqual(s(encodeCommand(['SET', 'k', ''])), s('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n'));
});

test('TTY formatting matches redis-cli (nesting, padding, maps, sets)', () => {
  assert.equal(repr(s('a\x00\x01\n\r\t\x07\x08"\\\xff~')), '"a\\x00\\x01\\n\\r\\t\\a\\b\\"\\\\\\xff~"');
  const list = arr(...Array.from({ length: 11 }, (_, i) => str(String(i))));
  const tty = formatTTY(arr(int(1), arr(int(2), arr(int(3), str('x'))), { type: 'nil' }, arr(), list)).toString('latin1');
  assert.equal(
    tty,
    '1) (integer) 1\n2) 1) (integer) 2\n   2) 1) (integer) 3\n      2) "x"\n3) (nil)\n4) (empty array)\n' +
      '5)  1) "0"\n    2) "1"\n    3) "2"\n    4) "3"\n    5) "4"\n    6) "5"\n    7) "6"\n    8) "7"\n    9) "8"\n   10) "9"\n   11) "10"\n',
  );
  const map: Reply = { type: 'map', elements: [str('a'), arr(int(1), int(2)), str('b'), { type: 'double', str: s('1.5') }, str('c'), arr(int(7))] };
  assert.equal(formatTTY(map).toString(), '1# "a" => \n   1) (integer) 1\n   2) (integer) 2\n2# "b" => (double) 1.5\n3# "c" => 1) (integer) 7\n');
  assert.equal(formatTTY({ type: 'set', elements: [str('x'), { type: 'bool', bool: true }] }).toString(), '1~ "x"\n2~ (true)\n');
  assert.equal(formatTTY({ type: 'error', str: s('ERR x') }).toString(), '(error) ERR x\n');
  assert.equal(formatTTY({ type: 'map', elements: [] }).toString(), '(empty hash)\n');
});

test('raw, CSV and JSON formatting', () => {
  const nl = s('\n');
  assert.equal(formatRaw(arr(str('a'), arr(), { type: 'error', str: s('E') }, int(3)), nl).toString(), 'a\n\nE\n\n3');
  assert.equal(formatRaw({ type: 'map', elements: [str('k'), str('v'), str('k2'), int(2)] }, nl).toString(), 'k v\nk2 2');
  assert.equal(formatCSV(arr(str('a"b'), int(1), { type: 'nil' }, { type: 'bool', bool: false })).toString(), '"a\\"b",1,NULL,false');
  assert.equal(formatJSON({ type: 'map', elements: [int(1), str('\x01\xc3\xa9')] }, 'json').toString('latin1'), '{"1":"\\u0001\xc3\xa9"}');
  assert.equal(formatJSON(arr(str('a\nb')), 'quoted-json').toString(), '["a\\\\nb"]');
});

test('option parsing: defaults, -u URIs, warnings and errors', () => {
  const r = parseOptions(['-u', 'redis://us%40er:p%3Ass@example.org:7000/3', 'GET', 'k'], { stdoutIsTTY: false }, {});
  assert.equal(r.kind, 'run');
  if (r.kind !== 'run') return;
  assert.equal(r.config.host, 'example.org');
  assert.equal(r.config.port, 7000);
  assert.equal(r.config.dbnum, 3);
  assert.equal(r.config.user?.toString(), 'us@er');
  assert.equal(r.config.auth?.toString(), 'p:ss');
  assert.deepEqual(r.config.args, ['GET', 'k']);
  assert.equal(r.config.output, 'raw');
  assert.match(r.warnings.join(''), /^Warning: Using a password with '-a' or '-u' option/);
  const tty = parseOptions([], { stdoutIsTTY: true }, { REDISCLI_AUTH: 'envpass' });
  assert.equal(tty.kind === 'run' && tty.config.output, 'standard');
  assert.equal(tty.kind === 'run' && tty.config.auth?.toString(), 'envpass');
  assert.equal(tty.kind === 'run' && tty.warnings.length, 0);
  assert.deepEqual(parseOptions(['--bogus'], { stdoutIsTTY: false }, {}), {
    kind: 'exit',
    code: 1,
    stderr: "Unrecognized option or bad number of args for: '--bogus'\n",
  });
  assert.deepEqual(parseOptions(['-u', 'http://x'], { stdoutIsTTY: false }, {}), { kind: 'exit', code: 1, stderr: 'Invalid URI scheme\n' });
  const v = parseOptions(['-v'], { stdoutIsTTY: false }, {});
  assert.equal(v.kind, 'exit');
  assert.match(v.kind === 'exit' ? (v.stdout ?? '') : '', /^tredis-cli 7\.0\.15/);
});
