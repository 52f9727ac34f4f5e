/**
 * Freezes an object and everything reachable from it (config objects, constant tables).
 * Byte buffers (keys) cannot be frozen and are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
