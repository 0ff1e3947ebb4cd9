/**
 * The dashboard's page frame: one self-contained HTML page per response, with its CSS inline and
 * no scripts, fonts, images or links to anything outside /dashboard. `render` sends a page; the
 * headers set in ./access.ts tell the browser the same (a CSP with no script source at all).
 *
 * @example
 * return render(c, <Layout title="Queues" viewer={viewerOf(c, deps)}>...</Layout>);
 */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';
import { BASE, deadPath, queuesPath, schedulesPath } from './paths.js';

// No quotes, `&`, `<` or `>` in here: hono/jsx escapes the text of <style> like any other, and
// CSS does not decode entities, so `"Segoe UI"` would arrive as `&quot;Segoe UI&quot;`.
const STYLE = `
:root{color-scheme:light dark;--fg:#1d1f23;--muted:#5c6370;--line:#d8dce3;--bg:#fff;--alt:#f5f6f8;--accent:#2255cc;--bad:#b3261e;--ok:#2f7d32}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa3ae;--line:#353a42;--bg:#16181c;--alt:#1e2126;--accent:#7aa2ff;--bad:#ff8a80;--ok:#81c784}}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap;padding:.6rem 1.5rem;border-bottom:1px solid var(--line);background:var(--alt)}
header b{font-size:16px}header nav a{margin-right:1rem}header nav a[aria-current]{font-weight:600}header .who{margin-left:auto;color:var(--muted)}
main{padding:1rem 1.5rem;max-width:90rem}a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:20px;margin:.2rem 0 .8rem;word-break:break-all}h2{font-size:16px;margin:1.4rem 0 .5rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-top:1px solid var(--line)}
th{font-size:12px;color:var(--muted);font-weight:600;border-top:0}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font:13px ui-monospace,SFMono-Regular,Menlo,monospace}td.mono{word-break:break-all}td.id{white-space:nowrap;word-break:normal}time{white-space:nowrap}
pre.json{background:var(--alt);border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;max-height:32rem;overflow:auto;white-space:pre-wrap;word-break:break-word;margin:.3rem 0}
dl{display:grid;grid-template-columns:11rem 1fr;gap:.25rem 1rem;margin:.5rem 0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
form.inline{display:inline;margin:0}button{font:inherit;font-size:13px;padding:.15rem .7rem;border:1px solid var(--line);border-radius:5px;background:var(--bg);color:var(--fg);cursor:pointer}
button:hover{border-color:var(--accent)}button.danger{color:var(--bad)}
.muted{color:var(--muted)}.tag{display:inline-block;padding:0 .45em;border-radius:4px;font-size:12px;border:1px solid var(--line)}
.tag.paused,.tag.dead{color:var(--bad);border-color:var(--bad)}.tag.active,.tag.completed{color:var(--ok);border-color:var(--ok)}
.notice{padding:.5rem .8rem;border:1px solid var(--ok);border-radius:6px;margin:.5rem 0 1rem}.error{border-color:var(--bad)}
.tabs a{display:inline-block;padding:.2rem .7rem;border:1px solid var(--line);border-radius:5px;margin:0 .3rem .3rem 0}.tabs a.on{border-color:var(--accent);font-weight:600}
.pager{margin:.8rem 0;display:flex;gap:1rem}.login{max-width:26rem;margin:4rem auto}.login input{width:100%;font:inherit;padding:.35rem .5rem;margin:.3rem 0 .8rem}
`;

/** Who is looking: what the header shows and which links and buttons a page offers. */
export interface Viewer {
  ns: string;
  /** `edgeq serve` without a token: no login, no logout. */
  open: boolean;
  /** The token has a queue list: it sees only those queues, and no schedules. */
  queueList: boolean;
  driver: string;
}

export type Section = 'queues' | 'dead' | 'schedules';

/** A full page: header with navigation and who is logged in, an optional notice, the content. */
export function Layout(props: {
  title: string;
  viewer?: Viewer;
  section?: Section;
  notice?: string | undefined;
  children?: Child;
}) {
  const v = props.viewer;
  const link = (s: Section, href: string, label: string) => (
    <a href={href} aria-current={props.section === s ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · edgeq`}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <header>
          <b>edgeq</b>
          {v ? (
            <nav>
              {link('queues', queuesPath(), 'Queues')}
              {link('dead', deadPath(), 'Dead letters')}
              {v.queueList ? '' : link('schedules', schedulesPath(), 'Schedules')}
            </nav>
          ) : (
            ''
          )}
          {v ? (
            <span class="who">
              namespace <code>{v.ns}</code> · driver <code>{v.driver}</code>
              {v.open ? (
                ' · open (no token, loopback only)'
              ) : (
                <>
                  {' · '}
                  <form class="inline" method="post" action={`${BASE}/logout`}>
                    <button type="submit">Log out</button>
                  </form>
                </>
              )}
            </span>
          ) : (
            ''
          )}
        </header>
        <main>
          {props.notice ? (
            <p class="notice" role="status">
              {props.notice}
            </p>
          ) : (
            ''
          )}
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A POST button: a one-button form that returns to `back` (post/redirect/get). */
export function Action(props: {
  action: string;
  label: string;
  back: string;
  danger?: boolean;
  fields?: Record<string, string>;
}) {
  return (
    <form class="inline" method="post" action={props.action}>
      <input type="hidden" name="back" value={props.back} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={props.danger ? 'danger' : undefined}>
        {props.label}
      </button>
    </form>
  );
}

/** Sends `page` as an HTML document with `status`. */
export async function render(
  c: Context,
  page: HtmlEscapedString | Promise<HtmlEscapedString>,
  status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503 = 200,
): Promise<Response> {
  // A node renders to a string, or to a promise of one when a child is asynchronous.
  const html = await (await page).toString();
  return c.html(`<!doctype html>${html}`, status);
}
