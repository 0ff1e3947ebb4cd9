/**
 * The pure parts of `edgeq dev`, at their edges: flag checks, the fault spec, the shell and
 * `.dev.vars` formats (read back by a real `sh`), and what NEON_WS_PROXY's scheme means.
 */
import { describe, expect, it } from 'vitest';
import { parseDevArgs, parseFaults } from '../../src/dev/cli-args.js';
import { type EnvGroup, formatGroup, mergeDevVars } from '../../src/dev/env.js';
import { neonEndpointConfig } from '../../src/dev/neon-config.js';
import { DEV_PORTS } from '../../src/dev/stack.js';
import { evalExportLine } from './dev-process.js';

describe('parseDevArgs', () => {
  it('defaults: every driver, the fixed ports, env URLs over the built-in ones', () => {
    const { options, devVars, help } = parseDevArgs([], { REDIS_URL: 'redis://127.0.0.1:7000' });
    expect(options).toEqual({
      redisUrl: 'redis://127.0.0.1:7000',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      dbPath: '.edgeq/dev.db',
      ports: {},
      only: ['upstash', 'postgres', 'libsql'],
    });
    expect([devVars, help]).toEqual([undefined, false]);
    expect(DEV_PORTS).toEqual({ upstash: 8079, libsql: 8080, 'neon-http': 8081, 'neon-ws': 8082 });
    expect(Object.values(DEV_PORTS)).not.toContain(8787); // edgeq serve
    expect(Object.values(DEV_PORTS)).not.toContain(8788); // npm run dev
  });

  it('flags win over the environment', () => {
    const env = { REDIS_URL: 'redis://h:1', DATABASE_URL: 'postgres://a@h/x' };
    const args = [
      '--redis-url',
      'redis://127.0.0.1:6380/2',
      '--database-url',
      'postgresql://b@h/y',
    ];
    const { options } = parseDevArgs(args, env);
    expect([options.redisUrl, options.databaseUrl]).toEqual([
      'redis://127.0.0.1:6380/2',
      'postgresql://b@h/y',
    ]);
  });

  it('ports: 0 and 65535 pass; -1, 65536, 1.5 and empty are refused by name', () => {
    const { options } = parseDevArgs(['--upstash-port', '0', '--neon-ws-port', '65535'], {});
    expect(options.ports).toEqual({ upstash: 0, 'neon-ws': 65535 });
    for (const bad of ['-1', '65536', '1.5', '', 'x']) {
      expect(() => parseDevArgs([`--libsql-port=${bad}`], {})).toThrow(
        `--libsql-port must be a port number (0 to 65535), got "${bad}"`,
      );
    }
  });

  it('--only and --dev-vars name drivers; --dev-vars must be served', () => {
    const r = parseDevArgs(['--only', 'libsql, upstash,libsql', '--dev-vars', 'libsql'], {});
    expect([r.options.only, r.devVars]).toEqual([['libsql', 'upstash'], 'libsql']);
    expect(() => parseDevArgs(['--only', 'redis'], {})).toThrow(
      '--only must be one of upstash, postgres, libsql, got "redis"',
    );
    expect(() => parseDevArgs(['--only', 'libsql', '--dev-vars', 'postgres'], {})).toThrow(
      '--dev-vars postgres needs postgres in --only',
    );
  });

  it('refuses URLs of the wrong kind without echoing them (they may hold a password)', () => {
    for (const [flag, value] of [
      ['--redis-url', 'rediss://u:pw-123@h:6379'],
      ['--database-url', 'mysql://u:pw-123@h/db'],
      ['--database-url', 'not a url pw-123'],
    ] as const) {
      let message = '';
      try {
        parseDevArgs([flag, value], {});
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/must be a (redis|postgres):\/\/ URL$/);
      expect(message).not.toContain('pw-123');
    }
  });

  it('--token must be printable without spaces; --seed a whole number', () => {
    expect(parseDevArgs(['--token', 'a~!Z'], {}).options.token).toBe('a~!Z');
    expect(() => parseDevArgs(['--token', 'a b'], {})).toThrow('--token must be printable');
    expect(() => parseDevArgs(['--token', ''], {})).toThrow('--token must be printable');
    expect(parseDevArgs(['--seed', '42'], {}).options.seed).toBe(42);
    expect(() => parseDevArgs(['--seed', '4.2'], {})).toThrow('--seed must be a whole number');
  });
});

