/** Plain-text output of the store commands: aligned tables and short times. */

/** Rows under a header, each column as wide as its widest cell. @example table(['A'], [['1']]) */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A time for a table cell: ISO 8601 to the second. */
export function when(iso: string | undefined): string {
  return iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '';
}

/** Shortened to `max` characters, on one line (an error message in a table cell). */
export function clip(text: string | undefined, max = 60): string {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** 100000 as `100,000`. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** `1 job`, `2 jobs`, `100,000 jobs`. */
export const plural = (n: number, noun: string): string =>
  `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
