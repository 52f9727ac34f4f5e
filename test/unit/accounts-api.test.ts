import { accountsSuite } from '../helpers/accounts-suite.js';
import { composeTestApp } from '../helpers/app.js';

accountsSuite('memory store, PGlite', () => composeTestApp({ STORE: 'memory' }));