describe('parseFaults', () => {
  it('takes rates from 0 to 1 that sum to at most 1, and delayMs', () => {
    expect(parseFaults('{"errorRate":0,"refuseRate":1}')).toEqual({ errorRate: 0, refuseRate: 1 });
    expect(parseFaults('{"dropAfterRate":0.5,"stallRate":0.5,"delayMs":0}')).toEqual({
      dropAfterRate: 0.5,
      stallRate: 0.5,
      delayMs: 0,
    });
  });

  it.each([
    ['[]', '--faults must be a JSON object'],
    ['{"errorRate":', '--faults must be a JSON object'],
    ['{"errorRate":1.0001}', 'errorRate must be a number from 0 to 1'],
    ['{"errorRate":-0.1}', 'errorRate must be a number from 0 to 1'],
    ['{"errorRate":"0.1"}', 'errorRate must be a number from 0 to 1'],
    ['{"errorRate":0.6,"stallRate":0.41}', 'the rates must sum to at most 1'],
    ['{"delayMs":-1}', 'delayMs must be a whole number'],
    ['{"delayMs":1.5}', 'delayMs must be a whole number'],
    ['{"cues":["stall"]}', 'unknown key "cues"'],
  ])('refuses %s', (raw, message) => {
    expect(() => parseFaults(raw)).toThrow(message);
  });
});

describe('formatGroup', () => {
  it('prints one export line that sh reads back byte for byte, quoting only when needed', () => {
    const vars = {
      PLAIN: 'http://127.0.0.1:8079/v2',
      QUERY: 'postgres://u@h/db?sslmode=disable&x=1',
      QUOTE: "it's",
      SPACE: 'a b',
      DOLLAR: '$HOME `x`',
    };
    const text = formatGroup({ driver: 'postgres', title: 'Postgres', vars });
    const [comment, line] = text.split('\n');
    expect(comment).toBe('# Postgres');
    expect(line).toMatch(/^export PLAIN=http:\/\/127\.0\.0\.1:8079\/v2 QUERY='/);
    expect(evalExportLine(line!)).toEqual(vars);
  });
});

describe('mergeDevVars', () => {
  const upstash: EnvGroup = {
    driver: 'upstash',
    title: 'Upstash',
    vars: { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079', UPSTASH_REDIS_REST_TOKEN: 't1' },
  };
  const postgres: EnvGroup = {
    driver: 'postgres',
    title: 'Postgres',
    vars: { DATABASE_URL: 'postgres://u@h/db?a=1#frag', NEON_FETCH_ENDPOINT: 'http://x/sql' },
  };

  it('writes a new file from nothing', () => {
    expect(mergeDevVars('', upstash)).toBe(
      '# written by edgeq dev --dev-vars upstash\nUPSTASH_REDIS_REST_URL=http://127.0.0.1:8079\nUPSTASH_REDIS_REST_TOKEN=t1\n',
    );
  });

  it('switching driver drops every store setting (the Worker would pick Upstash first)', () => {
    const first = mergeDevVars('EDGEQ_TOKEN=keep\nexport LIBSQL_AUTH_TOKEN=old\n', upstash);
    const second = mergeDevVars(first, postgres);
    expect(second).toBe(
      [
        'EDGEQ_TOKEN=keep',
        '',
        '# written by edgeq dev --dev-vars postgres',
        // '#' would start a comment in an unquoted .dev.vars value.
        'DATABASE_URL="postgres://u@h/db?a=1#frag"',
        'NEON_FETCH_ENDPOINT=http://x/sql',
        '',
      ].join('\n'),
    );
    expect(mergeDevVars(second, postgres)).toBe(second); // idempotent
  });

  it('keeps CRLF files readable and the user lines in order', () => {
    const merged = mergeDevVars('# mine\r\nA=1\r\nDATABASE_URL=old\r\nB=2\r\n', upstash);
    expect(merged.split('\n').slice(0, 4)).toEqual(['# mine', 'A=1', 'B=2', '']);
  });
});

describe('neonEndpointConfig (NEON_FETCH_ENDPOINT, NEON_WS_PROXY)', () => {
  it('ws:// is a plain local proxy: no TLS, no pipelined password', () => {
    const c = neonEndpointConfig({
      NEON_FETCH_ENDPOINT: 'http://127.0.0.1:8081/sql',
      NEON_WS_PROXY: 'ws://127.0.0.1:8082/v2',
    });
    expect(c).toMatchObject({
      fetchEndpoint: 'http://127.0.0.1:8081/sql',
      useSecureWebSocket: false,
      pipelineConnect: false,
    });
    expect(c.wsProxy!('127.0.0.1', 5432)).toBe('127.0.0.1:8082/v2?address=127.0.0.1:5432');
  });

  it("wss:// asks for TLS; a bare host:port/path keeps Neon's defaults", () => {
    const tls = neonEndpointConfig({ NEON_WS_PROXY: 'WSS://proxy.example/v2?x=1' });
    expect(tls.useSecureWebSocket).toBe(true);
    expect(tls.wsProxy!('db', '5432')).toBe('proxy.example/v2?x=1&address=db:5432');
    const bare = neonEndpointConfig({ NEON_WS_PROXY: 'proxy.example/v2' });
    expect(Object.keys(bare)).toEqual(['wsProxy']);
    expect(bare.wsProxy!('db', 5432)).toBe('proxy.example/v2?address=db:5432');
  });

  it('sets nothing when the variables are unset or empty', () => {
    expect(neonEndpointConfig({})).toEqual({});
    expect(neonEndpointConfig({ NEON_FETCH_ENDPOINT: '', NEON_WS_PROXY: '' })).toEqual({});
  });
});
