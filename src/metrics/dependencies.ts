/**
 * What the service depends on to answer, and how often it could not:
 * `tollgate_dependency_unavailable_total{dependency, reason}` counts requests answered
 * 503 because a dependency (the session store, the accounts database) could not answer.
 * Every (dependency, reason) pair starts at 0, so `rate()` sees the first failure.
 *
 * Callers hand over the catalogue error (`StoreUnavailableError` and its subclasses
 * carry `dependency` and `reason`): `metrics.dependencies.unavailable(err)`.
 */
import { Counter, type Registry } from 'prom-client';
import type { StoreUnavailableError, UnavailableReason } from '../errors.js';

export type Dependency = StoreUnavailableError['dependency'];

/** Every dependency and reason: a Record makes the compiler check both lists are complete. */
const DEPENDENCIES: Record<Dependency, true> = { session_store: true, database: true };
const REASONS: Record<UnavailableReason, true> = {
  timeout: true,
  exhausted: true,
  disconnected: true,
  closed: true,
  error: true,
};

export interface DependencyFailure {
  readonly dependency: Dependency;
  readonly reason: UnavailableReason;
}

export interface DependencyMetrics {
  /** Counts one request answered 503 because `failure.dependency` could not answer. */
  unavailable(failure: DependencyFailure): void;
}

export function registerDependencyMetrics(registry: Registry): DependencyMetrics {
  const counter = new Counter({
    name: 'tollgate_dependency_unavailable_total',
    help: 'Requests answered 503 because a dependency (session_store, database) could not answer, by reason',
    labelNames: ['dependency', 'reason'] as const,
    registers: [registry],
  });
  for (const dependency of Object.keys(DEPENDENCIES)) {
    for (const reason of Object.keys(REASONS)) counter.inc({ dependency, reason }, 0);
  }
  return {
    unavailable({ dependency, reason }) {
      counter.inc({ dependency, reason });
    },
  };
}
