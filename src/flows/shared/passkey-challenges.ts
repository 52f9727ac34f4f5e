/**
 * WebAuthn challenges: 256 random bits, kept as single-use values in the store for five
 * minutes under the challenge itself, with what the ceremony was for. The browser signs
 * the challenge into `clientDataJSON`, so a response names its own challenge: taking
 * it (atomically, once) is what makes a response good for one verification only.
 */
import { randomBytes } from 'node:crypto';
import type { SingleUseValues } from '../../store/single-use.js';
import { keys } from '../../store/keys.js';

export const CHALLENGE_TTL_SECONDS = 300;

export type Ceremony = 'passkey-register' | 'passkey-login';

/** base64url of 32 bytes. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function newChallenge(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(randomBytes(32));
}

export async function keepChallenge(
  store: SingleUseValues,
  ceremony: Ceremony,
  challenge: string,
  value: unknown,
): Promise<void> {
  await store.putOnce(keys.oneTime(ceremony, challenge), JSON.stringify(value), CHALLENGE_TTL_SECONDS);
}

/** The challenge a response's `clientDataJSON` carries, when it is one of ours in shape. */
export function challengeOf(clientDataJSON: unknown): string | undefined {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 4096) return undefined;
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as unknown;
    const challenge = (data as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' && CHALLENGE.test(challenge) ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the challenge of a response (once: of concurrent takers exactly one gets it)
 * with the value kept for it; undefined when it is unknown, expired or used.
 */
export async function takeChallenge<T>(
  store: SingleUseValues,
  ceremony: Ceremony,
  clientDataJSON: unknown,
): Promise<{ challenge: string; value: T } | undefined> {
  const challenge = challengeOf(clientDataJSON);
  if (!challenge) return undefined;
  const kept = await store.takeOnce(keys.oneTime(ceremony, challenge));
  return kept === null ? undefined : { challenge, value: JSON.parse(kept) as T };
}
