/**
 * The baseline of bench/verify-modes.ts: the orders example service
 * (packages/verify/examples/orders-service.ts) as a team would write it without
 * `@tollgate/verify`: the same Fastify service and route, the token checked with jose
 * alone (`createRemoteJWKSet` + `jwtVerify`: signature, typ, iss, aud, exp) and no
 * session check, so it keeps accepting a logged-out token until it expires. Only for
 * measuring what the session check costs; never protect anything this way.
 *
 * Reads TOLLGATE_URL, TOLLGATE_ISSUER (default: TOLLGATE_URL, tollgate's PUBLIC_URL), TOLLGATE_AUDIENCE, PORT, HOST,
 * LOG_LEVEL, like the example service.
 */
import Fastify from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

const env = process.env;
if (!env.TOLLGATE_URL || !env.TOLLGATE_AUDIENCE)
  throw new Error('TOLLGATE_URL and TOLLGATE_AUDIENCE are required');
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', env.TOLLGATE_URL));
const options = {
  issuer: env.TOLLGATE_ISSUER ?? env.TOLLGATE_URL.replace(/\/+$/, ''),
  audience: env.TOLLGATE_AUDIENCE,
  typ: 'at+jwt',
  algorithms: ['EdDSA', 'ES256'],
};

declare module 'fastify' {
  interface FastifyRequest {
    jwt: JWTPayload | null;
  }
}

const app = Fastify({ logger: { level: env.LOG_LEVEL ?? 'info' } });
app.decorateRequest('jwt', null);

const refuse = { error: 'invalid_token', message: 'The access token is missing, invalid or expired' };

app.get(
  '/orders',
  {
    onRequest: async (request, reply) => {
      const m = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
      try {
        if (!m) throw new Error('no bearer token');
        request.jwt = (await jwtVerify(m[1]!, jwks, options)).payload;
      } catch {
        return reply.code(401).header('WWW-Authenticate', 'Bearer error="invalid_token"').send(refuse);
      }
    },
  },
  async (request) => {
    const { sub, email } = request.jwt!;
    return { user: sub, email: typeof email === 'string' ? email : null, orders: [] };
  },
);

app.get('/health', async () => ({ status: 'ok', mode: 'jwt-only' }));

await app.listen({ port: Number(env.PORT ?? 3001), host: env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
