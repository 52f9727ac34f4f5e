import type { TollgateClaims } from './jwt.js';

/** The second half of verification: is the token's session still alive at tollgate? */
export interface SessionCheck {
  /** Resolves when alive; throws SessionEndedError (401) or an UnavailableError (503). */
  check(token: string, claims: TollgateClaims): Promise<void>;
  close(): Promise<void>;
}
