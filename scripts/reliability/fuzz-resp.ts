/**
 * RESP frame fuzzer: connections each carry a batch of 1-64 frames (valid
 * multibulk and inline commands on fresh keys, mutated copies of them with
 * bytes flipped, inserted, deleted or a length replaced by an edge value such
 * as -1, 01, -0, 2147483648 or 536870913, random garbage, huge headers),
 * written in random chunks, then the client's FIN. The server must answer
 * what it parsed, close the connection (as Redis does on EOF or after a
 * protocol error) within the hang bound, and answer a PING on another
 * connection within the bound after every round. Every --diff-every'th batch
 * also goes to redis-server: the sequence of reply kinds (and the exact text
 * of protocol errors) must be the same.
 */
import * as net from 'node:net';
import { Node, Prober, Report, Rng, rssKb, replyKind, within } from './common';
import { parseReply } from '../../test/helpers/resp';

const EDGE_LENGTHS = ['-1', '0', '01', '-0', '+1', '1 ', ' 1', '99999999999', '2147483648', '536870913', '536870912', '1048577', '1048576', 'x', '', '-2', '4294967297'];

function multibulk(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');
}

/** Sent after a differential batch: its echo ends the wait for replies. */
const MARK = '--end-of-fuzz-batch--';
const MARKER = multibulk(['ECHO', MARK]);
const MARKER_REPLY = Buffer.from(`$${MARK.length}\r\n${MARK}\r\n`, 'latin1');

function command(rng: Rng, pfx: string): string[] {
  const k = `${pfx}${rng.int(4)}`;
  const v = rng.chance(0.1) ? 'v'.repeat(rng.int(5000)) : `v${rng.int(100)}`;
  return rng.pick([['PING'], ['ECHO', v], ['SET', k, v], ['GET', k], ['RPUSH', k, v], ['LRANGE', k, '0', '-1'], ['HSET', k, 'f', v], ['INCR', k], ['DEL', k], ['EXISTS', k, k], ['MGET', k, 'x'], ['STRLEN', k], ['TYPE', k], ['SADD', k, v], ['NOSUCHCMD', k], ['GET'], ['SET', k]]);
}

function inline(rng: Rng, argv: string[]): string {
  const parts = argv.map((a) => (a.length > 200 ? a.slice(0, 200) : a)).map((a) => (rng.chance(0.15) ? `"${a}\\x41"` : rng.chance(0.05) ? `'${a}` : a));
  return parts.join(rng.chance(0.8) ? ' ' : '   ') + (rng.chance(0.8) ? '\r\n' : '\n');
}

function mutate(rng: Rng, s: string): string {
  let b = s;
  for (let n = rng.range(1, 3); n > 0; n--) {
    const p = rng.int(b.length + 1);
    switch (rng.int(5)) {
      case 0:
        b = b.slice(0, p) + String.fromCharCode(rng.int(256)) + b.slice(p + 1);
        break;
      case 1:
        b = b.slice(0, p) + String.fromCharCode(rng.pick([13, 10, 42, 36, 0, 255, 45, 48])) + b.slice(p);
        break;
      case 2:
        b = b.slice(0, p) + b.slice(p + rng.range(1, 8));
        break;
      case 3: {
        const m = /[*$](-?\d+)/g;
        const all = [...b.matchAll(m)];
        if (all.length) {
          const hit = rng.pick(all);
          const at = (hit.index ?? 0) + 1;
          b = b.slice(0, at) + rng.pick(EDGE_LENGTHS) + b.slice(at + hit[1].length);
        }
        break;
      }
      default:
        b = b.slice(0, p);
    }
  }
  return b;
}

/** One batch of frames: [bytes, frames in it]. */
function batch(rng: Rng, pfx: string): [string, number] {
  const n = rng.range(1, 64);
  let out = '';
  const bad = rng.chance(0.5) ? rng.int(n) : -1;
  for (let i = 0; i < n; i++) {
    const argv = command(rng, pfx);
    if (i !== bad) {
      out += rng.chance(0.85) ? multibulk(argv) : inline(rng, argv);
      continue;
    }
    switch (rng.int(5)) {
      case 0:
        out += rng.bytes(rng.range(1, 64)).toString('latin1');
        break;
      case 1:
        out += rng.pick([`*${rng.pick(EDGE_LENGTHS)}\r\n`, `*1\r\n$${rng.pick(EDGE_LENGTHS)}\r\nabc`, '*\r\n', '$3\r\nfoo\r\n', '*1\r\n*1\r\n', '\r\n\r\n', '*-1\r\n', '*0\r\n']);
        break;
      case 2:
        out += inline(rng, argv).replace(/\r?\n$/, '') + rng.pick(['"', "'", '"\\x4', '\\', '"a"b']) + '\r\n';
        break;
      default:
        out += mutate(rng, multibulk(argv));
    }
  }
  return [out, n];
}

/**
 * Send one batch on a fresh connection (random chunks, then FIN); the reply
 * bytes, or 'timeout' when not closed in time. With `idleMs` (the
 * differential batches) no FIN is sent, since Redis frees a client at EOF
 * with replies still unwritten, which would cut its side short: the batch is
 * followed by `ECHO <marker>` and the replies are those that came until the
 * marker's echo, the connection's close, or (the marker swallowed by an
 * unfinished frame) idleMs of quiet. Waiting for the marker rather than for
 * quiet alone keeps a server slowed by the machine's load from being cut
 * short (a "difference" that was only timing).
 */
