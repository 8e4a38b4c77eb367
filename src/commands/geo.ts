/**
 * Geo commands (Redis 7.0's geo.c) on sorted sets whose scores are 52-bit
 * geohashes (src/keyspace/geohash.ts): GEOADD (run as the ZADD it rewrites
 * to, and propagated as that ZADD), GEODIST, GEOHASH, GEOPOS, GEORADIUS,
 * GEORADIUSBYMEMBER (+ _RO), GEOSEARCH, GEOSEARCHSTORE.
 *
 * Results come out in Redis's order: candidates in the order of the 9 boxes
 * and of the sorted set, then a stable sort by distance (glibc's qsort is a
 * merge sort) or, for COUNT below the number found, Redis's partial quicksort
 * (pqsort) reproduced step by step. Distances print with 4 decimals
 * (fixedpoint_d2string), coordinates as long doubles (addReplyHumanLongDouble).
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { lookupRead, isOpt, parseLongLong } from './util';
import { zaddCommand } from './zsets';
import { parseDouble } from '../keyspace/types/float';
import { formatFixed, formatHumanDouble } from '../util/number-format';
import { RZSet, type ZEntry, type ZSetLimits } from '../keyspace/types/zset';
import type { Client } from '../server/client';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  geoScoreText,
  decodeScore,
  geoDistance,
  distanceIfWithin,
  geohashString,
  searchAreas,
  scoresOfBox,
  type GeoShape,
} from '../keyspace/geohash';

const E_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const E_MEMBER = 'ERR could not decode requested zset member';

/** One search result (geoPoint). */
interface GeoPoint {
  longitude: number;
  latitude: number;
  dist: number;
  score: number;
  member: string;
}

// ---------------------------------------------------------------- argument helpers

/** lookupKeyRead + checkType(OBJ_ZSET). */
function readZset(c: Client, key: string): RZSet | undefined {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'zset') throw new RedisError(Err.wrongType);
  return v;
}

