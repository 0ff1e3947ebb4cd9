import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  decodeSecret,
  generateSecret,
  sign,
  verify,
  WebhookVerificationError,
} from '../../src/push/sign.js';

const body = JSON.stringify({ queue: 'emails', job: { to: 'a@example.com' } });
const id = '01J9Z8Y7X6W5V4T3S2R1Q0P9N8';
const nowS = () => Math.floor(Date.now() / 1000);

async function rejection(p: Promise<unknown>): Promise<WebhookVerificationError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebhookVerificationError);
  return err as WebhookVerificationError;
}

describe('secrets', () => {
  it('generateSecret is whsec_ + 32 random bytes of base64', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(decodeSecret(a)).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('accepts raw base64 without the prefix, rejects junk without echoing it', () => {
    const s = generateSecret();
    expect(decodeSecret(s.slice(6))).toEqual(decodeSecret(s));
    expect(() => decodeSecret('whsec_not base64!')).toThrow(/not valid base64/);
    expect(() => decodeSecret('whsec_')).toThrow(/empty/);
    try {
      decodeSecret('whsec_sup3r$ecret');
    } catch (e) {
      expect((e as Error).message).not.toContain('sup3r');
    }
  });
});

describe('sign', () => {
  it('produces the three Standard Webhooks headers, one v1 signature per secret', async () => {
    const [s1, s2] = [generateSecret(), generateSecret()];
    const h = await sign({ id, timestamp: 1_700_000_000, body, secrets: [s1, s2] });
    expect(h['webhook-id']).toBe(id);
    expect(h['webhook-timestamp']).toBe('1700000000');
    const parts = h['webhook-signature']!.split(' ');
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(p).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('matches the reference implementation byte for byte', async () => {
    const secret = generateSecret();
    const ts = 1_700_000_123;
    const h = await sign({ id, timestamp: ts, body, secrets: [secret] });
    expect(h['webhook-signature']).toBe(new Webhook(secret).sign(id, new Date(ts * 1000), body));
    // Known-answer vector: HMAC-SHA256(key = 32 zero bytes, "msg_1.1.{}").
    const zero = `whsec_${btoa(String.fromCharCode(...new Uint8Array(32)))}`;
    const kat = await sign({ id: 'msg_1', timestamp: 1, body: '{}', secrets: [zero] });
    expect(kat['webhook-signature']).toBe(new Webhook(zero).sign('msg_1', new Date(1000), '{}'));
  });

  it('refuses ids that cannot travel in a header and bad timestamps', async () => {
    const secrets = [generateSecret()];
    await expect(sign({ id: 'a b', timestamp: 1, body, secrets })).rejects.toThrow(/webhook id/);
    await expect(sign({ id: '', timestamp: 1, body, secrets })).rejects.toThrow(/webhook id/);
    await expect(sign({ id, timestamp: 1.5, body, secrets })).rejects.toThrow(/timestamp/);
    await expect(sign({ id, timestamp: 1, body, secrets: [] })).rejects.toThrow(/secret/);
  });
});

describe('the standardwebhooks reference library verifies edgeq signatures', () => {
  it('one secret (whsec_ and bare base64 forms)', async () => {
    const secret = generateSecret();
    const h = await sign({ id, timestamp: nowS(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, h)).toEqual(JSON.parse(body));
    expect(new Webhook(secret.slice(6)).verify(body, h)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, h)).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(`${body} `, h)).toThrow(/No matching signature/);
  });

  it('two secrets during rotation: a verifier with only the old or only the new one passes', async () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const h = await sign({ id, timestamp: nowS(), body, secrets: [oldSecret, newSecret] });
    expect(new Webhook(oldSecret).verify(body, h)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, h)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, h)).toThrow();
  });
});

