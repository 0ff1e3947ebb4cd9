/**
 * `edgeq copy`'s progress on stderr, with its clock driven by the test: a bar rewriting one
 * line on a terminal (at most ten times a second), plain lines in a log (after the first step,
 * then at most one a second), and always the final state at the end, exactly once.
 */
import { describe, expect, it } from 'vitest';
import { progress } from '../../src/node/commands/progress.js';

function recorder(tty: boolean) {
  let t = 0;
  const out: string[] = [];
  const p = progress({ total: 1_000, unit: 'jobs', tty, write: (s) => out.push(s), now: () => t });
  return { p, out, at: (ms: number) => (t = ms) };
}

describe('copy progress', () => {
  it('in a log: a line after the first step, then at most one a second, then the end once', () => {
    const r = recorder(false);
    r.at(100);
    r.p.step(100);
    r.at(600);
    r.p.step(100); // within the second: not shown
    r.at(1_200);
    r.p.step(300);
    r.at(2_000);
    r.p.step(500);
    r.p.end();
    expect(r.out).toEqual([
      'copy: 100 of 1,000 jobs (10%), 1,000 jobs/s\n',
      'copy: 500 of 1,000 jobs (50%), 417 jobs/s\n',
      'copy: 1,000 of 1,000 jobs (100%), 500 jobs/s\n',
    ]);
  });

  it('does not repeat the last line when the last step showed it', () => {
    const r = recorder(false);
    r.at(1_000);
    r.p.step(1_000);
    r.p.end();
    expect(r.out).toEqual(['copy: 1,000 of 1,000 jobs (100%), 1,000 jobs/s\n']);
  });

  it('on a terminal: one line rewritten in place, ended by a newline', () => {
    const r = recorder(true);
    r.at(500);
    r.p.step(250);
    r.at(550);
    r.p.step(250); // within 100 ms: not drawn
    r.at(1_000);
    r.p.end();
    expect(r.out).toEqual([
      `\r[${'#'.repeat(8)}${'.'.repeat(22)}] 250 of 1,000 jobs (25%), 500 jobs/s\x1b[K`,
      `\r[${'#'.repeat(15)}${'.'.repeat(15)}] 500 of 1,000 jobs (50%), 500 jobs/s\x1b[K`,
      '\n',
    ]);
  });
});