/** getDoubleFromObjectOrReply. */
function doubleArg(s: string, msg: string = Err.notFloat): number {
  const v = parseDouble(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/** extractLongLatOrReply: longitude then latitude, both parsed before the range check. */
function lonLatArgs(argv: string[], i: number): [number, number] {
  const x = doubleArg(argv[i]);
  const y = doubleArg(argv[i + 1]);
  if (x < GEO_LONG_MIN || x > GEO_LONG_MAX || y < GEO_LAT_MIN || y > GEO_LAT_MAX) {
    // Redis formats "-ERR ...\r\n"; its error writer trims the trailing CR LF
    throw new RedisError(`ERR invalid longitude,latitude pair ${formatFixed(x, 6)},${formatFixed(y, 6)}`);
  }
  return [x, y];
}

/** extractUnitOrReply: meters per unit. */
function unitArg(s: string): number {
  const u = s.toLowerCase();
  if (u === 'm') return 1;
  if (u === 'km') return 1000;
  if (u === 'ft') return 0.3048;
  if (u === 'mi') return 1609.34;
  throw new RedisError(E_UNIT);
}

/** zsetScore + decodeGeohash of a member, or null when missing. */
function memberLonLat(z: RZSet, member: string): [number, number] | null {
  const score = z.score(member);
  if (score === undefined) return null;
  return decodeScore(score);
}

/** addReplyDoubleDistance: fixedpoint_d2string(d, 4), llrint rounding half to even. */
function distanceText(d: number): string {
  if (d === 0) return '0.0000';
  const x = d * 10000;
  let v = Math.round(x);
  if (v - x === 0.5 && v % 2 !== 0) v -= 1;
  const neg = v < 0;
  let s = String(neg ? -v : v);
  if (s.length < 5) s = '0'.repeat(5 - s.length) + s;
  const out = s.slice(0, s.length - 4) + '.' + s.slice(s.length - 4);
  return neg ? '-' + out : out;
}

/** addReplyHumanLongDouble. */
function replyCoord(c: Client, d: number): void {
  const s = formatHumanDouble(d);
  if (c.reply.proto === 3) c.reply.raw(',' + s + '\r\n');
  else c.reply.bulk(s);
}

// ---------------------------------------------------------------- GEOADD

/** Format: GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...] */
function geoaddCommand(c: Client, argv: string[]): void {
  let xx = false;
  let nx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const o = argv[longidx];
    if (isOpt(o, 'nx')) nx = true;
    else if (isOpt(o, 'xx')) xx = true;
    else if (isOpt(o, 'ch')) {
      /* handled by ZADD */
    } else break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) throw new RedisError(Err.syntax);
  const elements = (argv.length - longidx) / 3;
  const zargv = ['zadd'];
  for (let i = 1; i < longidx; i++) zargv.push(argv[i]);
  for (let i = 0; i < elements; i++) {
    const [x, y] = lonLatArgs(argv, longidx + i * 3);
    zargv.push(geoScoreText(x, y), argv[longidx + i * 3 + 2]);
  }
  // Redis replaces the command vector: ZADD runs and is what gets propagated
  c.server.propagation.rewrite(zargv);
  zaddCommand(c, zargv);
}

// ---------------------------------------------------------------- searching

/** Sort comparator on distance (sort_gp_asc). */
function cmpAsc(a: GeoPoint, b: GeoPoint): number {
  return a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1;
}
function cmpDesc(a: GeoPoint, b: GeoPoint): number {
  return -cmpAsc(a, b);
}

/**
 * Redis's pqsort (Bentley & McIlroy quicksort that only recurses into the
 * partitions overlapping [lrange, rrange]), over a[lo .. lo+n).
 */
function pqsort(a: GeoPoint[], lo: number, n: number, cmp: (x: GeoPoint, y: GeoPoint) => number, lrange: number, rrange: number): void {
  const swap = (i: number, j: number): void => {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  };
  const vecswap = (i: number, j: number, k: number): void => {
    for (let t = 0; t < k; t++) swap(i + t, j + t);
  };
  const med3 = (x: number, y: number, z: number): number =>
    cmp(a[x], a[y]) < 0 ? (cmp(a[y], a[z]) < 0 ? y : cmp(a[x], a[z]) < 0 ? z : x) : cmp(a[y], a[z]) > 0 ? y : cmp(a[x], a[z]) < 0 ? x : z;
  for (;;) {
    if (n < 7) {
      for (let pm = lo + 1; pm < lo + n; pm++) for (let pl = pm; pl > lo && cmp(a[pl - 1], a[pl]) > 0; pl--) swap(pl, pl - 1);
      return;
    }
    let pm = lo + Math.floor(n / 2);
    if (n > 7) {
      let pl = lo;
      let pn = lo + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(lo, pm);
    let pa = lo + 1;
    let pb = pa;
    let pc = lo + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(a[pb], a[lo])) <= 0) {
        if (r === 0) {
          swap(pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(a[pc], a[lo])) >= 0) {
        if (r === 0) {
          swap(pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(pb, pc);
      pb++;
      pc--;
    }
    const pn = lo + n;
    let r = Math.min(pa - lo, pb - pa);
    vecswap(lo, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(pb, pn - r, r);
    const outside = (s: number, len: number): boolean => (lrange < s && rrange < s) || (lrange >= s + len && rrange >= s + len);
    if ((r = pb - pa) > 1) {
      if (!outside(lo, r)) pqsort(a, lo, r, cmp, lrange, rrange);
    }
    if ((r = pd - pc) > 1) {
      lo = pn - r;
      n = r;
      if (!outside(lo, n)) continue;
    }
    return;
  }
}

/** geoGetPointsInRange over [min, max) of the zset, appending what lies within the shape. */
function pointsInRange(z: RZSet, min: number, max: number, shape: GeoShape, out: GeoPoint[], limit: number): number {
  const before = out.length;
  const entries = z.rangeByScore({ min, max, minex: false, maxex: true });
  for (const e of entries) {
    const [x, y] = decodeScore(e.score);
    const dist = distanceIfWithin(shape, x, y);
    if (dist >= 0) out.push({ longitude: x, latitude: y, dist, score: e.score, member: e.member });
    if (out.length && limit && out.length >= limit) break;
  }
  return out.length - before;
}

/** membersOfAllNeighbors: the 9 boxes in Redis's order, a box equal to the previous one skipped. */
function membersOfAllNeighbors(z: RZSet, shape: GeoShape, out: GeoPoint[], limit: number): void {
  const boxes = searchAreas(shape);
  let last = 0;
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i];
    if (b.bits === 0n && b.step === 0) continue;
    if (last && b.bits === boxes[last].bits && b.step === boxes[last].step) continue;
    if (out.length && limit && out.length >= limit) break;
    const [min, max] = scoresOfBox(b);
    pointsInRange(z, min, max, shape, out, limit);
    last = i;
  }
}

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

function zsetLimits(c: Client): ZSetLimits {
  const s = c.server.config.settings;
  return { maxListpackEntries: s.zsetMaxListpackEntries, maxListpackValue: s.zsetMaxListpackValue };
}

/**
 * georadiusGeneric. Format:
 * GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
 * GEORADIUSBYMEMBER key member radius M|KM|FT|MI ... (same options)
 * GEOSEARCH key FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius unit|BYBOX width height unit [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
 * GEOSEARCHSTORE destination source ... [STOREDIST]
 */
function georadiusGeneric(c: Client, argv: string[], srcKeyIndex: number, flags: number): void {
  let storekey: string | null = null;
  let storedist = false;
  const z = readZset(c, argv[srcKeyIndex]);
  const shape: GeoShape = { type: 'circle', x: 0, y: 0, conversion: 0, radius: 0, width: 0, height: 0, bounds: [0, 0, 0, 0], cosY: NaN };
  const distance = (i: number): void => {
    const d = doubleArg(argv[i], 'ERR need numeric radius');
    if (d < 0) throw new RedisError('ERR radius cannot be negative');
    shape.radius = d;
    shape.conversion = unitArg(argv[i + 1]);
  };
  let baseArgs: number;
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    shape.type = 'circle';
    [shape.x, shape.y] = lonLatArgs(argv, 2);
    distance(baseArgs - 2);
  } else if (flags & RADIUS_MEMBER && z === undefined) {
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    shape.type = 'circle';
    const xy = memberLonLat(z!, argv[2]);
    if (xy === null) throw new RedisError(E_MEMBER);
    [shape.x, shape.y] = xy;
    distance(baseArgs - 2);
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storekey = argv[1];
    }
  }
  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = 0; // 0 none, 1 asc, 2 desc
  let any = false;
  let count = 0;
  const argc = argv.length;
  if (argc > baseArgs) {
    const remaining = argc - baseArgs;
    for (let i = 0; i < remaining; i++) {
      const arg = argv[baseArgs + i].toLowerCase();
      if (arg === 'withdist') withdist = true;
      else if (arg === 'withhash') withhash = true;
      else if (arg === 'withcoord') withcoords = true;
      else if (arg === 'any') any = true;
      else if (arg === 'asc') sort = 1;
      else if (arg === 'desc') sort = 2;
      else if (arg === 'count' && i + 1 < remaining) {
        const v = parseLongLong(argv[baseArgs + i + 1]);
        if (v === null) throw new RedisError(Err.notInt);
        if (v <= 0n) throw new RedisError('ERR COUNT must be > 0');
        count = Number(v);
        i++;
      } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
        storekey = argv[baseArgs + i + 1];
        storedist = arg === 'storedist';
        i++;
      } else if (arg === 'storedist' && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
        storedist = true;
      } else if (arg === 'frommember' && i + 1 < remaining && flags & GEOSEARCH && !fromloc) {
        if (z !== undefined) {
          const xy = memberLonLat(z, argv[baseArgs + i + 1]);
          if (xy === null) throw new RedisError(E_MEMBER);
          [shape.x, shape.y] = xy;
        }
        frommember = true;
        i++;
      } else if (arg === 'fromlonlat' && i + 2 < remaining && flags & GEOSEARCH && !frommember) {
        [shape.x, shape.y] = lonLatArgs(argv, baseArgs + i + 1);
        fromloc = true;
        i += 2;
      } else if (arg === 'byradius' && i + 2 < remaining && flags & GEOSEARCH && !bybox) {
        distance(baseArgs + i + 1);
        shape.type = 'circle';
        byradius = true;
        i += 2;
      } else if (arg === 'bybox' && i + 3 < remaining && flags & GEOSEARCH && !byradius) {
        const w = doubleArg(argv[baseArgs + i + 1], 'ERR need numeric width');
        const h = doubleArg(argv[baseArgs + i + 2], 'ERR need numeric height');
        if (h < 0 || w < 0) throw new RedisError('ERR height or width cannot be negative');
        shape.height = h;
        shape.width = w;
        shape.conversion = unitArg(argv[baseArgs + i + 3]);
        shape.type = 'box';
        bybox = true;
        i += 3;
      } else throw new RedisError(Err.syntax);
    }
  }
  if (storekey !== null && (withdist || withhash || withcoords)) {
    throw new RedisError(`ERR ${flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & GEOSEARCH && !(frommember || fromloc)) throw new RedisError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${cstr(argv[0])}`);
  if (flags & GEOSEARCH && !(byradius || bybox)) throw new RedisError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${cstr(argv[0])}`);
  if (any && !count) throw new RedisError('ERR the ANY argument requires COUNT argument');

  if (z === undefined) {
    if (storekey !== null) {
      if (c.db.delete(storekey)) {
        c.server.notifyKeyspaceEvent('g', 'del', storekey, c.db.id);
        c.server.dirty++;
      }
      c.reply.int(0);
    } else c.reply.arrayLen(0);
    return;
  }
  if (count !== 0 && sort === 0 && !any) sort = 1;

  const ga: GeoPoint[] = [];
  membersOfAllNeighbors(z, shape, ga, any ? count : 0);
  if (ga.length === 0 && storekey === null) {
    c.reply.arrayLen(0);
    return;
  }
  const resultLength = ga.length;
  const returned = count === 0 || resultLength < count ? resultLength : count;
  if (sort !== 0) {
    const cmp = sort === 1 ? cmpAsc : cmpDesc;
    if (returned === resultLength) ga.sort(cmp);
    else pqsort(ga, 0, resultLength, cmp, 0, returned - 1);
  }

  if (storekey === null) {
    const options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    const r = c.reply;
    r.arrayLen(returned);
    for (let i = 0; i < returned; i++) {
      const gp = ga[i];
      const dist = gp.dist / shape.conversion;
      if (options) r.arrayLen(options + 1);
      r.bulk(gp.member);
      if (withdist) r.bulk(distanceText(dist));
      if (withhash) r.int(Math.trunc(gp.score));
      if (withcoords) {
        r.arrayLen(2);
        replyCoord(c, gp.longitude);
        replyCoord(c, gp.latitude);
      }
    }
    return;
  }
  if (returned > 0) {
    const entries: ZEntry[] = [];
    for (let i = 0; i < returned; i++) {
      const gp = ga[i];
      entries.push({ member: gp.member, score: storedist ? gp.dist / shape.conversion : gp.score });
    }
    c.db.set(storekey, RZSet.from(entries, zsetLimits(c)));
    c.server.notifyKeyspaceEvent('z', flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', storekey, c.db.id);
    c.server.dirty += returned;
  } else if (c.db.delete(storekey)) {
    c.server.notifyKeyspaceEvent('g', 'del', storekey, c.db.id);
    c.server.dirty++;
  }
  c.reply.int(returned);
}

// ---------------------------------------------------------------- GEOHASH / GEOPOS / GEODIST

/** Format: GEOHASH key [member [member ...]] */
function geohashCommand(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  const r = c.reply;
  r.arrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === undefined ? undefined : z.score(argv[j]);
    if (score === undefined) r.nullBulk();
    else r.bulk(geohashString(score));
  }
}

/** Format: GEOPOS key [member [member ...]] */
function geoposCommand(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  const r = c.reply;
  r.arrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === undefined ? undefined : z.score(argv[j]);
    if (score === undefined) r.nullArray();
    else {
      const [x, y] = decodeScore(score);
      r.arrayLen(2);
      replyCoord(c, x);
      replyCoord(c, y);
    }
  }
}

/** Format: GEODIST key member1 member2 [M|KM|FT|MI] */
function geodistCommand(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) toMeter = unitArg(argv[4]);
  else if (argv.length > 5) throw new RedisError(Err.syntax);
  const z = readZset(c, argv[1]);
  if (z === undefined) {
    c.reply.nullBulk();
    return;
  }
  const s1 = z.score(argv[2]);
  const s2 = s1 === undefined ? undefined : z.score(argv[3]);
  if (s1 === undefined || s2 === undefined) {
    c.reply.nullBulk();
    return;
  }
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  c.reply.bulk(distanceText(geoDistance(x1, y1, x2, y2) / toMeter));
}

// ---------------------------------------------------------------- keys

/** georadiusGetKeys: the source key and the last STORE/STOREDIST key. */
function georadiusKeys(argv: string[]): number[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if ((a === 'store' || a === 'storedist') && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored > 0 ? [1, stored] : [1];
}

function georadiusWriteKeys(argv: string[]): number[] {
  const k = georadiusKeys(argv);
  return k.length > 1 ? [k[1]] : [];
}

/** The geo family. */
export const geoCommands: CommandSpec[] = [
  cmd('geoadd', -5, 'write denyoom', 1, 1, 1, geoaddCommand),
  cmd('georadius', -6, 'write denyoom', 1, 1, 1, (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS), { getKeys: georadiusKeys, writeKeys: georadiusWriteKeys }),
  cmd('georadius_ro', -6, 'readonly', 1, 1, 1, (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE)),
  cmd('georadiusbymember', -5, 'write denyoom', 1, 1, 1, (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER), { getKeys: georadiusKeys, writeKeys: georadiusWriteKeys }),
  cmd('georadiusbymember_ro', -5, 'readonly', 1, 1, 1, (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE)),
  cmd('geohash', -2, 'readonly', 1, 1, 1, geohashCommand),
  cmd('geopos', -2, 'readonly', 1, 1, 1, geoposCommand),
  cmd('geodist', -4, 'readonly', 1, 1, 1, geodistCommand),
  cmd('geosearch', -7, 'readonly', 1, 1, 1, (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH)),
  cmd('geosearchstore', -8, 'write denyoom', 1, 2, 1, (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE), { writeKeys: () => [1] }),
];
