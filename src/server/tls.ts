/**
 * TLS with Node's own `tls` module (Redis's tls.c): the server side of the
 * `tls-port` listeners and the client side of outgoing connections (our
 * replica to a TLS master with `tls-replication yes`), both built from the
 * tls-* directives. CONFIG SET of any of them rebuilds the contexts (so new
 * certificates apply to new connections at once) or fails with Redis's
 * "Unable to update TLS configuration" and keeps the old ones.
 */
import * as tls from 'node:tls';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import type { Server } from './server';
import { bytesToText } from '../config/bytes';

/** The tls-* directives whose change rebuilds the contexts (tlsConfigure). */
export const TLS_DIRECTIVES = [
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-timeout',
  'tls-session-cache-size',
  'tls-auth-clients',
  'tls-replication',
  'tls-cluster',
] as const;

/** A TLS configuration error; the message is the line Redis logs. */
export class TlsConfigError extends Error {}

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type Protocol = (typeof PROTOCOLS)[number];

/** The TLS contexts of one server. */
export class Tls {
  /** options of the tls-port listeners (null until configured) */
  private serverOptions: tls.SecureContextOptions | null = null;
  /** the listeners' context, shared by every TLS listener */
  serverContext: tls.SecureContext | null = null;
  /** options for outgoing TLS connections (replication) */
  clientOptions: tls.ConnectionOptions | null = null;
  /** tls.Servers to hand a new context to on reload */
  readonly servers = new Set<tls.Server>();

  constructor(private readonly server: Server) {}

  /** Whether anything uses TLS: a tls-port, or tls-replication / tls-cluster (Redis configures TLS then). */
  get wanted(): boolean {
    const st = this.server.config.settings;
    return st.tlsPort !== 0 || st.tlsReplication || st.tlsCluster;
  }

  /**
   * tlsConfigure(): build both contexts from the settings. Throws a
   * TlsConfigError whose message is Redis's log line; nothing changes then.
   */
  configure(): void {
    const st = this.server.config.settings;
    const file = (v: string | null | undefined): string => (v === null || v === undefined ? '' : bytesToText(v));
    const certFile = file(st.tlsCertFile);
    const keyFile = file(st.tlsKeyFile);
    if (certFile === '' || keyFile === '') throw new TlsConfigError('No tls-cert-file or tls-key-file configured!');
    const caFile = file(st.tlsCaCertFile);
    const caDir = file(st.tlsCaCertDir);
    if ((st.tlsAuthClients !== 'no' || st.tlsCluster || st.tlsReplication) && caFile === '' && caDir === '') {
      throw new TlsConfigError('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!');
    }
    const protocols = parseProtocols(file(st.tlsProtocols));
    const cert = readPem(certFile, 'Failed to load certificate');
    const key = readPem(keyFile, 'Failed to load private key');
    const passphrase = st.tlsKeyFilePass ? bytesToText(st.tlsKeyFilePass) : undefined;
    const ca = readCa(caFile, caDir);
    const dhFile = file(st.tlsDhParamsFile);
    const dhparam = dhFile !== '' ? readPem(dhFile, 'Failed to load DH params file') : undefined;
    const ciphers = cipherList(file(st.tlsCiphers), file(st.tlsCiphersuites));
    // SSL_OP_NO_TICKET when session caching is off, as Redis's SSL_SESS_CACHE_OFF + no tickets
    const secureOptions = st.tlsSessionCaching ? 0 : crypto.constants.SSL_OP_NO_TICKET;
    const base: tls.SecureContextOptions = {
      minVersion: protocols.min,
      maxVersion: protocols.max,
      ciphers,
      honorCipherOrder: st.tlsPreferServerCiphers,
      secureOptions,
      ca,
      dhparam,
    };
    const serverOptions: tls.SecureContextOptions = { ...base, cert, key, passphrase, sessionTimeout: st.tlsSessionCacheTimeout };
    let serverContext: tls.SecureContext;
    try {
      serverContext = tls.createSecureContext(serverOptions);
    } catch (e) {
      throw new TlsConfigError(contextErrorText(e, certFile, keyFile));
    }
    // outgoing connections present tls-client-cert-file when set, else the server certificate
    const clientCertFile = file(st.tlsClientCertFile);
    const clientKeyFile = file(st.tlsClientKeyFile);
    let clientOptions: tls.ConnectionOptions;
    if (clientCertFile !== '' && clientKeyFile !== '') {
      const clientPass = st.tlsClientKeyFilePass ? bytesToText(st.tlsClientKeyFilePass) : undefined;
      clientOptions = {
        ...base,
        cert: readPem(clientCertFile, 'Failed to load certificate'),
        key: readPem(clientKeyFile, 'Failed to load private key'),
        passphrase: clientPass,
      };
      try {
        tls.createSecureContext(clientOptions);
      } catch (e) {
        throw new TlsConfigError(contextErrorText(e, clientCertFile, clientKeyFile));
      }
    } else clientOptions = { ...base, cert, key, passphrase };
    // Redis verifies the peer's chain against the CA but not its host name
    clientOptions.checkServerIdentity = () => undefined;
    clientOptions.rejectUnauthorized = true;
    this.serverOptions = serverOptions;
    this.serverContext = serverContext;
    this.clientOptions = clientOptions;
    const auth = this.listenerOptions();
    for (const srv of this.servers) {
      srv.setSecureContext(serverOptions);
      // tls-auth-clients: Node's tls.Server reads these two properties for every new connection
      const opts = srv as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
      opts.requestCert = auth.requestCert === true;
      opts.rejectUnauthorized = auth.rejectUnauthorized === true;
    }
  }

