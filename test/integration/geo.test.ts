/**
 * Geo commands through a real socket: the cases of Redis's tests/unit/geo.tcl
 * with their expected results, error texts byte for byte, RESP3 shapes, what
 * is propagated (GEOADD as ZADD, the STORE variants verbatim), keyspace events
 * and WATCH on a STORE destination; the same commands replayed against
 * redis-server when it is installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, redisAvailable, startRedis } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { rawReplies as raw, int, err, SYNTAX, WRONGTYPE, sameBytesOn } from '../helpers/compare';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
const propagated: string[][] = [];
const events: string[] = [];

before(async () => {
  srv = await startTredis({});
  srv.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
  const s = srv.server;
  const orig = s.notifyKeyspaceEvent.bind(s);
  s.notifyKeyspaceEvent = (type: string, event: string, key: string, dbid: number) => {
    events.push(`${event}:${key}`);
    orig(type, event, key, dbid);
  };
});
after(async () => {
  await srv.close();
});

async function client(): Promise<TestClient> {
  return TestClient.connect(srv.port);
}

const NYC = ['-73.9733487', '40.7648057', 'central park n/q/r', '-73.9903085', '40.7362513', 'union square', '-74.0131604', '40.7126674', 'wtc one', '-73.7858139', '40.6428986', 'jfk', '-73.9375699', '40.7498929', 'q4', '-73.9564142', '40.7480973', '4545'];

/** The geo.tcl session: [argv, expected parsed reply]. */
const TCL: Array<[string[], unknown]> = [
  [['GEOADD', 'nyc', '-73.9454966', '40.747533', 'lic market'], 1],
  [['GEOADD', 'nyc', '-73.9454966', '40.747533', 'lic market'], 0],
  [['GEOADD', 'nyc', 'CH', '40.747533', '-73.9454966', 'lic market'], 1],
  [['GEOADD', 'nyc', 'NX', '-73.9454966', '40.747533', 'lic market'], 0],
  [['GEOADD', 'nyc', 'XX', '-83.9454966', '40.747533', 'lic market'], 0],
  [['GEOADD', 'nyc', 'CH', 'NX', '-73.9454966', '40.747533', 'lic market'], 0],
  [['GEOADD', 'nyc', 'CH', 'XX', '-73.9454966', '40.747533', 'lic market'], 1],
  [['GEOADD', 'nyc', ...NYC], 6],
  [['ZRANGE', 'nyc', '0', '-1', 'WITHSCORES'], ['wtc one', '1791873972053020', 'union square', '1791875485187452', 'central park n/q/r', '1791875761332224', '4545', '1791875796750882', 'lic market', '1791875804419201', 'q4', '1791875830079666', 'jfk', '1791895905559723']],
  [['GEORADIUS', 'nyc', '-73.9798091', '40.7598464', '3', 'km', 'asc'], ['central park n/q/r', '4545', 'union square']],
  [['GEOSEARCH', 'nyc', 'fromlonlat', '-73.9798091', '40.7598464', 'bybox', '6', '6', 'km', 'asc'], ['central park n/q/r', '4545', 'union square', 'lic market']],
  [['GEORADIUS', 'nyc', '-73.9798091', '40.7598464', '3', 'km', 'withdist', 'asc'], [['central park n/q/r', '0.7750'], ['4545', '2.3651'], ['union square', '2.7697']]],
  [['GEOSEARCH', 'nyc', 'fromlonlat', '-73.9798091', '40.7598464', 'bybox', '6', '6', 'km', 'withdist', 'asc'], [['central park n/q/r', '0.7750'], ['4545', '2.3651'], ['union square', '2.7697'], ['lic market', '3.1991']]],
  [['GEORADIUS', 'nyc', '-73.9798091', '40.7598464', '10', 'km', 'COUNT', '3'], ['central park n/q/r', '4545', 'union square']],
  [['GEORADIUS', 'nyc', '-73.9798091', '40.7598464', '10', 'km', 'COUNT', '3', 'ANY'], ['wtc one', 'union square', 'central park n/q/r']],
  [['GEORADIUS', 'nyc', '-73.9798091', '40.7598464', '10', 'km', 'COUNT', '3', 'ANY', 'ASC'], ['central park n/q/r', 'union square', 'wtc one']],
  [['GEORADIUS', 'nyc', '-73.9798091', '40.7598464', '10', 'km', 'COUNT', '2', 'DESC'], ['wtc one', 'q4']],
  [['GEORADIUSBYMEMBER', 'nyc', 'wtc one', '7', 'km'], ['wtc one', 'union square', 'central park n/q/r', '4545', 'lic market']],
  [['GEOSEARCH', 'nyc', 'frommember', 'wtc one', 'bybox', '14', '14', 'km'], ['wtc one', 'union square', 'central park n/q/r', '4545', 'lic market', 'q4']],
  [['GEORADIUSBYMEMBER', 'nyc', 'wtc one', '7', 'km', 'withdist'], [['wtc one', '0.0000'], ['union square', '3.2544'], ['central park n/q/r', '6.7000'], ['4545', '6.1975'], ['lic market', '6.8969']]],
  [['GEOADD', 'users', '-47.271613776683807', '-54.534504198047678', 'user_000000'], 1],
  [['GEOADD', 'k1', '-0.15307903289794921875', '85', 'n1', '0.3515625', '85.00019260486917005437', 'n2'], 2],
  [['GEORADIUSBYMEMBER', 'k1', 'n1', '4891.94', 'm'], ['n1', 'n2']],
  [['DEL', 'k1'], 1],
  [['GEOADD', 'k1', '45', '65', 'n1', '-135', '85.05', 'n2'], 2],
  [['GEORADIUSBYMEMBER', 'k1', 'n1', '5009431', 'm'], ['n1', 'n2']],
  [['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania', '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'eage2'], 4],
  [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'asc'], ['Catania', 'Palermo']],
  [['GEOSEARCH', 'Sicily', 'fromlonlat', '15', '37', 'bybox', '400', '400', 'km', 'asc'], ['Catania', 'Palermo', 'eage2', 'edge1']],
  [['GEOADD', 'points', '-5.6', '42.6', 'test'], 1],
  [['GEOHASH', 'points', 'test', 'nope'], ['ezs42e44yx0', null]],
  [['GEOADD', 'pal', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'], 2],
  [['GEODIST', 'pal', 'Palermo', 'Catania'], '166274.1516'],
  [['GEODIST', 'pal', 'Palermo', 'Catania', 'km'], '166.2742'],
  [['GEODIST', 'pal', 'Palermo', 'Palermo'], '0.0000'],
  [['GEODIST', 'pal', 'Palermo', 'Agrigento'], null],
  [['GEODIST', 'empty_key', 'Palermo', 'Catania'], null],
  [['GEOPOS', 'pal', 'Palermo', 'x'], [['13.36138933897018433', '38.11555639549629859'], null]],
  [['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH'], [['Palermo', '190.4424', 3479099956230698, ['13.36138933897018433', '38.11555639549629859']], ['Catania', '56.4413', 3479447370796909, ['15.08726745843887329', '37.50266842333162032']]]],
];

test('the geo.tcl session gives Redis\'s results', async () => {
  const c = await client();
  try {
    for (const [argv, want] of TCL) assert.deepEqual(await c.call(...argv), want, JSON.stringify(argv));
  } finally {
    c.close();
  }
});

test('errors byte for byte', async () => {
  const c = await client();
  try {
    await c.call('SET', 'str', 'x');
    await c.call('GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
    assert.deepEqual(
      await raw(
        c,
        ['GEOADD', 'g', 'xx', 'nx', '1', '2', 'm'],
        ['GEOADD', 'g', 'ch', 'xx', 'foo', '1', '2', 'm'],
        ['GEOADD', 'g', '1', '2', 'm', 'foo', 'bar', 'n'],
        ['GEOADD', 'g', '200', '100', 'm'],
        ['GEOADD', 'g', '180.0078125', '0', 'm'],
        ['GEOADD', 'str', '1', '2', 'm'],
        ['GEORADIUS', 'str', '1', '2', '3', 'km'],
        ['GEORADIUS', 'g', '15', '37', '200', 'km', 'ANY'],
        ['GEORADIUS', 'g', '15', '37', '200', 'km', 'COUNT'],
        ['GEORADIUS', 'g', '15', '37', '200', 'km', 'COUNT', '0'],
        ['GEORADIUS', 'g', '15', '37', '200', 'km', 'COUNT', 'x'],
        ['GEORADIUS', 'g', '15', '37', '-1', 'km'],
        ['GEORADIUS', 'g', '15', '37', 'x', 'km'],
        ['GEORADIUS', 'g', '15', '37', '1', 'parsec'],
        ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'd', 'WITHDIST'],
        ['GEORADIUS', 'g', '15', '37', '200', 'km', 'store'],
        ['GEORADIUS_RO', 'g', '15', '37', '200', 'km', 'STORE', 'd'],
        ['GEORADIUSBYMEMBER', 'g', 'nope', '10', 'km'],
        ['GEOSEARCH', 'g', 'fromlonlat', '15', '37', 'frommember', 'Palermo', 'bybox', '6', '6', 'km'],
        ['GEOSEARCH', 'g', 'bybox', '3', '3', 'km', 'asc', 'desc', 'withhash'],
        ['GEOSEARCH', 'g', 'fromlonlat', '15', '37', 'byradius', '3', 'km', 'bybox', '3', '3', 'km'],
        ['geosearch', 'g', 'fromlonlat', '15', '37', 'asc', 'desc', 'withhash'],
        ['GEOSEARCH', 'g', 'fromlonlat', '15', '37', 'bybox', '6', '6', 'km', 'storedist'],
        ['GEOSEARCH', 'g', 'fromlonlat', '15', '37', 'bybox', '-6', '6', 'km'],
        ['GEOSEARCH', 'g', 'fromlonlat', '15', '37', 'bybox', 'w', '6', 'km'],
        ['GEOSEARCH', 'g', 'fromlonlat', '15', '37', 'bybox', '6', 'h', 'km'],
        ['GEOSEARCHSTORE', 'd', 'g', 'fromlonlat', '15', '37', 'byradius', '200', 'km', 'withdist'],
        ['GEOSEARCHSTORE', 'd', 'g', 'fromlonlat', '15', '37', 'byradius', '200', 'km', 'store', 'x'],
        ['GEODIST', 'g', 'Palermo', 'Catania', 'km', 'x'],
        ['GEODIST', 'g', 'Palermo', 'Catania', 'parsec'],
        ['GEOHASH', 'str', 'a'],
      ),
      [
        SYNTAX,
        SYNTAX,
        err('ERR value is not a valid float'),
        err('ERR invalid longitude,latitude pair 200.000000,100.000000'),
        err('ERR invalid longitude,latitude pair 180.007812,0.000000'),
        WRONGTYPE,
        WRONGTYPE,
        err('ERR the ANY argument requires COUNT argument'),
        SYNTAX,
        err('ERR COUNT must be > 0'),
        err('ERR value is not an integer or out of range'),
        err('ERR radius cannot be negative'),
        err('ERR need numeric radius'),
        err('ERR unsupported unit provided. please use M, KM, FT, MI'),
        err('ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options'),
        SYNTAX,
        SYNTAX,
        err('ERR could not decode requested zset member'),
        SYNTAX,
        err('ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH'),
        SYNTAX,
        err('ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch'),
        SYNTAX,
        err('ERR height or width cannot be negative'),
        err('ERR need numeric width'),
        err('ERR need numeric height'),
        err('ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options'),
        SYNTAX,
        SYNTAX,
        err('ERR unsupported unit provided. please use M, KM, FT, MI'),
        WRONGTYPE,
      ],
    );
    // a missing source: empty array or 0 (deleting the destination), arguments not checked for BYMEMBER
    assert.deepEqual(await raw(c, ['GEORADIUSBYMEMBER', 'nokey', 'm', 'abc', 'xyz'], ['SET', 'd', 'x'], ['GEORADIUS', 'nokey', '1', '2', '3', 'km', 'STORE', 'd'], ['EXISTS', 'd']), ['*0\r\n', '+OK\r\n', int(0), int(0)]);
  } finally {
    c.close();
  }
});

test('RESP3: coordinates are doubles, missing GEOPOS/GEODIST are nulls', async () => {
  const c = await client();
  try {
    await c.call('HELLO', '3');
    await c.call('GEOADD', 'r3', '13.361389', '38.115556', 'Palermo');
    assert.equal(await c.callRaw('GEOPOS', 'r3', 'Palermo', 'x'), '*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n');
    assert.equal(await c.callRaw('GEODIST', 'r3', 'Palermo', 'x'), '_\r\n');
    assert.equal(await c.callRaw('GEOHASH', 'r3', 'x'), '*1\r\n_\r\n');
  } finally {
    c.close();
  }
});

test('STORE / STOREDIST results, propagation (GEOADD as ZADD, STORE verbatim), events and WATCH', async () => {
  const c = await client();
  const w = await client();
  try {
    await c.call('DEL', 'pts', 'dst');
    propagated.length = 0;
    events.length = 0;
    assert.equal(await c.call('GEOADD', 'pts', 'CH', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'), 2);
    assert.equal(await c.call('GEOADD', 'pts', '13.361389', '38.115556', 'Palermo'), 0);
    await w.call('WATCH', 'dst');
    assert.equal(await c.call('GEORADIUS', 'pts', '15', '37', '200', 'km', 'STORE', 'dst'), 2);
    await w.call('MULTI');
    await w.call('PING');
    assert.equal(await w.call('EXEC'), null);
    assert.deepEqual(await c.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'), ['Palermo', '3479099956230698', 'Catania', '3479447370796909']);
    assert.equal(await c.call('GEORADIUS', 'pts', '15', '37', '200', 'km', 'STOREDIST', 'dst', 'COUNT', '1', 'DESC'), 1);
    assert.deepEqual(await c.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'), ['Palermo', '190.44242984775784']);
    assert.equal(await c.call('GEOSEARCHSTORE', 'dst', 'pts', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'STOREDIST'), 2);
    assert.deepEqual(await c.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'), ['Palermo', '0', 'Catania', '166.27415156960032']);
    assert.equal(await c.call('GEORADIUS', 'pts', '0', '0', '1', 'km', 'STORE', 'dst'), 0);
    assert.equal(await c.call('EXISTS', 'dst'), 0);
    assert.equal(await c.callRaw('GEORADIUS', 'pts', '0', '0', '1', 'km'), '*0\r\n');
    assert.deepEqual(propagated, [
      ['zadd', 'pts', 'CH', '3479099956230698', 'Palermo', '3479447370796909', 'Catania'],
      ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'STORE', 'dst'],
      ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'STOREDIST', 'dst', 'COUNT', '1', 'DESC'],
      ['GEOSEARCHSTORE', 'dst', 'pts', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'STOREDIST'],
      ['GEORADIUS', 'pts', '0', '0', '1', 'km', 'STORE', 'dst'],
    ]);
    assert.deepEqual(events, ['zadd:pts', 'georadiusstore:dst', 'georadiusstore:dst', 'geosearchstore:dst', 'del:dst']);
    // keys of the movable-key commands
    assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'GEORADIUS', 'pts', '1', '2', '3', 'km', 'STORE', 'a', 'STOREDIST', 'b'), ['pts', 'b']);
    assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'dst', 'src', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km'), ['dst', 'src']);
  } finally {
    c.close();
    w.close();
  }
});

test('same bytes as redis-server for the geo.tcl session, RESP2 and RESP3', { skip: !redisAvailable() }, async () => {
  const redis = await startRedis([]);
  try {
    const cmds = [...TCL.map(([argv]) => argv), ['GEOSEARCH', 'Sicily', 'fromlonlat', '15', '37', 'bybox', '400', '400', 'km', 'asc', 'WITHCOORD', 'WITHDIST', 'WITHHASH'], ['COMMAND', 'INFO', 'GEOADD', 'GEORADIUS', 'GEORADIUS_RO', 'GEORADIUSBYMEMBER', 'GEOSEARCH', 'GEOSEARCHSTORE', 'GEODIST', 'GEOPOS', 'GEOHASH', 'PFADD', 'PFCOUNT', 'PFMERGE', 'PFDEBUG', 'PFSELFTEST']];
    for (const proto of [2, 3]) {
      for (const port of [redis.port, srv.port]) {
        const x = await TestClient.connect(port);
        await x.call('FLUSHALL');
        x.close();
      }
      await sameBytesOn(redis.port, srv.port, cmds, proto);
    }
  } finally {
    await redis.stop();
  }
});
