/** Creating an account. */
import { randomUUID } from 'node:crypto';
import { EmailTakenError, InvalidRequestError, RegistrationDisabledError } from '../errors.js';
import type { AuthDeps } from './deps.js';
import { parseEmail } from './email.js';
import { acceptNewPassword } from './new-password.js';
import { normalisePassword } from './password-input.js';

export async function register(
  deps: AuthDeps,
  emailInput: string,
  password: string,
): Promise<{ id: string; email: string }> {
  if (!deps.config.allowRegistration) throw new RegistrationDisabledError();
  const email = parseEmail(emailInput);
  if (!email) throw new InvalidRequestError('email must be a valid email address');
  await acceptNewPassword(deps, password, { email });
  const user = {
    id: randomUUID(),
    email,
    passwordHash: await deps.hashing.run(() => deps.hasher.hash(normalisePassword(password))),
    createdAt: Date.now(),
  };
  if (!(await deps.store.createUser(user))) throw new EmailTakenError();
  deps.onEvent('register');
  return { id: user.id, email: user.email };
}
