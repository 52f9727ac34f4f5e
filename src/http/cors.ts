/**
 * CORS for browser clients on the origins of CORS_ORIGINS (`@fastify/cors`): their
 * preflights are answered and their responses carry `Access-Control-Allow-Origin` (the
 * origin itself, never `*`) with credentials allowed, so the refresh cookie can travel.
 * Any other origin gets no CORS header at all (and a 404 to its preflight), so its
 * pages cannot read a response. Without CORS_ORIGINS nothing is registered.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  await app.register(cors, {
    origin: (origin, callback) =>
      callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['Retry-After', 'WWW-Authenticate'],
    maxAge: PREFLIGHT_MAX_AGE,
    strictPreflight: false,
    hideOptionsRoute: true,
  });
}
