/**
 * The password policy: zxcvbn strength with the account's email as known words, its
 * thread and bounds, its configuration, and its place in registration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { translations } from '@zxcvbn-ts/language-en';
import {
  BREACHED_MESSAGE,
  createPasswordPolicy,
  guessableMessage,
  noPasswordPolicy,
  userInputsFor,
  type PasswordPolicy,
} from '../../src/auth/password-policy.js';
import { SCORED_LENGTH, scoredPart, StrengthEstimator } from '../../src/auth/password-strength.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, InternalError, OverloadedError, WeakPasswordError } from '../../src/errors.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, PASSWORD, registerAndLogin } from '../helpers/http.js';

const policyConfig = (env: Record<string, string> = {}) =>
  loadConfig(env, { skipEnvFiles: true }).passwordPolicy;

/** Every sentence a refusal may contain: fixed texts, none of them built from the password. */
const FIXED_SENTENCES = [
  'This password is too easy to guess.',
  'It contains your email address or a part of it.',
  'Make it longer, for example with a few unrelated words.',
  BREACHED_MESSAGE,
  ...Object.values(translations.warnings),
  ...Object.values(translations.suggestions),
].sort((a, b) => b.length - a.length);

/** True when `message` is made only of fixed sentences (so it cannot echo a password). */
function onlyFixedSentences(message: string): boolean {
  let rest = message;
  for (const s of FIXED_SENTENCES) rest = rest.split(s).join('');
  return rest.trim() === '';
}

