/**
 * TRUST_PROXY as Fastify's `trustProxy`. A hop count becomes a function trusting that
 * many hops from the socket (proxy-addr's semantics): it cannot check who the nearest
 * peer is, so use it only when the service is reachable through the proxies alone; an
 * address/CIDR list checks each proxy and is preferred.
 */
import type { FastifyServerOptions } from 'fastify';
import type { TrustProxy } from '../config/schema.js';

export function fastifyTrustProxy(setting: TrustProxy): FastifyServerOptions['trustProxy'] {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting;
  if (typeof setting === 'boolean') return setting;
  return [...setting];
}