  /** Options of a new tls-port listener (configure() ran). */
  listenerOptions(): tls.TlsOptions {
    const auth = this.server.config.settings.tlsAuthClients;
    return { ...this.serverOptions!, requestCert: auth !== 'no', rejectUnauthorized: auth === 'yes' };
  }

  /**
   * A TLS client finished its handshake: with `tls-auth-clients optional` a
   * certificate is not required, but one that was presented must verify (as
   * OpenSSL's SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT). Returns the
   * reason to refuse it, or null.
   */
  refuseClient(socket: tls.TLSSocket): string | null {
    if (this.server.config.settings.tlsAuthClients !== 'optional' || socket.authorized) return null;
    const peer = socket.getPeerCertificate();
    if (peer === null || Object.keys(peer).length === 0) return null;
    return String(socket.authorizationError ?? 'certificate verify failed');
  }

  /** CONFIG SET of a tls-* directive: rebuild, or refuse with Redis's message (the cause is logged). */
  reconfigure(): void {
    if (!this.wanted && this.serverContext === null) return;
    try {
      this.configure();
    } catch (e) {
      this.server.logger.warning((e as Error).message);
      throw new Error('Unable to update TLS configuration. Check server logs.');
    }
  }
}

/** tls-protocols: "TLSv1.2 TLSv1.3" -> the range Node takes (empty: TLSv1.2 and TLSv1.3, Redis's default). */
function parseProtocols(text: string): { min: tls.SecureVersion; max: tls.SecureVersion } {
  if (text.trim() === '') return { min: 'TLSv1.2', max: 'TLSv1.3' };
  const picked = new Set<Protocol>();
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const p = PROTOCOLS.find((x) => x.toLowerCase() === word.toLowerCase());
    if (p === undefined) throw new TlsConfigError("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    picked.add(p);
  }
  // Node takes a range: from the lowest to the highest named (a gap cannot be expressed)
  const idx = [...picked].map((p) => PROTOCOLS.indexOf(p));
  return { min: PROTOCOLS[Math.min(...idx)], max: PROTOCOLS[Math.max(...idx)] };
}

/** tls-ciphers (TLSv1.2 and below) and tls-ciphersuites (TLSv1.3) as Node's one cipher list. */
function cipherList(ciphers: string, suites: string): string | undefined {
  if (ciphers === '' && suites === '') return undefined;
  const defaults = tls.DEFAULT_CIPHERS.split(':');
  const tls13 = suites !== '' ? suites : defaults.filter((c) => c.startsWith('TLS_')).join(':');
  const tls12 = ciphers !== '' ? ciphers : defaults.filter((c) => !c.startsWith('TLS_')).join(':');
  return `${tls13}:${tls12}`;
}

/** Read a PEM file, failing with Redis's "<what>: <file>: <reason>" line. */
function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new TlsConfigError(`${what}: ${file}: ${osErrorText(e)}`);
  }
}

/** The CA certificates of tls-ca-cert-file and every certificate file of tls-ca-cert-dir (Node has no CApath). */
function readCa(caFile: string, caDir: string): Buffer[] | undefined {
  if (caFile === '' && caDir === '') return undefined;
  const out: Buffer[] = [];
  try {
    if (caFile !== '') out.push(fs.readFileSync(caFile));
    if (caDir !== '') {
      for (const name of fs.readdirSync(caDir).sort()) {
        const full = path.join(caDir, name);
        if (!fs.statSync(full).isFile()) continue;
        const pem = fs.readFileSync(full);
        if (pem.includes('-----BEGIN CERTIFICATE-----')) out.push(pem);
      }
    }
  } catch (e) {
    throw new TlsConfigError(`Failed to configure CA certificate(s) file/directory: ${osErrorText(e)}`);
  }
  return out;
}

/** An fs error as OpenSSL's system-library error text Redis logs. */
function osErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'error:80000002:system library::No such file or directory';
  if (err.code === 'EACCES') return 'error:8000000D:system library::Permission denied';
  return err.message;
}

/** Why createSecureContext failed, in the words of the step Redis would have failed at. */
function contextErrorText(e: unknown, certFile: string, keyFile: string): string {
  const msg = (e as Error).message;
  // Redis loads the certificate chain, then the key: a mismatch shows when the key is loaded
  if (/mismatch/i.test(msg)) return `Failed to load private key: ${keyFile}: ${msg}`;
  if (/key|decrypt|bad password|PEM routines::(bad|no start line).*|wrong tag/i.test(msg) && !/certificate/i.test(msg)) return `Failed to load private key: ${keyFile}: ${msg}`;
  if (/certificate|x509/i.test(msg)) return `Failed to load certificate: ${certFile}: ${msg}`;
  return `Failed to configure TLS: ${msg}`;
}
