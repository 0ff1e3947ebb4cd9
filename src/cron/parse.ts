/**
 * Cron expression parsing: `parseCron` turns a 5- or 6-field expression (or a macro) into a
 * `CronSpec`, the sorted allowed values of every field. See ./cron.ts for the rules.
 */

/** The field a `CronError` is about: a cron field, the expression as a whole, or the zone. */
export type CronErrorField =
  | 'second'
  | 'minute'
  | 'hour'
  | 'day-of-month'
  | 'month'
  | 'day-of-week'
  | 'expression'
  | 'timezone';

export class CronError extends Error {
  override readonly name = 'CronError';
  /** Which part of the input is wrong. */
  readonly field: CronErrorField;

  constructor(message: string, field: CronErrorField) {
    super(message);
    this.field = field;
  }
}

/** A parsed cron expression: plain data (JSON-safe), every list sorted ascending. */
export interface CronSpec {
  /** The expression as given, trimmed. */
  readonly expression: string;
  /** 0-59; `[0]` when the expression has no seconds field. */
  readonly second: readonly number[];
  readonly minute: readonly number[];
  readonly hour: readonly number[];
  /** 1-31. */
  readonly dayOfMonth: readonly number[];
  /** 1-12. */
  readonly month: readonly number[];
  /** 0-6, 0 = Sunday (7 is folded into 0). */
  readonly dayOfWeek: readonly number[];
  /** The field excludes at least one day (it is not `*` or equivalent). */
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
  /**
   * The hour field is every hour or a step (`*`, `*\/2`, `8-18/2`): the schedule is about elapsed
   * time, so a repeated local hour (DST fall back) fires at both occurrences.
   */
  readonly hourInterval: boolean;
}

interface FieldDef {
  name: Exclude<CronErrorField, 'expression' | 'timezone'>;
  min: number;
  /** Largest value accepted when written (7 for day-of-week, another Sunday). */
  max: number;
  /** Largest value `*` covers. */
  starMax: number;
  names?: Readonly<Record<string, number>>;
  hint: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SECOND: FieldDef = { name: 'second', min: 0, max: 59, starMax: 59, hint: '0-59' };
const MINUTE: FieldDef = { name: 'minute', min: 0, max: 59, starMax: 59, hint: '0-59' };
const HOUR: FieldDef = { name: 'hour', min: 0, max: 23, starMax: 23, hint: '0-23' };
const DOM: FieldDef = { name: 'day-of-month', min: 1, max: 31, starMax: 31, hint: '1-31' };
const MONTH: FieldDef = {
  name: 'month',
  min: 1,
  max: 12,
  starMax: 12,
  names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])),
  hint: '1-12 or JAN-DEC',
};
const DOW: FieldDef = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  starMax: 6,
  names: Object.fromEntries(DAYS.map((d, i) => [d, i])),
  hint: '0-7 (0 and 7 are Sunday) or SUN-SAT',
};

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Longest day-of-month each month can have (February: 29, in leap years). */
const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const FIVE = 'minute hour day-of-month month day-of-week';

/**
 * Parses `minute hour day-of-month month day-of-week`, or the same with a leading seconds field,
 * or a macro (@yearly @annually @monthly @weekly @daily @midnight @hourly). Throws `CronError`.
 */
export function parseCron(expr: string): CronSpec {
  if (typeof expr !== 'string') {
    throw new CronError('A cron expression must be a string', 'expression');
  }
  const expression = expr.trim();
  const bad = (field: CronErrorField, problem: string) =>
    new CronError(`Invalid cron expression "${expression}": ${problem}`, field);
  if (expression === '') throw bad('expression', `it is empty; expected 5 fields (${FIVE})`);

  let body = expression;
  if (expression.startsWith('@')) {
    const [name, ...rest] = expression.toLowerCase().split(/\s+/);
    const macro = MACROS[name!];
    if (macro !== undefined && rest.length > 0) {
      throw bad('expression', `the macro ${name} stands alone; drop "${rest.join(' ')}"`);
    }
    if (macro === undefined) {
      throw bad(
        'expression',
        `unknown macro; use one of ${Object.keys(MACROS).join(' ')} or 5 fields (${FIVE})`,
      );
    }
    body = macro;
  }

  const parts = body.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw bad(
      'expression',
      `expected 5 fields (${FIVE}) or 6 with a leading second, got ${parts.length} field${parts.length === 1 ? '' : 's'}`,
    );
  }
  const texts = parts.length === 6 ? parts : ['0', ...parts];
  const defs = [SECOND, MINUTE, HOUR, DOM, MONTH, DOW];
  const sets = defs.map((def, i) => parseField(texts[i]!, def, bad));
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = sets as [
    number[],
    number[],
    number[],
    number[],
    number[],
    number[],
  ];

  const dayOfMonthRestricted = dayOfMonth.length < 31;
  const dayOfWeekRestricted = dayOfWeek.length < 7;
  if (dayOfMonthRestricted && !dayOfWeekRestricted) {
    const possible = month.some((m) => dayOfMonth[0]! <= MONTH_DAYS[m]!);
    if (!possible) {
      throw bad(
        'day-of-month',
        `day-of-month "${texts[3]}" never occurs in month "${texts[4]}", so the schedule would never fire`,
      );
    }
  }
  const hourText = texts[2]!;
  return {
    expression,
    second,
    minute,
    hour,
    dayOfMonth,
    month,
    dayOfWeek,
    dayOfMonthRestricted,
    dayOfWeekRestricted,
    hourInterval: hour.length === 24 || hourText.includes('/'),
  };
}

function parseField(
  text: string,
  def: FieldDef,
  bad: (field: CronErrorField, problem: string) => CronError,
): number[] {
  const fail = (problem: string) =>
    bad(def.name, `${def.name} field "${text}": ${problem}; ${def.name} takes ${def.hint}`);
  const value = (raw: string): number => {
    if (/^\d+$/.test(raw)) {
      const n = Number(raw);
      if (n < def.min || n > def.max) throw fail(`${raw} is out of range`);
      return n;
    }
    const named = def.names?.[raw.toUpperCase()];
    if (named !== undefined) return named;
    if (raw === '') throw fail('a value is missing');
    throw fail(`"${raw}" is not a ${def.names ? `valid ${def.name}` : 'number'}`);
  };

  const seen = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw fail('a list item is empty');
    const slash = item.split('/');
    if (slash.length > 2) throw fail(`"${item}" has more than one "/"`);
    const [base, stepText] = slash as [string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw fail(`step "${stepText}" is not a whole number`);
      step = Number(stepText);
      if (step < 1) throw fail(`step ${stepText} must be at least 1`);
      const span = def.starMax - def.min + 1;
      if (step > span) throw fail(`step ${step} is larger than the ${span} values of the field`);
    }
    let lo: number;
    let hi: number;
    if (base === '*') {
      lo = def.min;
      hi = def.starMax;
    } else if (base.includes('-')) {
      const dash = base.split('-');
      if (dash.length !== 2) throw fail(`"${base}" is not a range like 1-5`);
      lo = value(dash[0]!);
      hi = value(dash[1]!);
      if (lo > hi) {
        throw fail(`range ${base} runs backwards (start after end); write it as ascending ranges`);
      }
    } else {
      lo = value(base);
      // `5/15` means from 5 to the end of the field, every 15.
      hi = stepText === undefined ? lo : Math.max(lo, def.starMax);
    }
    for (let v = lo; v <= hi; v += step) seen.add(def.name === 'day-of-week' ? v % 7 : v);
  }
  return [...seen].sort((a, b) => a - b);
}
