#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages AuraLync needs, only those missing.
#   build/setup-system.sh app    what building and running the app needs (audify's native build, the tray helper, notify-send,
#                                pacat for Linux playback)
#   build/setup-system.sh test   that, plus what the test suite drives for real (PulseAudio, PipeWire, sox, iproute2)
#   build/setup-system.sh bench  that, plus what only the benchmarks use (Snapcast, for bench/vs-snapcast)
# Without root or sudo it prints the command to run instead and carries on: the app still works
# with files and pipes, and says clearly when its audio backend is missing.
set -u
group=${1:-app}
app_packages=(cmake make g++ python3 libasound2-dev libpulse-dev pulseaudio-utils libayatana-appindicator3-1 libgtk-3-0 libnotify-bin)
test_packages=(pulseaudio pulseaudio-utils pipewire pipewire-pulse wireplumber libasound2-plugins sox iproute2 procps g++-mingw-w64-x86-64 wine wine64 libayatana-appindicator3-1 libgtk-3-0 xvfb trayer dbus-daemon dunst libnotify-bin xdotool imagemagick)
bench_packages=(snapserver snapclient)
packages=("${app_packages[@]}")
[ "$group" = test ] && packages+=("${test_packages[@]}")
[ "$group" = bench ] && packages+=("${test_packages[@]}" "${bench_packages[@]}")

if [ "$(uname -s)" != Linux ] || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: not a Debian-like Linux; install cmake and the PulseAudio/ALSA headers yourself if audio fails to build" >&2
  exit 0
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo)
else
  echo "setup: please run: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
