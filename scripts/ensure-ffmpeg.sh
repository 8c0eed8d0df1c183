#!/usr/bin/env bash
# Makes sure ffmpeg and ffprobe are on PATH: video hashing and live-stream monitoring run them.
# Installs Debian's ffmpeg with apt-get when they are missing and this runs as root on a
# Debian-like machine (the CI machine and a fresh development machine); elsewhere it says what
# to install. SAFEGUARD_FFMPEG / SAFEGUARD_FFPROBE may point at other builds instead.
set -uo pipefail

if command -v "${SAFEGUARD_FFMPEG:-ffmpeg}" >/dev/null 2>&1 &&
  command -v "${SAFEGUARD_FFPROBE:-ffprobe}" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-ffmpeg: installing Debian's ffmpeg" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends ffmpeg >&2
  command -v ffmpeg >/dev/null 2>&1 && exit 0
  echo "ensure-ffmpeg: apt-get could not install ffmpeg" >&2
  exit 1
fi
echo "ensure-ffmpeg: ffmpeg is missing; install it (Debian: sudo apt-get install ffmpeg)" >&2
exit 1
