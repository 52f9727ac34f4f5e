/**
 * Schemas of the passkey routes. The WebAuthn JSON the browser produces
 * (`PublicKeyCredential.toJSON()`, or the same built by hand) is checked for its shape
 * here and for its meaning by the verification (src/flows/login/passkey.ts, src/flows/factors/passkey-register.ts).
 */

const base64url = (maxLength: number) =>
  ({ type: 'string', pattern: '^[A-Za-z0-9_-]*$', maxLength }) as const;

/** What the browser answers with, common to both ceremonies. */
const credentialProperties = {
  id: { ...base64url(1366), minLength: 1 },
  rawId: { ...base64url(1366), minLength: 1 },
  type: { type: 'string', enum: ['public-key'] },
  authenticatorAttachment: { type: 'string', maxLength: 32 },
  clientExtensionResults: { type: 'object', additionalProperties: true },
} as const;

export const registrationResponse = {
  type: 'object',
  required: ['id', 'rawId', 'type', 'response'],
  additionalProperties: true,
  description: 'The credential `navigator.credentials.create` returned, as JSON (base64url binary fields)',
  properties: {
    ...credentialProperties,
    response: {
      type: 'object',
      required: ['clientDataJSON', 'attestationObject'],
      additionalProperties: true,
      properties: {
        clientDataJSON: base64url(4096),
        attestationObject: base64url(8192),
        transports: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 32 } },
      },
    },
  },
} as const;

export const authenticationResponse = {
  type: 'object',
  required: ['id', 'rawId', 'type', 'response'],
  additionalProperties: true,
  description: 'The credential `navigator.credentials.get` returned, as JSON (base64url binary fields)',
  properties: {
    ...credentialProperties,
    response: {
      type: 'object',
      required: ['clientDataJSON', 'authenticatorData', 'signature'],
      additionalProperties: true,
      properties: {
        clientDataJSON: base64url(4096),
        authenticatorData: base64url(4096),
        signature: base64url(2048),
        userHandle: base64url(128),
      },
    },
  },
} as const;

export const registerVerifyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['response'],
  properties: {
    response: registrationResponse,
    name: { type: 'string', maxLength: 64, description: 'A name for the owner\'s list (default "Passkey")' },
  },
} as const;

export const loginOptionsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    email: {
      type: 'string',
      minLength: 3,
      maxLength: 254,
      description: "Offer this account's passkeys; without it, any discoverable passkey may answer",
    },
  },
} as const;

export const loginVerifyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['response'],
  properties: { response: authenticationResponse },
} as const;

const credentialDescriptors = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'type'],
    properties: {
      id: { type: 'string' },
      type: { type: 'string' },
      transports: { type: 'array', items: { type: 'string' } },
    },
  },
} as const;

/** PublicKeyCredentialCreationOptionsJSON: pass to `navigator.credentials.create` (binary fields base64url). */
export const creationOptionsBody = {
  type: 'object',
  required: ['challenge', 'rp', 'user', 'pubKeyCredParams'],
  additionalProperties: true,
  properties: {
    challenge: { type: 'string' },
    rp: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    user: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' }, displayName: { type: 'string' } },
    },
    pubKeyCredParams: {
      type: 'array',
      items: { type: 'object', properties: { alg: { type: 'integer' }, type: { type: 'string' } } },
    },
    timeout: { type: 'integer' },
    excludeCredentials: credentialDescriptors,
    authenticatorSelection: { type: 'object', additionalProperties: true },
    attestation: { type: 'string' },
    extensions: { type: 'object', additionalProperties: true },
    hints: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** PublicKeyCredentialRequestOptionsJSON: pass to `navigator.credentials.get` (binary fields base64url). */
export const requestOptionsBody = {
  type: 'object',
  required: ['challenge'],
  additionalProperties: true,
  properties: {
    challenge: { type: 'string' },
    rpId: { type: 'string' },
    timeout: { type: 'integer' },
    allowCredentials: credentialDescriptors,
    userVerification: { type: 'string' },
    extensions: { type: 'object', additionalProperties: true },
    hints: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const registeredBody = {
  type: 'object',
  required: ['id', 'name', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const passkeysBody = {
  type: 'object',
  required: ['passkeys'],
  properties: {
    passkeys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'created_at', 'last_used_at', 'device_type', 'backed_up', 'transports'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          name: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
          last_used_at: { type: ['string', 'null'], format: 'date-time' },
          device_type: {
            type: 'string',
            enum: ['singleDevice', 'multiDevice'],
            description: '`multiDevice`: a synced passkey',
          },
          backed_up: { type: 'boolean' },
          transports: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

export const passkeyIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
