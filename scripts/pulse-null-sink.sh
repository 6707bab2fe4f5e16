#!/usr/bin/env bash
# A private PulseAudio server with a null sink, so audio played to it can be recorded from its monitor: a real
# capture path on machines without a microphone (CI, containers). Needs: libportaudio2 pulseaudio pulseaudio-utils
# libasound2-plugins.
#
#   eval "$(scripts/pulse-null-sink.sh start)"    # prints the XDG_RUNTIME_DIR to export; default source = vsink.monitor
#   paplay --device=vsink some.wav &               # ...while recording from the "pulse" device
#   scripts/pulse-null-sink.sh stop "$XDG_RUNTIME_DIR"
#
# `start [DIR]` uses DIR (created if needed) as the server's private XDG_RUNTIME_DIR, or a new temporary folder.
set -euo pipefail

cmd=${1:-}
case "$cmd" in
  start)
    dir=${2:-$(mktemp -d)}
    mkdir -p "$dir"
    chmod 700 "$dir"
    export XDG_RUNTIME_DIR=$dir
    # -n: ignore the user's default.pa; module-always-sink keeps a sink even if vsink goes away.
    # Running as root (containers) makes pulseaudio print a warning; it works all the same.
    pulseaudio --daemonize=yes --system=false --exit-idle-time=-1 -n \
      --load=module-native-protocol-unix \
      --load="module-null-sink sink_name=vsink" \
      --load=module-always-sink 2>/dev/null
    for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
    pactl set-default-sink vsink
    pactl set-default-source vsink.monitor
    echo "export XDG_RUNTIME_DIR=$dir"
    ;;
  stop)
    dir=${2:-${XDG_RUNTIME_DIR:-}}
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    pidfile=$dir/pulse/pid
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      XDG_RUNTIME_DIR=$dir pulseaudio --kill 2>/dev/null || kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    ;;
  *)
    echo "usage: $0 start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
