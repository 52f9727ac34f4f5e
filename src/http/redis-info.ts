/** Parses the subset of `INFO` that /redis/stats reports. */
export interface RedisInfoSubset {
  connected_clients: number;
  used_memory_human: string;
  total_commands_processed: number;
  instantaneous_ops_per_sec: number;
  keyspace: Record<string, { keys: number; expires: number }>;
  redis_version: string;
  role: string;
  uptime_in_seconds: number;
}

export function parseRedisInfo(text: string): RedisInfoSubset {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  const num = (k: string): number => Number(fields.get(k) ?? 0) || 0;
  const keyspace: RedisInfoSubset['keyspace'] = {};
  for (const [k, v] of fields) {
    if (/^db\d+$/.test(k)) {
      const parts = Object.fromEntries(v.split(',').map((p) => p.split('=') as [string, string]));
      keyspace[k] = { keys: Number(parts.keys ?? 0), expires: Number(parts.expires ?? 0) };
    }
  }
  return {
    connected_clients: num('connected_clients'),
    used_memory_human: fields.get('used_memory_human') ?? '',
    total_commands_processed: num('total_commands_processed'),
    instantaneous_ops_per_sec: num('instantaneous_ops_per_sec'),
    keyspace,
    redis_version: fields.get('redis_version') ?? '',
    role: fields.get('role') ?? '',
    uptime_in_seconds: num('uptime_in_seconds'),
  };
}
