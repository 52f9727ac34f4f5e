/** Schemas of the account and administration routes. */
import { passkeysBody } from './passkeys.js';

export const profileBody = {
  type: 'object',
  required: ['id', 'email', 'email_verified', 'mfa_enabled', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    email_verified: { type: 'boolean' },
    mfa_enabled: { type: 'boolean' },
    roles: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const sessionsBody = {
  type: 'object',
  required: ['sessions'],
  properties: {
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'created_at', 'last_seen_at', 'ip', 'user_agent', 'current'],
        properties: {
          id: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
          last_seen_at: { type: 'string', format: 'date-time' },
          ip: { type: 'string' },
          user_agent: { type: 'string' },
          current: { type: 'boolean' },
        },
      },
    },
  },
} as const;

export const revokedBody = {
  type: 'object',
  required: ['revoked'],
  properties: { revoked: { type: 'integer' } },
} as const;

export const sessionIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } },
} as const;

export const userIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** `currentMax` bounds what is checked like a login; `newMax` is PASSWORD_MAX_LENGTH. */
export const changePasswordBody = (currentMax: number, newMax: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['current_password', 'new_password'],
    properties: {
      current_password: { type: 'string', minLength: 1, maxLength: currentMax },
      new_password: { type: 'string', minLength: 1, maxLength: newMax },
    },
  }) as const;

export const passwordBody = (passwordMax: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['password'],
    properties: { password: { type: 'string', minLength: 1, maxLength: passwordMax } },
  }) as const;

const accountProperties = {
  id: { type: 'string', format: 'uuid' },
  email: { type: 'string' },
  roles: { type: 'array', items: { type: 'string' } },
  disabled: { type: 'boolean' },
  email_verified: { type: 'boolean' },
  created_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
} as const;

export const accountBody = {
  type: 'object',
  required: ['id', 'email', 'roles', 'disabled', 'email_verified', 'created_at', 'updated_at'],
  properties: { ...accountProperties, sessions: { type: 'integer' }, revoked: { type: 'integer' } },
} as const;

export const userSearchQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 254 },
    cursor: { type: 'string', maxLength: 512 },
    limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100 (default 50)' },
  },
} as const;

export const userListBody = {
  type: 'object',
  required: ['users', 'next_cursor'],
  properties: {
    users: { type: 'array', items: { type: 'object', properties: accountProperties } },
    next_cursor: { type: ['string', 'null'] },
  },
} as const;

export const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    user_id: { type: 'string', maxLength: 64 },
    type: { type: 'string', maxLength: 64 },
    cursor: { type: 'string', maxLength: 512 },
    limit: { type: 'string', pattern: '^(200|1[0-9]{2}|[1-9][0-9]?)$', description: '1 to 200 (default 50)' },
  },
} as const;

export const auditListBody = {
  type: 'object',
  required: ['events', 'next_cursor'],
  properties: {
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'at', 'type', 'user_id', 'ip', 'detail'],
        properties: {
          id: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          type: { type: 'string' },
          user_id: { type: ['string', 'null'] },
          actor_id: { type: ['string', 'null'] },
          ip: { type: ['string', 'null'] },
          user_agent: { type: ['string', 'null'] },
          detail: { type: 'object', additionalProperties: true },
        },
      },
    },
    next_cursor: { type: ['string', 'null'] },
  },
} as const;

export const factorParams = {
  type: 'object',
  required: ['id', 'factor'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    factor: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: '`totp`, `passkeys` (every passkey), `all`, or the id of one passkey',
    },
  },
} as const;

export const factorsBody = {
  type: 'object',
  required: ['passkeys', 'totp'],
  properties: {
    passkeys: passkeysBody.properties.passkeys,
    totp: {
      type: ['object', 'null'],
      description: 'null when TOTP is off; `enabled: false` for a setup not confirmed yet',
      required: ['enabled', 'enabled_at', 'recovery_codes_left'],
      properties: {
        enabled: { type: 'boolean' },
        enabled_at: { type: ['string', 'null'], format: 'date-time' },
        recovery_codes_left: { type: 'integer' },
      },
    },
  },
} as const;

export const removedFactorsBody = {
  type: 'object',
  required: ['passkeys', 'totp'],
  properties: {
    passkeys: { type: 'integer', description: 'Passkeys removed' },
    totp: { type: 'boolean', description: 'Whether TOTP and its recovery codes were removed' },
  },
} as const;
