/**
 * ACL through real sockets: the aclfile (load at start, ACL SAVE, ACL LOAD
 * all-or-nothing), `user` lines in the config file kept by CONFIG REWRITE,
 * aclfile + user lines refused at start-up as Redis, NOPERM inside MULTI/EXEC
 * and EVAL with ACL LOG entries, clients disconnected when their user is
 * deleted, subscribers when their channels are revoked, CLIENT KILL USER,
 * acl-pubsub-default and acllog-max-len.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTredis, startTredisProcess, freePort, tempDir, ROOT, type ChildServer } from '../helpers/servers';
import { TestClient, ReplyError, type Reply } from '../helpers/resp';
import { hashPassword } from '../../src/server/acl';

const dirs: string[] = [];
const running: ChildServer[] = [];

after(async () => {
  for (const s of running) await s.kill9();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir('tredis-acl-');
  dirs.push(d);
  return d;
}

async function start(extra: string[], opts: { config?: string; dir?: string } = {}): Promise<ChildServer> {
  const s = await startTredisProcess(extra, opts);
  running.push(s);
  return s;
}

function errText(r: Reply): string {
  assert.ok(r instanceof ReplyError, `expected an error, got ${JSON.stringify(r)}`);
  return r.message;
}

/** Whether the connection was closed by the server (bounded wait). */
function closedByServer(c: TestClient): Promise<boolean> {
  return c.waitClose(10000);
}

test('aclfile: users loaded at start-up, ACL SAVE writes them, ACL LOAD is all or nothing', async () => {
  const d = dir();
  const aclfile = path.join(d, 'users.acl');
  fs.writeFileSync(aclfile, `user alice on #${hashPassword('pa')} ~cache:* +get +set\nuser default on nopass ~* &* +@all\n`);
  const s = await start(['--aclfile', aclfile], { dir: d });
  const c = await TestClient.connect(s.port);
  try {
    assert.deepEqual(await c.call('ACL', 'USERS'), ['alice', 'default']);
    assert.equal(await c.call('AUTH', 'alice', 'pa'), 'OK');
    assert.equal(await c.call('SET', 'cache:1', 'v'), 'OK');
    assert.match(errText(await c.call('SET', 'other', 'v')), /^NOPERM this user has no permissions to access one of the keys/);
    assert.equal(await c.call('AUTH', 'default', 'x'), 'OK');
    assert.equal(await c.call('ACL', 'SETUSER', 'bob', 'on', '>pb', '+@read', '~*'), 'OK');
    assert.equal(await c.call('ACL', 'SAVE'), 'OK');
    const saved = fs.readFileSync(aclfile, 'utf8');
    assert.equal(
      saved,
      `user alice on #${hashPassword('pa')} ~cache:* resetchannels -@all +get +set\n` +
        `user bob on #${hashPassword('pb')} ~* resetchannels -@all +@read\n` +
        'user default on nopass ~* &* +@all\n',
    );
    // a broken file changes nothing
    fs.writeFileSync(aclfile, 'user carol on +nosuch\nuser dave on +get\nfoo bar\n');
    const e = errText(await c.call('ACL', 'LOAD'));
    assert.equal(
      e,
      `ERR ${aclfile}:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. ${aclfile}:3 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed`,
    );
    assert.deepEqual(await c.call('ACL', 'USERS'), ['alice', 'bob', 'default']);
    // a good file replaces every user; clients of removed users are disconnected
    const bobc = await TestClient.connect(s.port);
    assert.equal(await bobc.call('AUTH', 'bob', 'pb'), 'OK');
    fs.writeFileSync(aclfile, 'user dave on nopass +ping\n');
    assert.equal(await c.call('ACL', 'LOAD'), 'OK');
    assert.deepEqual(await c.call('ACL', 'USERS'), ['dave', 'default']);
    assert.ok(await closedByServer(bobc));
    bobc.close();
  } finally {
    c.close();
  }
  // user lines in the config and an aclfile together: Redis's start-up error
  const conf = path.join(d, 'both.conf');
  fs.writeFileSync(conf, `aclfile ${aclfile}\nuser x on nopass +@all\n`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tredis-server'), conf, '--port', String(await freePort())], { cwd: d, encoding: 'utf8', timeout: 15000 });
  assert.equal(r.status, 1);
  assert.match(r.stdout + r.stderr, /Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid/);
  // a missing aclfile stops the start
  const r2 = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tredis-server'), '--aclfile', path.join(d, 'none.acl'), '--port', String(await freePort())], { cwd: d, encoding: 'utf8', timeout: 15000 });
  assert.equal(r2.status, 1);
  assert.match(r2.stdout + r2.stderr, /Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '.*none\.acl': No such file or directory/);
});

test('user lines in the config file are loaded and kept by CONFIG REWRITE', async () => {
  const d = dir();
  const conf = path.join(d, 'redis.conf');
  fs.writeFileSync(conf, '# users\nuser default on nopass ~* &* +@all\nuser ro on >pw ~* -@all +@read (~w:* +set)\nrequirepass ignored-by-user-line\n');
  const s = await start([], { config: conf, dir: d });
  const c = await TestClient.connect(s.port);
  try {
    // requirepass sets the default user's password, then the user line resets it (Redis's order)
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('AUTH', 'ro', 'pw'), 'OK');
    assert.equal(await c.call('SET', 'w:1', 'v'), 'OK');
    // the root selector cannot run SET, the other one can but not on this key: the key denial is reported (Redis's choice)
    assert.match(errText(await c.call('SET', 'x', 'v')), /^NOPERM this user has no permissions to access one of the keys used as arguments/);
    assert.match(errText(await c.call('DEL', 'w:1')), /^NOPERM this user has no permissions to run the 'del' command/);
    assert.equal(await c.call('AUTH', 'default', 'any'), 'OK');
    assert.equal(await c.call('ACL', 'SETUSER', 'new', 'on', 'nopass', '+ping'), 'OK');
    assert.equal(await c.call('ACL', 'DELUSER', 'ro'), 1);
    assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
    const text = fs.readFileSync(conf, 'utf8');
    // the user line reset the default user first, as Redis does: sanitize-payload shows
    assert.match(text, /^user default on nopass sanitize-payload ~\* &\* \+@all$/m);
    assert.match(text, /^user new on nopass resetchannels -@all \+ping$/m);
    assert.doesNotMatch(text, /^user ro /m);
  } finally {
    c.close();
  }
  await s.stop();
  // the rewritten file starts a server with the same users
  const s2 = await start([], { config: conf, dir: d });
  const c2 = await TestClient.connect(s2.port);
  try {
    assert.deepEqual(await c2.call('ACL', 'USERS'), ['default', 'new']);
  } finally {
    c2.close();
  }
});

