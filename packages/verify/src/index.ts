/**
 * @tollgate/verify: accept a tollgate access token in your own service only while its
 * session is alive. See `createVerifier`; the Fastify plugin is `@tollgate/verify/fastify`
 * and the Express middleware `@tollgate/verify/express`.
 */
export { createVerifier, type Verifier } from './verifier.js';
export * from './common.js';
