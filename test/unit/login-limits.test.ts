import { composeTestApp } from '../helpers/app.js';
import { LIMITS_ENV, loginLimitsSuite } from '../helpers/login-limits-suite.js';

loginLimitsSuite('memory store', () => composeTestApp({ STORE: 'memory', ...LIMITS_ENV }));
