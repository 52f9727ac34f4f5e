/**
 * `createVerifier(options)` for Node: introspection travels on a pool of keep-alive
 * connections (undici). For an edge runtime, import `@tollgate/verify/edge`.
 */
import { undiciTransport } from './introspect-undici.js';
import type { VerifierOptions } from './options.js';
import { buildVerifier, type Verifier } from './verifier-core.js';

export type { Verifier } from './verifier-core.js';

/** The whole check a resource server runs per request; see `Verifier`. */
export function createVerifier(options: VerifierOptions): Verifier {
  return buildVerifier(options, undiciTransport);
}
