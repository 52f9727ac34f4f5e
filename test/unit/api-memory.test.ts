import { apiSuite } from '../helpers/api-suite.js';
import { startTestApp } from '../helpers/app.js';

apiSuite('memory store', () => startTestApp({ STORE: 'memory', OPS_TOKEN: 'ops-token-for-tests-0123' }));
