/**
 * Progress of a long command on stderr: a bar that rewrites its line on a terminal, plain lines
 * in a log (one after the first step, so a watcher knows it started, then at most one a second).
 */
import { count } from './output.js';

export interface Progress {
  /** `n` more done. */
  step(n: number): void;
  /** Writes the final state and ends the line. */
  end(): void;
}

/** What is counted, up to how many, and where it is drawn. */
export interface ProgressOptions {
  total: number;
  /** What is counted: `jobs`. */
  unit: string;
  tty: boolean;
  /** Raw text to stderr. */
  write: (text: string) => void;
  now?: () => number;
}

const WIDTH = 30;

/** A progress display. @example const bar = progress({ total, unit: 'jobs', tty, write }) */
export function progress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const started = now();
  let done = 0;
  let steps = 0;
  let shown = 0;
  let shownDone = -1;
  const line = () => {
    const pct = o.total ? Math.min(100, Math.floor((done / o.total) * 100)) : 100;
    const secs = Math.max((now() - started) / 1000, 0.001);
    const rate = `${count(Math.round(done / secs))} ${o.unit}/s`;
    const text = `${count(done)} of ${count(o.total)} ${o.unit} (${pct}%), ${rate}`;
    if (!o.tty) return `copy: ${text}\n`;
    const filled = Math.round((pct / 100) * WIDTH);
    return `\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${text}\x1b[K`;
  };
  return {
    step(n) {
      done += n;
      steps++;
      const t = now();
      const every = o.tty ? 100 : 1_000;
      if (steps === 1 || t - shown >= every) {
        shown = t;
        shownDone = done;
        o.write(line());
      }
    },
    end() {
      // A log already has the last line when the last step printed it.
      if (o.tty || shownDone !== done) o.write(line());
      if (o.tty) o.write('\n');
    },
  };
}
