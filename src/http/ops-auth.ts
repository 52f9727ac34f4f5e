/** Guards the operations routes with `Authorization: Bearer $OPS_TOKEN` when OPS_TOKEN is set. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function opsGuard(opsToken: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = opsToken === undefined ? undefined : digest(opsToken);
  return (request) => {
    if (!expected) return Promise.resolve();
    const m = /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) return Promise.reject(new UnauthorizedError());
    return Promise.resolve();
  };
}
