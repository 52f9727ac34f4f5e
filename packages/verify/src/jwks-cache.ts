/**
 * tollgate's public keys (`/.well-known/jwks.json`), fetched once and kept in memory.
 *
 * - The set is fetched on first use and kept for `maxAgeMs`; past 80 % of that age it is
 *   refreshed in the background, so requests rarely wait for it.
 * - A token naming an unknown `kid` (tollgate rotated its key) triggers one refetch,
 *   but at most one fetch per `cooldownMs` (counted from the last attempt of any kind),
 *   and concurrent requests share one fetch: a flood of forged kids costs one fetch.
 * - Every fetch is bounded by `timeoutMs`. When no usable set can be had, the request
 *   fails closed with `JwksUnavailableError` (503), never accepted; after a failed
 *   fetch, requests within `retryMs` fail at once instead of fetching again.
 */
import { createLocalJWKSet, errors as joseErrors, type LocalJWKSet } from 'jose';
import type { FlattenedJWSInput, JSONWebKeySet, JWSHeaderParameters, CryptoKey } from 'jose';
import { JwksUnavailableError, TokenAlgorithmError, TokenKeyUnknownError } from './errors.js';
import { withTimeout } from './timeout.js';

export interface JwksCacheOptions {
  uri: URL;
  timeoutMs: number;
  cooldownMs: number;
  maxAgeMs: number;
  retryMs: number;
}

/** Largest key set accepted, in bytes. */
const MAX_JWKS_BYTES = 1024 * 1024;
const REFRESH_AHEAD = 0.8;

class JwksFetchTimeout extends Error {}

export class JwksCache {
  #local: LocalJWKSet | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptAt = Number.NEGATIVE_INFINITY;
  #lastFailed = false;
  #pending: Promise<void> | undefined;
  #fetches = 0;
  #generation = 0;

  constructor(private readonly options: JwksCacheOptions) {}

  /** How many times the key set has been requested from tollgate. */
  get fetches(): number {
    return this.#fetches;
  }

  /** Changes every time a new copy of the key set is taken into use. */
  get generation(): number {
    return this.#generation;
  }

  /** Fetches the key set now unless one is fresh (for start-up checks). */
  async ready(): Promise<void> {
    if (!this.#local || Date.now() - this.#fetchedAt >= this.options.maxAgeMs) await this.#load(true);
  }

  /** The verification key for a token header; the `jose` key-resolver contract. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    if (typeof header.kid !== 'string' || header.kid === '') throw new TokenKeyUnknownError();
    const age = Date.now() - this.#fetchedAt;
    if (!this.#local || age >= this.options.maxAgeMs) await this.#load(true);
    else if (age >= this.options.maxAgeMs * REFRESH_AHEAD) this.#refreshInBackground();

    try {
      return await this.#lookup(header, token);
    } catch (err) {
      if (!(err instanceof TokenKeyUnknownError)) throw err;
    }
    // Unknown kid: the key may be newer than our copy. Refetch, rate-limited.
    if (this.#pending) {
      await this.#pending.catch(() => undefined);
      if (this.#lastFailed) throw new JwksUnavailableError('error');
    } else if (Date.now() - this.#attemptAt >= this.options.cooldownMs) {
      await this.#load(false);
    } else if (this.#lastFailed) {
      throw new JwksUnavailableError('error');
    } else {
      throw new TokenKeyUnknownError();
    }
    return this.#lookup(header, token);
  };

  async #lookup(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    try {
      return await this.#local!(header, token);
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
        throw new TokenKeyUnknownError({ cause: err });
      }
      if (err instanceof joseErrors.JOSENotSupported) throw new TokenAlgorithmError({ cause: err });
      // A key in the set that cannot be imported is tollgate's problem, not the token's.
      throw new JwksUnavailableError('error', { cause: err });
    }
  }

  #refreshInBackground(): void {
    if (this.#pending) return;
    if (this.#lastFailed && Date.now() - this.#attemptAt < this.options.retryMs) return;
    this.#load(false).catch(() => undefined);
  }

  /** One fetch at a time; `required` loads fail at once within `retryMs` of a failure. */
  #load(required: boolean): Promise<void> {
    if (this.#pending) return this.#pending;
    if (required && this.#lastFailed && Date.now() - this.#attemptAt < this.options.retryMs) {
      return Promise.reject(new JwksUnavailableError('error'));
    }
    this.#attemptAt = Date.now();
    this.#fetches++;
    const pending = this.#fetch().then(
      (local) => {
        this.#local = local;
        this.#generation++;
        this.#fetchedAt = Date.now();
        this.#lastFailed = false;
      },
      (err: unknown) => {
        this.#lastFailed = true;
        throw new JwksUnavailableError(err instanceof JwksFetchTimeout ? 'timeout' : 'error', { cause: err });
      },
    );
    const settled = pending.finally(() => {
      if (this.#pending === settled) this.#pending = undefined;
    });
    this.#pending = settled;
    return settled;
  }

  async #fetch(): Promise<LocalJWKSet> {
    const controller = new AbortController();
    const attempt = (async () => {
      const res = await fetch(this.options.uri, {
        method: 'GET',
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'manual',
        signal: controller.signal,
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`the key set answered HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > MAX_JWKS_BYTES) {
        await res.body?.cancel();
        throw new Error('the key set is too large');
      }
      const text = await res.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error('the key set is too large');
      const json = JSON.parse(text) as unknown;
      if (!isKeySet(json)) throw new Error('the answer is not a JSON Web Key Set');
      return createLocalJWKSet(json);
    })();
    try {
      return await withTimeout(attempt, this.options.timeoutMs, () => {
        controller.abort();
        return new JwksFetchTimeout(`the key set did not answer within ${this.options.timeoutMs} ms`);
      });
    } finally {
      attempt.catch(() => undefined);
    }
  }
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  if (typeof value !== 'object' || value === null) return false;
  const keys = (value as { keys?: unknown }).keys;
  return Array.isArray(keys) && keys.every((k) => typeof k === 'object' && k !== null);
}
