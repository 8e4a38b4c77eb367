/**
 * Fenced code blocks of the user docs (README.md and docs/*.md), for the
 * tests that keep the docs honest. Every block is marked with its language:
 * `conf` (redis.conf text), `sh` (commands), `text` (output), `js`/`mjs`
 * (Node code, see README's embedding example).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './servers';

/** One fenced block. */
export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  lang: string;
  /** the text after the language on the fence line (e.g. `example.mjs`) */
  info: string;
  body: string;
}

/** README.md and every docs/*.md, relative to the repo root. */
export function docFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => path.join('docs', f));
  return ['README.md', ...docs];
}

/** The fenced blocks of one markdown file. */
export function docBlocks(file: string): DocBlock[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    out.push({ file, line: start + 1, lang: m[1], info: m[2], body: body.join('\n') + '\n' });
  }
  return out;
}

/**
 * Split a shell line into words as sh does for the simple lines the docs
 * show: single and double quotes, backslash escapes, `#` starting a word
 * begins a comment. Returns null for what it does not handle ($, `, |, ;, &&).
 */
export function shellWords(line: string): string[] | null {
  const words: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === ' ' || ch === '\t') {
      if (cur !== null) words.push(cur);
      cur = null;
    } else if (ch === '#' && cur === null) {
      break;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return null;
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let s = '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        if (line[i] === '$' || line[i] === '`') return null;
        s += line[i];
      }
      if (i >= line.length) return null;
      cur = (cur ?? '') + s;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur = (cur ?? '') + line[++i];
    } else if ('$`|;&<>'.includes(ch)) {
      return null;
    } else {
      cur = (cur ?? '') + ch;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}
