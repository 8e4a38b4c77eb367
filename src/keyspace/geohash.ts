/**
 * Redis's geohash (geohash.c, geohash_helper.c of 7.0): 52-bit interleaved
 * scores (26 bits of latitude on the even bits, 26 of longitude on the odd
 * ones) over longitude [-180, 180] and latitude [-85.05112878, 85.05112878],
 * the 9-box search areas of a radius or box query, and the haversine
 * distance on Redis's earth radius. The double arithmetic is done in the same
 * order as the C code so that scores, boxes and coordinates are bit-identical.
 *
 * sin, cos and asin are correctly rounded (src/util/crmath.ts), as glibc's
 * libm that redis-server uses is in all but ~0.1% of cases; V8's Math
 * functions differ from it far more often.
 *
 * Pure: no replies, no server.
 */
import { crSin, crCos, crAsin } from '../util/crmath';

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

const D_R = Math.PI / 180.0;
/** Earth's quadratic mean radius for WGS-84, as Redis. */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

/** A geohash: `step` bits of each coordinate interleaved into `bits` (2*step bits). */
export interface GeoHashBits {
  bits: bigint;
  step: number;
}

/** A coordinate range. */
export interface GeoRange {
  min: number;
  max: number;
}

/** The cell a geohash covers. */
export interface GeoArea {
  hash: GeoHashBits;
  longitude: GeoRange;
  latitude: GeoRange;
}

/** Redis's coordinate ranges (EPSG:900913 latitude limits). */
export const LONG_RANGE: GeoRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const LAT_RANGE: GeoRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
/** The standard ranges GEOHASH re-encodes with. */
export const STD_LAT_RANGE: GeoRange = { min: -90, max: 90 };

// ---------------------------------------------------------------- interleaving

const SPREAD8 = new Uint16Array(256);
for (let v = 0; v < 256; v++) {
  let r = 0;
  for (let i = 0; i < 8; i++) if (v & (1 << i)) r |= 1 << (2 * i);
  SPREAD8[v] = r;
}

/** Spread the 16 low bits of v onto the even bits of a 32-bit value. */
function spread16(v: number): number {
  return (SPREAD8[v & 0xff] | (SPREAD8[(v >>> 8) & 0xff] << 16)) >>> 0;
}

