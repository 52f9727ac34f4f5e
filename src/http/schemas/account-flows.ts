/** Schemas of password reset, email verification, email change, TOTP and re-authentication routes. */

/** A mailed link's token: 256 bits, base64url. */
const linkToken = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  description: 'The `token` query parameter of the mailed link',
} as const;

/** A 6-digit TOTP code, or (where accepted) a recovery code such as `k7qm-2xhd-9r4t-bw3e`. */
const code = { type: 'string', minLength: 1, maxLength: 64 } as const;

export const emailBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: { email: { type: 'string', minLength: 3, maxLength: 254 } },
} as const;

export const acceptedBody = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' } },
} as const;

export const resetBody = (passwordMax: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['token', 'new_password'],
    properties: {
      token: linkToken,
      new_password: { type: 'string', minLength: 1, maxLength: passwordMax },
      keep_factors: {
        type: 'boolean',
        default: false,
        description:
          'Keep the passkeys and TOTP of the account (default: remove them). Ignored for an account whose address was not verified before the reset: its factors are always removed.',
      },
    },
  }) as const;

export const resetResultBody = {
  type: 'object',
  required: ['revoked', 'factors_removed'],
  properties: {
    revoked: { type: 'integer', description: 'Sessions ended' },
    factors_removed: {
      type: 'object',
      required: ['passkeys', 'totp'],
      properties: {
        passkeys: { type: 'integer', description: 'Passkeys removed' },
        totp: { type: 'boolean', description: 'Whether TOTP (and its recovery codes) was removed' },
      },
    },
  },
} as const;

export const reauthBody = (passwordMax: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: {
      password: { type: 'string', minLength: 1, maxLength: passwordMax },
      code: { ...code, description: 'A TOTP code or a recovery code (with TOTP on)' },
    },
  }) as const;

export const reauthenticatedBody = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'auth_time', 'amr'],
  properties: {
    access_token: {
      type: 'string',
      description: 'A new access token of the same session, with the new auth_time',
    },
    token_type: { type: 'string', enum: ['bearer'] },
    expires_in: { type: 'integer' },
    auth_time: { type: 'integer', description: 'When the proof was made (seconds since the epoch)' },
    amr: { type: 'array', items: { type: 'string' }, description: 'RFC 8176 methods of the proof' },
  },
} as const;

export const tokenBody = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: linkToken },
} as const;

export const verifiedBody = {
  type: 'object',
  required: ['email', 'email_verified'],
  properties: { email: { type: 'string' }, email_verified: { type: 'boolean', enum: [true] } },
} as const;

export const codeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['code'],
  properties: { code },
} as const;

export const mfaLoginBody = {
  type: 'object',
  additionalProperties: false,
  required: ['mfa_token', 'code'],
  properties: { mfa_token: { type: 'string', minLength: 1, maxLength: 128 }, code },
} as const;

export const mfaChallengeBody = {
  type: 'object',
  required: ['mfa_required', 'mfa_token', 'expires_in'],
  properties: {
    mfa_required: { type: 'boolean', enum: [true] },
    mfa_token: { type: 'string', description: 'Send it with a code to POST /auth/login/mfa' },
    expires_in: { type: 'integer', description: 'Seconds the mfa_token is valid' },
  },
} as const;

export const totpSetupBody = {
  type: 'object',
  required: ['secret', 'otpauth_uri'],
  properties: {
    secret: { type: 'string', description: 'base32, for manual entry in an authenticator app' },
    otpauth_uri: { type: 'string', description: 'otpauth://totp/... for a QR code' },
  },
} as const;

export const recoveryCodesBody = {
  type: 'object',
  required: ['recovery_codes'],
  properties: {
    recovery_codes: {
      type: 'array',
      minItems: 10,
      maxItems: 10,
      items: { type: 'string' },
      description: 'Shown this once: each signs in once in place of a TOTP code',
    },
  },
} as const;
