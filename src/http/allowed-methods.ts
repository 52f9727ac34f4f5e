/**
 * The methods each route path answers, for 405 answers: Fastify sends a known path asked
 * with another method to the not-found handler, which asks `allowedMethods(path)` and
 * answers 405 with `Allow` when the path is known. Collected from the `onRoute` hook, so
 * it must be installed before the routes are registered. Wildcard routes (CORS
 * preflight, the docs' static files) do not make a path known.
 */
import type { FastifyInstance } from 'fastify';

/** `/admin/users/:id` → a RegExp matching one concrete path of it. */
function patternOf(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

export function collectAllowedMethods(app: FastifyInstance): (path: string) => string[] {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    let entry = routes.get(route.url);
    if (!entry) {
      entry = { pattern: patternOf(route.url), methods: new Set() };
      routes.set(route.url, entry);
    }
    for (const method of ([] as string[]).concat(route.method)) entry.methods.add(method.toUpperCase());
  });
  return (path) => {
    const methods = new Set<string>();
    for (const { pattern, methods: m } of routes.values()) {
      if (pattern.test(path)) for (const method of m) methods.add(method);
    }
    return [...methods].sort();
  };
}
