#!/usr/bin/env bash
# Installs what scripts/test-services.sh and the tests need from Debian:
# Podman (+ runc, its working runtime here), a static busybox for the test
# images, the registry, PostgreSQL, promtool (package prometheus), ip, curl,
# openssl (the TLS tests make their CA with it), and chromium for the
# dashboard's browser tests (driven by playwright-core).
# Skips apt entirely when everything is already there.
set -euo pipefail

# catatonit is only a Recommends of podman, but HostConfig.Init needs it; named so
# an apt configured without recommends still gets it.
PACKAGES=(podman runc catatonit busybox-static docker-registry postgresql prometheus iproute2 curl openssl chromium)

missing=()
for bin in podman runc docker-registry promtool ip curl openssl chromium; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || missing+=(postgresql)
[[ -x /usr/libexec/podman/catatonit ]] || missing+=(catatonit)
# The test images copy /bin/busybox into an empty rootfs: it must be the static one.
if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then
  missing+=(busybox-static)
fi

if ((${#missing[@]} == 0)); then
  echo "install-test-deps: all present" >&2
  exit 0
fi

echo "install-test-deps: missing ${missing[*]}; installing ${PACKAGES[*]}" >&2
SUDO=()
[[ $(id -u) == 0 ]] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update </dev/null
"${SUDO[@]}" apt-get install -y "${PACKAGES[@]}" </dev/null
