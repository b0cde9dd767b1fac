# tests/support/sink-e2e.sh -- helpers for the sink e2e tests (1000-1099),
# sourced after tests/e2e/lib.sh and `setup`.
#
#   plugin_dir NAME...      $T/p with the named plugins (build/plugins or
#                           build/testplugins); sets $PDIR
#   start_receiver LOG [ARGS...]  starts the loopback receiver (receiver_main.c)
#                           in the background; sets $RX_PID and $RX_PORT
#                           (pass --port $RX_PORT to come back on the same port)
#   stop_receiver           stops the receiver started last (by its pid)
#   wait_lines FILE N       waits up to 20 s until FILE has N lines
#
# The receiver is $BUILDDIR/tests/receiver when the Makefile built it; else it
# is compiled here (plain, from tests/support/receiver*.c), or the test skips.

receiver_bin() {
  if [ -x "$BUILDDIR/tests/receiver" ]; then echo "$BUILDDIR/tests/receiver"; return 0; fi
  if [ ! -x "$T/receiver" ]; then
    cc -std=gnu11 -D_GNU_SOURCE -O1 -o "$T/receiver" "$SRC/tests/support/receiver_main.c" \
      "$SRC/tests/support/receiver.c" \
      $(pkg-config --cflags --libs libmicrohttpd libsodium libcjson) -lpthread \
      >"$T/.cc.log" 2>&1 || skip "cannot build the test receiver: $(head -n 1 "$T/.cc.log")"
  fi
  echo "$T/receiver"
}

plugin_dir() {
  PDIR="$T/p"
  mkdir -p "$PDIR"
  for name in "$@"; do
    if [ -f "$PLUGINS/$name.so" ]; then cp "$PLUGINS/$name.so" "$PDIR/"
    elif [ -f "$BUILDDIR/testplugins/$name.so" ]; then cp "$BUILDDIR/testplugins/$name.so" "$PDIR/"
    else skip "plugin $name is not built"; fi
  done
  chmod 0755 "$PDIR" "$PDIR"/*.so
}

start_receiver() {
  rx_log=$1; shift
  rm -f "$T/.rx-port"
  "$(receiver_bin)" --log "$rx_log" --port-file "$T/.rx-port" "$@" &
  RX_PID=$!
  i=0
  while [ ! -s "$T/.rx-port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "the receiver did not start"
    kill -0 "$RX_PID" 2>/dev/null || fail "the receiver exited at start"
    sleep 0.05
  done
  RX_PORT=$(cat "$T/.rx-port")
}

stop_receiver() {
  kill "$RX_PID" 2>/dev/null
  wait "$RX_PID" 2>/dev/null
  RX_PID=
}

wait_lines() {
  i=0
  while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
    i=$((i + 1)); [ $i -gt 400 ] && return 1
    sleep 0.05
  done
  return 0
}

# Stops what the test started (by pid) when it exits, then removes $T.
sink_cleanup() {
  [ -n "${RUN_PID:-}" ] && kill "$RUN_PID" 2>/dev/null && wait "$RUN_PID" 2>/dev/null
  [ -n "${RX_PID:-}" ] && kill "$RX_PID" 2>/dev/null && wait "$RX_PID" 2>/dev/null
  cd / && rm -rf "$T"
}
trap sink_cleanup EXIT
