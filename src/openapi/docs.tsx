/**
 * The API reference page (`GET /docs`): server-rendered HTML from the OpenAPI document, one
 * self-contained file with its own CSS and no scripts, fonts or links to anything but itself and
 * /openapi.json, so it works where a deployment reaches no CDN.
 *
 * @example
 * app.get('/docs', (c) => c.html(docsPage(openApiDocument())));
 */
import type { Child } from 'hono/jsx';
import { type FieldRow, fieldRows, refName } from './fields-of.js';
import type {
  JsonSchema,
  Method,
  OpenApiDocument,
  Operation,
  Parameter,
  Response,
  ResponseRef,
} from './types.js';

const METHODS: readonly Method[] = ['get', 'post', 'put', 'delete'];

// No quotes in the CSS: hono/jsx escapes text inside <style>, and CSS does not decode entities,
// so `"Segoe UI"` would arrive as `&quot;Segoe UI&quot;` and drop the whole font rule.
const STYLE = `
:root{color-scheme:light dark;--fg:#1d1f23;--muted:#5c6370;--line:#d8dce3;--bg:#fff;--code:#f3f4f7;--accent:#2255cc}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa3ae;--line:#353a42;--bg:#16181c;--code:#22262c;--accent:#7aa2ff}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:var(--fg);background:var(--bg)}
.wrap{display:grid;grid-template-columns:17rem 1fr;max-width:84rem;margin:0 auto}
nav{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;padding:1.5rem 1rem;border-right:1px solid var(--line);font-size:13px}
nav h2{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:1rem 0 .3rem}
nav a{display:block;color:var(--fg);text-decoration:none;padding:.1rem 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav a:hover,main a{color:var(--accent)}
main{padding:1.5rem 2rem;min-width:0}h1{margin:0 0 .3rem}h2.tag{margin-top:2.5rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}
section.op{border:1px solid var(--line);border-radius:8px;padding:1rem 1.2rem;margin:1.2rem 0}
h3{margin:0 0 .4rem;font:600 16px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
h4{margin:1rem 0 .3rem;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.m{display:inline-block;min-width:4.2em;text-align:center;border-radius:4px;padding:0 .4em;margin-right:.5em;color:#fff;font-size:13px}
.get{background:#2f7d32}.post{background:#2255cc}.put{background:#a15c00}.delete{background:#b3261e}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--code);padding:.05em .3em;border-radius:3px;word-break:break-word}
table{border-collapse:collapse;width:100%;font-size:14px;margin:.3rem 0}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-top:1px solid var(--line)}
th{font-size:12px;color:var(--muted);font-weight:600;border-top:0}td.n{white-space:nowrap}
.req{color:#b3261e;font-size:12px;margin-left:.3em}.muted{color:var(--muted)}.right{font-size:13px;color:var(--muted)}
.status{font:600 14px ui-monospace,monospace;margin-right:.5em}.resp{margin:.5rem 0}
@media (max-width:800px){.wrap{display:block}nav{position:static;max-height:none;border:0;border-bottom:1px solid var(--line)}}
`;

/** Text with `code spans`, as the document writes them. */
function Inline({ text }: { text: string }) {
  const parts = text.split('`');
  return <>{parts.map((p, i) => (i % 2 ? <code>{p}</code> : p))}</>;
}

const anchor = (op: Operation) => `op-${op.operationId}`;

/** A response, or the shared one its `$ref` names. */
function resolve(r: Response | ResponseRef, doc: OpenApiDocument): Response {
  if (!('$ref' in r)) return r;
  const name = r.$ref.slice(r.$ref.lastIndexOf('/') + 1);
  return doc.components.responses[name] ?? { description: name };
}
const schemaAnchor = (name: string) => `schema-${name}`;

function TypeCell({ row }: { row: FieldRow }) {
  if (!row.ref) return <code>{row.type}</code>;
  const [before, after] = row.type.split(row.ref, 2) as [string, string | undefined];
  return (
    <code>
      {before}
      <a href={`#${schemaAnchor(row.ref)}`}>{row.ref}</a>
      {after ?? ''}
    </code>
  );
}

