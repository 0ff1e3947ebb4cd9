/**
 * The cron engine behind edgeq's schedules: pure functions, no I/O and no clock reads (every time
 * is passed in as epoch ms). Only web-standard APIs (`Intl`), so it runs in Workers.
 *
 * Expressions: `minute hour day-of-month month day-of-week`, or 6 fields with a leading `second`
 * (without it, second = 0). Each field takes `*`, numbers, lists `1,2,5`, ranges `1-5`, steps
 * `*\/15` `10-50/5` and `5/15` (= 5 to the end of the field, every 15). Month names JAN-DEC and day
 * names SUN-SAT are case-insensitive; 0 and 7 are both Sunday. Macros: @yearly @annually
 * @monthly @weekly @daily @midnight @hourly. Rejected with a `CronError` naming the field: values
 * out of range, backwards ranges (`5-1`), step 0 or a step longer than the field, empty list items,
 * unknown names, a wrong field count, and day-of-month/month pairs that never occur (`0 0 30 2 *`).
 *
 * Day matching (Vixie cron): a field is "restricted" when it excludes some value (`*`, `*\/1` and
 * `1-31` are not restricted). When day-of-month and day-of-week are both restricted, a day
 * matches if EITHER matches (`0 0 1 * MON`: the 1st and every Monday); otherwise both must.
 *
 * Time zones and DST (the rules edgeq promises):
 * - Fields match the LOCAL wall-clock time in the schedule's IANA zone (default 'UTC'), read
 *   through `Intl.DateTimeFormat` (one cached formatter per zone).
 * - A local time that does not exist (spring forward: 02:30 on the day Europe/Berlin jumps from
 *   02:00 to 03:00) fires once, at the first instant after the gap (03:00 local, the transition
 *   instant). Several skipped times (02:00, 02:15, 02:30, 02:45 of a `*\/15` schedule), and a slot
 *   at 03:00 itself, collapse into that one firing.
 * - A local time that occurs twice (fall back: 02:30 when Europe/Berlin goes from 03:00 back to
 *   02:00) fires once, at its first occurrence (the earlier instant), when the hour field names
 *   specific hours (`30 2 * * *`, `0 9-17 * * *`). When the hour field is every hour or a step
 *   (`*`, `*\/2`, `8-20/4`; also @hourly) the schedule is about elapsed time, so it fires at both
 *   occurrences: `0 * * * *` fires every 60 minutes straight through the change.
 * - Every slot is an instant in whole seconds; results never repeat an instant. A schedule has
 *   one global sequence of slots: `slotsBetween(a, b)` is exactly its part in (a, b], wherever a
 *   and b fall (inside a gap or either pass of a repeated hour), and `nextSlot(a)` its first item.
 *
 * Cost: the search jumps over non-matching months, days, hours and minutes arithmetically and
 * asks `Intl` about 2 questions per matching wall-clock time (fewer when slots are dense: a span
 * known to have one offset is remembered), plus ~13 per skipped time inside a DST gap.
 */

export { NEXT_SLOT_HORIZON_MS, nextSlot, slotsBetween } from './next.js';
export { CronError, type CronErrorField, type CronSpec, parseCron } from './parse.js';
export { assertTimeZone } from './zone.js';

/** The zone a schedule uses when it names none. */
export const DEFAULT_TIME_ZONE = 'UTC';
