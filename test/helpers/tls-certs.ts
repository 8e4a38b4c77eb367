/**
 * Test certificates made with the `openssl` binary (as Redis's own
 * utils/gen-test-certs.sh does): a CA, a server certificate, a client
 * certificate, an encrypted copy of the server key, and a second CA that
 * signed nothing here (for "unknown CA" failures). Tests that need them skip
 * when openssl is missing (CI installs it with redis-server).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasBinary, tempDir } from './servers';

/** Paths of the generated files. */
export interface TestCerts {
  dir: string;
  caCert: string;
  caDir: string;
  serverCert: string;
  serverKey: string;
  /** the server key encrypted with `keyPass` */
  serverKeyEncrypted: string;
  keyPass: string;
  clientCert: string;
  clientKey: string;
  /** a CA that signed none of the above */
  otherCaCert: string;
  /** a second server certificate from the same CA (reload tests) */
  server2Cert: string;
  server2Key: string;
}

/** Message for tests skipped without openssl. */
export const SKIP_NO_OPENSSL = 'openssl not installed (apt-get install openssl); skipped';

/** Whether the openssl binary is there (CI=true makes its absence a failure). */
export function opensslAvailable(): boolean {
  const ok = hasBinary('openssl');
  if (!ok && process.env.CI === 'true') throw new Error('openssl not installed but CI=true: install openssl');
  return ok;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, cn: string, ext: string): void {
  openssl(dir, 'genrsa', '-out', `${name}.key`, '2048');
  openssl(dir, 'req', '-new', '-sha256', '-subj', `/O=tredis test/CN=${cn}`, '-key', `${name}.key`, '-out', `${name}.csr`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, 'x509', '-req', '-sha256', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-in', `${name}.csr`, '-out', `${name}.crt`, '-extfile', `${name}.ext`);
}

/** Generate a fresh set of certificates in a temp dir. */
export function makeTestCerts(): TestCerts {
  const dir = tempDir('tredis-tls-');
  openssl(dir, 'genrsa', '-out', 'ca.key', '2048');
  openssl(dir, 'req', '-x509', '-new', '-nodes', '-sha256', '-key', 'ca.key', '-days', '30', '-subj', '/O=tredis test/CN=Certificate Authority', '-out', 'ca.crt');
  signed(dir, 'server', 'Server-only', 'keyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n');
  signed(dir, 'server2', 'Server-two', 'keyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n');
  signed(dir, 'client', 'Client-only', 'keyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\n');
  openssl(dir, 'rsa', '-aes256', '-in', 'server.key', '-out', 'server-enc.key', '-passout', 'pass:s3cret');
  openssl(dir, 'genrsa', '-out', 'other-ca.key', '2048');
  openssl(dir, 'req', '-x509', '-new', '-nodes', '-sha256', '-key', 'other-ca.key', '-days', '30', '-subj', '/O=other/CN=Other CA', '-out', 'other-ca.crt');
  // a CA directory as openssl's c_rehash lays it out (hash-named links)
  const caDir = path.join(dir, 'cadir');
  fs.mkdirSync(caDir);
  const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', path.join(dir, 'ca.crt')]).toString().trim();
  fs.copyFileSync(path.join(dir, 'ca.crt'), path.join(caDir, `${hash}.0`));
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    caDir,
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    serverKeyEncrypted: p('server-enc.key'),
    keyPass: 's3cret',
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCaCert: p('other-ca.crt'),
    server2Cert: p('server2.crt'),
    server2Key: p('server2.key'),
  };
}
