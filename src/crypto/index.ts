export {
  generateTotpSecret,
  generateTotpCode,
  normaliseTotpCode,
  totpCodeAtStep,
  totpStep,
  totpUri,
  verifyTotp,
  TOTP_ALGORITHM,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TOTP_WINDOW,
  type TotpUriInput,
  type VerifyTotpInput,
} from './totp.js';
export { SecretBox, parseSecretsKey, secretsKeyId, type SecretBoxOptions } from './secret-box.js';
export {
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
  verifyRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery-codes.js';
