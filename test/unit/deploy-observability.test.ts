/**
 * The ops pack fits together: deploy/docker-compose.yml, the Prometheus configuration,
 * the Grafana provisioning and dashboard, and docs/operations.md refer to each other by
 * service names, ports, paths, secrets and anchors; each reference is checked against
 * what it names (no Docker engine runs here). promtool checks the Prometheus files
 * themselves (test/integration/deploy-prometheus.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
const yaml = <T>(path: string): T => parse(readFileSync(join(DEPLOY, path), 'utf8'), { merge: true }) as T;

type Secret = string | { source: string; target?: string };
interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  secrets?: Secret[];
  volumes?: string[];
  networks?: string[] | Record<string, unknown>;
  healthcheck?: { test: string[] };
  command?: string[];
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
  networks: Record<string, unknown>;
}

const COMPOSE = yaml<Compose>('docker-compose.yml');
const S = COMPOSE.services;
const PROM = yaml<{
  rule_files: string[];
  scrape_configs: Array<{
    job_name: string;
    metrics_path: string;
    authorization: { credentials_file: string };
    static_configs: Array<{ targets: string[] }>;
  }>;
}>('prometheus/prometheus.yml');
const RULES = yaml<{
  groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }>;
}>('prometheus/tollgate.rules.yml');
const DATASOURCES = yaml<{ datasources: Array<{ type: string; url: string; uid: string }> }>(
  'grafana/provisioning/datasources/prometheus.yml',
);
const PROVIDERS = yaml<{ providers: Array<{ options: { path: string } }> }>(
  'grafana/provisioning/dashboards/tollgate.yml',
);
const DASHBOARD = JSON.parse(readFileSync(join(DEPLOY, 'grafana/tollgate.json'), 'utf8')) as {
  panels: Array<{ id: number; type: string; title: string; description?: string }>;
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
};
const OPERATIONS = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');

const tollgates = Object.entries(S).filter(([, s]) => s.build);
const networksOf = (s: Service): string[] =>
  Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});
const secretsOf = (s: Service) =>
  (s.secrets ?? []).map((x) =>
    typeof x === 'string'
      ? { source: x, target: `/run/secrets/${x}` }
      : {
          source: x.source,
          target: x.target?.startsWith('/') ? x.target : `/run/secrets/${x.target ?? x.source}`,
        },
  );
/** `./host/path:/container/path[:ro]` bind mounts of a service, as [host, container]. */
const binds = (s: Service): Array<[string, string]> =>
  (s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host, container] = v.split(':');
      return [host!, container!];
    });
/** The container path a file of the host is mounted at, if a bind mount covers it. */
function mountedAt(s: Service, hostPath: string): string | undefined {
  for (const [host, container] of binds(s)) {
    if (hostPath === host) return container;
    if (hostPath.startsWith(`${host}/`)) return container + hostPath.slice(host.length);
  }
  return undefined;
}
/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchors = new Set(
  [...OPERATIONS.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-'),
  ),
);

