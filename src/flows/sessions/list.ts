/** The caller's sessions: list them, end one. */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { NotFoundError } from '../../errors.js';

export interface SessionView {
  id: string;
  created_at: string;
  last_seen_at: string;
  ip: string;
  user_agent: string;
  current: boolean;
}

export async function listSessions(
  deps: Pick<FlowDeps, 'store'>,
  claims: AccessClaims,
): Promise<SessionView[]> {
  const sessions = await deps.store.listSessions(claims.sub);
  return sessions.map((s) => ({
    id: s.sid,
    created_at: new Date(s.createdAt).toISOString(),
    last_seen_at: new Date(s.lastSeenAt).toISOString(),
    ip: s.ip,
    user_agent: s.userAgent,
    current: s.sid === claims.sid,
  }));
}

/** Ends one of the caller's own sessions (404 for anything else, so ids are not probed). */
export async function endSession(
  deps: Pick<FlowDeps, 'store' | 'events'>,
  claims: AccessClaims,
  sid: string,
  client: ClientInfo,
): Promise<void> {
  if (!(await deps.store.deleteSession(claims.sub, sid))) throw new NotFoundError('No such session');
  await deps.events.record('session_revoked', {
    userId: claims.sub,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { sid, current: sid === claims.sid },
  });
}
