/**
 * The versioned schema of the accounts database, oldest first. A migration is applied
 * once, in order, and never edited after it shipped: changes are new migrations.
 * Each is a list of statements (both engines run them one by one).
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts and audit log',
    statements: [
      `CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        password_hash text,
        roles text[] NOT NULL DEFAULT '{}',
        disabled boolean NOT NULL DEFAULT false,
        email_verified boolean NOT NULL DEFAULT false,
        security_stamp uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // Emails are stored normalised (src/auth/email.ts); the database enforces one account each.
      `CREATE UNIQUE INDEX users_email_key ON users (email)`,
      `CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        type text NOT NULL,
        user_id uuid,
        actor_id uuid,
        ip text,
        user_agent text,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
      )`,
      `CREATE INDEX audit_events_user_idx ON audit_events (user_id, id DESC)`,
      `CREATE INDEX audit_events_type_idx ON audit_events (type, id DESC)`,
      `CREATE INDEX audit_events_at_idx ON audit_events (at)`,
    ],
  },
  {
    version: 2,
    name: 'single-use tokens and TOTP',
    statements: [
      // Password-reset and email-verification tokens: only their SHA-256 is kept.
      `CREATE TABLE one_time_tokens (
        token_hash text PRIMARY KEY,
        purpose text NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        email text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, purpose)`,
      `CREATE INDEX one_time_tokens_expires_idx ON one_time_tokens (expires_at)`,
      // The TOTP secret is sealed (AES-256-GCM under SECRETS_KEY); last_step refuses a replayed code.
      `CREATE TABLE totp_factors (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        secret_sealed text NOT NULL,
        enabled_at timestamptz,
        last_step bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE recovery_codes (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (user_id, code_hash)
      )`,
    ],
  },
  {
    version: 3,
    name: 'passkeys',
    statements: [
      // WebAuthn credentials: the public key, the signature counter (a regression means a
      // cloned authenticator) and the backup flags the authenticator reports.
      `CREATE TABLE passkeys (
        id uuid PRIMARY KEY,
        credential_id text NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        public_key bytea NOT NULL,
        counter bigint NOT NULL DEFAULT 0,
        transports text[] NOT NULL DEFAULT '{}',
        device_type text NOT NULL,
        backed_up boolean NOT NULL DEFAULT false,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`,
      `CREATE UNIQUE INDEX passkeys_credential_id_key ON passkeys (credential_id)`,
      `CREATE INDEX passkeys_user_idx ON passkeys (user_id, created_at)`,
    ],
  },
  {
    version: 4,
    name: 'session revocation log',
    statements: [
      // Every acknowledged end of a session, kept until the session could no longer be alive
      // (expires_at), and replayed into Redis when Redis may have lost writes
      // (docs/sessions.md). session_id NULL: every session of the user but
      // keep_session_id, ended by writing generation `id`. No foreign key: the rows of a
      // deleted account must outlive it.
      `CREATE TABLE session_revocations (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        session_id text,
        keep_session_id text,
        revoked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        expires_at timestamptz NOT NULL
      )`,
      `CREATE INDEX session_revocations_expires_idx ON session_revocations (expires_at)`,
      `CREATE INDEX session_revocations_user_idx ON session_revocations (user_id, revoked_at)`,
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
