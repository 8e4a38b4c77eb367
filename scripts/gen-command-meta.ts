/**
 * Generates src/commands/command-meta-data.ts from a running redis-server 7.0:
 * the parts of COMMAND INFO / COMMAND DOCS that are documentation rather than
 * behaviour (ACL categories, tips, key specs, summaries, arguments).
 *
 *   redis-server --port 17001 --save '' &
 *   node dist/scripts/gen-command-meta.js 17001
 *
 * The data is stored as a compact JSON tree (see MetaNode in
 * src/commands/command-meta.ts) that the COMMAND family writes back with
 * Redis's RESP2/RESP3 types.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';

type Node = string | number | null | Node[] | { kind: 'map'; items: Node[] } | { kind: 'set'; items: Node[] } | { kind: 'simple'; s: string };

function parse(buf: Buffer, pos: number): [Node, number] | null {
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, nl);
  let p = nl + 2;
  switch (t) {
    case '+':
      return [{ kind: 'simple', s: line }, p];
    case ':':
      return [Number(line), p];
    case '_':
      return [null, p];
    case '$': {
      const n = Number(line);
      if (buf.length < p + n + 2) return null;
      return [buf.toString('latin1', p, p + n), p + n + 2];
    }
    case '*':
    case '~':
    case '%': {
      const n = Number(line) * (t === '%' ? 2 : 1);
      const items: Node[] = [];
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (r === null) return null;
        items.push(r[0]);
        p = r[1];
      }
      if (t === '*') return [items, p];
      return [{ kind: t === '%' ? 'map' : 'set', items }, p];
    }
    default:
      throw new Error(`unexpected reply type ${t}: ${line}`);
  }
}

function call(port: number, argv: string[][]): Promise<Node[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const out: Node[] = [];
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parse(buf, 0);
        if (r === null) break;
        out.push(r[0]);
        buf = buf.subarray(r[1]);
        if (out.length === argv.length) {
          s.destroy();
          resolve(out);
          return;
        }
      }
    });
    s.on('error', reject);
    for (const a of argv) s.write(`*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join(''));
  });
}

/** Compact JSON: object = map, {"~": [...]} = set, {"~+": [...]} = set of status strings, {"+": s} = status. */
type Json = string | number | null | Json[] | { [k: string]: Json };

function compact(n: Node): Json {
  if (n === null || typeof n === 'string' || typeof n === 'number') return n;
  if (Array.isArray(n)) return n.map(compact);
  if (n.kind === 'simple') return { '+': n.s };
  if (n.kind === 'set') {
    if (n.items.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i) && i.kind === 'simple')) {
      return { '~+': n.items.map((i) => (i as { s: string }).s) };
    }
    return { '~': n.items.map(compact) };
  }
  const o: { [k: string]: Json } = {};
  for (let i = 0; i < n.items.length; i += 2) {
    const k = n.items[i];
    if (typeof k !== 'string' || k in o || k === '~' || k === '~+' || k === '+' || /^\d+$/.test(k)) throw new Error(`bad map key ${String(k)}`);
    o[k] = compact(n.items[i + 1]);
  }
  return o;
}

function mapGet(n: Node, key: string): Node | undefined {
  if (n === null || typeof n !== 'object' || Array.isArray(n) || n.kind !== 'map') return undefined;
  for (let i = 0; i < n.items.length; i += 2) if (n.items[i] === key) return n.items[i + 1];
  return undefined;
}

function mapWithout(n: Node, key: string): Node {
  if (n === null || typeof n !== 'object' || Array.isArray(n) || n.kind !== 'map') return n;
  const items: Node[] = [];
  for (let i = 0; i < n.items.length; i += 2) if (n.items[i] !== key) items.push(n.items[i], n.items[i + 1]);
  return { kind: 'map', items };
}

/** A single-quoted JS string literal (JSON text is full of double quotes). */
function singleQuoted(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + "'";
}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 6379);
  const [, info, docs] = await call(port, [['HELLO', '3'], ['COMMAND', 'INFO'], ['COMMAND', 'DOCS']]);
  const meta: Record<string, { a: string[]; t: string[]; k: Json; d?: Json }> = {};
  const addInfo = (ci: Node): void => {
    if (!Array.isArray(ci)) return;
    const name = ci[0] as string;
    const setItems = (x: Node): Node[] => (x !== null && typeof x === 'object' && !Array.isArray(x) && x.kind === 'set' ? x.items : []);
    meta[name] = {
      a: setItems(ci[6]).map((i) => (i as { s: string }).s),
      t: setItems(ci[7]).map((i) => i as string),
      k: compact(ci[8]),
    };
    for (const sub of Array.isArray(ci[9]) ? ci[9] : setItems(ci[9])) addInfo(sub);
  };
  for (const ci of info as Node[]) addInfo(ci);
  const addDocs = (name: string, d: Node): void => {
    if (meta[name]) meta[name].d = compact(mapWithout(d, 'subcommands'));
    const subs = mapGet(d, 'subcommands');
    if (subs && typeof subs === 'object' && !Array.isArray(subs) && subs.kind === 'map') {
      for (let i = 0; i < subs.items.length; i += 2) addDocs(subs.items[i] as string, subs.items[i + 1]);
    }
  };
  const dm = docs as { kind: 'map'; items: Node[] };
  for (let i = 0; i < dm.items.length; i += 2) addDocs(dm.items[i] as string, dm.items[i + 1]);
  const sorted: typeof meta = {};
  for (const k of Object.keys(meta).sort()) sorted[k] = meta[k];
  const json = JSON.stringify(sorted);
  const out =
    '/**\n * GENERATED by scripts/gen-command-meta.ts from redis-server 7.0.15 (COMMAND INFO + COMMAND DOCS).\n' +
    ' * Documentation-only metadata per command: ACL categories (a), tips (t), key specs (k), docs (d).\n * Do not edit by hand.\n */\n' +
    '/** The metadata as JSON text (parsed lazily). */\nexport const COMMAND_META_JSON = ' +
    singleQuoted(json) +
    ';\n';
  const root = path.resolve(__dirname, '..', '..');
  fs.writeFileSync(path.join(root, 'src', 'commands', 'command-meta-data.ts'), out);
  process.stdout.write(`${Object.keys(sorted).length} commands, ${out.length} bytes\n`);
}

main().catch((e) => {
  process.stderr.write(String((e as Error).stack ?? e) + '\n');
  process.exit(1);
});
