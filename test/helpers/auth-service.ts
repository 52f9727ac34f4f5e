/**
 * The session operations bound to one deps object built by hand, for tests that drive
 * them without HTTP (`new AuthService({...}).login(...)`). The service itself calls
 * the free functions of src/flows/ with the deps of the composition root.
 */
import { flowDeps, type FlowDepsOptions } from '../../src/compose.js';
import type { ClientInfo, FlowDeps, TokenPair } from '../../src/flows/deps.js';
import { completeMfaLogin } from '../../src/flows/login/mfa.js';
import type { MfaChallenge } from '../../src/flows/login/mfa-ticket.js';
import { login } from '../../src/flows/login/password.js';
import { register } from '../../src/flows/registration/register.js';
import { refresh } from '../../src/flows/sessions/refresh.js';

export class AuthService {
  readonly deps: FlowDeps;

  constructor(options: FlowDepsOptions) {
    this.deps = flowDeps(options);
  }

  register(email: string, password: string, client: ClientInfo): Promise<{ id: string; email: string }> {
    return register(this.deps, email, password, client);
  }

  login(email: string, password: string, client: ClientInfo): Promise<TokenPair | MfaChallenge> {
    return login(this.deps, email, password, client);
  }

  loginMfa(mfaToken: string, code: string, client: ClientInfo): Promise<TokenPair> {
    return completeMfaLogin(this.deps, mfaToken, code, client);
  }

  refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    return refresh(this.deps, refreshToken, client);
  }
}