describe('verify', () => {
  const secret = generateSecret();
  const now = 1_700_000_000;
  const signed = () => sign({ id, timestamp: now, body, secrets: [secret] });

  it('round trip, with a plain record and with fetch Headers', async () => {
    const h = await signed();
    expect(await verify({ headers: h, body, secrets: [secret], now })).toEqual({
      id,
      timestamp: now,
    });
    const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
    await expect(verify({ headers: upper, body, secrets: [secret], now })).resolves.toBeTruthy();
    await expect(
      verify({ headers: new Headers(h), body, secrets: [secret], now }),
    ).resolves.toBeTruthy();
  });

  it('accepts what the reference library signs', async () => {
    const ref = new Webhook(secret).sign(id, new Date(now * 1000), body);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(now),
      'webhook-signature': ref,
    };
    await expect(verify({ headers, body, secrets: [secret], now })).resolves.toBeTruthy();
  });

  it('rotation on the receiving side: any one of several secrets may match', async () => {
    const h = await signed();
    const other = generateSecret();
    await expect(verify({ headers: h, body, secrets: [other, secret], now })).resolves.toEqual({
      id,
      timestamp: now,
    });
  });

  it('rejects a tampered body', async () => {
    const e = await rejection(
      verify({ headers: await signed(), body: `${body} `, secrets: [secret], now }),
    );
    expect(e.reason).toBe('no_matching_signature');
    expect(e.message).toMatch(/no v1 signature matches/);
  });

  it('rejects a tampered id', async () => {
    const h = { ...(await signed()), 'webhook-id': `${id}X` };
    const e = await rejection(verify({ headers: h, body, secrets: [secret], now }));
    expect(e.reason).toBe('no_matching_signature');
  });

  it('rejects a tampered timestamp inside the tolerance', async () => {
    const h = { ...(await signed()), 'webhook-timestamp': String(now + 1) };
    const e = await rejection(verify({ headers: h, body, secrets: [secret], now }));
    expect(e.reason).toBe('no_matching_signature');
  });

  it('rejects a wrong secret', async () => {
    const e = await rejection(
      verify({ headers: await signed(), body, secrets: [generateSecret()], now }),
    );
    expect(e.reason).toBe('no_matching_signature');
  });

  it('rejects a timestamp 301 s old, accepts 300 s', async () => {
    const h = await signed();
    const e = await rejection(verify({ headers: h, body, secrets: [secret], now: now + 301 }));
    expect(e.reason).toBe('timestamp_too_old');
    expect(e.message).toMatch(/301s old \(tolerance 300s\)/);
    await expect(
      verify({ headers: h, body, secrets: [secret], now: now + 300 }),
    ).resolves.toBeTruthy();
  });

  it('rejects a timestamp 301 s in the future, accepts 300 s', async () => {
    const h = await signed();
    const e = await rejection(verify({ headers: h, body, secrets: [secret], now: now - 301 }));
    expect(e.reason).toBe('timestamp_too_new');
    expect(e.message).toMatch(/301s in the future/);
    await expect(
      verify({ headers: h, body, secrets: [secret], now: now - 300 }),
    ).resolves.toBeTruthy();
  });

  it('honours a custom tolerance', async () => {
    const h = await signed();
    const e = await rejection(
      verify({ headers: h, body, secrets: [secret], now: now + 31, toleranceSeconds: 30 }),
    );
    expect(e.reason).toBe('timestamp_too_old');
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'rejects a missing %s header, naming it',
    async (name) => {
      const h: Record<string, string> = { ...(await signed()) };
      delete h[name];
      const e = await rejection(verify({ headers: h, body, secrets: [secret], now }));
      expect(e.reason).toBe('missing_headers');
      expect(e.message).toContain(name);
    },
  );

  it('rejects no headers at all', async () => {
    const e = await rejection(verify({ headers: {}, body, secrets: [secret], now }));
    expect(e.message).toBe('missing header(s): webhook-id, webhook-timestamp, webhook-signature');
  });

  it.each([['1700000000.5'], ['-1'], ['1e9'], ['soon'], ['17000000000000000']])(
    'rejects a malformed timestamp %s',
    async (ts) => {
      const h = { ...(await signed()), 'webhook-timestamp': ts };
      const e = await rejection(verify({ headers: h, body, secrets: [secret], now }));
      expect(e.reason).toBe('invalid_headers');
    },
  );

  it('ignores non-v1 versions, even ones carrying the right MAC', async () => {
    const mac = (await signed())['webhook-signature']!.slice(3);
    for (const sig of [`v1a,${mac}`, `v2,${mac}`, `V1,${mac}`, mac, 'v1,', 'v1,!!!!', 'v1,AAAA']) {
      const h = { ...(await signed()), 'webhook-signature': sig };
      const e = await rejection(verify({ headers: h, body, secrets: [secret], now }));
      expect(e.reason).toBe('no_matching_signature');
      expect(e.message).toMatch(/no well-formed v1 signature/);
    }
  });

  it('finds a valid v1 among other versions and junk', async () => {
    const good = (await signed())['webhook-signature']!;
    const h = { ...(await signed()), 'webhook-signature': `v1a,xyz v1,AAAA ${good}` };
    await expect(verify({ headers: h, body, secrets: [secret], now })).resolves.toBeTruthy();
  });

  it('secrets never appear in error messages', async () => {
    const e = await rejection(
      verify({ headers: await signed(), body: 'x', secrets: [secret], now }),
    );
    expect(e.message).not.toContain(secret.slice(6, 20));
  });
});
