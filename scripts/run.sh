#!/usr/bin/env bash
# Start PeerLink for trying it out: migrate, seed demo data the first time,
# then run the web server and a Celery worker with beat. Ctrl-C stops all.
#
# HOST   the address to listen on: 127.0.0.1 (this machine only) unless set,
#        e.g. HOST=0.0.0.0 to let other machines on the network in.
# PORT   8000 unless set.
# DEBUG  1 shows Django's debug pages (development only); off by default.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
VAR_DIR=${PEERLINK_VAR_DIR:-var}
# Everything written to var/ (the secret key, the demo logins, the database)
# is readable by this user only.
umask 077
mkdir -p "$VAR_DIR"

case "${DEBUG:-}" in
  "") ;;
  1 | true | yes | on) export DJANGO_DEBUG=true ;;
  *) export DJANGO_DEBUG=false ;;
esac

case "$HOST" in
  127.* | localhost | ::1) public_host=localhost ;;
  0.0.0.0 | ::) public_host=$(hostname) ;;
  *) public_host=$HOST ;;
esac
if [ "$public_host" != localhost ] && [ -z "${DJANGO_ALLOWED_HOSTS:-}" ]; then
  # Django answers only to the names it is told; add what HOST lets in.
  extra=$public_host
  if [ "$HOST" = 0.0.0.0 ] || [ "$HOST" = :: ]; then
    extra="$extra,$(hostname -I 2>/dev/null | tr ' ' ',' | sed 's/,*$//')"
  fi
  export DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,[::1],${extra%,}"
fi
case "$HOST" in *:*) bind="[$HOST]:$PORT" ;; *) bind="$HOST:$PORT" ;; esac
# Links in emails (printed in this terminal) point at this server.
export PEERLINK_SITE_URL=${PEERLINK_SITE_URL:-http://$public_host:$PORT}

[ -f "$VAR_DIR/secret_key" ] || new_key=yes
"$PYTHON" manage.py migrate --no-input -v0
seeded_now=""
if [ ! -f "$VAR_DIR/.demo-seeded" ]; then
  "$PYTHON" manage.py seed_demo --newcomers 40 --mentors 15 >"$VAR_DIR/demo-logins.txt"
  chmod 600 "$VAR_DIR/demo-logins.txt"
  touch "$VAR_DIR/.demo-seeded"
  seeded_now=yes
fi

# Each process below runs in its own process group (job control), so stopping
# reaches the worker's pool children and beat too, and Ctrl-C in the terminal
# reaches only this script, which then stops each group in turn.
set -m
pids=()
STOP_GRACE_SECONDS=${STOP_GRACE_SECONDS:-6}

signal_groups() {
  local pid
  for pid in "${pids[@]}"; do
    kill -"$1" -- "-$pid" 2>/dev/null || kill -"$1" "$pid" 2>/dev/null || true
  done
}

# Whether any process of our groups is still running (an exited one waiting to
# be reaped does not count).
groups_running() {
  local pid
  for pid in "${pids[@]}"; do
    if ps -e -o pgid=,stat= | awk -v group="$pid" '$1 == group && $2 !~ /^Z/ { found = 1 } END { exit !found }'; then
      return 0
    fi
  done
  return 1
}

wait_for_groups() {
  local deadline=$((SECONDS + $1))
  while groups_running; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

stop() {
  # A second Ctrl-C or TERM must not cut stopping short and leave processes behind;
  # stopping is bounded anyway.
  trap '' INT TERM
  trap - EXIT
  echo
  echo "Stopping PeerLink..."
  # TERM asks for a warm shutdown (running tasks finish). Trying PeerLink out
  # should not wait on it, so after a short grace the worker gets QUIT (cold
  # shutdown), then anything left is killed.
  signal_groups TERM
  if ! wait_for_groups "$STOP_GRACE_SECONDS"; then
    echo "Still stopping after ${STOP_GRACE_SECONDS}s: stopping at once."
    signal_groups QUIT
    wait_for_groups 2 || { signal_groups KILL; wait_for_groups 2 || true; }
  fi
  wait "${pids[@]}" 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

"$PYTHON" -m celery -A peerlink worker --beat --loglevel=INFO --concurrency=2 \
  --schedule="$VAR_DIR/celerybeat-schedule" --hostname="peerlink@%h" &
pids+=($!)
"$PYTHON" manage.py runserver "$bind" --noreload &
pids+=($!)

sleep 2
if [ -n "$seeded_now" ]; then
  # The passwords were generated for this copy and are shown this once.
  logins="$(grep -E '^\s*(Staff|Newcomer|Mentor):' "$VAR_DIR/demo-logins.txt" | sed 's/^/  /')
  These logins are shown once; they are kept in $VAR_DIR/demo-logins.txt (only you can read it)."
else
  logins="  Demo logins: in $VAR_DIR/demo-logins.txt (only you can read it)."
fi
case "${DJANGO_DEBUG:-false}" in
  true | 1 | yes | on) debug_note="Debug pages are ON (DEBUG=1): for development on this machine only." ;;
  *) debug_note="Debug pages are off; \`make run DEBUG=1\` turns them on." ;;
esac
cat <<TXT

  PeerLink is running at http://$public_host:$PORT/ (listening on $bind)
  Staff admin:           http://$public_host:$PORT/admin/
$logins
${new_key:+  A new secret key was generated into $VAR_DIR/secret_key.
}  $debug_note
  Emails (sign-up links, password resets) print in this terminal.
  Press Ctrl-C to stop.

TXT

# Stop everything as soon as one process exits, or on Ctrl-C.
wait -n "${pids[@]}" || true
