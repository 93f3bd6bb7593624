# Throw-away PostgreSQL cluster on 127.0.0.1 (sourced by .ci/run; usable by hand:
#   source .ci/pg.sh && pg_start && echo $PG_URL ... pg_stop).
pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

pg_start() {
  local bin port dir
  bin=$(pg_bin)
  dir=$(mktemp -d /tmp/fa-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
  "${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres format_advisor_test
  export PG_DIR="$dir" PG_PORT="$port" PG_BIN="$bin" PG_RUN="${run[*]}"
  export PG_URL="postgresql://postgres@127.0.0.1:$port/format_advisor_test"
  echo "ci: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  $PG_RUN "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
