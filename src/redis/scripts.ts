/**
 * Lua scripts: `defineScript` computes the SHA1 once; the pool runs scripts with
 * EVALSHA and falls back to EVAL on NOSCRIPT (a NOSCRIPT reply proves nothing ran).
 */
import { createHash } from 'node:crypto';
import type { LuaScript, RedisArg } from './types.js';

export function defineScript(name: string, source: string, numberOfKeys: number): LuaScript {
  if (!Number.isInteger(numberOfKeys) || numberOfKeys < 0) {
    throw new TypeError(`script ${name}: numberOfKeys must be a non-negative integer`);
  }
  const sha1 = createHash('sha1').update(source, 'utf8').digest('hex');
  return Object.freeze({ name, source, sha1, numberOfKeys });
}

export function evalShaArgs(
  script: LuaScript,
  keys: readonly string[],
  args: readonly RedisArg[],
): RedisArg[] {
  return ['EVALSHA', script.sha1, String(keys.length), ...keys, ...args];
}

export function evalArgs(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): RedisArg[] {
  return ['EVAL', script.source, String(keys.length), ...keys, ...args];
}

/** Checks the key count against the definition (a wrong count would silently misroute). */
export function assertKeyCount(script: LuaScript, keys: readonly string[]): void {
  if (keys.length !== script.numberOfKeys) {
    throw new TypeError(`script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
  }
}
