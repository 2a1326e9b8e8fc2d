#!/bin/sh
# Pushes a test pattern with a 440 Hz tone to an RTMP push URL, standing in for <live-pusher>:
# paste the URL publish() returned (e.g. from the SDK's logs) and watch it on a <live-player>.
#   scripts/push-test-pattern.sh 'rtmp://HOST:PORT/APP/STREAM?e=...&n=...&sig=...' [seconds] [WxH]
# Needs ffmpeg (apt-get install ffmpeg). Stops after [seconds] (default 60) or Ctrl-C.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 PUSH_URL [seconds=60] [size=640x360]" >&2
  exit 2
fi
url=$1
seconds=${2:-60}
size=${3:-640x360}
exec ffmpeg -nostdin -hide_banner -loglevel warning -re \
  -f lavfi -i "testsrc=size=${size}:rate=15" \
  -f lavfi -i "sine=frequency=440:sample_rate=44100" \
  -t "$seconds" \
  -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -pix_fmt yuv420p \
  -c:a aac -b:a 64k \
  -f flv "$url"
