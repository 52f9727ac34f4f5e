/**
 * Passkeys in a real browser: tollgate (the built CLI) on http://localhost:PORT, headless
 * Chromium with the DevTools virtual authenticator (CTAP2, internal transport, resident
 * keys, user verification). A page of tollgate's own origin (served by the browser's
 * request interception, so nothing else listens there) does what docs/passkeys.md shows:
 * register with a password, add a passkey (options → navigator.credentials.create →
 * verify), then sign in without a password (options → navigator.credentials.get →
 * verify) and call the protected route with the token it got. The same assertion sent
 * again is refused, and so is an assertion made by a page of another origin with the
 * same credential.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { call } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { waitFor, within } from '../helpers/wait.js';

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

/**
 * The page's script: the browser code of docs/passkeys.md (base64url ⇄ bytes, the
 * options turned into what the WebAuthn API takes, its credential turned into JSON).
 */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>passkeys</title></head><body><script>
const b64urlToBytes = (s) => {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
};
const bytesToB64url = (buf) => {
  let s = '';
  for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
};
const descriptors = (list) => (list || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) }));

async function api(path, { body, token } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const r = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body || {}) });
  return { status: r.status, body: await r.json() };
}

async function createPasskey(options) {
  const cred = await navigator.credentials.create({
    publicKey: {
      ...options,
      challenge: b64urlToBytes(options.challenge),
      user: { ...options.user, id: b64urlToBytes(options.user.id) },
      excludeCredentials: descriptors(options.excludeCredentials),
    },
  });
  return {
    id: cred.id,
    rawId: bytesToB64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment,
    clientExtensionResults: cred.getClientExtensionResults(),
    response: {
      clientDataJSON: bytesToB64url(cred.response.clientDataJSON),
      attestationObject: bytesToB64url(cred.response.attestationObject),
      transports: cred.response.getTransports ? cred.response.getTransports() : [],
    },
  };
}

async function getPasskey(options) {
  const cred = await navigator.credentials.get({
    publicKey: {
      ...options,
      challenge: b64urlToBytes(options.challenge),
      allowCredentials: descriptors(options.allowCredentials),
    },
  });
  return {
    id: cred.id,
    rawId: bytesToB64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment,
    clientExtensionResults: cred.getClientExtensionResults(),
    response: {
      clientDataJSON: bytesToB64url(cred.response.clientDataJSON),
      authenticatorData: bytesToB64url(cred.response.authenticatorData),
      signature: bytesToB64url(cred.response.signature),
      userHandle: cred.response.userHandle ? bytesToB64url(cred.response.userHandle) : undefined,
    },
  };
}

