#!/usr/bin/env bash
# Installs what smsdesk needs to build, test and run on Debian 12 (bookworm).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi
packages=(
  build-essential cmake pkg-config
  libncurses-dev libcurl4-openssl-dev libsqlite3-dev libcjson-dev libsodium-dev
  libmicrohttpd-dev libcmocka-dev
  # photos drawn in the thread: symbols or pixels; JPEG and PNG (optional at build time)
  libchafa-dev libglib2.0-dev libjpeg-dev libpng-dev
  ca-certificates tzdata
  # the .deb: adduser for its postinst; file for cpack's dependency list (dpkg-shlibdeps)
  adduser file
  # for the tests: tmux drives the console; curl and sqlite3 poke the simulator and the database; ps
  tmux curl sqlite3 procps
  # for the benchmarks: sqlite3 is bench_startup's limit; socat and openssl make bench_drain's TLS front
  socat openssl
)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
