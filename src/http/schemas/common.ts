/** JSON schemas shared by the routes (and published in the OpenAPI document). */

export const errorBody = {
  $id: 'Error',
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'Stable error code (see docs/errors.md)' },
    message: { type: 'string' },
  },
} as const;

export const errorRef = { $ref: 'Error#' } as const;

export const tokenPair = {
  type: 'object',
  required: ['access_token', 'refresh_token', 'token_type', 'expires_in'],
  properties: {
    access_token: { type: 'string' },
    refresh_token: { type: 'string' },
    token_type: { type: 'string', enum: ['bearer'] },
    expires_in: { type: 'integer' },
  },
} as const;

export const credentials = (passwordMax: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['email', 'password'],
    properties: {
      email: { type: 'string', minLength: 3, maxLength: 254 },
      password: { type: 'string', minLength: 1, maxLength: passwordMax },
    },
  }) as const;

export const bearerSecurity = [{ bearerAuth: [] }];
export const opsSecurity = [{ opsToken: [] }];
/** REFRESH_COOKIE=on: the refresh-token cookie. */
export const cookieSecurity = [{ refreshCookie: [] }];

export const messageBody = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' } },
} as const;
