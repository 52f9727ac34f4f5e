/** GET /auth/me: the caller's account as its owner sees it. */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps } from '../deps.js';
import { InvalidTokenError } from '../../errors.js';

export interface Profile {
  id: string;
  email: string;
  email_verified: boolean;
  mfa_enabled: boolean;
  roles: string[];
  created_at: string;
}

export async function profile(deps: Pick<FlowDeps, 'directory'>, claims: AccessClaims): Promise<Profile> {
  const account = await deps.directory.findById(claims.sub);
  // A live session of an account that is gone or disabled is ended with it.
  if (!account || account.disabled) throw new InvalidTokenError();
  return {
    id: account.id,
    email: account.email,
    email_verified: account.emailVerified,
    mfa_enabled: account.mfaEnabled,
    roles: account.roles,
    created_at: account.createdAt.toISOString(),
  };
}
