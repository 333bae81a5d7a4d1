#!/usr/bin/env bash
# Builds the PostgreSQL image of the Docker test stack from this machine's own PostgreSQL 15
# (Debian's postgresql-15: .ci/run installs it), since no image can be pulled: the server,
# psql and pg_isready at Debian's paths, the libraries ldd names, a shell for the entrypoint,
# imported with `docker import`. Like the app's `db` service: POSTGRES_USER and POSTGRES_DB
# set up on first start, psql over the local socket without a password.
#
#   tests/stack/pg-image.sh TAG
set -euo pipefail
tag="${1:?usage: pg-image.sh TAG}"
pg=/usr/lib/postgresql/15
[[ -x "$pg/bin/postgres" ]] || {
  echo "PostgreSQL 15 is not installed here ($pg/bin/postgres): apt-get install postgresql-15" >&2
  exit 3
}
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql" "$root/bin" "$root/usr/bin" \
  "$root/usr/local/bin" "$root/etc" "$root/tmp" "$root/var/run/postgresql" "$root/var/lib/postgresql"
cp -aL "$pg" "$root/usr/lib/postgresql/"
cp -aL /usr/share/postgresql/15 "$root/usr/share/postgresql/"
cp -aL /usr/share/zoneinfo "$root/usr/share/"
cp -L /bin/sh "$root/bin/sh"
for tool in psql pg_isready; do ln -s "$pg/bin/$tool" "$root/usr/bin/$tool"; done

# Every library the programs and the server's modules load, at the path the loader asks for.
{ ldd /bin/sh; for f in "$pg"/bin/* "$pg"/lib/*.so; do ldd "$f" 2>/dev/null || true; done; } |
  awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u |
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh
PASSWD
printf 'root:x:0:\npostgres:x:999:\n' > "$root/etc/group"
cat > "$root/usr/local/bin/pg-entrypoint" <<'ENTRY'
#!/bin/sh
# First start: a cluster whose superuser is POSTGRES_USER (local connections trusted, as the
# app's db container allows), and the database POSTGRES_DB. Then the server, in the foreground.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --auth=trust --encoding=UTF8 --locale=C >/dev/null
  printf 'CREATE DATABASE "%s";\n\n' "$POSTGRES_DB" | postgres --single -j -D "$PGDATA" postgres >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql
ENTRY
chmod 755 "$root/usr/local/bin/pg-entrypoint"
chmod 1777 "$root/tmp"
chown -R 999:999 "$root/var/run/postgresql" "$root/var/lib/postgresql"

tar --numeric-owner -C "$root" -cf - . | docker import \
  --change "ENV PATH=/usr/local/bin:$pg/bin:/usr/bin:/bin" \
  --change "ENV PGDATA=/var/lib/postgresql/data" \
  --change "ENV TZ=UTC" \
  --change "USER postgres" \
  --change 'CMD ["pg-entrypoint"]' \
  --change "LABEL org.opencontainers.image.title=cleanops-test-postgres" \
  - "$tag" >/dev/null
echo "$tag"