function exchange(port: number, bytes: string, rng: Rng, ms: number, idleMs = 0): Promise<Exchanged | 'timeout'> {
  return within(
    new Promise<Exchanged>((resolve) => {
      let reset = false;
      const chunks: Buffer[] = [];
      const s = net.connect(port, '127.0.0.1');
      let idle: NodeJS.Timeout | undefined;
      const quiet = (): void => {
        if (idleMs === 0) return;
        clearTimeout(idle);
        idle = setTimeout(() => s.destroy(), idleMs);
      };
      let seen = 0;
      s.on('data', (d) => {
        chunks.push(d);
        seen += d.length;
        if (idleMs > 0 && seen >= MARKER_REPLY.length && Buffer.concat(chunks).includes(MARKER_REPLY)) s.destroy();
        else quiet();
      });
      s.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNRESET' || e.code === 'EPIPE') reset = true;
      });
      s.on('close', () => {
        clearTimeout(idle);
        resolve({ buf: Buffer.concat(chunks), reset });
      });
      s.on('connect', () => {
        const buf = Buffer.from(idleMs > 0 ? bytes + MARKER : bytes, 'latin1');
        let p = 0;
        while (p < buf.length) {
          const n = rng.chance(0.7) ? buf.length - p : rng.range(1, 64);
          s.write(buf.subarray(p, p + n));
          p += n;
        }
        if (idleMs === 0) s.end();
        else quiet();
      });
      setTimeout(() => s.destroy(), ms + 100).unref();
    }),
    ms,
  );
}

/** What came back on a connection; `reset` when it ended with a RST (ECONNRESET/EPIPE). */
interface Exchanged {
  buf: Buffer;
  reset: boolean;
}

/** Reply kinds in order (protocol errors with their text); 'partial' for an incomplete tail. */
function kinds(buf: Buffer): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < buf.length) {
    let r: ReturnType<typeof parseReply>;
    try {
      r = parseReply(buf, p);
    } catch {
      out.push('unparsable');
      break;
    }
    if (!r) {
      out.push('partial');
      break;
    }
    const raw = buf.toString('latin1', p, r[1]);
    out.push(raw.startsWith('-ERR Protocol error') ? raw.trim() : replyKind(raw));
    p = r[1];
  }
  return out;
}

/** Run the RESP fuzzer until `frames` frames were sent (or `seconds`). */
export async function runRespFuzz(o: { frames: number; seconds: number; seed: number; hangMs: number; maxRssMb: number; diffEvery: number; parallel: number }): Promise<Report> {
  const rep = new Report(`RESP frame fuzz (seed ${o.seed})`);
  const rng = new Rng(o.seed ^ 0x4e5b);
  const t = await Node.start('tredis', []);
  const r = await Node.start('redis', []);
  const probe = new Prober(t.port, o.hangMs);
  let frames = 0;
  let batches = 0;
  const examples: string[] = [];
  try {
    const t0 = Date.now();
    while (frames < o.frames && Date.now() - t0 < o.seconds * 1000) {
      const round: Array<Promise<void>> = [];
      for (let j = 0; j < o.parallel; j++) {
        const id = batches++;
        const [bytes, n] = batch(rng, `r${o.seed}:${id}:`);
        frames += n;
        const diff = o.diffEvery > 0 && id % o.diffEvery === 0;
        const seedA = rng.int(2 ** 31);
        round.push(
          (async () => {
            const [a, b] = await Promise.all([exchange(t.port, bytes, new Rng(seedA), o.hangMs, diff ? 500 : 0), diff ? exchange(r.port, bytes, new Rng(seedA), o.hangMs, 500) : Promise.resolve(null)]);
            if (a === 'timeout') {
              rep.fail(`connection not closed within ${o.hangMs} ms after EOF: ${JSON.stringify(bytes.slice(0, 200))}`);
              return;
            }
            if (b === null || b === 'timeout') return;
            // A server that closes a connection (after a protocol error) with input still unread
            // makes the kernel send a RST, and a RST discards what the client had received but not
            // yet read: the replies seen are then a matter of timing, not of the server (Redis does
            // it; tredis drains its input first). Such batches are counted, not compared.
            if (a.reset || b.reset) {
              rep.add(`differential batches cut by a reset (${a.reset ? 'tredis' : 'redis-server'})`);
              return;
            }
            rep.add('differential batches');
            const ka = kinds(a.buf).join(' ');
            const kb = kinds(b.buf).join(' ');
            if (ka !== kb) {
              rep.add('differential batches that differ');
              if (examples.length < 5) examples.push(`...${JSON.stringify(bytes.slice(-400))}\n    tredis: ${ka.slice(0, 300)}\n    redis:  ${kb.slice(0, 300)}`);
            }
          })(),
        );
      }
      await Promise.all(round);
      if (!t.alive) {
        rep.fail(`tredis died\n${t.logTail(2000)}`);
        break;
      }
      const why = await probe.ping();
      if (why) {
        rep.fail(`after batch ${batches}: ${why}`);
        break;
      }
      if (batches % (o.parallel * 50) === 0) rep.max('tredis max RSS (MB)', Math.round(rssKb(t.pid) / 1024));
      if (rep.failures.length) break;
    }
    rep.set('frames sent', frames);
    rep.set('connections', batches);
    rep.max('tredis max RSS (MB)', Math.round(rssKb(t.pid) / 1024));
    if ((rep.counts.get('tredis max RSS (MB)') ?? 0) > o.maxRssMb) rep.fail(`tredis RSS over ${o.maxRssMb} MB`);
    rep.set('slowest probe PING (ms)', Math.round(probe.worst));
    for (const e of examples) rep.fail(`reply sequence differs from redis-server: ${e}`);
  } finally {
    probe.close();
    await t.stop().catch(() => {});
    await r.stop().catch(() => {});
  }
  return rep;
}