test('NOPERM inside MULTI/EXEC and EVAL, with ACL LOG entries', async () => {
  const srv = await startTredis({});
  const admin = await TestClient.connect(srv.port);
  const c = await TestClient.connect(srv.port);
  try {
    await admin.call('ACL', 'SETUSER', 'app', 'on', '>pw', '+@all', '-flushall', '~app:*', '&news');
    assert.equal(await c.call('AUTH', 'app', 'pw'), 'OK');
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SET', 'app:1', 'v'), 'QUEUED');
    assert.match(errText(await c.call('SET', 'other', 'v')), /^NOPERM .*keys/);
    assert.match(errText(await c.call('EXEC')), /^EXECABORT Transaction discarded because of previous errors/);
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SET', 'app:2', 'v'), 'QUEUED');
    assert.equal(await c.call('INCR', 'app:n'), 'QUEUED');
    await admin.call('ACL', 'SETUSER', 'app', '-incr');
    const res = (await c.call('EXEC')) as Reply[];
    assert.equal(res[0], 'OK');
    assert.match(errText(res[1]), /^NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call\. This command is no longer allowed for the following reason: no permission to execute the command or subcommand$/);
    assert.equal(await admin.call('EXISTS', 'app:n'), 0);
    const e = errText(await c.call('EVAL', "return redis.call('flushall')", '0'));
    assert.match(e, /^ERR The user executing the script can't run this command or subcommand script: /);
    // a key the script declares is checked at the gate; one it does not declare, by redis.call
    assert.match(errText(await c.call('EVAL', "return redis.call('get', KEYS[1])", '1', 'zz')), /^NOPERM this user has no permissions to access one of the keys/);
    const e2 = errText(await c.call('EVAL', "return redis.call('get', 'zz')", '0'));
    assert.match(e2, /can't access at least one of the keys mentioned in the command arguments/);
    const log = (await admin.call('ACL', 'LOG')) as Reply[][];
    const summary = log.map((e) => `${e[3]}/${e[5]}/${e[7]}/${e[9]}/${e[1]}`);
    assert.deepEqual(summary, ['key/lua/zz/app/1', 'key/toplevel/zz/app/1', 'command/lua/flushall/app/1', 'command/multi/incr/app/1', 'key/multi/other/app/1']);
    assert.match(String(log[0][13]), /^id=\d+ addr=.* user=app /);
    // the same denial again within a minute: counted on the same entry
    await c.call('EVAL', "return redis.call('get', 'zz')", '0');
    assert.equal(((await admin.call('ACL', 'LOG', '1')) as Reply[][])[0][1], 2);
    await admin.call('CONFIG', 'SET', 'acllog-max-len', '2');
    await c.call('GET', 'x1');
    assert.equal(((await admin.call('ACL', 'LOG')) as Reply[][]).length, 2);
    assert.equal(await admin.call('ACL', 'LOG', 'RESET'), 'OK');
    assert.deepEqual(await admin.call('ACL', 'LOG'), []);
    // failed AUTH: reason auth, object AUTH, the user named
    assert.match(errText(await c.call('AUTH', 'app', 'bad')), /^WRONGPASS/);
    const l2 = (await admin.call('ACL', 'LOG')) as Reply[][];
    assert.deepEqual([l2[0][3], l2[0][5], l2[0][7], l2[0][9]], ['auth', 'toplevel', 'AUTH', 'app']);
  } finally {
    c.close();
    admin.close();
    await srv.close();
  }
});

test('clients of a deleted user are disconnected; revoked channels drop subscribers; CLIENT KILL USER', async () => {
  const srv = await startTredis({});
  const admin = await TestClient.connect(srv.port);
  const c1 = await TestClient.connect(srv.port);
  const c2 = await TestClient.connect(srv.port);
  const sub = await TestClient.connect(srv.port);
  try {
    await admin.call('ACL', 'SETUSER', 'temp', 'on', 'nopass', '+@all', '~*', '&*');
    await admin.call('ACL', 'SETUSER', 'other', 'on', 'nopass', '+@all', '~*', '&news*');
    assert.equal(await c1.call('AUTH', 'temp', 'x'), 'OK');
    assert.equal(await c2.call('AUTH', 'other', 'x'), 'OK');
    assert.equal(await admin.call('ACL', 'DELUSER', 'temp'), 1);
    assert.ok(await closedByServer(c1));
    assert.equal(await c2.call('PING'), 'PONG');
    // a client deleting its own user gets the reply, then the connection closes
    assert.equal(await c2.call('ACL', 'DELUSER', 'other'), 1);
    assert.ok(await closedByServer(c2));
    // subscribers lose their connection when a channel they use is revoked
    await admin.call('ACL', 'SETUSER', 'subscriber', 'on', 'nopass', '+@all', '&news*', '&sport');
    assert.equal(await sub.call('AUTH', 'subscriber', 'x'), 'OK');
    assert.ok(Array.isArray(await sub.call('SUBSCRIBE', 'newsflash')));
    assert.match(errText(await sub.call('SUBSCRIBE', 'weather')), /^NOPERM this user has no permissions to access one of the channels used as arguments/);
    await admin.call('ACL', 'SETUSER', 'subscriber', '&more');
    assert.equal(await admin.call('PUBLISH', 'newsflash', 'x'), 1);
    await admin.call('ACL', 'SETUSER', 'subscriber', 'resetchannels', '&sport');
    assert.ok(await closedByServer(sub));
    assert.equal(await admin.call('PUBLISH', 'newsflash', 'x'), 0);
    // CLIENT KILL USER
    await admin.call('ACL', 'SETUSER', 'k', 'on', 'nopass', '+@all');
    const k = await TestClient.connect(srv.port);
    assert.equal(await k.call('AUTH', 'k', 'x'), 'OK');
    assert.equal(await admin.call('CLIENT', 'KILL', 'USER', 'k'), 1);
    assert.ok(await closedByServer(k));
    k.close();
    assert.match(errText(await admin.call('CLIENT', 'KILL', 'USER', 'nosuch')), /^ERR No such user 'nosuch'/);
  } finally {
    for (const c of [c1, c2, sub, admin]) c.close();
    await srv.close();
  }
});

test('acl-pubsub-default allchannels gives new users every channel; a disabled default user requires AUTH', async () => {
  const srv = await startTredis({ 'acl-pubsub-default': 'allchannels' });
  const c = await TestClient.connect(srv.port);
  try {
    await c.call('ACL', 'SETUSER', 'p', 'on', 'nopass', '+@all');
    assert.equal(((await c.call('ACL', 'LIST')) as string[])[1], 'user p on nopass &* -@all +@all'.replace('&* -@all +@all', '&* +@all'));
    await c.call('ACL', 'SETUSER', 'admin', 'on', '>adm', '+@all', '~*');
    await c.call('ACL', 'SETUSER', 'default', 'off');
    const fresh = await TestClient.connect(srv.port);
    try {
      assert.match(errText(await fresh.call('GET', 'a')), /^NOAUTH/);
      assert.match(errText(await fresh.call('AUTH', 'default', 'x')), /^WRONGPASS/);
      assert.equal(await fresh.call('AUTH', 'admin', 'adm'), 'OK');
      assert.equal(await fresh.call('ACL', 'WHOAMI'), 'admin');
    } finally {
      fresh.close();
    }
  } finally {
    c.close();
    await srv.close();
  }
});
