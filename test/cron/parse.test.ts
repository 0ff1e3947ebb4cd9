import { describe, expect, it } from 'vitest';
import { CronError, parseCron } from '../../src/cron/cron.js';

function error(expr: string): CronError {
  try {
    parseCron(expr);
  } catch (e) {
    expect(e).toBeInstanceOf(CronError);
    return e as CronError;
  }
  throw new Error(`"${expr}" parsed, expected a CronError`);
}

const range = (a: number, b: number, step = 1) => {
  const out: number[] = [];
  for (let v = a; v <= b; v += step) out.push(v);
  return out;
};

describe('parseCron: valid forms', () => {
  it('parses 5 fields with seconds = 0', () => {
    const s = parseCron('5 4 3 2 1');
    expect(s).toMatchObject({
      expression: '5 4 3 2 1',
      second: [0],
      minute: [5],
      hour: [4],
      dayOfMonth: [3],
      month: [2],
      dayOfWeek: [1],
      dayOfMonthRestricted: true,
      dayOfWeekRestricted: true,
      hourInterval: false,
    });
  });

  it('parses 6 fields with a leading second', () => {
    const s = parseCron('*/20 0 12 * * *');
    expect(s.second).toEqual([0, 20, 40]);
    expect(s.minute).toEqual([0]);
    expect(s.hour).toEqual([12]);
  });

  it('expands *, lists, ranges and steps', () => {
    const s = parseCron('1,2,5 1-5 */10 10-12/1 *');
    expect(s.minute).toEqual([1, 2, 5]);
    expect(s.hour).toEqual([1, 2, 3, 4, 5]);
    expect(s.dayOfMonth).toEqual([1, 11, 21, 31]);
    expect(s.month).toEqual([10, 11, 12]);
    expect(s.dayOfWeek).toEqual(range(0, 6));
    expect(parseCron('*/15 * * * *').minute).toEqual([0, 15, 30, 45]);
    expect(parseCron('10-50/5 * * * *').minute).toEqual(range(10, 50, 5));
    expect(parseCron('5/15 * * * *').minute).toEqual([5, 20, 35, 50]);
    expect(parseCron('0-10/4,30,58-59 * * * *').minute).toEqual([0, 4, 8, 30, 58, 59]);
    expect(parseCron('05 07 * * *').minute).toEqual([5]);
  });

  it('accepts month and day names in any case', () => {
    expect(parseCron('0 0 * jan,Mar-MAY *').month).toEqual([1, 3, 4, 5]);
    expect(parseCron('0 0 * DEC *').month).toEqual([12]);
    expect(parseCron('0 0 * * mon-FRI').dayOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('0 0 * * Sun,sat').dayOfWeek).toEqual([0, 6]);
    expect(parseCron('0 0 * JAN-DEC/3 *').month).toEqual([1, 4, 7, 10]);
  });

  it('treats 0 and 7 as Sunday', () => {
    expect(parseCron('0 0 * * 7').dayOfWeek).toEqual([0]);
    expect(parseCron('0 0 * * 0').dayOfWeek).toEqual([0]);
    expect(parseCron('0 0 * * 5-7').dayOfWeek).toEqual([0, 5, 6]);
    expect(parseCron('0 0 * * 0,7').dayOfWeek).toEqual([0]);
    expect(parseCron('0 0 * * 0-7').dayOfWeekRestricted).toBe(false);
  });

  it('expands the macros', () => {
    const same = (macro: string, expr: string) => {
      const { expression: _a, ...m } = parseCron(macro);
      const { expression: _b, ...e } = parseCron(expr);
      expect(m).toEqual(e);
    };
    same('@yearly', '0 0 1 1 *');
    same('@annually', '0 0 1 1 *');
    same('@monthly', '0 0 1 * *');
    same('@weekly', '0 0 * * 0');
    same('@daily', '0 0 * * *');
    same('@midnight', '0 0 * * *');
    same('@hourly', '0 * * * *');
    same('@DAILY', '0 0 * * *');
    expect(parseCron('  @hourly ').expression).toBe('@hourly');
  });

  it('marks a field restricted only when it excludes a value', () => {
    expect(parseCron('0 0 * * *')).toMatchObject({
      dayOfMonthRestricted: false,
      dayOfWeekRestricted: false,
    });
    expect(parseCron('0 0 */1 * SUN-SAT')).toMatchObject({
      dayOfMonthRestricted: false,
      dayOfWeekRestricted: false,
    });
    expect(parseCron('0 0 */2 * 1')).toMatchObject({
      dayOfMonthRestricted: true,
      dayOfWeekRestricted: true,
    });
  });

  it('flags interval hours: every hour or a step', () => {
    expect(parseCron('0 * * * *').hourInterval).toBe(true);
    expect(parseCron('*/15 * * * *').hourInterval).toBe(true);
    expect(parseCron('0 */2 * * *').hourInterval).toBe(true);
    expect(parseCron('0 8-20/4 * * *').hourInterval).toBe(true);
    expect(parseCron('0 0-23 * * *').hourInterval).toBe(true);
    expect(parseCron('@hourly').hourInterval).toBe(true);
    expect(parseCron('30 2 * * *').hourInterval).toBe(false);
    expect(parseCron('0 9-17 * * *').hourInterval).toBe(false);
    expect(parseCron('@daily').hourInterval).toBe(false);
  });

  it('tolerates extra whitespace and tabs', () => {
    expect(parseCron(' 0\t12  *  * * ').hour).toEqual([12]);
  });

  it('returns plain JSON-safe data', () => {
    const s = parseCron('0 9 * * MON-FRI');
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('parseCron: errors name the field', () => {
  it.each([
    ['61 * * * *', 'minute', /minute field "61": 61 is out of range; minute takes 0-59/],
    ['* 24 * * *', 'hour', /hour field "24": 24 is out of range; hour takes 0-23/],
    ['* * 0 * *', 'day-of-month', /day-of-month field "0": 0 is out of range/],
    ['* * 32 * *', 'day-of-month', /32 is out of range/],
    ['* * * 13 *', 'month', /month field "13": 13 is out of range; month takes 1-12 or JAN-DEC/],
    ['* * * * 8', 'day-of-week', /day-of-week field "8": 8 is out of range/],
    ['60 * * * * *', 'second', /second field "60": 60 is out of range; second takes 0-59/],
    ['*/0 * * * *', 'minute', /minute field "\*\/0": step 0 must be at least 1/],
    ['* */0 * * *', 'hour', /hour field "\*\/0": step 0/],
    ['5-1 * * * *', 'minute', /minute field "5-1": range 5-1 runs backwards/],
    ['* * * * FRI-MON', 'day-of-week', /range FRI-MON runs backwards/],
    [
      '* * * FOO *',
      'month',
      /month field "FOO": "FOO" is not a valid month; month takes 1-12 or JAN-DEC/,
    ],
    ['* * * * FOO', 'day-of-week', /"FOO" is not a valid day-of-week; .*SUN-SAT/],
    ['FOO * * * *', 'minute', /minute field "FOO": "FOO" is not a number/],
    ['* MON * * *', 'hour', /"MON" is not a number/],
    ['* * * JANUARY *', 'month', /"JANUARY" is not a valid month/],
    ['1,,2 * * * *', 'minute', /a list item is empty/],
    ['1, * * * *', 'minute', /a list item is empty/],
    ['-5 * * * *', 'minute', /a value is missing/],
    ['1-2-3 * * * *', 'minute', /"1-2-3" is not a range/],
    ['*/5/2 * * * *', 'minute', /more than one "\/"/],
    ['*/x * * * *', 'minute', /step "x" is not a whole number/],
    ['*/1.5 * * * *', 'minute', /step "1.5" is not a whole number/],
    ['*/90 * * * *', 'minute', /step 90 is larger than the 60 values/],
    ['1.5 * * * *', 'minute', /"1.5" is not a number/],
    ['0 0 30 2 *', 'day-of-month', /day-of-month "30" never occurs in month "2"/],
    ['0 0 31 APR,JUN *', 'day-of-month', /never fire/],
  ])('%s → %s', (expr, field, message) => {
    const e = error(expr);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`"${expr.trim()}"`);
    expect(e.name).toBe('CronError');
  });

  it.each([
    ['* * * * * * *', /got 7 fields/],
    ['* * * *', /got 4 fields/],
    ['FOO', /got 1 field$/],
    ['', /it is empty/],
    ['   ', /it is empty/],
    [
      '@reboot',
      /unknown macro; use one of @yearly @annually @monthly @weekly @daily @midnight @hourly/,
    ],
  ])('%j → expression', (expr, message) => {
    const e = error(expr);
    expect(e.field).toBe('expression');
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/minute hour day-of-month month day-of-week/);
  });

  it('a macro stands alone', () => {
    const e = error('@daily 5');
    expect(e.field).toBe('expression');
    expect(e.message).toMatch(/the macro @daily stands alone; drop "5"/);
  });

  it('accepts 31 when some month has it, and 29 February', () => {
    expect(parseCron('0 0 31 1-12 *').dayOfMonth).toEqual([31]);
    expect(parseCron('0 0 29 2 *').month).toEqual([2]);
    // With day-of-week restricted too, the OR rule means it still fires (on Mondays).
    expect(parseCron('0 0 30 2 MON').dayOfMonth).toEqual([30]);
  });

  it('rejects non-strings', () => {
    expect(() => parseCron(5 as any)).toThrow(CronError);
  });

  it('is a plain Error subclass', () => {
    const e = error('61 * * * *');
    expect(e).toBeInstanceOf(Error);
  });
});
