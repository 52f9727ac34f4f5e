import { composeTestApp } from '../helpers/app.js';
import { PASSKEY_ENV, passkeyLimitSuite, passkeysSuite } from '../helpers/passkeys-suite.js';

passkeysSuite('memory store, PGlite', () => composeTestApp({ STORE: 'memory', ...PASSKEY_ENV }));
passkeyLimitSuite('memory store, PGlite', () =>
  composeTestApp({ STORE: 'memory', LOGIN_MAX_FAILURES_PER_IP: '3', ...PASSKEY_ENV }),
);
