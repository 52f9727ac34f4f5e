/**
 * Memory watch: RSS of the generator process (always) and of the target, either by PID
 * (the process and all its descendants, e.g. cluster workers; Linux /proc) or from a
 * numeric `rss` field in GET /health when the target publishes one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'undici';

const MB = 2 ** 20;

export function generatorRssMb(): number {
  return Math.round((process.memoryUsage().rss / MB) * 10) / 10;
}

function rssKbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Parent PID of every process (Linux). */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      /* the process went away */
    }
  }
  return children;
}

/** RSS (MB) of `pid` and its descendants; undefined when it cannot be read. */
export function processTreeRssMb(pid: number): number | undefined {
  if (rssKbOf(pid) === 0) return undefined;
  const children = parentMap();
  let kb = 0;
  const stack = [pid];
  for (let guard = 0; stack.length > 0 && guard < 10_000; guard++) {
    const p = stack.pop()!;
    kb += rssKbOf(p);
    stack.push(...(children.get(p) ?? []));
  }
  return Math.round((kb / 1024) * 10) / 10;
}

function findRss(value: unknown, depth: number): number | undefined {
  if (depth > 4 || typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (/rss/i.test(k) && typeof v === 'number' && v > 0) return /mb/i.test(k) ? v : v / MB;
    const inner = findRss(v, depth + 1);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** RSS (MB) reported by GET /health, if the target reports one. */
export async function healthRssMb(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  try {
    const res = await request(`${url}/health`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const body: unknown = await res.body.json();
    const mb = findRss(body, 0);
    return mb === undefined ? undefined : Math.round(mb * 10) / 10;
  } catch {
    return undefined;
  }
}
