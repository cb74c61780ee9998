#!/usr/bin/env bash
# A private, headless PulseAudio for integration tests (see ../shared/notes/audio-io.md).
#
#   pulse.sh [start] [STATE_DIR]   start it (idempotent) and print `export VAR=value` lines for eval
#   pulse.sh stop [STATE_DIR]      stop it
#
# STATE_DIR defaults to $AURALYNC_PULSE_DIR, else /tmp/auralync-pulse. Everything the daemon and its
# clients write stays inside it (runtime dir, state, cookie, log): nothing goes to $HOME or /run/user.
# Two null sinks, each fed by a silent keeper so an idle sink does not render in 2 s blocks:
#   al_src  the test signal is played into it; the host captures al_src.monitor ("Monitor of al_src")
#   al_out  the listener plays into it; tests record al_out.monitor
# Default sink: al_src (so "the monitor of the default output" is al_src.monitor).
# Diagnostics go to stderr; stdout carries only the export lines.
set -euo pipefail

cmd=start
case "${1:-}" in
  start | stop) cmd=$1; shift ;;
esac
dir=${1:-${AURALYNC_PULSE_DIR:-/tmp/auralync-pulse}}

die() { echo "pulse.sh: $*" >&2; exit 1; }

# The keepers' latency [ms] (AURALYNC_PULSE_KEEPER_MS, default 10). It sets the blocks a sink renders in
# while nothing asks for less (a third of it), and with it how far the sink's clock is off the system
# clock (parec, 15-30 s): ~230-250 ppm fast at 10 (many runs), 42 at 30, -54..+198 at 60 (six runs), 8
# with no keeper. A sound card is off by tens of ppm; bench/vs-snapcast uses 60 (Snapcast corrects at
# most 500 ppm and plays no setting cleanly at 10).
keeper_ms=${AURALYNC_PULSE_KEEPER_MS:-10}
[[ $keeper_ms =~ ^[0-9]+$ && $keeper_ms -ge 1 ]] || die "AURALYNC_PULSE_KEEPER_MS must be a whole number of ms, not '$keeper_ms'"

# AURALYNC_PULSE_REALTIME=1 has the daemon schedule its threads in real time (--realtime=yes
# --high-priority=yes, where this process may), as a desktop's does through rtkit; off by default, as the
# tests have always run it: then its threads compete with every other process for the CPU.
realtime=no
[[ ${AURALYNC_PULSE_REALTIME:-0} == 1 ]] && realtime=yes

if [[ $cmd == start ]]; then
  for tool in pulseaudio pactl; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "$tool is not installed (Debian: apt-get install pulseaudio pulseaudio-utils)"
  done
  mkdir -p "$dir"
elif [[ ! -d $dir ]]; then
  exit 0 # never started here
fi
dir=$(cd "$dir" && pwd)
runtime=$dir/runtime
socket=$runtime/pulse/native
pidfile=$runtime/pulse/pid

export XDG_RUNTIME_DIR=$runtime
export PULSE_SERVER=unix:$socket
export PULSE_STATE_PATH=$dir/state
export PULSE_COOKIE=$dir/cookie
# Keeps the daemon's and pactl's config lookups (~/.config/pulse) inside the state dir too.
export HOME=$dir/home

daemon_pid() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(tr -dc 0-9 <"$pidfile")
  [[ -n $pid && -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == pulseaudio ]] || return 1
  echo "$pid"
}

if [[ $cmd == stop ]]; then
  if pid=$(daemon_pid); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$socket" "$pidfile"
  exit 0
fi

ready() { pactl info >/dev/null 2>&1; }

if ! ready; then
  mkdir -p "$runtime/pulse" "$PULSE_STATE_PATH" "$HOME"
  chmod 700 "$runtime" "$runtime/pulse"
  # The only module the daemon loads itself: a client socket without authentication (private dir, mode 700).
  cat >"$dir/own.pa" <<EOF
load-module module-native-protocol-unix auth-anonymous=1 auth-cookie-enabled=0 socket=$socket
EOF
  # Root is fine here (CI containers run as root): --system=false keeps it a per-user daemon.
  pulseaudio --system=false --daemonize=yes --exit-idle-time=-1 --realtime="$realtime" --high-priority="$realtime" \
    --disallow-exit=yes --use-pid-file=yes -n -F "$dir/own.pa" \
    --log-target="file:$dir/pulse.log" >>"$dir/start.log" 2>&1 ||
    die "pulseaudio failed to start; see $dir/pulse.log and $dir/start.log"
  for _ in $(seq 100); do
    ready && break
    sleep 0.1
  done
  ready || die "pulseaudio did not answer on $socket within 10 s; see $dir/pulse.log"
fi

has_sink() { pactl list short sinks | awk '{print $2}' | grep -qx "$1"; }
has_source() { pactl list short sources | awk '{print $2}' | grep -qx "$1"; }
has_keeper() { pactl list short modules | grep -q "module-loopback.*source=al_silence sink=$1 latency_msec=$keeper_ms\b"; }

loaded=0
if ! has_source al_silence; then
  pactl load-module module-null-source source_name=al_silence format=float32le rate=48000 channels=2 \
    description=al_silence >/dev/null
fi
for sink in al_src al_out; do
  if ! has_sink "$sink"; then
    pactl load-module module-null-sink sink_name="$sink" format=float32le rate=48000 channels=2 \
      sink_properties=device.description="$sink" >/dev/null
    loaded=1
  fi
  if ! has_keeper "$sink"; then
    pactl load-module module-loopback source=al_silence sink="$sink" latency_msec="$keeper_ms" >/dev/null
  fi
done
pactl set-default-sink al_src
# A new null sink's thread starts out asleep for its idle block (2 s) and only then sees that the keeper
# wants low latency: a capture opened earlier got a burst and then a ~1.7 s gap (measured). Wait it out.
if [[ $loaded == 1 ]]; then sleep 2.2; fi

for var in PULSE_SERVER XDG_RUNTIME_DIR PULSE_STATE_PATH PULSE_COOKIE; do
  printf 'export %s=%q\n' "$var" "${!var}"
done