describe('the ops pack fits together', () => {
  it('Prometheus scrapes every tollgate service on the port it listens on, and nothing else', () => {
    const job = PROM.scrape_configs.find((j) => j.job_name === 'tollgate')!;
    const targets = job.static_configs.flatMap((c) => c.targets).sort();
    const expected = tollgates.map(([name, s]) => `${name}:${s.environment!.PORT}`).sort();
    assert.deepEqual(targets, expected);
    assert.equal(job.metrics_path, '/metrics');
    for (const [name, s] of tollgates) {
      assert.ok(
        networksOf(s).some((n) => networksOf(S.prometheus!).includes(n)),
        `Prometheus shares a network with ${name}`,
      );
    }
  });

  it('Prometheus finds its rules and the ops token tollgate checks, where its config says', () => {
    const prom = S.prometheus!;
    const config = /--config\.file=(\S+)/.exec((prom.command ?? []).join(' '))?.[1];
    assert.equal(config, mountedAt(prom, './prometheus/prometheus.yml'));
    const configDir = posix.dirname(config!);
    for (const rules of PROM.rule_files) {
      assert.equal(mountedAt(prom, `./prometheus/${rules}`), posix.join(configDir, rules), rules);
      assert.ok(existsSync(join(DEPLOY, 'prometheus', rules)), rules);
    }
    const tokenFile = posix.join(configDir, PROM.scrape_configs[0]!.authorization.credentials_file);
    const mounted = secretsOf(prom).find((x) => x.target === tokenFile);
    assert.ok(mounted, `a secret is mounted at ${tokenFile}`);
    for (const [name, s] of tollgates) {
      const opsToken = secretsOf(s).find((x) => x.target === s.environment!.OPS_TOKEN_FILE);
      assert.equal(opsToken?.source, mounted.source, `${name} checks the token Prometheus sends`);
    }
  });

  it('Grafana reaches Prometheus and loads the dashboard from where it is mounted', () => {
    const grafana = S.grafana!;
    const [source] = DATASOURCES.datasources;
    const url = new URL(source!.url);
    assert.equal(url.hostname, 'prometheus');
    assert.ok(networksOf(grafana).some((n) => networksOf(S.prometheus!).includes(n)));
    const prometheusPort = /:(\d+)\//.exec(S.prometheus!.healthcheck!.test.join(' '))?.[1];
    assert.equal(url.port, prometheusPort ?? '9090', 'the port Prometheus serves');
    assert.equal(mountedAt(grafana, './grafana/provisioning'), '/etc/grafana/provisioning');
    const dashboardAt = mountedAt(grafana, './grafana/tollgate.json');
    assert.ok(dashboardAt, 'the dashboard is mounted');
    assert.equal(posix.dirname(dashboardAt), PROVIDERS.providers[0]!.options.path);
    assert.equal(grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, dashboardAt);
    const variable = DASHBOARD.templating.list.find((v) => v.name === 'datasource');
    assert.equal(variable?.query, source!.type, 'the dashboard picks the provisioned data source');
  });

  it('both run in the observability profile only, on 127.0.0.1', () => {
    for (const [name, s] of Object.entries(S)) {
      const observability = ['prometheus', 'grafana'].includes(name);
      assert.deepEqual(s.profiles ?? [], observability ? ['observability'] : [], name);
    }
    assert.deepEqual(S.grafana!.ports, ['127.0.0.1:3000:3000']);
  });

  it('every bind mount exists, every secret is declared and used, every published port is unique', () => {
    for (const [name, s] of Object.entries(S)) {
      for (const [host] of binds(s)) assert.ok(existsSync(join(DEPLOY, host)), `${name}: ${host}`);
      for (const { source } of secretsOf(s)) assert.ok(COMPOSE.secrets[source], `${name}: ${source}`);
      for (const n of networksOf(s)) assert.ok(n in COMPOSE.networks, `${name}: network ${n}`);
      for (const v of s.volumes ?? []) {
        if (!v.startsWith('./')) assert.ok(v.split(':')[0]! in COMPOSE.volumes, `${name}: ${v}`);
      }
    }
    const used = new Set(Object.values(S).flatMap((s) => secretsOf(s).map((x) => x.source)));
    assert.deepEqual(Object.keys(COMPOSE.secrets).sort(), [...used].sort(), 'no secret is declared in vain');
    const setup = readFileSync(join(DEPLOY, 'setup-secrets.sh'), 'utf8');
    for (const { file } of Object.values(COMPOSE.secrets)) {
      assert.ok(setup.includes(file.replace('./secrets/', '')), `setup-secrets.sh makes ${file}`);
    }
    const hostPorts = Object.values(S).flatMap((s) =>
      (s.ports ?? []).map((p) => p.split(':').slice(0, 2).join(':')),
    );
    assert.equal(new Set(hostPorts).size, hostPorts.length);
  });

  it('TOTP and mail are wired through files', () => {
    for (const [name, s] of tollgates) {
      for (const [variable, secret] of [
        ['SECRETS_KEY_FILE', 'secrets_key'],
        ['SMTP_URL_FILE', 'smtp_url'],
      ] as const) {
        assert.equal(s.environment![variable], `/run/secrets/${secret}`, `${name}: ${variable}`);
        assert.ok(
          secretsOf(s).some((x) => x.source === secret),
          `${name} mounts ${secret}`,
        );
      }
    }
  });

  it('every alert links a runbook section of docs/operations.md that exists', () => {
    const alerts = RULES.groups.flatMap((g) => g.rules);
    assert.ok(alerts.length >= 10);
    for (const { alert, annotations } of alerts) {
      const url = annotations.runbook_url;
      assert.ok(url, `${alert} has a runbook_url`);
      const m = /\/docs\/operations\.md#([\w-]+)$/.exec(url);
      assert.ok(m, `${alert}: ${url} points into docs/operations.md`);
      assert.ok(anchors.has(m[1]!), `${alert}: #${m[1]} is a heading of docs/operations.md`);
    }
  });

  it('every dashboard panel says what it shows', () => {
    for (const p of DASHBOARD.panels.filter((x) => x.type !== 'row')) {
      assert.ok((p.description ?? '').length >= 20, `panel "${p.title}" (${p.id}) has a description`);
    }
  });
});
