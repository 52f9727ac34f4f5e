/**
 * Sequential latency of the two operations that matter most, on a real redis-server
 * and on the memory store, in one run: login (argon2id verify + 3 store round trips +
 * EdDSA sign) and verify (EdDSA verify + 1 EXISTS). Run: `node --import tsx bench/auth-latency.ts`.
 */
import { startRedis } from '../test/helpers/redis-server.js';
import { argon2idHasher } from '../src/auth/passwords.js';
import { startTestApp } from '../test/helpers/app.js';
import { call, PASSWORD, registerAndLogin } from '../test/helpers/http.js';

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function measure(label: string, url: string): Promise<string> {
  const email = `bench-${Date.now()}@example.test`;
  const { access } = await registerAndLogin(url, email);
  const login: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const r = await call(url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    login.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`login ${r.status}`);
  }
  const verify: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    const r = await call(url, 'GET', '/api/protected', { token: access });
    verify.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`verify ${r.status}`);
  }
  const f = (xs: number[]): string => `${pct(xs, 50).toFixed(2)} | ${pct(xs, 99).toFixed(2)}`;
  return `| ${label} | ${f(login)} | ${f(verify)} |`;
}

const redis = await startRedis();
const rows: string[] = [];
try {
  // The service's real password cost: login figures are argon2id at the OWASP parameters.
  const hasher = argon2idHasher();
  const onRedis = await startTestApp(
    { REDIS_URL: redis.url, LOGIN_MAX_FAILURES_PER_IP: '1000000' },
    { hasher },
  );
  rows.push(await measure('redis', onRedis.target as string));
  await onRedis.close();
  const onMemory = await startTestApp({ STORE: 'memory' }, { hasher });
  rows.push(await measure('memory', onMemory.target as string));
  await onMemory.close();
} finally {
  await redis.stop();
}
console.log('| store | login p50 ms | login p99 ms | verify p50 ms | verify p99 ms |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
