/** The audit log as an administrator reads it, newest first, a page at a time. */
import type { FlowDeps } from '../deps.js';
import { auditView, type AuditEventView } from './views.js';

export async function readAuditLog(
  deps: Pick<FlowDeps, 'directory'>,
  query: { userId?: string; type?: string; cursor?: string; limit: number },
): Promise<{ events: AuditEventView[]; next_cursor: string | null }> {
  const page = await deps.directory.listAudit(query);
  return { events: page.items.map(auditView), next_cursor: page.nextCursor };
}
