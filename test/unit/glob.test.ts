/**
 * stringMatch() against Redis's stringmatchlen(). The tricky expectations
 * (signed-char ranges, unterminated sets, `[a-]`) were recorded by running
 * KEYS with the same patterns against redis-server 7.0.15.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringMatch, isMatchAll } from '../../src/util/glob';

const KEYS = ['a', 'b', 'c', '-', ']', '\\', 'A', 'ab', 'abc', 'a]', '[', 'x', '\xe9', 'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'a*b', 'a?b', 'aXb'];

function keys(pattern: string, nocase = false): string[] {
  return KEYS.filter((k) => stringMatch(pattern, k, nocase)).sort();
}

test('wildcards, sets, ranges and escapes match like KEYS', () => {
  const cases: Array<[string, string[]]> = [
    ['h?llo', ['hallo', 'hello', 'hxllo']],
    ['h*llo', ['hallo', 'heeeello', 'hello', 'hllo', 'hxllo']],
    ['h[ae]llo', ['hallo', 'hello']],
    ['h[^e]llo', ['hallo', 'hxllo']],
    ['h[a-b]llo', ['hallo']],
    ['[a-c]', ['a', 'b', 'c']],
    ['[c-a]', ['a', 'b', 'c']],
    ['a\\*b', ['a*b']],
    ['a\\?b', ['a?b']],
    ['a?b', ['a*b', 'a?b', 'aXb']],
    ['*]', [']', 'a]']],
    ['A', ['A']],
    ['[A-Z]', ['A']],
    ['[!a]', ['a']],
    ['\\', ['\\']],
    ['\\\\', ['\\']],
    ['[\\]]', [']']],
  ];
  for (const [p, want] of cases) assert.deepEqual(keys(p), want.slice().sort(), `pattern ${JSON.stringify(p)}`);
});

test('Redis quirks: open sets, trailing dash ranges, signed bytes', () => {
  const cases: Array<[string, string[]]> = [
    ['[a-]', [']', 'a']],
    ['[a-]]', [']', 'a']],
    ['[a-\\]', ['\\', ']', 'a']],
    ['[]', []],
    ['[]]', []],
    ['[', []],
    ['a[', []],
    ['a[]', []],
    ['a\\', []],
    ['[^a]', ['-', 'A', '[', '\\', ']', 'b', 'c', 'x', '\xe9']],
    ['[^', ['-', 'A', '[', '\\', ']', 'a', 'b', 'c', 'x', '\xe9']],
    // C chars are signed: \xff is -1, so [a-\xff] spans -1..97
    ['[a-\xff]', ['-', 'A', '[', '\\', ']', 'a']],
    ['[\xe0-\xf0]', ['\xe9']],
  ];
  for (const [p, want] of cases) assert.deepEqual(keys(p), want.slice().sort(), `pattern ${JSON.stringify(p)}`);
});

test('nocase folds A-Z only', () => {
  assert.equal(stringMatch('HELLO', 'hello', true), true);
  assert.equal(stringMatch('h[A-Z]llo', 'hello', true), true);
  assert.equal(stringMatch('h[A-Z]llo', 'hello', false), false);
  assert.equal(stringMatch('\xc9', '\xe9', true), false);
  assert.equal(stringMatch('maxmemory*', 'MAXMEMORY-policy', true), true);
});

test('binary-safe: NUL bytes in pattern and subject', () => {
  assert.equal(stringMatch('a\0*', 'a\0bc'), true);
  assert.equal(stringMatch('a*', 'a\0'), true);
  assert.equal(stringMatch('a?c', 'a\0c'), true);
  assert.equal(stringMatch('a\0c', 'abc'), false);
  assert.equal(stringMatch('', ''), true);
  assert.equal(stringMatch('', 'a'), false);
  // stringmatchlen never enters its loop for an empty subject: only "" matches ""
  // (KEYS * still lists the empty key through the match-all shortcut)
  assert.equal(stringMatch('*', ''), false);
  assert.equal(stringMatch('**', ''), false);
  assert.equal(stringMatch('?', ''), false);
});

test('pathological patterns stay fast (skip-longer-matches pruning)', () => {
  const subject = 'a'.repeat(5000);
  const t0 = Date.now();
  assert.equal(stringMatch('*a*a*a*a*a*a*a*a*a*a*a*b', subject), false);
  assert.equal(stringMatch('*a*a*a*a*a*a*a*a*a*a*a*a', subject), true);
  assert.ok(Date.now() - t0 < 2000);
  // nesting beyond 1000 stars-with-backtracking gives up like Redis
  assert.equal(stringMatch('a*'.repeat(1100) + 'b', 'a'.repeat(1200) + 'b'), false);
  assert.equal(stringMatch('a*'.repeat(900) + 'b', 'a'.repeat(1200) + 'b'), true);
});

test('isMatchAll only for a lone star', () => {
  assert.equal(isMatchAll('*'), true);
  assert.equal(isMatchAll('**'), false);
  assert.equal(isMatchAll(''), false);
});
