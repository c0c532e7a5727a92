#!/usr/bin/env bash
# Assemble the kubelab base image offline from Debian packages (DESIGN.md §4): no registry needed.
#   usage: build-debootstrap.sh IMAGE_TAG NODE_BINARY
# The Debian mirror is the one apt on this machine already uses, so nothing new is contacted.
set -euo pipefail
tag=$1 node_bin=$2
packages=iptables,iproute2,curl,wget,dnsutils,iputils-ping,iputils-arping,netcat-openbsd,procps,ca-certificates,iperf3,tcpdump,conntrack,etcd-server,etcd-client

mirror=${KUBELAB_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -v security | grep -E '/debian/?( |$)' | head -1 | sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//; s/ .*//' || true)
fi
[ -n "$mirror" ] || { echo "no Debian mirror found in apt sources; set KUBELAB_DEBIAN_MIRROR" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

dir=$(mktemp -d /tmp/kubelab-rootfs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "debootstrap bookworm from $mirror" >&2
debootstrap --variant=minbase --include="$packages" bookworm "$dir" "$mirror" >/tmp/kubelab-debootstrap.log 2>&1 \
  || { tail -20 /tmp/kubelab-debootstrap.log >&2; exit 1; }
install -m 0755 "$node_bin" "$dir/usr/local/bin/node"
# Slim the image: docs, man pages and apt lists are not needed at run time.
rm -rf "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
tar --numeric-owner -C "$dir" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["sleep","infinity"]' \
  --change 'LABEL kubelab.managed=true' \
  --message "kubelab base (debootstrap bookworm minbase + node)" - "$tag" >/dev/null
echo "$tag"
