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
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
