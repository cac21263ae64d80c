#!/usr/bin/env bash
# Real services for the end-to-end tests: a throwaway PostgreSQL cluster, Podman
# behind the Docker Engine API, a local registry, and the test images in it.
#
#   scripts/test-services.sh start    # idempotent; prints `export VAR=...` lines
#   scripts/test-services.sh status   # exit 0 when every service answers
#   scripts/test-services.sh stop     # stops everything start started
#   scripts/test-services.sh registry-stop   # a registry outage: stops only the registry
#   scripts/test-services.sh registry-start  # ends it: same address, same storage, so
#                                            # pushed images are still there
#
#   eval "$(scripts/test-services.sh start)"
#
# Everything lives in one state dir (TARMAC_TEST_STATE_DIR, default
# $PWD/.tarmac-test): configs, data, pid files, logs, and `env` (the exports).
# Nothing is written under /etc. stdout carries only the exports; progress goes
# to stderr, daemon output to $STATE/logs/.
# Facts this relies on (runc not crun, ulimits, cgroupfs, ...) are in
# /work/shared/ENVIRONMENT.md.
set -euo pipefail

STATE=${TARMAC_TEST_STATE_DIR:-$PWD/.tarmac-test}
PG_PORT=${TARMAC_TEST_PG_PORT:-55432}
REGISTRY_ADDR=127.0.0.1:${TARMAC_TEST_REGISTRY_PORT:-5000}
# A second registry address Podman trusts, not started here: a test runs its own
# registry there and stops it for an outage without disturbing the shared one.
OUTAGE_REGISTRY_ADDR=127.0.0.1:${TARMAC_TEST_OUTAGE_REGISTRY_PORT:-5001}
# Bump when the test images' contents change, so start rebuilds them.
IMAGE_RECIPE=2

