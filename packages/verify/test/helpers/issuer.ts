/**
 * A small stand-in for tollgate's public side, on a loopback port: it signs access
 * tokens like tollgate (EdDSA or ES256, `typ: at+jwt`, `kid`), serves the key set at
 * `/.well-known/jwks.json` and answers RFC 7662 introspection at `/oauth/introspect`
 * (HTTP Basic client auth, form body) from a set of live sessions the test controls.
 * Each endpoint can be switched to hang (never answer) or fail, and counts its requests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';

export type EndpointBehaviour = 'ok' | 'hang' | 'error';

export interface SigningKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface SignOptions {
  key?: SigningKey;
  /** Header overrides (`typ`, `kid`, `alg` as written in the header). */
  header?: Record<string, unknown>;
  /** Claims to set or, with `undefined`, leave out. */
  claims?: Record<string, unknown>;
  /** Seconds from now. Default 900. */
  expiresIn?: number;
}

export interface IntrospectionRecord {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface TestIssuer {
  readonly url: string;
  readonly issuer: string;
  readonly audience: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly counts: { jwks: number; introspect: number; connections: number };
  behaviour: { jwks: EndpointBehaviour; introspect: EndpointBehaviour | 'reject' };
  /** Makes introspection answer `active: true` with this sid instead of the token's. */
  introspectSidOverride: string | undefined;
  readonly introspections: IntrospectionRecord[];
  /** The key new tokens are signed with; published in the key set. */
  current: SigningKey;
  /** Publishes a new key and signs with it from now on. */
  rotate(alg?: 'EdDSA' | 'ES256'): Promise<SigningKey>;
  /** Publishes a new key without signing with it. */
  publish(alg?: 'EdDSA' | 'ES256'): Promise<SigningKey>;
  /** Removes a key from the key set. */
  unpublish(kid: string): void;
  /** A key that is not published. */
  unpublishedKey(alg?: 'EdDSA' | 'ES256'): Promise<SigningKey>;
  /** Opens a session and returns a token for it. */
  login(options?: SignOptions): Promise<{ token: string; sub: string; sid: string }>;
  sign(sub: string, sid: string, options?: SignOptions): Promise<string>;
  /** Ends a session (what tollgate's logout does). */
  logout(sub: string, sid: string): void;
  isAlive(sub: string, sid: string): boolean;
  close(): Promise<void>;
}

export async function makeKey(alg: 'EdDSA' | 'ES256' = 'EdDSA'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startIssuer(
  options: { issuer?: string; audience?: string; alg?: 'EdDSA' | 'ES256' } = {},
): Promise<TestIssuer> {
  const issuer = options.issuer ?? 'tollgate-test';
  const audience = options.audience ?? 'orders-api';
  const clientId = 'orders-api';
  const clientSecret = 'a secret: with+odd/chars&=';
  const published: SigningKey[] = [await makeKey(options.alg ?? 'EdDSA')];
  const alive = new Set<string>();
  const sockets = new Set<Socket>();
  const counts = { jwks: 0, introspect: 0, connections: 0 };
  const introspections: IntrospectionRecord[] = [];
  const expectedAuth = `Basic ${Buffer.from(
    `${new URLSearchParams([['', clientId]]).toString().slice(1)}:${new URLSearchParams([['', clientSecret]]).toString().slice(1)}`,
  ).toString('base64')}`;

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'internal_error', message: 'test server failed' });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    counts.connections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const self: TestIssuer = {
    url: '',
    issuer,
    audience,
    clientId,
    clientSecret,
    counts,
    behaviour: { jwks: 'ok', introspect: 'ok' },
    introspectSidOverride: undefined,
    introspections,
    current: published[0]!,
    async rotate(alg = 'EdDSA') {
      const key = await makeKey(alg);
      published.push(key);
      self.current = key;
      return key;
    },
    async publish(alg = 'EdDSA') {
      const key = await makeKey(alg);
      published.push(key);
      return key;
    },
    unpublish(kid) {
      const i = published.findIndex((k) => k.kid === kid);
      if (i >= 0) published.splice(i, 1);
    },
    unpublishedKey: (alg = 'EdDSA') => makeKey(alg),
    async login(opts) {
      const sub = randomUUID();
      const sid = randomUUID();
      alive.add(`${sub}|${sid}`);
      return { token: await self.sign(sub, sid, opts), sub, sid };
    },
    async sign(sub, sid, opts = {}) {
      const key = opts.key ?? self.current;
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: issuer,
        aud: audience,
        sub,
        sid,
        email: `${sub}@example.test`,
        jti: randomUUID(),
        iat: now,
        exp: now + (opts.expiresIn ?? 900),
        ...opts.claims,
      };
      for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
      const header = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...opts.header };
      return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
    },
    logout(sub, sid) {
      alive.delete(`${sub}|${sid}`);
    },
    isAlive: (sub, sid) => alive.has(`${sub}|${sid}`),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      counts.jwks++;
      if (self.behaviour.jwks === 'hang') return;
      if (self.behaviour.jwks === 'error')
        return json(res, 500, { error: 'internal_error', message: 'down' });
      return json(res, 200, { keys: published.map((k) => k.jwk) });
    }
    if (req.method === 'POST' && req.url === '/oauth/introspect') {
      counts.introspect++;
      const body = await readBody(req);
      introspections.push({
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      const behaviour = self.behaviour.introspect;
      if (behaviour === 'hang') return;
      if (behaviour === 'error') return json(res, 500, { error: 'internal_error', message: 'down' });
      if (behaviour === 'reject' || req.headers.authorization !== expectedAuth) {
        res.setHeader('WWW-Authenticate', 'Basic realm="tollgate"');
        return json(res, 401, { error: 'invalid_client', message: 'Client authentication failed' });
      }
      if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        return json(res, 415, { error: 'unsupported_media_type', message: 'form body expected' });
      }
      const token = new URLSearchParams(body).get('token') ?? '';
      let claims: Record<string, unknown>;
      try {
        claims = decodeJwt(token);
      } catch {
        return json(res, 200, { active: false });
      }
      const sub = String(claims.sub);
      const sid = String(claims.sid);
      if (!alive.has(`${sub}|${sid}`)) return json(res, 200, { active: false });
      return json(res, 200, {
        active: true,
        sub,
        sid: self.introspectSidOverride ?? sid,
        email: claims.email,
        iss: claims.iss,
        aud: claims.aud,
        exp: claims.exp,
        iat: claims.iat,
        token_type: 'access_token',
      });
    }
    json(res, 404, { error: 'not_found', message: 'no route' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (self as { url: string }).url = `http://127.0.0.1:${port}`;
  return self;
}
