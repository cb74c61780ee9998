#!/usr/bin/env bash
# A private, headless PipeWire with its PulseAudio server (pipewire-pulse), for the tests that check AuraLync on
# the sound server most Linux desktops now run. The same interface and null sinks as pulse.sh:
#
#   pipewire.sh [start] [STATE_DIR]   start it (idempotent) and print `export VAR=value` lines for eval
#   pipewire.sh stop [STATE_DIR]      stop it
#
# STATE_DIR defaults to /tmp/auralync-pipewire. Everything it writes stays inside it (runtime dir, config
# lookups, logs, a session D-Bus: WirePlumber, the session manager that links streams to devices, needs one).
# Null sinks al_src (the default) and al_out, as in pulse.sh (no keepers: PipeWire's graph drives idle sinks).
# Diagnostics go to stderr; stdout carries only the export lines.
set -euo pipefail

cmd=start
case "${1:-}" in
  start | stop) cmd=$1; shift ;;
esac
dir=${1:-/tmp/auralync-pipewire}

die() { echo "pipewire.sh: $*" >&2; exit 1; }

if [[ $cmd == start ]]; then
  for tool in pipewire wireplumber pipewire-pulse dbus-daemon pactl; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "$tool is not installed (Debian: apt-get install pipewire pipewire-pulse wireplumber dbus-daemon pulseaudio-utils)"
  done
  mkdir -p "$dir"
elif [[ ! -d $dir ]]; then
  exit 0 # never started here
fi
dir=$(cd "$dir" && pwd)
runtime=$dir/runtime

export XDG_RUNTIME_DIR=$runtime
export PULSE_SERVER=unix:$runtime/pulse/native
export PULSE_STATE_PATH=$dir/state
export PULSE_COOKIE=$dir/cookie
export HOME=$dir/home
export XDG_CONFIG_HOME=$dir/home/.config
export DBUS_SESSION_BUS_ADDRESS=unix:path=$dir/bus

# The processes, in the order they start (and the reverse of how they stop).
names=(dbus-daemon pipewire wireplumber pipewire-pulse)

running() { # name → its pid, if the one we started still runs
  local pidfile=$dir/$1.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(tr -dc 0-9 <"$pidfile")
  [[ -n $pid && -r /proc/$pid/comm ]] || return 1
  [[ $(cat "/proc/$pid/comm") == "${1:0:15}" ]] || return 1
  echo "$pid"
}

if [[ $cmd == stop ]]; then
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do
    name=${names[i]}
    if pid=$(running "$name"); then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
  exit 0
fi

ready() { pactl info 2>/dev/null | grep -q 'on PipeWire'; }

if ! ready; then
  mkdir -p "$runtime" "$PULSE_STATE_PATH" "$XDG_CONFIG_HOME"
  chmod 700 "$runtime"
  if ! running dbus-daemon >/dev/null; then
    dbus-daemon --session --fork --address="$DBUS_SESSION_BUS_ADDRESS" --print-pid=1 >"$dir/dbus-daemon.pid" 2>>"$dir/start.log" ||
      die "dbus-daemon failed to start; see $dir/start.log"
  fi
  for name in pipewire wireplumber pipewire-pulse; do
    running "$name" >/dev/null && continue
    "$name" >>"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
    [[ $name == pipewire ]] && sleep 0.3 # its socket, before the others connect
  done
  for _ in $(seq 100); do
    ready && break
    sleep 0.1
  done
  ready || die "pipewire-pulse did not answer on $PULSE_SERVER within 10 s; see $dir/*.log"
fi

has_sink() { pactl list short sinks | awk '{print $2}' | grep -qx "$1"; }
for sink in al_src al_out; do
  if ! has_sink "$sink"; then
    pactl load-module module-null-sink sink_name="$sink" format=float32le rate=48000 channels=2 \
      sink_properties=device.description="$sink" >/dev/null
  fi
done
# WirePlumber takes a moment to see a new sink before it can be made the default.
for _ in $(seq 50); do
  pactl set-default-sink al_src 2>/dev/null && pactl info | grep -q '^Default Sink: al_src$' && break
  sleep 0.1
done

for var in PULSE_SERVER XDG_RUNTIME_DIR PULSE_STATE_PATH PULSE_COOKIE; do
  printf 'export %s=%q\n' "$var" "${!var}"
done
