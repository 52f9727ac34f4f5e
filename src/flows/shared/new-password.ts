/**
 * The one gate for a password about to become an account's: well-formed and within the
 * length rules (400 `invalid_request`), then the password policy (400 `weak_password`).
 * Registration, password change and password reset call it before hashing.
 */
import type { FlowDeps } from '../deps.js';
import { checkNewPassword } from '../../auth/password-input.js';

export async function acceptNewPassword(
  deps: Pick<FlowDeps, 'config' | 'passwordPolicy'>,
  password: string,
  account: { email: string },
): Promise<void> {
  checkNewPassword(deps.config, password);
  await deps.passwordPolicy.check(password, { email: account.email });
}
