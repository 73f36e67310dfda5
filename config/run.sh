#!/usr/bin/env bash
# `make run`: the task worker in the background, the development server in the
# foreground. Stopping the server (Ctrl-C) stops the worker after its task in hand.
# Usage: config/run.sh PYTHON ADDRESS:PORT
set -euo pipefail
python="$1"
address="$2"

# Mail whose worker died at the last stop is enqueued again first.
"$python" manage.py send_pending_mail
# In a process group of its own (job control on while it starts), Ctrl-C reaches
# the server only; the worker gets the one SIGTERM below, on which it finishes
# its task before it exits (a second signal would cut the task short).
# --no-reload: restart `make run` after changing a task.
set -m
"$python" manage.py db_worker --no-reload &
worker=$!
set +m
trap 'kill -TERM "$worker" 2>/dev/null || true; wait "$worker" || true' EXIT
"$python" manage.py runserver "$address"
