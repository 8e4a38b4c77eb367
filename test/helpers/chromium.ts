/**
 * Headless Chromium for tests (Debian's `chromium` package, installed by
 * .ci/install-deps): run it once on a URL to dump the DOM after the page's
 * scripts ran, or to take a screenshot; and read a PNG's header and pixels.
 * Every browser is started in a process group of its own, stopped by that
 * group's id when it exits or times out, and its user-data-dir is removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { hasBinary, tempDir } from './servers';
import { spawnOwned } from '../../bench/util';

/** The browser binary the tests use. */
export const CHROMIUM = 'chromium';

/** Message used by tests skipped for want of a browser. */
export const SKIP_NO_CHROMIUM = 'chromium not installed (apt-get install chromium, as .ci/install-deps does); skipped';

/** Chromium is needed: skip when missing, except under CI where that is a failure. */
export function chromiumAvailable(): boolean {
  const ok = hasBinary(CHROMIUM);
  if (!ok && process.env.CI === 'true') throw new Error('chromium not installed but CI=true: install it (.ci/install-deps)');
  return ok;
}

/** What one headless run gave. */
export interface ChromiumRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Run `chromium --headless=new` on a URL with the given extra flags (e.g.
 * --dump-dom, --screenshot=...), in a fresh user-data-dir, for at most
 * `timeoutMs`; rejects on a timeout or a non-zero exit. The page's timers run
 * in virtual time for `virtualMs` (--virtual-time-budget) before the dump or
 * the screenshot; the network (fetch) is real.
 */
export async function runChromium(url: string, flags: string[], opts: { virtualMs?: number; timeoutMs?: number } = {}): Promise<ChromiumRun> {
  const profile = tempDir('tredis-chromium-');
  const argv = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-dev-shm-usage',
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${opts.virtualMs ?? 2500}`,
    ...flags,
    url,
  ];
  const proc = spawnOwned(CHROMIUM, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = (): void => {
    try {
      if (proc.pid !== undefined) process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* the group is gone */
    }
  };
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      timer = setTimeout(() => {
        killGroup();
        reject(new Error(`chromium did not finish within ${opts.timeoutMs ?? 60000} ms on ${url}\n${stderr.slice(-2000)}`));
      }, opts.timeoutMs ?? 60000);
      proc.once('error', reject);
      proc.once('close', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`chromium exited with ${code} on ${url}\n${stderr.slice(-2000)}`);
    return { stdout, stderr, code };
  } finally {
    clearTimeout(timer);
    killGroup(); // a renderer or zygote left behind goes with its group
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** The DOM of a page after its scripts ran (`--dump-dom`). */
export async function dumpDom(url: string, virtualMs?: number): Promise<string> {
  return (await runChromium(url, ['--dump-dom'], { virtualMs })).stdout;
}

/** Take a screenshot of a page into `file` (PNG) at width x height. */
export async function screenshot(url: string, file: string, width: number, height: number, virtualMs?: number): Promise<void> {
  await runChromium(url, [`--screenshot=${path.resolve(file)}`, `--window-size=${width},${height}`], { virtualMs });
}

/** A PNG read back: its IHDR fields and its unfiltered 8-bit pixels (RGB or RGBA). */
export interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** bytes per pixel (3 or 4), or 0 when the format is not 8-bit RGB/RGBA */
  bpp: number;
  /** height rows of width*bpp bytes, filters undone (empty when bpp is 0) */
  pixels: Buffer;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Parse a PNG file: signature, IHDR, IDAT chunks inflated and unfiltered (8-bit RGB/RGBA, not interlaced). */
export function readPng(data: Buffer): Png {
  if (data.length < 33 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file');
  if (data.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first');
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  const bitDepth = data[24];
  const colorType = data[25];
  const interlace = data[28];
  const idat: Buffer[] = [];
  for (let p = 8; p + 8 <= data.length; ) {
    const len = data.readUInt32BE(p);
    const type = data.toString('latin1', p + 4, p + 8);
    if (type === 'IDAT') idat.push(data.subarray(p + 8, p + 8 + len));
    if (type === 'IEND') break;
    p += 12 + len;
  }
  const bpp = bitDepth === 8 && interlace === 0 ? (colorType === 2 ? 3 : colorType === 6 ? 4 : 0) : 0;
  if (bpp === 0) return { width, height, bitDepth, colorType, bpp, pixels: Buffer.alloc(0) };
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data is ${raw.length} bytes, want ${height * (stride + 1)}`);
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[row - stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp] : 0;
      let pred: number;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) >> 1;
          break;
        case 4: {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`PNG row ${y} has filter type ${filter}`);
      }
      out[row + x] = (src[x] + pred) & 0xff;
    }
  }
  return { width, height, bitDepth, colorType, bpp, pixels: out };
}

/** How many pixels of a PNG have this colour (within `tolerance` per channel). */
export function countColour(png: Png, rgb: [number, number, number], tolerance = 0): number {
  let n = 0;
  for (let p = 0; p + png.bpp <= png.pixels.length; p += png.bpp) {
    if (Math.abs(png.pixels[p] - rgb[0]) <= tolerance && Math.abs(png.pixels[p + 1] - rgb[1]) <= tolerance && Math.abs(png.pixels[p + 2] - rgb[2]) <= tolerance) n++;
  }
  return n;
}