log() { printf 'test-services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A pid file names a live process. Zombies count as dead: PID 1 on these
# machines reaps orphans only after a while, and kill -0 succeeds on a zombie.
running() { # pid
  local state
  state=$(sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}
alive() { [[ -s $1 ]] && running "$(cat "$1")"; }

# Polls a command until it succeeds; on timeout prints the log tail and fails.
wait_until() { # description timeout_s logfile command...
  local what=$1 timeout=$2 logfile=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      [[ -f $logfile ]] && tail -n 30 "$logfile" >&2
      die "$what not ready after ${timeout}s (log: $logfile)"
    fi
    sleep 0.1
  done
}

# Stops the process in a pid file: SIGTERM, then SIGKILL after a grace period.
stop_pidfile() { # name pidfile
  local name=$1 pidfile=$2 pid
  if alive "$pidfile"; then
    pid=$(cat "$pidfile")
    log "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then log "$name ignored SIGTERM for 10s, killing"; kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

# Starts a daemon detached from the caller: own session, no stdin, output to a
# log file (a daemon holding stdout would make `$(... start)` wait forever).
daemon() { # pidfile logfile command...
  local pidfile=$1 logfile=$2; shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do [[ -x $dir/pg_ctl ]] && { echo "$dir"; return; }; done
  die "no PostgreSQL in /usr/lib/postgresql (run scripts/install-test-deps.sh)"
}

# PostgreSQL's directory must be reachable by the postgres user; a state dir
# under /root is not, so the cluster then lives in /tmp (path kept in pg.path).
pg_dir() {
  if [[ -s $STATE/pg.path ]]; then cat "$STATE/pg.path"; return; fi
  local dir=$STATE/pg
  if ! runuser -u postgres -- test -x "$STATE"; then
    dir=$(mktemp -d /tmp/tarmac-test-pg.XXXXXX)
  fi
  echo "$dir" >"$STATE/pg.path"
  echo "$dir"
}

export_containers_env() {
  export CONTAINERS_STORAGE_CONF=$STATE/containers/storage.conf
  export CONTAINERS_CONF=$STATE/containers/containers.conf
  export CONTAINERS_REGISTRIES_CONF=$STATE/containers/registries.conf
}

write_containers_conf() {
  local c=$STATE/containers
  mkdir -p "$c/storage" "$c/run" "$c/tmp" "$c/networks"
  cat >"$c/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$c/run"
graphroot = "$c/storage"
EOF
  # tmp_dir and network_config_dir are ours too, so this engine shares no state
  # with another Podman on the machine (only /dev/shm/libpod_lock, which is safe).
  cat >"$c/containers.conf" <<EOF
[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$c/tmp/events.log"
runtime = "runc"
tmp_dir = "$c/tmp"

[network]
network_config_dir = "$c/networks"
EOF
  cat >"$c/registries.conf" <<EOF
unqualified-search-registries = []

[[registry]]
location = "$REGISTRY_ADDR"
insecure = true

[[registry]]
location = "$OUTAGE_REGISTRY_ADDR"
insecure = true
EOF
}

start_postgres() {
  local bin dir url
  bin=$(pg_bin)
  dir=$(pg_dir)
  if runuser -u postgres -- "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
    log "postgres already running ($dir)"
  else
    if pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
      die "port $PG_PORT is taken by another PostgreSQL; set TARMAC_TEST_PG_PORT"
    fi
    if [[ ! -f $dir/data/PG_VERSION ]]; then
      log "initdb in $dir/data"
      mkdir -p "$dir"
      chown postgres:postgres "$dir"
      runuser -u postgres -- sh -c "echo postgres >'$dir/pwfile'"
      runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        >"$STATE/logs/initdb.log" 2>&1 || { tail -n 30 "$STATE/logs/initdb.log" >&2; die "initdb failed"; }
    fi
    log "starting postgres on 127.0.0.1:$PG_PORT"
    # fsync and friends off: a test cluster is thrown away, durability buys nothing.
    runuser -u postgres -- "$bin/pg_ctl" start -w -t 30 -D "$dir/data" -l "$dir/postgres.log" \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='$dir' \
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      >&2 || { tail -n 30 "$dir/postgres.log" >&2; die "postgres did not start (log: $dir/postgres.log)"; }
  fi
  ln -sf "$dir/postgres.log" "$STATE/logs/postgres.log"
  wait_until postgres 30 "$dir/postgres.log" pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
}

start_engine() {
  local sock=$STATE/podman.sock
  if alive "$STATE/podman.pid" && curl -sf --unix-socket "$sock" http://d/_ping >/dev/null; then
    log "podman service already running"
    return
  fi
  stop_pidfile "podman service" "$STATE/podman.pid"
  rm -f "$sock"
  log "starting podman service on $sock"
  daemon "$STATE/podman.pid" "$STATE/logs/podman.log" podman system service --time=0 "unix://$sock"
  wait_until "podman service" 30 "$STATE/logs/podman.log" curl -sf --unix-socket "$sock" http://d/_ping
}

start_registry() {
  local url=http://$REGISTRY_ADDR/v2/
  if alive "$STATE/registry.pid" && curl -sf "$url" >/dev/null; then
    log "registry already running"
    return
  fi
  stop_pidfile registry "$STATE/registry.pid"
  if curl -s -o /dev/null "$url"; then
    die "$REGISTRY_ADDR is taken by another process; set TARMAC_TEST_REGISTRY_PORT"
  fi
  mkdir -p "$STATE/registry/data"
  cat >"$STATE/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
  log "starting registry on $REGISTRY_ADDR"
  daemon "$STATE/registry.pid" "$STATE/logs/registry.log" docker-registry serve "$STATE/registry/config.yml"
  wait_until registry 30 "$STATE/logs/registry.log" curl -sf "$url"
}

# The command of the v1/v2 images: busybox httpd serving /www on $PORT (default 18080).
HTTPD_CMD='CMD ["/bin/sh","-c","exec /bin/httpd -f -p ${PORT:-18080} -h /www"]'
# The :bad image: a release whose container exits at once (failed-health tests).
BAD_CMD='CMD ["/bin/sh","-c","echo tarmac-test bad release: exiting >&2; exit 1"]'

# The CGI /cgi-bin/app of every test image: answers <body> with 200, or 500 for about
# <failing_percent>% of the requests, and writes one Common Log Format line per request
# to stderr. busybox httpd writes no access log itself; with -f the CGI's stderr is the
# container's stderr, so the lines reach the engine's log (agent signals read them).
write_cgi() { # path body failing_percent
  {
    echo '#!/bin/sh'
    printf "body='%s' failing_percent=%d\n" "$2" "$3"
    cat <<'EOF'
status=200 reason=OK
if [ $((RANDOM % 100)) -lt "$failing_percent" ]; then
  status=500 reason='Internal Server Error' body="$body: failed"
fi
# busybox gives IPv4 peers as [::ffff:a.b.c.d]; log the plain address.
addr=${REMOTE_ADDR#[}; addr=${addr%]}; addr=${addr#::ffff:}
printf '%s - - [%s] "%s %s HTTP/1.1" %s %s\n' "${addr:--}" "$(date '+%d/%b/%Y:%H:%M:%S %z')" \
  "$REQUEST_METHOD" "$REQUEST_URI" "$status" $((${#body} + 1)) >&2
printf 'Status: %s %s\r\nContent-Type: text/plain\r\n\r\n%s\n' "$status" "$reason" "$body"
EOF
  } >"$1"
  chmod 755 "$1"
}

# A busybox-only image whose /www/index.html is "<version>" and whose /cgi-bin/app
# answers "<version>" (500 for about <failing_percent>% of requests, default 0); it
# runs `cmd` (default: httpd serving /www on $PORT).
build_image() { # version ref [cmd] [failing_percent]
  local version=$1 ref=$2 cmd=${3:-$HTTPD_CMD} failing=${4:-0} dir=$STATE/images/$1 applet
  local have
  have=$(podman image inspect --format '{{index .Labels "tarmac.test.recipe"}}' "$ref" 2>/dev/null || true)
  if [[ $have == "$IMAGE_RECIPE" ]]; then
    return
  fi
  log "building $ref"
  rm -rf "$dir"
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/www/cgi-bin" "$dir/rootfs/tmp"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$dir/rootfs/bin/$applet"
  done
  echo "$version" >"$dir/rootfs/www/index.html"
  write_cgi "$dir/rootfs/www/cgi-bin/app" "$version" "$failing"
  tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
  podman import --quiet \
    --change "$cmd" \
    --change "LABEL tarmac.test.recipe=$IMAGE_RECIPE" \
    --change "LABEL tarmac.test.version=$version" \
    "$dir/rootfs.tar" "$ref" >/dev/null
  rm -rf "$dir"
}

# Pushes unless the registry already holds exactly this image (same config digest).
push_image() { # ref
  local ref=$1 repo tag local_id remote
  repo=${ref#"$REGISTRY_ADDR"/}; tag=${repo##*:}; repo=${repo%:*}
  local_id=$(podman image inspect --format '{{.Id}}' "$ref")
  remote=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REGISTRY_ADDR/v2/$repo/manifests/$tag" 2>/dev/null || true)
  if [[ $remote == *"sha256:$local_id"* ]]; then
    return
  fi
  log "pushing $ref"
  podman push --quiet --tls-verify=false "$ref" >>"$STATE/logs/push.log" 2>&1 \
    || { tail -n 20 "$STATE/logs/push.log" >&2; die "push of $ref failed"; }
}

write_env() {
  local name
  : >"$STATE/env.tmp"
  for name in TARMAC_TEST_DATABASE_URL TARMAC_TEST_ENGINE_SOCKET TARMAC_TEST_REGISTRY \
    TARMAC_TEST_OUTAGE_REGISTRY TARMAC_TEST_IMAGE_V1 TARMAC_TEST_IMAGE_V2 TARMAC_TEST_IMAGE_BAD TARMAC_TEST_IMAGE_FLAKY \
    TARMAC_TEST_STATE_DIR \
    CONTAINERS_STORAGE_CONF CONTAINERS_CONF CONTAINERS_REGISTRIES_CONF; do
    # Single-quoted so both `eval` and scripts/test.mjs can read it back.
    printf "export %s='%s'\n" "$name" "${!name//\'/\'\\\'\'}" >>"$STATE/env.tmp"
  done
  mv "$STATE/env.tmp" "$STATE/env"
  cat "$STATE/env"
}

cmd_start() {
  [[ $(id -u) == 0 ]] || die "must run as root (rootful podman, runuser postgres)"
  mkdir -p "$STATE/logs"
  STATE=$(cd "$STATE" && pwd)
  export_containers_env
  write_containers_conf

  start_postgres
  start_engine
  start_registry

  export TARMAC_TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:$PG_PORT/postgres
  export TARMAC_TEST_ENGINE_SOCKET=$STATE/podman.sock
  export TARMAC_TEST_REGISTRY=$REGISTRY_ADDR
  export TARMAC_TEST_OUTAGE_REGISTRY=$OUTAGE_REGISTRY_ADDR
  export TARMAC_TEST_IMAGE_V1=$REGISTRY_ADDR/tarmac-test/web:1
  export TARMAC_TEST_IMAGE_V2=$REGISTRY_ADDR/tarmac-test/web:2
  export TARMAC_TEST_IMAGE_BAD=$REGISTRY_ADDR/tarmac-test/web:bad
  export TARMAC_TEST_IMAGE_FLAKY=$REGISTRY_ADDR/tarmac-test/web:flaky
  export TARMAC_TEST_STATE_DIR=$STATE
  build_image v1 "$TARMAC_TEST_IMAGE_V1"
  build_image v2 "$TARMAC_TEST_IMAGE_V2"
  build_image bad "$TARMAC_TEST_IMAGE_BAD" "$BAD_CMD"
  # Serves, but about half of its /cgi-bin/app requests fail: signals tests.
  build_image flaky "$TARMAC_TEST_IMAGE_FLAKY" "$HTTPD_CMD" 50
  push_image "$TARMAC_TEST_IMAGE_V1"
  push_image "$TARMAC_TEST_IMAGE_V2"
  push_image "$TARMAC_TEST_IMAGE_BAD"
  push_image "$TARMAC_TEST_IMAGE_FLAKY"

  write_env
  log "ready (state: $STATE)"
}

cmd_status() {
  [[ -d $STATE ]] || { log "no state dir $STATE"; return 1; }
  STATE=$(cd "$STATE" && pwd)
  local ok=0
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || { log "postgres: down"; ok=1; }
  { alive "$STATE/podman.pid" && curl -sf --unix-socket "$STATE/podman.sock" http://d/_ping >/dev/null; } \
    || { log "podman service: down"; ok=1; }
  { alive "$STATE/registry.pid" && curl -sf "http://$REGISTRY_ADDR/v2/" >/dev/null; } \
    || { log "registry: down"; ok=1; }
  [[ -s $STATE/env ]] || { log "no $STATE/env"; ok=1; }
  return $ok
}

cmd_stop() {
  [[ -d $STATE ]] || { log "nothing to stop ($STATE does not exist)"; return 0; }
  STATE=$(cd "$STATE" && pwd)
  export_containers_env
  if [[ -f $CONTAINERS_CONF ]]; then
    local ids
    # The podman CLI works on the storage directly, so this also runs when the
    # service is already gone.
    ids=$(podman ps -aq --filter label=tarmac.test=true 2>/dev/null || true)
    if [[ -n $ids ]]; then
      log "removing test containers: $(echo $ids)"
      podman rm -f -t 2 $ids >/dev/null 2>&1 || true
    fi
    # Containers the code under test made (agents deploy without tarmac.test)
    # must not outlive the run, nor collide by name with the next run's; this
    # storage is ours alone, so they go too.
    ids=$(podman ps -aq 2>/dev/null || true)
    if [[ -n $ids ]]; then
      log "removing other containers: $(echo $ids)"
      podman rm -f -t 2 $ids >/dev/null 2>&1 || true
    fi
  fi
  stop_pidfile "podman service" "$STATE/podman.pid"
  rm -f "$STATE/podman.sock"
  stop_pidfile registry "$STATE/registry.pid"

  if [[ -s $STATE/pg.path ]]; then
    local bin dir
    bin=$(pg_bin); dir=$(cat "$STATE/pg.path")
    if runuser -u postgres -- "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
      log "stopping postgres"
      runuser -u postgres -- "$bin/pg_ctl" stop -D "$dir/data" -m fast -w -t 30 >/dev/null
    fi
  fi
  rm -f "$STATE/env"
  log "stopped"
}

# Registry outages for tests. Only the registry: PostgreSQL and Podman stay up.
# Note that every test process shares this registry: stopping it fails the
# pulls of whatever else is running at the time.
cmd_registry_stop() {
  [[ -d $STATE ]] || die "no state dir $STATE (run start first)"
  STATE=$(cd "$STATE" && pwd)
  stop_pidfile registry "$STATE/registry.pid"
  # Gone only when the port refuses: a registry someone else started would still answer.
  if curl -s -o /dev/null "http://$REGISTRY_ADDR/v2/"; then
    die "$REGISTRY_ADDR still answers after stopping our registry (not ours?)"
  fi
}

cmd_registry_start() {
  [[ -s $STATE/registry/config.yml ]] || die "no registry config in $STATE (run start first)"
  mkdir -p "$STATE/logs"
  STATE=$(cd "$STATE" && pwd)
  start_registry
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  registry-stop) cmd_registry_stop ;;
  registry-start) cmd_registry_start ;;
  *) echo "usage: $0 start|stop|status|registry-stop|registry-start" >&2; exit 2 ;;
esac
