# tests/support/stub.sh -- the loopback test server for end-to-end scripts,
# sourced after tests/e2e/lib.sh and `setup`. It runs build/tests/test_httpstub
# (tests/support/httpstub.c) as a server on a free 127.0.0.1 port.
#
#   start_stub NAME DIR   serve DIR (its `routes` file); sets ${NAME}_PORT,
#                         logs each request to $T/NAME.log
#   stop_stubs            stop every server started (also done on exit)
#   wait_port PORT        until something listens on 127.0.0.1:PORT (5 s)
#
# Nothing here or in what it starts talks beyond 127.0.0.1; proxies from the
# environment are dropped so that loopback calls cannot be sent elsewhere.

STUB="$BUILDDIR/tests/test_httpstub"
STUB_PIDS=""
[ -x "$STUB" ] || skip "the test server $STUB is not built"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

start_stub() {
  rm -f "$T/$1.port"
  "$STUB" serve "$2" "$T/$1.port" "$T/$1.log" &
  STUB_PIDS="$STUB_PIDS $!"
  n=0
  while [ ! -s "$T/$1.port" ] && [ $n -lt 250 ]; do sleep 0.02; n=$((n + 1)); done
  [ -s "$T/$1.port" ] || fail "the test server $1 did not start"
  eval "$1_PORT=$(cat "$T/$1.port")"
}

stop_stubs() {
  for p in $STUB_PIDS; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  STUB_PIDS=""
}

# True once a GET /stats answers (the receivers answer it).
wait_port() {
  n=0
  while [ $n -lt 250 ]; do
    "$STUB" post "$1" /stats /dev/null text/plain >/dev/null 2>&1 && return 0
    sleep 0.02
    n=$((n + 1))
  done
  return 1
}

trap 'stop_stubs; cd /; rm -rf "$T"' EXIT