window.app = {
  async registerAccount(email, password) {
    const reg = await api('/auth/register', { body: { email, password } });
    const login = await api('/auth/login', { body: { email, password } });
    return { register: reg.status, login: login.status, token: login.body.access_token };
  },
  async addPasskey(token, name) {
    const options = await api('/auth/passkeys/register/options', { token });
    if (options.status !== 200) return { step: 'options', ...options };
    const response = await createPasskey(options.body);
    return api('/auth/passkeys/register/verify', { token, body: { response, name } });
  },
  async signIn(email) {
    const options = await api('/auth/passkeys/login/options', { body: email ? { email } : {} });
    if (options.status !== 200) return { step: 'options', ...options };
    const response = await getPasskey(options.body);
    const verify = await api('/auth/passkeys/login/verify', { body: { response } });
    return { ...verify, response, offered: (options.body.allowCredentials || []).length };
  },
  async protectedRoute(token) {
    const r = await fetch('/api/protected', { headers: { authorization: 'Bearer ' + token } });
    return { status: r.status, body: await r.json() };
  },
  // Only the assertion (a page of another origin cannot read tollgate's answers anyway).
  assert(options) { return getPasskey(options); },
};
</script></body></html>`;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  response?: Record<string, unknown>;
  offered?: number;
}

/** A page at `origin` + /passkeys, answered by the browser itself (request interception). */
async function openPage(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage();
  await page.route(`${origin}/passkeys`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: PAGE }),
  );
  await page.goto(`${origin}/passkeys`, { timeout: 15_000 });
  return page;
}

/** The DevTools virtual authenticator of a page: a platform passkey provider that verifies the user. */
async function virtualAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

test(
  'a passkey in Chromium: registered on a password session, then passwordless sign-in; replays and other origins are refused',
  { skip: !existsSync(CHROMIUM), timeout: 120_000 },
  async () => {
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    let tg: TollgateProcess | undefined;
    let browser: Browser | undefined;
    try {
      // LOG_LEVEL info: without SMTP_URL, development mail (the verification link) goes to the log.
      tg = await startTollgate({
        env: { PORT: String(port), PUBLIC_URL: origin, STORE: 'memory', LOG_LEVEL: 'info' },
        // The first start creates the embedded database: slow on a busy machine.
        readyTimeoutMs: 90_000,
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ARGS,
        headless: true,
        timeout: 30_000,
      });
      const context = await browser.newContext();
      const page = await openPage(context, origin);
      const authenticator = await virtualAuthenticator(context, page);
      const run = <T>(p: Page, expr: string): Promise<T> => within(p.evaluate<T>(expr), 20_000, expr);
      // --- an account with a password, and a passkey added to it
      const email = `passkey-${Date.now()}@example.test`;
      const account = await run<{ register: number; login: number; token: string }>(
        page,
        `app.registerAccount(${JSON.stringify(email)}, 'correct horse battery staple')`,
      );
      assert.deepEqual([account.register, account.login], [201, 200]);
      // Passkeys are added only to a verified address: the link comes from the log.
      const asked = await call(tg.url, 'POST', '/auth/email-verification/request', { token: account.token });
      assert.equal(asked.status, 202, asked.text);
      const server = tg;
      const link = await waitFor(() => /verify-email\?token=([A-Za-z0-9_-]{43})/.exec(server.stdout())?.[1], {
        what: 'the verification link in the log',
      });
      const verified = await call(tg.url, 'POST', '/auth/email-verification', { body: { token: link } });
      assert.equal(verified.status, 200, verified.text);
      const added = await run<Answer>(page, `app.addPasskey(${JSON.stringify(account.token)}, 'Chromium')`);
      assert.equal(added.status, 201, JSON.stringify(added));
      assert.equal(added.body.name, 'Chromium');
      const stored = await authenticator.cdp.send('WebAuthn.getCredentials', {
        authenticatorId: authenticator.id,
      });
      assert.equal(stored.credentials.length, 1);
      assert.equal(stored.credentials[0]!.isResidentCredential, true, 'a discoverable credential');
      assert.equal(stored.credentials[0]!.rpId, 'localhost');
      const list = await call(tg.url, 'GET', '/auth/passkeys', { token: account.token });
      const listed = (list.body.passkeys as Array<Record<string, unknown>>)[0]!;
      assert.equal(listed.id, added.body.id);
      assert.deepEqual(listed.transports, ['internal']);

      // --- passwordless sign-in with the discoverable credential, then the protected route
      const signed = await run<Answer>(page, 'app.signIn()');
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      assert.equal(signed.offered, 0, 'no credential list: the authenticator offers its own');
      const token = String(signed.body.access_token);
      assert.notEqual(token, account.token);
      const prot = await run<Answer>(page, `app.protectedRoute(${JSON.stringify(token)})`);
      assert.equal(prot.status, 200);
      assert.equal(prot.body.user, email);

      // The same assertion again: its challenge is used up.
      const replay = await call(tg.url, 'POST', '/auth/passkeys/login/verify', {
        body: { response: signed.response },
      });
      assert.equal(replay.status, 401);
      assert.equal(replay.body.error, 'invalid_credentials');

      // By email: the account's passkey is offered, and signs in again (its counter moved on).
      const byEmail = await run<Answer>(page, `app.signIn(${JSON.stringify(email)})`);
      assert.equal(byEmail.status, 200, JSON.stringify(byEmail.body));
      assert.equal(byEmail.offered, 1);
      const used = await call(tg.url, 'GET', '/auth/passkeys', { token });
      assert.equal(typeof (used.body.passkeys as Array<Record<string, unknown>>)[0]!.last_used_at, 'string');

      // --- a page of another origin holding the same credential (copied into its own
      // authenticator): the browser signs for it, tollgate refuses the origin.
      const otherOrigin = `http://localhost:${await freePort()}`;
      const other = await openPage(context, otherOrigin);
      const otherAuthenticator = await virtualAuthenticator(context, other);
      const copied = (
        await authenticator.cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticator.id })
      ).credentials[0]!;
      await otherAuthenticator.cdp.send('WebAuthn.addCredential', {
        authenticatorId: otherAuthenticator.id,
        credential: copied,
      });
      const options = await call(tg.url, 'POST', '/auth/passkeys/login/options', { body: {} });
      assert.equal(options.status, 200);
      const foreign = await run<Record<string, unknown>>(
        other,
        `app.assert(${JSON.stringify(options.body)})`,
      );
      const clientData = JSON.parse(
        Buffer.from(
          String((foreign.response as Record<string, unknown>).clientDataJSON),
          'base64url',
        ).toString(),
      ) as { origin: string };
      assert.equal(clientData.origin, otherOrigin, 'the browser names the page it signed for');
      const refused = await call(tg.url, 'POST', '/auth/passkeys/login/verify', {
        body: { response: foreign },
      });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_credentials');

      // The genuine page still signs in.
      assert.equal((await run<Answer>(page, 'app.signIn()')).status, 200);
      await authenticator.cdp.detach();
      await otherAuthenticator.cdp.detach();
    } finally {
      await browser?.close().catch(() => undefined);
      await tg?.stop();
    }
  },
);
