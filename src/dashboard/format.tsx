/**
 * How values appear on the dashboard: JSON pretty-printed and clipped, times as ISO 8601 with a
 * relative hint. Everything goes through hono/jsx, which escapes text, so a payload holding
 * markup shows as text.
 *
 * @example
 * <Json value={job.payload} /> // <pre class="json">{ "to": "ada@example.com" }</pre>
 */

/** The most of a payload, result or error a page shows: a 1 MiB payload would bury the page. */
export const MAX_SHOWN = 16_384;
/** The most of a payload a list row shows. */
export const MAX_PREVIEW = 96;

/** `text` cut to `max` characters, without splitting a UTF-16 pair. */
export function clip(text: string, max: number): { text: string; clipped: boolean } {
  if (text.length <= max) return { text, clipped: false };
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { text: text.slice(0, end), clipped: true };
}

/** Parses stored JSON text; text that is not JSON is shown as it is. */
function parsed(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/** A JSON value, pretty-printed, clipped to MAX_SHOWN characters with a note saying so. */
export function Json({ value, text }: { value?: unknown; text?: string }) {
  const v = text === undefined ? value : parsed(text);
  const full = JSON.stringify(v, null, 2) ?? 'null';
  const shown = clip(full, MAX_SHOWN);
  return (
    <>
      <pre class="json">{shown.text}</pre>
      {shown.clipped ? (
        <p class="muted">
          Clipped: showing {MAX_SHOWN.toLocaleString('en')} of {full.length.toLocaleString('en')}{' '}
          characters. <code>GET /v1/jobs/:id</code> returns all of it.
        </p>
      ) : (
        ''
      )}
    </>
  );
}

/** A one-line preview of a JSON value for a table cell. */
export function preview(value: unknown): string {
  const s = clip(JSON.stringify(value) ?? 'null', MAX_PREVIEW);
  return s.clipped ? `${s.text}…` : s.text;
}

/** `12 s ago`, `in 3 min`: the distance between epoch ms `at` and `now`. */
export function relative(at: number, now: number): string {
  const d = Math.abs(at - now);
  const [n, unit] =
    d < 60_000
      ? [Math.round(d / 1000), 's']
      : d < 3_600_000
        ? [Math.round(d / 60_000), 'min']
        : d < 86_400_000
          ? [Math.round(d / 3_600_000), 'h']
          : [Math.round(d / 86_400_000), 'd'];
  return at <= now ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** A time (epoch ms or ISO 8601) as `<time>` with the ISO text and a relative hint. */
export function Time({ at, now }: { at: number | string | undefined; now: number }) {
  if (at === undefined) return <span class="muted">—</span>;
  const ms = typeof at === 'number' ? at : Date.parse(at);
  const iso = new Date(ms).toISOString();
  return (
    <time datetime={iso}>
      {iso} <span class="muted">({relative(ms, now)})</span>
    </time>
  );
}
