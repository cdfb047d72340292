#!/usr/bin/env bash
# Start PeerLink for trying it out: migrate, seed demo data the first time,
# then run the web server and a Celery worker with beat. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PORT=${PORT:-8000}
VAR_DIR=${PEERLINK_VAR_DIR:-var}
# Links in emails (printed in this terminal) point at this server.
export PEERLINK_SITE_URL=${PEERLINK_SITE_URL:-http://localhost:$PORT}
mkdir -p "$VAR_DIR"

"$PYTHON" manage.py migrate --no-input -v0
if [ ! -f "$VAR_DIR/.demo-seeded" ]; then
  "$PYTHON" manage.py seed_demo --newcomers 40 --mentors 15 | tee "$VAR_DIR/demo-logins.txt"
  touch "$VAR_DIR/.demo-seeded"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping PeerLink..."
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

"$PYTHON" -m celery -A peerlink worker --beat --loglevel=INFO --concurrency=2 \
  --schedule="$VAR_DIR/celerybeat-schedule" --hostname="peerlink@%h" &
pids+=($!)
"$PYTHON" manage.py runserver "0.0.0.0:$PORT" --noreload &
pids+=($!)

sleep 2
cat <<TXT

  PeerLink is running at http://localhost:$PORT/
  Staff admin:           http://localhost:$PORT/admin/
$(grep -E '^\s*(Staff|Newcomer|Mentor):' "$VAR_DIR/demo-logins.txt" 2>/dev/null | sed 's/^/  /')
  Emails (sign-up links, password resets) print in this terminal.
  Press Ctrl-C to stop.

TXT

# Stop everything as soon as one process exits, or on Ctrl-C.
wait -n "${pids[@]}" || true
