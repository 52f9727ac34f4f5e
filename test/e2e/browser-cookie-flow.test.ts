/**
 * A browser app on another origin, in headless Chromium: tollgate (the built CLI) with
 * CORS_ORIGINS naming the app's origin and REFRESH_COOKIE=on. A page served from that
 * origin (another port of 127.0.0.1: cross-origin, same site) registers, logs in, calls
 * a protected route, refreshes through the httpOnly cookie and logs out, with `fetch`
 * as any app would. A page from an origin not in the list can neither read tollgate's
 * answers nor spend the cookie: its refresh is refused (403) and rotates nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { within } from '../helpers/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const COOKIE = 'tollgate_refresh';

/** A page whose script talks to tollgate with fetch; each step is a function on `window`. */
function appPage(tollgate: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>app</title></head><body><script>
const TG = ${JSON.stringify(tollgate)};
let access = null;
async function post(path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = 'Bearer ' + token;
  const r = await fetch(TG + path, {
    method: 'POST', credentials: 'include', headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}
async function protectedRoute(token) {
  const r = await fetch(TG + '/api/protected', { headers: { authorization: 'Bearer ' + token } });
  return { status: r.status, body: await r.json(), challenge: r.headers.get('www-authenticate') };
}
window.app = {
  async register(email, password) { return post('/auth/register', { body: { email, password } }); },
  async login(email, password) {
    const r = await post('/auth/login', { body: { email, password } });
    access = r.body.access_token;
    return r;
  },
  token() { return access; },
  protectedRoute(token) { return protectedRoute(token || access); },
  async refresh() {
    const r = await post('/auth/refresh');
    if (r.status === 200) access = r.body.access_token;
    return r;
  },
  logout() { return post('/auth/logout', { token: access }); },
  documentCookie() { return document.cookie; },
  // What a page of another origin can try: a simple POST (no preflight) carrying cookies.
  async blindRefresh() {
    const r = await fetch(TG + '/auth/refresh', { method: 'POST', credentials: 'include', mode: 'no-cors' });
    return r.type;
  },
  async tryLogin(email, password) {
    try { await post('/auth/login', { body: { email, password } }); return 'read'; }
    catch (e) { return e.name; }
  },
  async tryProtected(token) {
    try { await protectedRoute(token); return 'read'; } catch (e) { return e.name; }
  },
};
</script></body></html>`;
}

async function serve(html: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

const closeServer = (s: Server | undefined): Promise<void> =>
  new Promise((done) => (s ? s.close(() => done()) : done()));

test(
  'a browser app on an allowed origin: login, protected call, cookie refresh, logout; another origin is refused',
  {
    skip: !existsSync(CHROMIUM),
    timeout: 120_000,
  },
  async () => {
    let tollgateUrl = '';
    const allowed = await serve(() => appPage(tollgateUrl));
    const other = await serve(() => appPage(tollgateUrl));
    const profile = mkdtempSync(join(tmpdir(), 'tollgate-chromium-'));
    let tg: TollgateProcess | undefined;
    let context: BrowserContext | undefined;
    try {
      tg = await startTollgate({
        env: { CORS_ORIGINS: allowed.origin, REFRESH_COOKIE: 'on', STORE: 'memory' },
      });
      tollgateUrl = tg.url;
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        args: ARGS,
        headless: true,
        timeout: 30_000,
      });
      const statuses: Array<{ origin: string; url: string; status: number }> = [];
      context.on('response', (r) => {
        if (r.url().startsWith(tollgateUrl)) {
          // The page that made the request (its Origin header is not visible here).
          statuses.push({ origin: new URL(r.frame().url()).origin, url: r.url(), status: r.status() });
        }
      });
      const jarCookie = async () =>
        (await context!.cookies(tollgateUrl + '/auth/')).find((c) => c.name === COOKIE);
      const open = async (origin: string): Promise<Page> => {
        const page = await context!.newPage();
        await page.goto(origin + '/', { timeout: 15_000 });
        return page;
      };
      const run = <T>(page: Page, expr: string): Promise<T> => within(page.evaluate<T>(expr), 15_000, expr);

      // --- the app on the allowed origin
      const app = await open(allowed.origin);
      const email = `browser-${Date.now()}@example.test`;
      const password = 'correct horse battery staple';
      const reg = await run<{ status: number }>(
        app,
        `app.register(${JSON.stringify(email)}, ${JSON.stringify(password)})`,
      );
      assert.equal(reg.status, 201);

      const login = await run<{ status: number; body: Record<string, unknown> }>(
        app,
        `app.login(${JSON.stringify(email)}, ${JSON.stringify(password)})`,
      );
      assert.equal(login.status, 200);
      assert.equal(typeof login.body.access_token, 'string');
      assert.equal(login.body.refresh_token, undefined, 'no refresh token for page scripts');
      const cookie = await jarCookie();
      assert.ok(cookie, 'the browser stored the refresh cookie');
      assert.match(cookie.value, /^tgr1\./);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.secure, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.path, '/auth');
      assert.equal(await run<string>(app, 'app.documentCookie()'), '', 'scripts cannot see it');

      const first = await run<string>(app, 'app.token()');
      const ok = await run<{ status: number; body: Record<string, unknown> }>(app, 'app.protectedRoute()');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.user, email);

      const refreshed = await run<{ status: number; body: Record<string, unknown> }>(app, 'app.refresh()');
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(refreshed.body.refresh_token, undefined);
      const second = await run<string>(app, 'app.token()');
      assert.notEqual(second, first);
      const rotated = await jarCookie();
      assert.ok(rotated && rotated.value !== cookie.value, 'the cookie was rotated');
      assert.equal((await run<{ status: number }>(app, 'app.protectedRoute()')).status, 200);

      // --- a page of another origin (same site, so the browser does send the cookie)
      const evil = await open(other.origin);
      assert.equal(
        await run<string>(evil, `app.tryLogin(${JSON.stringify(email)}, ${JSON.stringify(password)})`),
        'TypeError',
        'CORS keeps its scripts from reading answers',
      );
      assert.equal(await run<string>(evil, `app.tryProtected(${JSON.stringify(second)})`), 'TypeError');
      assert.equal(await run<string>(evil, 'app.blindRefresh()'), 'opaque');
      const blind = statuses.filter((s) => s.origin === other.origin && s.url.endsWith('/auth/refresh'));
      assert.deepEqual(
        blind.map((s) => s.status),
        [403],
        'its cookie-authenticated refresh was refused (origin_not_allowed)',
      );
      assert.equal((await jarCookie())?.value, rotated.value, 'nothing was rotated');
      assert.ok(
        statuses.filter((s) => s.origin === other.origin).every((s) => s.status !== 200),
        JSON.stringify(statuses.filter((s) => s.origin === other.origin)),
      );

      // --- back on the app: the cookie still works, then logout ends everything
      assert.equal((await run<{ status: number }>(app, 'app.refresh()')).status, 200);
      const third = await run<string>(app, 'app.token()');
      const out = await run<{ status: number }>(app, 'app.logout()');
      assert.equal(out.status, 200);
      assert.equal(await jarCookie(), undefined, 'logout cleared the cookie');
      const after = await run<{ status: number; body: Record<string, unknown>; challenge: string }>(
        app,
        `app.protectedRoute(${JSON.stringify(third)})`,
      );
      assert.equal(after.status, 401);
      assert.equal(after.body.error, 'invalid_token');
      assert.equal(after.challenge, 'Bearer error="invalid_token"', 'exposed to the page');
      const again = await run<{ status: number; body: Record<string, unknown> }>(app, 'app.refresh()');
      assert.equal(again.status, 401);
      assert.equal(again.body.error, 'invalid_grant');
    } finally {
      await context?.close().catch(() => undefined);
      await tg?.stop();
      await closeServer(allowed.server);
      await closeServer(other.server);
      rmSync(profile, { recursive: true, force: true });
    }
  },
);
