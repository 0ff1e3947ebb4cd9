import { Redis, type RedisConfigNodejs } from '@upstash/redis';
import { Redis as CloudflareRedis } from '@upstash/redis/cloudflare';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Path, startUpstashServer, type UpstashServer } from './upstash-server.js';

const prefix = `edgeq-test:upstash-server:${process.pid}:${Date.now()}`;
const key = (name: string) => `${prefix}:${name}`;

describe('upstash REST test server', () => {
  let server: UpstashServer;
  let redis: Redis;
  let seen: Array<{ path: Path; commands: string[][] }> = [];
  const client = (extra: Partial<RedisConfigNodejs> = {}) =>
    new Redis({ url: server.url, token: server.token, enableTelemetry: false, ...extra });
  const wire = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    server = await startUpstashServer({
      onRequest: (path, commands) => seen.push({ path, commands }),
    });
    redis = client();
  });
  beforeEach(() => {
    server.faults = {};
    seen = [];
  });
  afterAll(async () => {
    server.faults = {};
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    await server.close();
  });

  it('speaks the wire format: base64 strings, literal OK, numbers, nil, 400 errors', async () => {
    const b64 = { 'upstash-encoding': 'base64' };
    expect(await wire('/', ['set', key('w'), 'héllo'], b64)).toEqual({
      status: 200,
      body: { result: 'OK' },
    });
    const enc = Buffer.from('héllo').toString('base64');
    expect(await wire('/', ['get', key('w')], b64)).toEqual({ status: 200, body: { result: enc } });
    expect(await wire('/', ['get', key('w')])).toEqual({ status: 200, body: { result: 'héllo' } });
    expect(await wire('/', ['strlen', key('w')], b64)).toEqual({
      status: 200,
      body: { result: 6 },
    });
    expect(await wire('/', ['get', key('none')], b64)).toEqual({
      status: 200,
      body: { result: null },
    });
    expect(await wire('/', ['incr', key('w')], b64)).toEqual({
      status: 400,
      body: { error: 'ERR value is not an integer or out of range' },
    });
    // Binary-safe: bytes that are not UTF-8 come back as base64 of the raw bytes.
    const bin = await wire('/', ['eval', 'return string.char(255, 0, 128)', 0], b64);
    expect(bin.body).toEqual({ result: Buffer.from([255, 0, 128]).toString('base64') });
    // A status inside an array is base64 too (the client would decode a bare "OK" to "8").
    const nested = await wire('/pipeline', [['eval', "return {redis.status_reply('OK')}", 0]], b64);
    expect(nested.body).toEqual([{ result: ['T0s='] }]);
    expect(
      await wire('/multi-exec', [
        ['set', key('w'), 1],
        ['hset', key('h')],
      ]),
    ).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^EXECABORT/) },
    });
    expect(await wire('/', ['blpop', key('l'), 0])).toMatchObject({ status: 400 });
    expect(await wire('/', 'nonsense')).toMatchObject({ status: 400 });
    expect(await wire('/set/a/b', [])).toMatchObject({ status: 404 });
  });

  it('strings, unicode, binary-unsafe characters and numbers round-trip through the client', async () => {
    const values = [
      'plain',
      'héllo wörld ✓ 🚀 日本',
      'a\u0000b\r\n*3\r\n$-1',
      'OK',
      '',
      ' spaced ',
    ];
    for (const [i, v] of values.entries()) {
      expect(await redis.set(key(`s${i}`), v)).toBe('OK');
      expect(await redis.get(key(`s${i}`))).toBe(v);
    }
    await redis.set(key('num'), 42);
    expect(await redis.get(key('num'))).toBe(42);
    await redis.set(key('float'), 2.5);
    expect(await redis.get(key('float'))).toBe(2.5);
    await redis.set(key('json'), { a: [1, 'x'] });
    expect(await redis.get(key('json'))).toEqual({ a: [1, 'x'] });
    expect(await redis.incr(key('ctr'))).toBe(1);
    expect(await redis.incrby(key('ctr'), 41)).toBe(42);
    expect(await redis.mget(key('s0'), key('missing'))).toEqual(['plain', null]);
    expect(await redis.get(key('missing'))).toBeNull();
    expect(await redis.hget(key('missing'), 'f')).toBeNull();
  });

  it('large values and many concurrent requests (pool of 16 connections, waiters queue)', async () => {
    const big = 'é✓'.repeat(400_000); // ~2 MB of UTF-8, arrives from Redis in many chunks
    await redis.set(key('big'), big);
    expect(await redis.get(key('big'))).toBe(big);
    const plain = Array.from({ length: 8 }, () => client({ enableAutoPipelining: false }));
    const commandsBefore = server.commands;
    await Promise.all(Array.from({ length: 200 }, (_, i) => plain[i % 8]!.incr(key('many'))));
    expect(await redis.get(key('many'))).toBe(200);
    expect(server.commands - commandsBefore).toBe(201);
  });

  it('hashes and sorted sets come back as the client expects', async () => {
    expect(await redis.hset(key('h'), { a: 1, b: 'x', c: 'ü' })).toBe(3);
    expect(await redis.hgetall(key('h'))).toEqual({ a: 1, b: 'x', c: 'ü' });
    await redis.zadd(key('z'), { score: 2.5, member: 'b' }, { score: 1, member: 'a' });
    expect(await redis.zrange(key('z'), 0, -1, { withScores: true })).toEqual(['a', 1, 'b', 2.5]);
    expect(await redis.zscore(key('z'), 'b')).toBe(2.5);
  });

  it('a command error surfaces as the client error', async () => {
    await redis.set(key('str'), 'abc');
    await expect(redis.incr(key('str'))).rejects.toThrow(/ERR value is not an integer/);
    const plain = client({ enableAutoPipelining: false });
    await expect(plain.incr(key('str'))).rejects.toThrow(/ERR value is not an integer/);
    await expect(plain.exec(['nosuchcommand'])).rejects.toThrow(/unknown command/);
  });

  it('pipeline().exec() sends one /pipeline and reports per-command errors', async () => {
    await redis.set(key('pstr'), 'abc');
    seen = [];
    const p = redis.pipeline().set(key('p1'), 'v').get(key('p1')).incr(key('p2'));
    expect(await p.exec()).toEqual(['OK', 'v', 1]);
    expect(seen.map((s) => s.path)).toEqual(['/pipeline']);
    const bad = redis.pipeline().incr(key('p2')).incr(key('pstr')).get(key('p1'));
    await expect(bad.exec()).rejects.toThrow(/Command 2 \[ incr \] failed: ERR value/);
    const kept = await redis
      .pipeline()
      .incr(key('p2'))
      .incr(key('pstr'))
      .exec({ keepErrors: true });
    expect(kept[0]).toEqual({ result: 3, error: undefined }); // the failed pipeline still ran its first incr
    expect(kept[1]?.error).toMatch(/ERR value is not an integer/);
  });

  it('multi().exec() is MULTI/EXEC: runtime errors do not roll back, queue errors abort all', async () => {
    await redis.set(key('mstr'), 'abc');
    const tx = redis.multi().set(key('m1'), 'a').incr(key('mstr')).set(key('m2'), 'b');
    await expect(tx.exec()).rejects.toThrow(/Command 2 \[ incr \] failed/);
    expect(seen.at(-1)?.path).toBe('/multi-exec');
    expect(await redis.mget(key('m1'), key('m2'))).toEqual(['a', 'b']);
    // hset with no field/value fails when queued: EXECABORT, nothing ran.
    const aborted = redis.multi().set(key('m3'), 'x').hset(key('mh'), {});
    await expect(aborted.exec()).rejects.toThrow(/EXECABORT/);
    expect(await redis.get(key('m3'))).toBeNull();
    // Isolation: concurrent writes never land between the commands of a transaction.
    const writers = Array.from({ length: 20 }, () => client({ enableAutoPipelining: false }));
    const results = await Promise.all([
      ...writers.map((w) => w.set(key('iso'), 'z')),
      redis.multi().set(key('iso'), 'a').append(key('iso'), 'b').get(key('iso')).exec(),
    ]);
    expect(results.at(-1)).toEqual(['OK', 2, 'ab']);
  });

  it('auto-pipelining: calls made in the same tick arrive as one /pipeline request', async () => {
    const auto = client();
    await auto.set(key('a1'), 1);
    const before = server.requests;
    seen = [];
    const got = await Promise.all([
      auto.get(key('a1')),
      auto.get(key('a2')),
      auto.exists(key('a1')),
    ]);
    expect(got).toEqual([1, null, 1]);
    expect(server.requests - before).toBe(1);
    expect(seen).toEqual([
      {
        path: '/pipeline',
        commands: [
          ['get', key('a1')],
          ['get', key('a2')],
          ['exists', key('a1')],
        ],
      },
    ]);
    // Reads and writes of one tick go out as two separate (concurrent) pipelines.
    seen = [];
    await Promise.all([auto.incr(key('a3')), auto.get(key('a1')), auto.incr(key('a3'))]);
    expect(seen.map((s) => s.commands.map((c) => c[0])).sort()).toEqual([
      ['get'],
      ['incr', 'incr'],
    ]);
    const plain = client({ enableAutoPipelining: false });
    seen = [];
    await Promise.all([plain.get(key('a1')), plain.get(key('a2'))]);
    expect(seen.map((s) => s.path)).toEqual(['/', '/']);
  });

  it('createScript().exec(): EVALSHA, NOSCRIPT, then EVAL; cached afterwards', async () => {
    // A unique comment gives a SHA Redis has never seen (like SCRIPT FLUSH, without flushing
    // the scripts of anything else sharing this Redis).
    const script = redis.createScript<[string, string, number]>(
      `-- ${prefix}\nreturn {KEYS[1], ARGV[1], 42}`,
    );
    seen = [];
    expect(await script.exec([key('sk')], ['héllo'])).toEqual([key('sk'), 'héllo', 42]);
    expect(seen.map((s) => s.commands[0]?.[0])).toEqual(['evalsha', 'eval']);
    seen = [];
    expect(await script.exec([key('sk')], ['x'])).toEqual([key('sk'), 'x', 42]);
    expect(seen.map((s) => s.commands[0]?.[0])).toEqual(['evalsha']);
    const sha = await redis.scriptLoad('return ARGV[1]');
    expect(await redis.evalsha(sha, [], ['y'])).toBe('y');
    await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('Lua replies: nested arrays, nil, integers, statuses and errors', async () => {
    const lua = `return {1, {'a', {2, 'b'}, {}}, false, redis.status_reply('OK'), 'ü', -7}`;
    expect(await redis.eval(lua, [], [])).toEqual([1, ['a', [2, 'b'], []], null, 'OK', 'ü', -7]);
    expect(await redis.eval('return nil', [], [])).toBeNull();
    expect(await redis.eval('return 3.9', [], [])).toBe(3); // Redis truncates Lua numbers
    await expect(redis.eval("return redis.error_reply('MYERR boom')", [], [])).rejects.toThrow(
      /MYERR boom/,
    );
  });

  it('drop-after: the command runs, the response is lost, the client retries', async () => {
    server.faults.cues = ['drop-after'];
    const before = server.requests;
    expect(await redis.incr(key('drop'))).toBe(2); // ran twice: once lost, once retried
    expect(await redis.get(key('drop'))).toBe(2);
    expect(server.stats.dropped).toBe(1);
    expect(server.requests - before).toBe(3);

    // `retry: false` still makes two attempts (attempts = 1, loop runs i = 0..1).
    const noRetry = client({ retry: false });
    server.faults.cues = ['drop-after', 'drop-after'];
    await expect(noRetry.incr(key('drop-nr'))).rejects.toThrow(/fetch failed/);
    expect(await redis.get(key('drop-nr'))).toBe(2);
    server.faults.cues = ['drop-after'];
    expect(await noRetry.incr(key('drop-nr'))).toBe(4);

    const once = client({ retry: { retries: 0 } });
    server.faults.cues = ['drop-after'];
    await expect(once.incr(key('drop-once'))).rejects.toThrow(/fetch failed/);
    expect(await redis.get(key('drop-once'))).toBe(1);
  });

  it('refuse: reset before execution, the client retries; down: every connection refused until lifted', async () => {
    server.faults.cues = ['refuse'];
    const before = server.stats.refused;
    expect(await redis.incr(key('refuse'))).toBe(1); // not run on the reset, once on the retry
    expect(server.stats.refused - before).toBe(1);

    const once = client({ retry: { retries: 0 } });
    server.faults = { down: true };
    await expect(once.incr(key('down'))).rejects.toThrow();
    server.faults = {};
    expect(await redis.get(key('down'))).toBeNull();
    expect(await once.incr(key('down'))).toBe(1);
  });

  it('error-5xx: the command did not run and the client does not retry', async () => {
    server.faults.cues = ['error-5xx'];
    const before = server.stats.errored;
    await expect(redis.set(key('e5'), 'x')).rejects.toThrow(/Service Unavailable/);
    expect(server.stats.errored - before).toBe(1);
    expect(await redis.get(key('e5'))).toBeNull();
  });

  it('delayMs delays the answer', async () => {
    server.faults.delayMs = 300;
    const t0 = performance.now();
    await redis.set(key('slow'), 1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('stall: no answer; a client-side signal aborts; close() ends stalled requests', async () => {
    server.faults.cues = ['stall'];
    const timed = client({ signal: () => AbortSignal.timeout(200), retry: false });
    const t0 = performance.now();
    await expect(timed.get(key('stall'))).rejects.toThrow(/timeout|abort/i);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(await redis.get(key('stall'))).toBeNull(); // stall consumed one cue only

    const own = await startUpstashServer({ faults: { cues: ['stall'] } });
    const pending = new Redis({ url: own.url, token: own.token, retry: false }).get(key('stall'));
    const settled = pending.then(
      () => 'resolved',
      () => 'rejected',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(own.requests).toBe(1);
    await own.close();
    expect(await settled).toBe('rejected');
  });

  it('rates are deterministic for a given seed', async () => {
    const pattern = async (seed: number) => {
      const s = await startUpstashServer({ seed, faults: { errorRate: 0.5 } });
      const c = new Redis({ url: s.url, token: s.token, enableAutoPipelining: false });
      const out: boolean[] = [];
      for (let i = 0; i < 24; i++)
        out.push(
          await c.exists(key('seed')).then(
            () => true,
            () => false,
          ),
        );
      await s.close();
      expect(s.stats.errored).toBe(out.filter((ok) => !ok).length);
      return out;
    };
    const a = await pattern(7);
    expect(await pattern(7)).toEqual(a);
    expect(a).toContain(true);
    expect(a).toContain(false);
    expect(await pattern(8)).not.toEqual(a);
  });

  it('401 with a wrong token, and not counted as a request', async () => {
    const before = server.requests;
    const wrong = new Redis({ url: server.url, token: 'wrong', enableTelemetry: false });
    await expect(wrong.get(key('x'))).rejects.toThrow(/Unauthorized/);
    expect((await fetch(server.url, { method: 'POST', body: '["get","x"]' })).status).toBe(401);
    expect(server.requests).toBe(before);
  });

  it('the @upstash/redis/cloudflare build works too', async () => {
    const cf = new CloudflareRedis({ url: server.url, token: server.token });
    expect(await cf.set(key('cf'), 'wörld')).toBe('OK');
    expect(await cf.get(key('cf'))).toBe('wörld');
    expect(await cf.pipeline().incr(key('cfn')).incr(key('cfn')).exec()).toEqual([1, 2]);
  });
});
