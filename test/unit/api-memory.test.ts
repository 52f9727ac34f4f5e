import { apiSuite } from '../helpers/api-suite.js';
import { composeTestApp } from '../helpers/app.js';

apiSuite('memory store', () => composeTestApp({ STORE: 'memory', OPS_TOKEN: 'ops-token-for-tests-0123' }));
