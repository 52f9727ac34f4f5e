/**
 * Checking a second factor: a TOTP code (±1 step, each step accepted once, even across
 * workers: the database advances `last_step` with a compare-and-set) or, once TOTP is
 * on, one of the recovery codes (each used once, the same way).
 */
import type { FlowDeps } from '../deps.js';
import { FeatureDisabledError } from '../../errors.js';
import { verifyRecoveryCode } from '../../crypto/recovery-codes.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { TotpFactor } from '../../persistence/totp-factors.js';
import { normaliseTotpCode, verifyTotp } from '../../crypto/totp.js';

export type FactorUsed = 'totp' | 'recovery_code';

/** The secrets box, or 403 `feature_disabled` (production without SECRETS_KEY has no TOTP). */
export function requireSecrets(deps: Pick<FlowDeps, 'secrets'>): SecretBox {
  if (!deps.secrets) {
    throw new FeatureDisabledError('Two-factor login is off on this server (SECRETS_KEY is not configured)');
  }
  return deps.secrets;
}

export const totpContext = (userId: string): string => `totp:${userId}`;

/** The factor's base32 secret (resealed under the current key when an older one sealed it). */
export async function openTotpSecret(
  deps: Pick<FlowDeps, 'totp' | 'secrets'>,
  factor: TotpFactor,
): Promise<string> {
  const box = requireSecrets(deps);
  const context = totpContext(factor.userId);
  const secret = box.open(factor.secretSealed, context);
  if (box.needsReseal(factor.secretSealed)) {
    await deps.totp.reseal(factor.userId, factor.secretSealed, box.seal(secret, context));
  }
  return secret;
}

/**
 * Which factor `code` satisfied, or null. `enabled` false checks the first code of a
 * factor being turned on (TOTP only).
 */
export async function checkSecondFactor(
  deps: Pick<FlowDeps, 'totp' | 'secrets'>,
  factor: TotpFactor,
  code: string,
  enabled: boolean,
): Promise<FactorUsed | null> {
  const secret = await openTotpSecret(deps, factor);
  if (normaliseTotpCode(code) !== null) {
    const match = verifyTotp({ secret, code, afterStep: factor.lastStep });
    if (match && (await deps.totp.claimStep(factor.userId, match.step, enabled))) return 'totp';
    return null;
  }
  if (!enabled) return null;
  const hashes = await deps.totp.unusedRecoveryCodes(factor.userId);
  const index = verifyRecoveryCode(code, hashes);
  if (index >= 0 && (await deps.totp.useRecoveryCode(factor.userId, hashes[index]!))) {
    return 'recovery_code';
  }
  return null;
}
