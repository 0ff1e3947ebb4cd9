/** What reaches the operator log when a storage call fails: never payloads, tokens or secrets. */
import { expect, describe as group, it } from 'vitest';
import { describe } from '../../src/runtime/runtime.js';

group('describe (storage errors for the log)', () => {
  it("logs a drizzle query error's cause, never the query's parameters", () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      name: 'Error',
    });
    const wrapped = new Error(
      'Failed query: UPDATE jobs SET result = $1 WHERE lease_token = $2\nparams: {"card":"4111"},tok-secret',
      { cause },
    );
    wrapped.name = 'DrizzleQueryError';
    const line = describe(wrapped);
    expect(line).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432');
    expect(line).not.toMatch(/4111|tok-secret|params/);
  });

  it('says only that a query failed when the wrapper carries no cause', () => {
    const wrapped = new Error('Failed query: SELECT 1\nparams: whsec_abc');
    wrapped.name = 'DrizzleQueryError';
    expect(describe(wrapped)).toBe('DrizzleQueryError: a query failed');
  });

  it('redacts credentials in URLs and key=value pairs', () => {
    const err = new Error('fetch https://user:pw@db.example/x failed, token=abc123');
    expect(describe(err)).toBe('Error: fetch https://***@db.example/x failed, token=***');
  });
});
