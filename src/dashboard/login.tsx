/**
 * `/dashboard/login` and `/dashboard/logout`. The login form takes a token, resolves it with the
 * app's own token check (the API's constant-time comparison, src/handlers/auth.ts), admits admin
 * tokens only, and sets a session cookie that holds an expiring MAC, never the token
 * (./session.ts).
 *
 * @example
 * loginRoutes(app, deps); // before the session middleware
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../handlers/auth.js';
import { COOKIE, plainLoopback, plainRemote, sessionScope } from './access.js';
import type { DashboardDeps } from './deps.js';
import { field, form } from './form.js';
import { Layout, render } from './layout.js';
import { BASE, localPath, noticeText, queuesPath } from './paths.js';
import { mayLogIn, SESSION_TTL_MS, signSession } from './session.js';

function LoginPage(props: { next: string; problem?: string; notice?: string | undefined }) {
  return (
    <Layout title="Log in" notice={props.notice}>
      <form class="login" method="post" action={`${BASE}/login`}>
        <h1>Log in to the edgeq dashboard</h1>
        {props.problem ? <p class="notice error">{props.problem}</p> : ''}
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="off" required autofocus />
        <input type="hidden" name="next" value={props.next} />
        <button type="submit">Log in</button>
        <p class="muted">
          The token is checked once and not kept: the browser gets a session cookie that lasts{' '}
          {SESSION_TTL_MS / 3_600_000} hours. A token with a namespace or a queue list sees only
          those.
        </p>
      </form>
    </Layout>
  );
}

const PLAIN_HTTP =
  'This page came over plain http, and browsers keep the Secure session cookie over https ' +
  'only: open the dashboard over https, or at 127.0.0.1 or localhost on this machine.';

const cookieOptions = (c: Context) =>
  ({
    path: BASE,
    httpOnly: true,
    sameSite: 'Strict',
    // A browser drops Secure cookies sent over plain http, which is how loopback is served.
    secure: !plainLoopback(c),
  }) as const;

/** Registers the login and logout routes on the dashboard app. */
export function loginRoutes(app: Hono<AppEnv>, deps: DashboardDeps): void {
  app.get('/login', async (c) => {
    const next = localPath(c.req.query('next')) ?? queuesPath();
    // Already in (or open mode, which has no login): straight on.
    if (await sessionScope(c, deps)) return c.redirect(next, 303);
    const notice = noticeText(c.req.query('done'), undefined);
    return render(c, <LoginPage next={next} notice={notice} />);
  });

  app.post('/login', async (c) => {
    const body = await form(c);
    const next = localPath(field(body, 'next')) ?? queuesPath();
    if (!deps.check.configured) {
      await sessionScope(c, deps); // throws the missing-token error, or open mode goes on
      return c.redirect(next, 303);
    }
    if (plainRemote(c)) {
      // Said before the token is looked at: no answer to it could give this browser a session.
      return render(c, <LoginPage next={next} problem={PLAIN_HTTP} />, 400);
    }
    const token = field(body, 'token') ?? '';
    const scope = token ? await deps.check.resolve(token) : undefined;
    if (!scope) {
      // The presented token is never echoed back, not even into the field.
      return render(c, <LoginPage next={next} problem="That token is not valid." />, 401);
    }
    if (!mayLogIn(scope)) {
      const problem = 'This token lacks the admin right: the dashboard needs an admin token.';
      return render(c, <LoginPage next={next} problem={problem} />, 403);
    }
    const entry = (await deps.check.entries()).find((e) => e.scope === scope);
    if (!entry) throw new Error('a resolved token has no entry');
    setCookie(c, COOKIE, await signSession(entry, deps.rt.now()), {
      ...cookieOptions(c),
      maxAge: SESSION_TTL_MS / 1000,
    });
    return c.redirect(next, 303);
  });

  app.post('/logout', (c) => {
    deleteCookie(c, COOKIE, cookieOptions(c));
    return c.redirect(`${BASE}/login?done=logged-out`, 303);
  });
}