/** The refusal, checked to be a weak_password that does not repeat the password. */
async function refused(policy: PasswordPolicy, password: string, email: string): Promise<WeakPasswordError> {
  const err = await policy.check(password, { email }).then(
    () => assert.fail(`"${password}" was accepted for ${email}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WeakPasswordError, `a WeakPasswordError, got ${String(err)}`);
  assert.equal(err.code, 'weak_password');
  assert.equal(err.statusCode, 400);
  assert.ok(onlyFixedSentences(err.message), `only fixed sentences in: ${err.message}`);
  return err;
}

describe('password policy configuration', () => {
  it('defaults to a minimum zxcvbn score of 3 and no breach check', () => {
    assert.deepEqual(policyConfig(), {
      minScore: 3,
      breachCheck: 'off',
      breachCheckUrl: 'https://api.pwnedpasswords.com/range/',
      breachCheckTimeoutMs: 2000,
    });
  });

  it('reads off, min-score:N, the breach check, its URL and timeout', () => {
    assert.equal(policyConfig({ PASSWORD_POLICY: 'off' }).minScore, 0);
    assert.equal(policyConfig({ PASSWORD_POLICY: 'min-score:4' }).minScore, 4);
    assert.equal(policyConfig({ PASSWORD_POLICY: 'MIN-SCORE:1' }).minScore, 1);
    const c = policyConfig({
      PASSWORD_BREACH_CHECK: 'hibp',
      PASSWORD_BREACH_CHECK_URL: 'http://127.0.0.1:9/pwned/range',
      PASSWORD_BREACH_CHECK_TIMEOUT_MS: '300',
    });
    assert.equal(c.breachCheck, 'hibp');
    assert.equal(c.breachCheckUrl, 'http://127.0.0.1:9/pwned/range/', 'a final slash is added');
    assert.equal(c.breachCheckTimeoutMs, 300);
  });

  it('names every bad variable at once', () => {
    assert.throws(
      () =>
        loadConfig(
          {
            PASSWORD_POLICY: 'min-score:5',
            PASSWORD_BREACH_CHECK: 'yes',
            PASSWORD_BREACH_CHECK_URL: 'https://user:secret@range.example/range/',
            PASSWORD_BREACH_CHECK_TIMEOUT_MS: '0',
          },
          { skipEnvFiles: true },
        ),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.issues.map((i) => i.variable),
          [
            'PASSWORD_POLICY',
            'PASSWORD_BREACH_CHECK',
            'PASSWORD_BREACH_CHECK_URL',
            'PASSWORD_BREACH_CHECK_TIMEOUT_MS',
          ],
        );
        assert.ok(!err.message.includes('secret'), 'the URL credentials are not echoed');
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ PASSWORD_BREACH_CHECK_URL: 'ftp://range.example/' }, { skipEnvFiles: true }),
      {
        message: /PASSWORD_BREACH_CHECK_URL: must be an http\(s\) URL/,
      },
    );
  });

  it('builds no policy at all when both checks are off', () => {
    assert.equal(createPasswordPolicy(policyConfig({ PASSWORD_POLICY: 'off' })), noPasswordPolicy);
  });
});

describe('words of the account', () => {
  it('takes the email, its parts and their letter and digit runs', () => {
    const words = userInputsFor('alice.smith2024@mail.example');
    for (const w of [
      'alice.smith2024@mail.example',
      'alice.smith2024',
      'mail.example',
      'alice',
      'smith',
      '2024',
    ])
      assert.ok(words.includes(w), `${w} in ${words.join(', ')}`);
    assert.ok(!words.some((w) => w.length < 3), 'pieces shorter than 3 characters are not words');
  });
});

describe('scored part', () => {
  it(`keeps the first ${SCORED_LENGTH} code points, never half a surrogate pair`, () => {
    assert.equal(scoredPart('short'), 'short');
    assert.equal(scoredPart('x'.repeat(200)), 'x'.repeat(SCORED_LENGTH));
    const emoji = '😀'.repeat(100); // 2 UTF-16 units each
    assert.equal(scoredPart(emoji), '😀'.repeat(SCORED_LENGTH));
    assert.ok(scoredPart(emoji).isWellFormed());
  });
});

describe('the strength check (default policy)', () => {
  let policy: PasswordPolicy;
  before(() => {
    policy = createPasswordPolicy(policyConfig());
  });
  after(() => policy.close());

  for (const password of ['password', '12345678', 'qwertyui']) {
    it(`refuses "${password}"`, async () => {
      const err = await refused(policy, password, 'someone@example.test');
      assert.equal(err.reason, 'guessable');
      assert.match(err.message, /^This password is too easy to guess\. \S/);
    });
  }

  it('accepts a passphrase', async () => {
    await policy.check(PASSWORD, { email: 'someone@example.test' });
    await policy.check('LoadTest-Passw0rd!', { email: 'loadtest-1@loadtest.example.com' });
  });

  it('refuses a password made of the account email that would pass for anyone else', async () => {
    // Strong for another account: the account's own words are what make it weak.
    await policy.check('wexfordquill1999', { email: 'someone@example.test' });
    const err = await refused(policy, 'wexfordquill1999', 'wexfordquill1999@mail.example');
    assert.match(err.message, /email address/);
    await policy.check('tollgatefirmware', { email: 'someone@example.test' });
    await refused(policy, 'tollgatefirmware', 'ops@tollgatefirmware.example');
    await refused(policy, 'alice2024', 'alice2024@example.com');
  });

  it('judges the password in NFC, as it is stored', async () => {
    // "münchen1" typed with a combining diaeresis scores 3 as is, 2 once composed (NFC),
    // which is how it would be hashed: the policy must judge the composed form.
    const estimator = new StrengthEstimator();
    try {
      assert.equal((await estimator.estimate('mu\u0308nchen1', [])).score, 3);
    } finally {
      await estimator.close();
    }
    await refused(policy, 'mu\u0308nchen1', 'someone@example.test');
  });

  it('scores only the beginning of a very long password', async () => {
    await refused(policy, `${'a'.repeat(SCORED_LENGTH)}${PASSWORD}`, 'someone@example.test');
    await policy.check(`${PASSWORD} ${'a'.repeat(900)}`, { email: 'someone@example.test' });
  });

  it('asks for a longer password when zxcvbn has no specific finding', () => {
    assert.match(guessableMessage({ score: 2, warning: null, suggestions: [] }), /Make it longer/);
  });
});

describe('the strength thread', () => {
  it('loads the dictionaries once for many checks, and close() ends it', async () => {
    const estimator = new StrengthEstimator();
    try {
      assert.equal(estimator.running, false, 'nothing is loaded before the first check');
      const verdicts = await Promise.all(
        ['password', PASSWORD, 'qwertyui', 'tollgatefirmware'].map((p) => estimator.estimate(p, [])),
      );
      assert.deepEqual(
        verdicts.map((v) => v.score >= 3),
        [false, true, false, true],
      );
      assert.equal(estimator.startedTotal, 1);
      assert.equal(estimator.running, true);
    } finally {
      await estimator.close();
    }
    assert.equal(estimator.running, false);
    await assert.rejects(
      estimator.estimate('password', []),
      (e: unknown) => e instanceof InternalError && /closed/.test(e.detail),
    );
  });

  it('refuses checks beyond its queue with 503 overloaded', async () => {
    const estimator = new StrengthEstimator({ maxQueue: 1 });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => estimator.estimate(`candidate password ${i}`, [])),
      );
      const shed = results.filter((r) => r.status === 'rejected');
      assert.equal(shed.length, 3, 'one running, one queued, three refused');
      for (const r of shed) assert.ok(r.reason instanceof OverloadedError);
    } finally {
      await estimator.close();
    }
  });

  it('ends a check that overruns its time with 503, and starts a fresh thread for the next', async () => {
    // 1 ms is far less than scoring 64 characters takes; loading is bounded separately.
    const estimator = new StrengthEstimator({ checkTimeoutMs: 1 });
    try {
      await estimator.estimate('x', []).catch(() => undefined); // loads the dictionaries
      const long = 'q8#Lr2$vN7@kP4!zW9%tY3^mB6&cX1*hJ5(dF0)gS'.repeat(2);
      await assert.rejects(estimator.estimate(long, []), OverloadedError);
      assert.equal(estimator.running, false, 'the overrunning thread was ended');
      await estimator.estimate('x', []).catch(() => undefined);
      assert.equal(estimator.startedTotal >= 2, true, 'the next check started a new thread');
    } finally {
      await estimator.close();
    }
  });
});

describe('new passwords under the password policy', () => {
  let t: TestApp;
  before(async () => {
    t = await composeTestApp({ PASSWORD_POLICY: 'min-score:3' });
  });
  after(() => t.close());

  for (const password of ['password', '12345678', 'qwertyui']) {
    it(`answers 400 weak_password for "${password}", and creates no account`, async () => {
      const email = `weak-${password}@example.test`;
      const r = await call(t.target, 'POST', '/auth/register', { body: { email, password } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'weak_password');
      assert.match(String(r.body.message), /too easy to guess/);
      assert.ok(onlyFixedSentences(String(r.body.message)), 'the answer does not repeat the password');
      const again = await call(t.target, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
      assert.equal(again.status, 201, 'the refused registration left nothing behind');
    });
  }

  it('refuses a common password as the new one on password change, and keeps the old one', async () => {
    const email = 'change-weak@example.test';
    const s = await registerAndLogin(t.target, email);
    const r = await call(t.target, 'POST', '/auth/password', {
      token: s.access,
      body: { current_password: PASSWORD, new_password: 'password' },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'weak_password');
    const login = await call(t.target, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    assert.equal(login.status, 200, 'the old password still works');
  });

  it('checks the length first (invalid_request), then the policy', async () => {
    const r = await call(t.target, 'POST', '/auth/register', {
      body: { email: 'short@example.test', password: '1234' },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
  });

  it('documents weak_password on the 400 of POST /auth/register', async () => {
    const doc = await call(t.target, 'GET', '/openapi.json');
    const paths = doc.body.paths as Record<
      string,
      { post: { responses: Record<string, { description: string }> } }
    >;
    assert.match(paths['/auth/register']!.post.responses['400']!.description, /weak_password/);
  });
});
