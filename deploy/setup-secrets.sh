#!/bin/sh
# Creates the secret files that docker-compose.yml mounts, in ./secrets next to this
# script (or in the directory given as the first argument): the directory mode 700,
# every file mode 600 (640 where a second service reads it). A file that already exists
# is kept, so running it again is safe; delete a file to make it anew.
#
#   jwt-signing-key.pem  Ed25519 signing key (PKCS#8 PEM)        JWT_PRIVATE_KEY_FILE
#   ops-token            bearer token for /metrics, /health/redis OPS_TOKEN_FILE (640: Prometheus)
#   redis-password       Redis requirepass                        REDIS_PASSWORD_FILE
#   postgres-password    password of the tollgate database role   (PostgreSQL only)
#   database-url         postgres://tollgate:<password>@postgres:5432/tollgate  DATABASE_URL_FILE
#   secrets-key          32 random bytes, hex: seals TOTP secrets SECRETS_KEY_FILE
#   smtp-url             your SMTP server: $SMTP_URL when set, else empty (no mail)  SMTP_URL_FILE
#   grafana-admin-password  Grafana's admin password (observability profile; 640: Grafana)
#
# Mail: run with SMTP_URL=smtp://user:password@mail.example.com:587 to write smtp-url,
# or write the URL into it later (no final newline needed) and restart the instances.
#
# Compose mounts file secrets with their owner and mode unchanged, so the files must
# belong to the user that reads them: uid 1000, the image's `node` user (Redis and
# PostgreSQL read theirs as root before dropping privileges). Run this as root (sudo)
# and it gives them to 1000:1000 (SECRETS_OWNER=uid:gid to choose another, e.g. with
# user-namespace remapping); run it as uid 1000 and they are already its own.
# Needs openssl.
set -eu
umask 077

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/secrets}
owner=${SECRETS_OWNER:-1000:1000}

if ! command -v openssl >/dev/null 2>&1; then
  echo "setup-secrets: openssl is needed (Debian: apt-get install openssl)" >&2
  exit 1
fi

mkdir -p "$dir"
chmod 700 "$dir"

# create NAME GENERATOR [MODE]: writes GENERATOR's output to NAME unless NAME exists and
# is non-empty; then gives it MODE (default 600).
create() {
  file="$dir/$1"
  if [ -s "$file" ]; then
    echo "kept     $file"
  else
    "$2" >"$file.tmp"
    mv "$file.tmp" "$file"
    echo "created  $file"
  fi
  chmod "${3:-600}" "$file"
}

random_hex() { printf '%s' "$(openssl rand -hex 32)"; }
signing_key() { openssl genpkey -algorithm ed25519; }
database_url() { printf 'postgres://tollgate:%s@postgres:5432/tollgate' "$(cat "$dir/postgres-password")"; }

create jwt-signing-key.pem signing_key
create ops-token random_hex 640
create redis-password random_hex
create postgres-password random_hex
create database-url database_url
create secrets-key random_hex
create grafana-admin-password random_hex 640

# smtp-url: $SMTP_URL, or kept as it is; an empty file means no account mail.
if [ -n "${SMTP_URL:-}" ]; then
  printf '%s' "$SMTP_URL" >"$dir/smtp-url.tmp"
  mv "$dir/smtp-url.tmp" "$dir/smtp-url"
  echo "written  $dir/smtp-url"
elif [ -e "$dir/smtp-url" ]; then
  echo "kept     $dir/smtp-url"
else
  : >"$dir/smtp-url"
  echo "created  $dir/smtp-url (empty: no account mail; write your SMTP URL into it)"
fi
chmod 600 "$dir/smtp-url"

if [ "$(cat "$dir/database-url")" != "$(database_url)" ]; then
  echo "setup-secrets: $dir/database-url does not hold the password in $dir/postgres-password;" >&2
  echo "  delete database-url and run this again" >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  chown "$owner" "$dir" "$dir"/*
  echo "owner    $owner"
elif [ "$(id -u):$(id -g)" != "$owner" ]; then
  echo "setup-secrets: the files belong to $(id -u):$(id -g), but tollgate reads them as $owner;" >&2
  echo "  run: sudo chown $owner $dir $dir/*" >&2
fi