function Fields({ rows }: { rows: FieldRow[] }) {
  if (!rows.length) return <p class="muted">No fields.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>field</th>
          <th>type</th>
          <th>meaning</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td class="n">
              <code>{r.name}</code>
              {r.required ? <span class="req">required</span> : ''}
            </td>
            <td>
              <TypeCell row={r} />
              {r.constraints ? <div class="muted">{r.constraints}</div> : ''}
            </td>
            <td>
              <Inline text={r.description} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A body schema: a component's fields, or each alternative's for a union of components. */
function SchemaFields({ schema, doc }: { schema: JsonSchema; doc: OpenApiDocument }) {
  const name = refName(schema);
  const target = name ? doc.components.schemas[name] : schema;
  if (!target) return <p class="muted">Unknown schema.</p>;
  const alternatives = target.anyOf ?? target.oneOf;
  const link = name ? (
    <p class="muted">
      Schema <a href={`#${schemaAnchor(name)}`}>{name}</a>
    </p>
  ) : (
    ''
  );
  if (alternatives) {
    return (
      <>
        {link}
        <p>One of:</p>
        {alternatives.map((alt) => {
          const altName = refName(alt);
          const body = altName ? doc.components.schemas[altName] : alt;
          return (
            <div class="resp">
              {altName ? <a href={`#${schemaAnchor(altName)}`}>{altName}</a> : ''}
              {body ? <Fields rows={fieldRows(body)} /> : ''}
            </div>
          );
        })}
      </>
    );
  }
  return (
    <>
      {link}
      <Fields rows={fieldRows(target)} />
    </>
  );
}

function Params({ params }: { params: Parameter[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>parameter</th>
          <th>in</th>
          <th>type</th>
          <th>meaning</th>
        </tr>
      </thead>
      <tbody>
        {params.map((p) => {
          const rows = fieldRows({ properties: { [p.name]: p.schema } });
          const row = rows[0]!;
          return (
            <tr>
              <td class="n">
                <code>{p.name}</code>
                {p.required ? <span class="req">required</span> : ''}
              </td>
              <td>{p.in}</td>
              <td>
                <TypeCell row={row} />
                {row.constraints ? <div class="muted">{row.constraints}</div> : ''}
              </td>
              <td>
                <Inline text={p.description ?? ''} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Op({
  method,
  path,
  op,
  doc,
}: {
  method: Method;
  path: string;
  op: Operation;
  doc: OpenApiDocument;
}) {
  const right = op['x-edgeq-right'];
  const body = op.requestBody?.content['application/json'];
  const statuses = Object.entries(op.responses);
  return (
    <section class="op" id={anchor(op)}>
      <h3>
        <span class={`m ${method}`}>{method.toUpperCase()}</span>
        {path}
      </h3>
      <p>
        <strong>
          <Inline text={op.summary} />
        </strong>
      </p>
      {op.description ? (
        <p>
          <Inline text={op.description} />
        </p>
      ) : (
        ''
      )}
      <p class="right">
        {right ? (
          <>
            Bearer token with the <code>{right}</code> right.
          </>
        ) : (
          'No token.'
        )}{' '}
        Operation id <code>{op.operationId}</code>.
      </p>
      {op.parameters?.length ? (
        <>
          <h4>Parameters</h4>
          <Params params={op.parameters} />
        </>
      ) : (
        ''
      )}
      {body ? (
        <>
          <h4>Request body{op.requestBody?.required ? ' (required)' : ' (optional)'}</h4>
          <SchemaFields schema={body.schema} doc={doc} />
        </>
      ) : (
        ''
      )}
      <h4>Responses</h4>
      {statuses.map(([status, shared]) => {
        const r = resolve(shared, doc);
        const codes = r['x-error-codes'];
        const json = r.content?.['application/json'];
        const other = r.content
          ? Object.keys(r.content).find((t) => t !== 'application/json')
          : undefined;
        return (
          <div class="resp">
            <span class="status">{status}</span>
            <Inline text={r.description} />
            {other ? <span class="muted"> ({other})</span> : ''}
            {json && !codes ? <SchemaFields schema={json.schema} doc={doc} /> : ''}
          </div>
        );
      })}
    </section>
  );
}

/** Every operation of the document, grouped by tag in the document's tag order. */
function byTag(doc: OpenApiDocument) {
  const groups = new Map<string, { method: Method; path: string; op: Operation }[]>();
  for (const t of doc.tags) groups.set(t.name, []);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags[0] ?? 'Other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method, path, op });
    }
  }
  return groups;
}

function Page({ doc }: { doc: OpenApiDocument }) {
  const groups = byTag(doc);
  const tagText = new Map(doc.tags.map((t) => [t.name, t.description ?? '']));
  const names = Object.keys(doc.components.schemas).sort();
  const nav: Child[] = [];
  for (const [tag, ops] of groups) {
    nav.push(<h2>{tag}</h2>);
    for (const { method, path, op } of ops) {
      nav.push(
        <a href={`#${anchor(op)}`}>
          <span class="muted">{method.toUpperCase()}</span> {path}
        </a>,
      );
    }
  }
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${doc.info.title} API reference`}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <div class="wrap">
          <nav>
            <strong>
              {doc.info.title} {doc.info.version}
            </strong>
            {nav}
            <h2>Schemas</h2>
            <a href="#schemas">All schemas</a>
          </nav>
          <main>
            <h1>{doc.info.title} API reference</h1>
            <p class="muted">
              Version {doc.info.version}. OpenAPI {doc.openapi}:{' '}
              <a href="/openapi.json">/openapi.json</a>
            </p>
            {(doc.info.description ?? '').split('\n\n').map((para) => (
              <p>
                <Inline text={para} />
              </p>
            ))}
            {[...groups].map(([tag, ops]) => (
              <>
                <h2 class="tag">{tag}</h2>
                <p class="muted">{tagText.get(tag) ?? ''}</p>
                {ops.map((o) => (
                  <Op method={o.method} path={o.path} op={o.op} doc={doc} />
                ))}
              </>
            ))}
            <h2 class="tag" id="schemas">
              Schemas
            </h2>
            {names.map((name) => (
              <section class="op" id={schemaAnchor(name)}>
                <h3>{name}</h3>
                <SchemaFields schema={doc.components.schemas[name]!} doc={doc} />
              </section>
            ))}
          </main>
        </div>
      </body>
    </html>
  );
}

/** The whole page as an HTML string, `<!doctype html>` first. */
export function docsPage(doc: OpenApiDocument): string {
  return `<!doctype html>${(<Page doc={doc} />).toString()}`;
}
