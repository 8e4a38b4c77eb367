/**
 * The package's own version (package.json "version"), read once: INFO server's
 * tredis_version, tredis-server/tredis-cli --version. The Redis version tredis
 * speaks for is REDIS_VERSION.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The Redis release whose replies, INFO fields and log lines tredis reproduces. */
export const REDIS_VERSION = '7.0.15';

let cached: string | undefined;

/** tredis's package version ("0.1.0"), or "0.0.0" if package.json cannot be read. */
export function tredisVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  try {
    // dist/src/version.js -> the package root
    const pkg: unknown = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') cached = pkg.version;
  } catch {
    // keep 0.0.0
  }
  return cached;
}
