/**
 * Typed readers over the environment. A reader never throws: a bad value is recorded as
 * an issue naming the variable and the fallback is used, so that `loadConfig` reports
 * every bad variable in one message instead of one per run.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Env } from './env-files.js';
import type { HostPort, TrustProxy } from './schema.js';

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

export class Reader {
  readonly #issues: ConfigIssue[] = [];

  constructor(
    private readonly env: Env,
    /** Where relative `*_FILE` paths are resolved. */
    readonly cwd: string,
  ) {}

  /** Records a problem with a variable (also used for checks across variables). */
  issue(variable: string, message: string): void {
    this.#issues.push({ variable, message });
  }

  /** Throws one ConfigError listing every issue, if there are any. */
  finish(): void {
    if (this.#issues.length > 0) throw new ConfigError(this.#issues);
  }

  /** The trimmed value; undefined when unset or blank. */
  raw(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  isSet(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) {
      this.issue(name, `must be a whole number, got "${v}"`);
      return fallback;
    }
    const n = Number(v);
    if (n < min || n > max) {
      this.issue(name, `must be between ${min} and ${max}, got ${n}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (TRUE.includes(l)) return true;
    if (FALSE.includes(l)) return false;
    this.issue(name, `must be true or false, got "${v}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T)) {
      this.issue(name, `must be one of ${allowed.join(', ')}, got "${v}"`);
      return fallback;
    }
    return v as T;
  }

  /** `host:port,host:port` (IPv6 hosts in brackets). */
  hostPortList(name: string): HostPort[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const out: HostPort[] = [];
    for (const part of value.split(',')) {
      const p = part.trim();
      const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(p);
      const port = Number(m?.[2]);
      if (!m || port < 1 || port > 65535) {
        this.issue(name, `expected a comma-separated list of host:port, got "${p}"`);
        continue;
      }
      out.push({ host: m[1]!, port });
    }
    return out;
  }

  /**
   * A secret given inline (`NAME`) or in a file (`NAME_FILE`, resolved against cwd);
   * never both. The file's content is trimmed of its final newline only.
   */
  secret(name: string, what = 'file'): string | undefined {
    const fileName = `${name}_FILE`;
    const inline = this.raw(name);
    const file = this.raw(fileName);
    if (inline && file) {
      this.issue(name, `set either ${name} or ${fileName}, not both`);
      return undefined;
    }
    if (inline) return inline;
    if (!file) return undefined;
    try {
      // An empty file is the same as no value (e.g. a mounted SMTP URL file left empty).
      const value = readFileSync(resolve(this.cwd, file), 'utf8').replace(/\r?\n$/, '');
      return value.trim() === '' ? undefined : value;
    } catch {
      this.issue(fileName, `cannot read the ${what} "${file}"`);
      return undefined;
    }
  }

  /**
   * Which proxies to trust for the client address: `false` (none: the socket address),
   * a hop count (`1` = the nearest proxy), or a comma-separated list of addresses/CIDRs.
   * `true` (trust any X-Forwarded-For) is accepted but lets clients pick their address.
   */
  trustProxy(name: string): TrustProxy {
    const v = this.raw(name);
    if (v === undefined) return false;
    const l = v.toLowerCase();
    if (FALSE.includes(l)) return false;
    if (l === 'true' || l === 'yes' || l === 'on') return true;
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops < 1 || hops > 32) {
        this.issue(name, `a hop count must be between 1 and 32, got ${hops}`);
        return false;
      }
      return hops;
    }
    const entries = v.split(',').map((s) => s.trim());
    const bad = entries.filter((e) => !isAddressOrCidr(e));
    if (bad.length > 0) {
      this.issue(
        name,
        `expected false, a hop count, or addresses/CIDRs separated by commas; not an address or CIDR: "${bad.join('", "')}"`,
      );
      return false;
    }
    return entries;
  }
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
