/**
 * The scripts behind the data-loss check of the Redis watch (src/store/redis/watch.ts):
 * `tg:epoch` holds the run id of the server on which every recorded session end was
 * last confirmed applied.
 */
import { defineScript } from '../../redis/scripts.js';

/** Lua: the run id of the Redis server running the script. */
const RUN_ID = `
local runId = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
`;

/**
 * KEYS: epoch. Returns {runId, confirmedRunId or false}: the server's run id and the run id
 * tollgate last confirmed (every recorded session end applied). Read-only. Runs on the
 * node that holds the key, so the two always describe the same server.
 */
export const READ_EPOCH = defineScript(
  'read_epoch',
  `${RUN_ID}
return {runId, redis.call('GET', KEYS[1])}
`,
  1,
);

/** KEYS: epoch. ARGV: runId. Confirms `runId` unless the server changed meanwhile. Returns 1 if confirmed. */
export const CONFIRM_EPOCH = defineScript(
  'confirm_epoch',
  `${RUN_ID}
if runId ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], runId)
return 1
`,
  1,
);
