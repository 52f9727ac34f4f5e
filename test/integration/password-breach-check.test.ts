/**
 * The breach check against a local server that speaks the Have-I-Been-Pwned range API:
 * what leaves the process (the 5-character SHA-1 prefix, nothing else), padding lines,
 * a breached password refused at registration, and failing open (with a warning and
 * the failure hook) when the API hangs, errs, answers nonsense or cannot be reached.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  BREACHED_MESSAGE,
  createPasswordPolicy,
  type BreachCheckFailure,
  type PasswordPolicy,
} from '../../src/auth/password-policy.js';
import type { PasswordPolicyConfig } from '../../src/config/schema.js';
import { WeakPasswordError } from '../../src/errors.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { sha1Hex, startRangeApiServer, type RangeApiServer } from '../helpers/range-api-server.js';

/** Strong by zxcvbn, so that only the breach check can refuse it. */
const BREACHED = 'kinetic lantern oyster 77';
const CLEAN = 'quiet harbour violin 4096';
const EMAIL = 'breach@example.test';

interface Captured {
  warnings: { obj: object; msg: string }[];
  failures: BreachCheckFailure[];
}

function policyFor(url: string, captured: Captured, timeoutMs = 300): PasswordPolicy {
  const config: PasswordPolicyConfig = {
    minScore: 0,
    breachCheck: 'hibp',
    breachCheckUrl: url,
    breachCheckTimeoutMs: timeoutMs,
  };
  return createPasswordPolicy(config, {
    logger: { warn: (obj, msg) => captured.warnings.push({ obj, msg }) },
    onBreachCheckFailure: (reason) => captured.failures.push(reason),
  });
}

describe('breach check (range API)', { timeout: 60_000 }, () => {
  let api: RangeApiServer;
  let captured: Captured;
  let policy: PasswordPolicy;

  before(async () => {
    api = await startRangeApiServer({ [BREACHED]: 42 });
  });
  after(() => api.close());
  beforeEach(async () => {
    await policy?.close();
    api.mode = 'answer';
    api.extraLines = [];
    api.requests.length = 0;
    captured = { warnings: [], failures: [] };
    policy = policyFor(api.url, captured);
  });
  after(() => policy.close());

  it('refuses a breached password; only the 5-character prefix leaves, with Add-Padding', async () => {
    const err = await policy.check(BREACHED, { email: EMAIL }).then(
      () => assert.fail('a breached password was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WeakPasswordError);
    assert.equal(err.code, 'weak_password');
    assert.equal(err.reason, 'breached');
    assert.equal(err.message, BREACHED_MESSAGE);

    const hash = sha1Hex(BREACHED);
    assert.equal(api.requests.length, 1);
    const [req] = api.requests;
    assert.equal(req!.method, 'GET');
    assert.equal(req!.path, `/range/${hash.slice(0, 5)}`);
    assert.equal(req!.headers['add-padding'], 'true');
    for (const secret of [BREACHED, hash.slice(5), hash.slice(5, 20), hash.toLowerCase().slice(5)]) {
      assert.ok(!req!.raw.includes(secret), 'neither the password nor the rest of its hash is sent');
    }
    assert.deepEqual(captured.failures, []);
  });

  it('accepts a password the API does not list, and one listed only as padding (count 0)', async () => {
    await policy.check(CLEAN, { email: EMAIL });
    api.extraLines = [`${sha1Hex(CLEAN).slice(5)}:0`];
    await policy.check(CLEAN, { email: EMAIL });
    assert.equal(api.requests.length, 2);
    assert.deepEqual(captured.failures, []);
    assert.deepEqual(captured.warnings, []);
  });

  it('hashes the password in NFC, as it is stored', async () => {
    // "é" typed as e + combining acute: the API must be asked about the composed form.
    const decomposed = 'caf\u0065\u0301 lantern oyster 77';
    await policy.check(decomposed, { email: EMAIL });
    assert.equal(api.requests[0]!.path, `/range/${sha1Hex(decomposed.normalize('NFC')).slice(0, 5)}`);
  });

  const failures: [string, RangeApiServer['mode'], BreachCheckFailure][] = [
    ['a server that never answers (timeout)', 'hang', 'timeout'],
    ['a 500', 'status-500', 'status'],
    ['an answer that is not the range format', 'garbage', 'bad_response'],
  ];
  for (const [what, mode, reason] of failures) {
    it(`fails open on ${what}: accepted, one warning, the failure hook told "${reason}"`, async () => {
      api.mode = mode;
      await policy.check(BREACHED, { email: EMAIL });
      assert.deepEqual(captured.failures, [reason]);
      assert.equal(captured.warnings.length, 1);
      const line = JSON.stringify(captured.warnings[0]);
      assert.match(line, new RegExp(`"reason":"${reason}"`));
      const hash = sha1Hex(BREACHED);
      for (const secret of [BREACHED, hash.slice(0, 5), hash.slice(5)]) {
        assert.ok(!line.includes(secret), 'the warning carries no password and no hash');
      }
    });
  }

  it('fails open when nothing listens at the URL (network)', async () => {
    const dead = policyFor(`http://127.0.0.1:${await freePort()}/range/`, captured);
    try {
      await dead.check(BREACHED, { email: EMAIL });
    } finally {
      await dead.close();
    }
    assert.deepEqual(captured.failures, ['network']);
  });

  it('closes while a request hangs', async () => {
    api.mode = 'hang';
    const pending = policy.check(BREACHED, { email: EMAIL });
    await policy.close();
    await pending; // failed open, bounded by the timeout
  });
});

describe('registration with the breach check', { timeout: 60_000 }, () => {
  let api: RangeApiServer;
  let t: TestApp;

  before(async () => {
    api = await startRangeApiServer({ [BREACHED]: 3 });
    t = await composeTestApp({
      PASSWORD_POLICY: 'min-score:3',
      PASSWORD_BREACH_CHECK: 'hibp',
      PASSWORD_BREACH_CHECK_URL: api.url,
      PASSWORD_BREACH_CHECK_TIMEOUT_MS: '300',
    });
  });
  after(async () => {
    await t.close();
    await api.close();
  });

  it('answers 400 weak_password with the breach as the reason', async () => {
    const r = await call(t.target, 'POST', '/auth/register', {
      body: { email: 'breached@example.test', password: BREACHED },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'weak_password', message: BREACHED_MESSAGE });
  });

  it('registers a password the API does not list', async () => {
    const r = await call(t.target, 'POST', '/auth/register', {
      body: { email: 'clean@example.test', password: CLEAN },
    });
    assert.equal(r.status, 201);
  });

  it('still refuses a common password without asking the API', async () => {
    const before = api.requests.length;
    const r = await call(t.target, 'POST', '/auth/register', {
      body: { email: 'common@example.test', password: 'password' },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'weak_password');
    assert.equal(api.requests.length, before, 'the strength check refused it first');
  });

  it('registers when the API hangs (fails open within the timeout)', async () => {
    api.mode = 'hang';
    try {
      const r = await call(t.target, 'POST', '/auth/register', {
        body: { email: 'while-down@example.test', password: BREACHED },
      });
      assert.equal(r.status, 201);
    } finally {
      api.mode = 'answer';
    }
  });
});
