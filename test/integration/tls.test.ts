/**
 * TLS with certificates the test generates (openssl): tls-port next to the
 * plain port and alone (port 0), tls-auth-clients yes/no/optional, an
 * encrypted key, a CA directory, replies over TLS byte for byte against a
 * TLS redis-server, redis-cli --tls, ioredis and node-redis with their tls
 * options, CONFIG SET reloading certificates (and refusing broken ones with
 * Redis's error), and replication over TLS both ways with redis-server.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startTredis, startRedis, freePort, redisAvailable, SKIP_NO_REDIS, waitFor, type ChildServer } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { runTool } from '../helpers/tools';
import { makeTestCerts, opensslAvailable, SKIP_NO_OPENSSL, type TestCerts } from '../helpers/tls-certs';
import { tredisNode, childNode, waitInSync, digest, infoField } from './replication-helpers';
import type { TredisServer } from '../../src/index';

const skip = !opensslAvailable() ? SKIP_NO_OPENSSL : false;

describe('TLS', { skip }, () => {
  let certs: TestCerts;
  let srv: TredisServer;
  let tlsPort: number;
  /** what a client with the test CA and the client certificate passes to tls.connect */
  let clientOpts: tls.ConnectionOptions;

  /** The tls-* directives of a server using the test certificates. */
  const tlsConfig = (c: TestCerts): Record<string, string> => ({
    'tls-cert-file': c.serverCert,
    'tls-key-file': c.serverKey,
    'tls-ca-cert-file': c.caCert,
  });

  before(async () => {
    certs = makeTestCerts();
    tlsPort = await freePort();
    // port 0 next to a tls-port would mean TLS only (as Redis): give the plain port too
    srv = await startTredis({ ...tlsConfig(certs), port: await freePort(), 'tls-port': tlsPort });
    clientOpts = { ca: fs.readFileSync(certs.caCert), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey), servername: 'localhost' };
  });
  after(async () => {
    await srv?.close();
  });

  test('tls-port next to the plain port; a client certificate is required by default', async () => {
    assert.notEqual(srv.port, 0);
    const c = await TestClient.connectTls(tlsPort, clientOpts);
    assert.equal(await c.call('SET', 'tls:k', 'v'), 'OK');
    assert.equal(await c.call('GET', 'tls:k'), 'v');
    const info = String(await c.call('CLIENT', 'INFO'));
    assert.match(info, /laddr=127\.0\.0\.1:\d+ /);
    c.close();
    const plain = await TestClient.connect(srv.port);
    assert.equal(await plain.call('GET', 'tls:k'), 'v');
    assert.equal(String(await plain.call('CONFIG', 'GET', 'tls-port')), ['tls-port', String(tlsPort)].join());
    plain.close();
    // no client certificate: the handshake is refused
    await assert.rejects(async () => {
      const n = await TestClient.connectTls(tlsPort, { ca: clientOpts.ca, servername: 'localhost' });
      try {
        await n.call('PING');
      } finally {
        n.close();
      }
    });
  });

  test('tls-auth-clients no / optional (a presented certificate must still verify)', async () => {
    const admin = await TestClient.connect(srv.port);
    try {
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'no'), 'OK');
      const anon = await TestClient.connectTls(tlsPort, { ca: clientOpts.ca, servername: 'localhost' });
      assert.equal(await anon.call('PING'), 'PONG');
      anon.close();
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'optional'), 'OK');
      const anon2 = await TestClient.connectTls(tlsPort, { ca: clientOpts.ca, servername: 'localhost' });
      assert.equal(await anon2.call('PING'), 'PONG');
      anon2.close();
      const withCert = await TestClient.connectTls(tlsPort, clientOpts);
      assert.equal(await withCert.call('PING'), 'PONG');
      withCert.close();
      // a certificate from a CA the server does not trust
      const bad = { ca: clientOpts.ca, cert: fs.readFileSync(certs.otherCaCert), key: fs.readFileSync(certs.otherCaCert.replace('.crt', '.key')), servername: 'localhost' };
      await assert.rejects(async () => {
        const b = await TestClient.connectTls(tlsPort, bad);
        try {
          await b.call('PING');
        } finally {
          b.close();
        }
      });
    } finally {
      await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'yes');
      admin.close();
    }
  });

  test('redis-cli --tls, ioredis and node-redis with tls options', async () => {
    const cli = await runTool('redis-cli', ['--tls', '--cacert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey, '-p', String(tlsPort), 'SET', 'cli:k', 'from-cli']);
    assert.equal(cli.stdout.trim(), 'OK', cli.stderr);
    const io = new Redis({ port: tlsPort, host: '127.0.0.1', tls: { ...clientOpts }, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
      await io.connect();
      assert.equal(await io.get('cli:k'), 'from-cli');
      assert.equal(await io.incr('io:n'), 1);
    } finally {
      io.disconnect();
    }
    const nr = createClient({
      socket: { host: '127.0.0.1', port: tlsPort, tls: true, ca: clientOpts.ca as Buffer, cert: clientOpts.cert as Buffer, key: clientOpts.key as Buffer, servername: 'localhost', reconnectStrategy: false },
      RESP: 3,
    });
    await nr.connect();
    try {
      assert.equal(await nr.get('io:n'), '1');
      assert.equal(await nr.hSet('nr:h', 'f', 'v'), 1);
    } finally {
      await nr.quit();
    }
  });

  test('CONFIG SET reloads the certificates; a broken one is refused and the old one kept', async () => {
    const admin = await TestClient.connect(srv.port);
    const peerCn = async (): Promise<string> => {
      const s = tls.connect({ port: tlsPort, host: '127.0.0.1', ...clientOpts });
      await new Promise<void>((resolve, reject) => {
        s.once('secureConnect', () => resolve());
        s.once('error', reject);
      });
      const cn = String(s.getPeerCertificate().subject.CN);
      s.destroy();
      return cn;
    };
    try {
      assert.equal(await peerCn(), 'Server-only');
      assert.equal(String(await admin.call('CONFIG', 'SET', 'tls-cert-file', '/nonexistent/cert.pem')), "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.");
      assert.equal(String(await admin.call('CONFIG', 'SET', 'tls-protocols', 'TLSv1.9')), "ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration. Check server logs.");
      assert.equal(await peerCn(), 'Server-only');
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-cert-file', certs.server2Cert, 'tls-key-file', certs.server2Key), 'OK');
      assert.equal(await peerCn(), 'Server-two');
      // an encrypted key with its passphrase, and a CA directory instead of a file
      assert.equal(
        await admin.call('CONFIG', 'SET', 'tls-cert-file', certs.serverCert, 'tls-key-file', certs.serverKeyEncrypted, 'tls-key-file-pass', certs.keyPass, 'tls-ca-cert-file', '', 'tls-ca-cert-dir', certs.caDir),
        'OK',
      );
      assert.equal(await peerCn(), 'Server-only');
      assert.equal(await admin.call('CONFIG', 'SET', 'tls-protocols', 'TLSv1.2', 'tls-ciphers', 'ECDHE-RSA-AES128-GCM-SHA256'), 'OK');
      const s = tls.connect({ port: tlsPort, host: '127.0.0.1', ...clientOpts });
      await new Promise<void>((resolve, reject) => {
        s.once('secureConnect', () => resolve());
        s.once('error', reject);
      });
      assert.equal(s.getProtocol(), 'TLSv1.2');
      assert.equal(s.getCipher().standardName, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
      s.destroy();
    } finally {
      await admin.call('CONFIG', 'SET', 'tls-protocols', '', 'tls-ciphers', '', 'tls-key-file', certs.serverKey, 'tls-key-file-pass', '', 'tls-ca-cert-file', certs.caCert, 'tls-ca-cert-dir', '');
      admin.close();
    }
  });

  test('port 0 with a tls-port: TLS only; CONFIG SET tls-port moves the listener', async () => {
    const p1 = await freePort();
    const only = await startTredis({ ...tlsConfig(certs), port: 0, 'tls-port': p1 });
    try {
      assert.equal(only.port, 0);
      assert.equal(only.server.listeners.servers.length, 0);
      const c = await TestClient.connectTls(p1, clientOpts);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'port'), ['port', '0']);
      const p2 = await freePort();
      assert.equal(await c.call('CONFIG', 'SET', 'tls-port', String(p2)), 'OK');
      c.close();
      const c2 = await TestClient.connectTls(p2, clientOpts);
      assert.equal(await c2.call('PING'), 'PONG');
      assert.deepEqual(await c2.call('CONFIG', 'GET', 'tls-port'), ['tls-port', String(p2)]);
      // a new bind list moves the TLS listeners too (closed first, then bound on the same port)
      assert.equal(await c2.call('CONFIG', 'SET', 'bind', '127.0.0.1 -::1'), 'OK');
      c2.close();
      const c3 = await TestClient.connectTls(p2, clientOpts);
      assert.equal(await c3.call('PING'), 'PONG');
      c3.close();
    } finally {
      await only.close();
    }
  });

  test('a tredis replica of a tredis TLS master', async () => {
    const m = await tredisNode(srv);
    const replica = await startTredis({ ...tlsConfig(certs), 'tls-replication': 'yes' });
    const r = await tredisNode(replica);
    try {
      await m.c.call('SET', 'rep:k', 'v');
      assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(tlsPort)), 'OK');
      await waitInSync(m, r);
      await m.c.call('INCR', 'rep:n');
      await waitInSync(m, r);
      assert.equal(await digest(r), await digest(m));
      assert.equal(await r.c.call('GET', 'rep:n'), '1');
    } finally {
      r.c.close();
      await replica.close();
      m.c.close();
    }
  });

  test('start-up fails with Redis\'s lines when the TLS configuration is broken', async () => {
    const p = await freePort();
    await assert.rejects(startTredis({ 'tls-cert-file': certs.serverCert, 'tls-key-file': certs.serverKey, 'tls-port': p }), /Either tls-ca-cert-file or tls-ca-cert-dir must be specified/);
    await assert.rejects(startTredis({ ...tlsConfig(certs), 'tls-cert-file': '/nonexistent.crt', 'tls-port': p }), /Failed to load certificate: \/nonexistent\.crt: error:80000002:system library::No such file or directory/);
  });

  describe('against redis-server', { skip: !redisAvailable() && SKIP_NO_REDIS }, () => {
    let redis: ChildServer;
    let redisTls: number;
    const redisTlsArgs = (c: TestCerts): string[] => ['--tls-cert-file', c.serverCert, '--tls-key-file', c.serverKey, '--tls-ca-cert-file', c.caCert];
    before(async () => {
      redisTls = await freePort();
      redis = await startRedis(['--tls-port', String(redisTls), ...redisTlsArgs(certs)]);
    });
    after(async () => {
      await redis?.stop();
    });

    test('the same reply bytes over TLS', async () => {
      const a = await TestClient.connectTls(redisTls, clientOpts);
      const b = await TestClient.connectTls(tlsPort, clientOpts);
      try {
        for (const argv of [
          ['FLUSHALL'],
          ['SET', 'k', 'v'],
          ['GET', 'k'],
          ['LPUSH', 'l', 'a', 'b'],
          ['LRANGE', 'l', '0', '-1'],
          ['HELLO', '3'],
          ['HSET', 'h', 'f', '1'],
          ['HGETALL', 'h'],
          ['CONFIG', 'GET', 'tls-auth-clients'],
          ['CONFIG', 'GET', 'tls-protocols'],
          ['CONFIG', 'GET', 'tls-replication'],
          ['CONFIG', 'SET', 'tls-cert-file', '/nonexistent'],
          ['CONFIG', 'SET', 'tls-ca-cert-file', '/nonexistent'],
          ['CONFIG', 'SET', 'tls-protocols', 'TLSv9'],
          ['CONFIG', 'SET', 'tls-auth-clients', 'maybe'],
        ]) {
          const want = await a.callRaw(...argv);
          const got = await b.callRaw(...argv);
          if (argv[0] === 'HELLO') assert.equal(got.replace(/id\r\n:\d+/, 'id'), want.replace(/id\r\n:\d+/, 'id'));
          else assert.equal(got, want, argv.join(' '));
        }
      } finally {
        a.close();
        b.close();
      }
    });

    test('a tredis replica of a TLS redis-server master (tls-replication yes)', async () => {
      const m = await childNode(redis.port);
      const replica = await startTredis({ ...tlsConfig(certs), 'tls-replication': 'yes', 'tls-client-cert-file': certs.clientCert, 'tls-client-key-file': certs.clientKey });
      const r = await tredisNode(replica);
      try {
        await m.c.call('FLUSHALL');
        for (let i = 0; i < 50; i++) await m.c.call('SET', `m:${i}`, `v${i}`);
        assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(redisTls)), 'OK');
        await waitInSync(m, r);
        await m.c.call('RPUSH', 'after', 'x', 'y');
        await waitInSync(m, r);
        assert.equal(await digest(r), await digest(m));
        assert.equal(await r.c.call('GET', 'm:49'), 'v49');
        // the master sees a TLS connection from the replica (its client certificate was accepted)
        assert.equal(await infoField(m, 'connected_slaves'), '1');
      } finally {
        r.c.close();
        await replica.close();
        m.c.close();
      }
    });

    test('a redis-server replica of a TLS tredis master', async () => {
      const m = await tredisNode(srv);
      await m.c.call('FLUSHALL');
      for (let i = 0; i < 50; i++) await m.c.call('SET', `t:${i}`, `w${i}`);
      const rs = await startRedis(['--tls-replication', 'yes', ...redisTlsArgs(certs), '--replicaof', '127.0.0.1', String(tlsPort)]);
      const r = await childNode(rs.port);
      try {
        await waitInSync(m, r);
        await m.c.call('SADD', 's', 'a', 'b', 'c');
        await waitInSync(m, r);
        assert.equal(await digest(r), await digest(m));
        await waitFor(async () => (await infoField(m, 'connected_slaves')) === '1', 5000, 'the replica listed');
      } finally {
        r.c.close();
        await rs.stop();
        m.c.close();
      }
    });
  });
});