/** interleave64(x, y): bits of x on even positions, y on odd (x, y < 2^32). */
export function interleave64(x: number, y: number): bigint {
  const lo = (spread16(x & 0xffff) | (spread16(y & 0xffff) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The even bits of a 32-bit value squashed into 16 bits. */
function squash(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** C's `(uint64_t)d` on x86-64 (cvttsd2si sequences), as hi:lo 32-bit words. */
function doubleToU64(d: number): [number, number] {
  if (d >= 0 && d < 9007199254740992) {
    const t = Math.floor(d);
    return [Math.floor(t / 4294967296) >>> 0, t >>> 0];
  }
  let v: bigint;
  if (d < 9223372036854775808) {
    // signed conversion; out of range or NaN gives 0x8000000000000000
    if (d >= -9223372036854775808) v = BigInt(Math.trunc(d)) & 0xffffffffffffffffn;
    else v = 0x8000000000000000n;
  } else {
    const x = d - 9223372036854775808;
    const s = x < 9223372036854775808 ? BigInt(Math.trunc(x)) & 0xffffffffffffffffn : 0x8000000000000000n;
    v = s ^ 0x8000000000000000n;
  }
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}

// ---------------------------------------------------------------- encoding

/** geohashEncode: null when the point is outside the ranges or the step is invalid. */
export function geohashEncode(lonRange: GeoRange, latRange: GeoRange, longitude: number, latitude: number, step: number): GeoHashBits | null {
  if (step > 32 || step === 0) return null;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < lonRange.min || longitude > lonRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  // double -> uint32_t truncation (the offsets are within [0, 2^32])
  return { bits: interleave64(Math.trunc(latOffset) >>> 0, Math.trunc(longOffset) >>> 0), step };
}

/** The 52-bit score of a point (geohashAlign52Bits of its step-26 hash), as an exact integer. */
export function geohashAlign52Bits(h: GeoHashBits): bigint {
  return h.bits << BigInt(52 - h.step * 2);
}

/** GEOADD's score text (sdsfromlonglong of the aligned bits) for a valid point. */
export function geoScoreText(longitude: number, latitude: number): string {
  const h = geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, GEO_STEP_MAX)!;
  return geohashAlign52Bits(h).toString();
}

function decodeParts(lonRange: GeoRange, latRange: GeoRange, ilato: number, ilono: number, step: number): GeoArea['longitude'][] {
  const latScale = latRange.max - latRange.min;
  const longScale = lonRange.max - lonRange.min;
  const div = 2 ** step;
  return [
    { min: lonRange.min + (ilono / div) * longScale, max: lonRange.min + (((ilono + 1) >>> 0) / div) * longScale },
    { min: latRange.min + (ilato / div) * latScale, max: latRange.min + (((ilato + 1) >>> 0) / div) * latScale },
  ];
}

/** geohashDecode: the cell of a hash (null for the zero hash). */
export function geohashDecode(lonRange: GeoRange, latRange: GeoRange, h: GeoHashBits): GeoArea | null {
  if (h.bits === 0n && h.step === 0) return null;
  const hi = Number((h.bits >> 32n) & 0xffffffffn);
  const lo = Number(h.bits & 0xffffffffn);
  const ilato = (squash(lo) | (squash(hi) << 16)) >>> 0;
  const ilono = (squash(lo >>> 1) | (squash(hi >>> 1) << 16)) >>> 0;
  const [longitude, latitude] = decodeParts(lonRange, latRange, ilato, ilono, h.step);
  return { hash: h, longitude, latitude };
}

function areaCenter(lonMin: number, lonMax: number, latMin: number, latMax: number): [number, number] {
  let x = (lonMin + lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;
const LONG_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;
const DIV26 = 2 ** GEO_STEP_MAX;

/** decodeGeohash: the [longitude, latitude] of a zset score (step 26), as Redis computes it. */
export function decodeScore(score: number): [number, number] {
  const [hi, lo] = doubleToU64(score);
  const ilato = (squash(lo) | (squash(hi) << 16)) >>> 0;
  const ilono = (squash(lo >>> 1) | (squash(hi >>> 1) << 16)) >>> 0;
  const latMin = GEO_LAT_MIN + (ilato / DIV26) * LAT_SCALE;
  const latMax = GEO_LAT_MIN + (((ilato + 1) >>> 0) / DIV26) * LAT_SCALE;
  const lonMin = GEO_LONG_MIN + (ilono / DIV26) * LONG_SCALE;
  const lonMax = GEO_LONG_MIN + (((ilono + 1) >>> 0) / DIV26) * LONG_SCALE;
  return areaCenter(lonMin, lonMax, latMin, latMax);
}

// ---------------------------------------------------------------- neighbours

const MASK64 = 0xffffffffffffffffn;

function moveX(h: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return h;
  let x = h.bits & 0xaaaaaaaaaaaaaaaan;
  const y = h.bits & 0x5555555555555555n;
  const zz = 0x5555555555555555n >> BigInt(64 - h.step * 2);
  if (d > 0) x = (x + (zz + 1n)) & MASK64;
  else {
    x = x | zz;
    x = (x - (zz + 1n)) & MASK64;
  }
  x &= 0xaaaaaaaaaaaaaaaan >> BigInt(64 - h.step * 2);
  return { bits: x | y, step: h.step };
}

function moveY(h: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return h;
  const x = h.bits & 0xaaaaaaaaaaaaaaaan;
  let y = h.bits & 0x5555555555555555n;
  const zz = 0xaaaaaaaaaaaaaaaan >> BigInt(64 - h.step * 2);
  if (d > 0) y = (y + (zz + 1n)) & MASK64;
  else {
    y = y | zz;
    y = (y - (zz + 1n)) & MASK64;
  }
  y &= 0x5555555555555555n >> BigInt(64 - h.step * 2);
  return { bits: x | y, step: h.step };
}

/** The 8 neighbours of a cell. */
export interface GeoNeighbors {
  north: GeoHashBits;
  east: GeoHashBits;
  west: GeoHashBits;
  south: GeoHashBits;
  northEast: GeoHashBits;
  southEast: GeoHashBits;
  northWest: GeoHashBits;
  southWest: GeoHashBits;
}

function neighbors(h: GeoHashBits): GeoNeighbors {
  return {
    east: moveY(moveX(h, 1), 0),
    west: moveY(moveX(h, -1), 0),
    south: moveY(moveX(h, 0), -1),
    north: moveY(moveX(h, 0), 1),
    northWest: moveY(moveX(h, -1), 1),
    northEast: moveY(moveX(h, 1), 1),
    southEast: moveY(moveX(h, 1), -1),
    southWest: moveY(moveX(h, -1), -1),
  };
}

// ---------------------------------------------------------------- search areas

/** A search shape (GeoShape): a circle of `radius` or a `width` x `height` box, in units of `conversion` meters. */
export interface GeoShape {
  type: 'circle' | 'box';
  /** center longitude, latitude */
  x: number;
  y: number;
  conversion: number;
  radius: number;
  width: number;
  height: number;
  /** min_lon, min_lat, max_lon, max_lat (filled by the area computation) */
  bounds: [number, number, number, number];
  /** cos of the center's latitude in radians, cached by distanceIfWithin (NaN until then) */
  cosY: number;
}

/** geohashEstimateStepsByRadius. */
export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

function degRad(a: number): number {
  return a * D_R;
}
function radDeg(a: number): number {
  return a / D_R;
}

/** geohashBoundingBox. */
function boundingBox(s: GeoShape): void {
  const longitude = s.x;
  const latitude = s.y;
  const height = s.conversion * (s.type === 'circle' ? s.radius : s.height / 2);
  const width = s.conversion * (s.type === 'circle' ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / crCos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / crCos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  s.bounds[0] = southern ? longitude - longDeltaBottom : longitude - longDeltaTop;
  s.bounds[2] = southern ? longitude + longDeltaBottom : longitude + longDeltaTop;
  s.bounds[1] = latitude - latDelta;
  s.bounds[3] = latitude + latDelta;
}

const ZERO_HASH: GeoHashBits = { bits: 0n, step: 0 };

/**
 * geohashCalculateAreasByShapeWGS84: the center cell and its useful
 * neighbours, in Redis's order (self, N, S, E, W, NE, NW, SE, SW); a dropped
 * neighbour is the zero hash.
 */
export function searchAreas(s: GeoShape): GeoHashBits[] {
  boundingBox(s);
  const [minLon, minLat, maxLon, maxLat] = s.bounds;
  const longitude = s.x;
  const latitude = s.y;
  let radiusMeters = s.type === 'circle' ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = estimateStepsByRadius(radiusMeters, latitude);
  let hash = geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, steps)!;
  let nb = neighbors(hash);
  let area = geohashDecode(LONG_RANGE, LAT_RANGE, hash)!;
  let decrease = false;
  {
    const north = geohashDecode(LONG_RANGE, LAT_RANGE, nb.north);
    const south = geohashDecode(LONG_RANGE, LAT_RANGE, nb.south);
    const east = geohashDecode(LONG_RANGE, LAT_RANGE, nb.east);
    const west = geohashDecode(LONG_RANGE, LAT_RANGE, nb.west);
    // a zero hash leaves Redis's area zeroed (all 0.0)
    if ((north ? north.latitude.max : 0) < maxLat) decrease = true;
    if ((south ? south.latitude.min : 0) > minLat) decrease = true;
    if ((east ? east.longitude.max : 0) < maxLon) decrease = true;
    if ((west ? west.longitude.min : 0) > minLon) decrease = true;
  }
  if (steps > 1 && decrease) {
    steps--;
    hash = geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, steps)!;
    nb = neighbors(hash);
    area = geohashDecode(LONG_RANGE, LAT_RANGE, hash)!;
  }
  if (steps >= 2) {
    if (area.latitude.min < minLat) {
      nb.south = nb.southWest = nb.southEast = ZERO_HASH;
    }
    if (area.latitude.max > maxLat) {
      nb.north = nb.northEast = nb.northWest = ZERO_HASH;
    }
    if (area.longitude.min < minLon) {
      nb.west = nb.southWest = nb.northWest = ZERO_HASH;
    }
    if (area.longitude.max > maxLon) {
      nb.east = nb.southEast = nb.northEast = ZERO_HASH;
    }
  }
  return [hash, nb.north, nb.south, nb.east, nb.west, nb.northEast, nb.northWest, nb.southEast, nb.southWest];
}

/** scoresOfGeoHashBox: [min, max) scores of the points inside a cell. */
export function scoresOfBox(h: GeoHashBits): [number, number] {
  const min = geohashAlign52Bits(h);
  const max = geohashAlign52Bits({ bits: h.bits + 1n, step: h.step });
  return [Number(min), Number(max)];
}

// ---------------------------------------------------------------- distances

/** geohashGetLatDistance. */
function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: haversine distance in meters (correctly rounded sin/cos/asin, as glibc's nearly always are). */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  return distanceWith(lon1d, lat1d, NaN, lon2d, lat2d);
}

/** geoDistance with cos(lat1) given when known (NaN: compute it). */
function distanceWith(lon1d: number, lat1d: number, cosLat1: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = crSin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = crSin((lat2r - lat1r) / 2);
  const c1 = cosLat1 === cosLat1 ? cosLat1 : crCos(lat1r);
  const a = u * u + c1 * crCos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * crAsin(Math.sqrt(a));
}

/** The same formula with V8's Math: within ~1e-15 of geoDistance except near antipodes. */
function fastDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** A candidate is rejected on the fast distance only when beyond the limit by this relative margin. */
const REJECT_MARGIN = 1 + 1e-7;

/**
 * geoWithinShape: the distance from the shape's center to the point when the
 * point is inside the circle / box, else -1. Points clearly outside are
 * rejected with V8's Math functions; the others get the exact computation.
 */
export function distanceIfWithin(s: GeoShape, x: number, y: number): number {
  if (s.cosY !== s.cosY) s.cosY = crCos(degRad(s.y));
  if (s.type === 'circle') {
    const limit = s.radius * s.conversion;
    if (fastDistance(s.x, s.y, x, y) > limit * REJECT_MARGIN + 1e-9) return -1;
    const d = distanceWith(s.x, s.y, s.cosY, x, y);
    return d > limit ? -1 : d;
  }
  const widthM = s.width * s.conversion;
  const heightM = s.height * s.conversion;
  if (latDistance(y, s.y) > heightM / 2) return -1;
  if (fastDistance(x, y, s.x, y) > (widthM / 2) * REJECT_MARGIN + 1e-9) return -1;
  if (geoDistance(x, y, s.x, y) > widthM / 2) return -1;
  return distanceWith(s.x, s.y, s.cosY, x, y);
}

/** GEOHASH's 11-character standard geohash of a score (re-encoded over latitude [-90, 90]). */
export function geohashString(score: number): string {
  const [x, y] = decodeScore(score);
  const h = geohashEncode(LONG_RANGE, STD_LAT_RANGE, x, y, 26);
  const bits = h === null ? 0n : h.bits;
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += alphabet[idx];
  }
  return out;
}
