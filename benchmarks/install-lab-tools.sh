#!/usr/bin/env bash
# Installs the central balancers the real-socket lab compares against (HAProxy and NGINX) from
# Debian's packages, and makes sure the packaged services are not left running: the lab starts
# its own instances on 127.0.0.1 with generated configs and never uses the system ones.
#
# Needs root (or sudo). Safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
# Keep the packages' post-install scripts from starting the services (no systemd in containers,
# and port 80 is none of our business): policy-rc.d exit 101 = "action forbidden".
POLICY=/usr/sbin/policy-rc.d
ADDED_POLICY=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  ADDED_POLICY=1
fi
cleanup() {
  if [ "$ADDED_POLICY" = 1 ]; then
    $SUDO rm -f "$POLICY"
  fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if ! $SUDO apt-get install -y -qq haproxy nginx-light; then
  # nginx-light is gone from newer Debian releases; plain nginx is the same binary for our use.
  $SUDO apt-get install -y -qq haproxy nginx
fi

# Whatever the post-install scripts did, leave no packaged service running.
$SUDO service nginx stop >/dev/null 2>&1 || true
$SUDO service haproxy stop >/dev/null 2>&1 || true
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now nginx haproxy >/dev/null 2>&1 || true
fi

echo "haproxy: $(command -v haproxy || echo missing) $(haproxy -v 2>/dev/null | head -1 || true)"
echo "nginx:   $(command -v nginx || echo missing) $(nginx -v 2>&1 || true)"
