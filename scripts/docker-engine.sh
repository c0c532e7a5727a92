#!/usr/bin/env bash
# Make sure a Docker engine answers, then set the egress guard (DESIGN.md §4).
# Idempotent: cheap when the engine already runs. Used by `cluster:up`, `npm test` and `.ci/run`.
set -euo pipefail

say() { echo "[docker-engine] $*" >&2; }
die() { echo "[docker-engine] error: $*" >&2; exit 1; }

engine_answers() { docker info >/dev/null 2>&1; }

install_engine() {
  [ "$(id -u)" = 0 ] || die "no Docker engine answers and this is not root. Install Docker (https://docs.docker.com/engine/install/) or run as root so this script can install Debian's docker.io."
  command -v apt-get >/dev/null || die "no Docker engine answers and this is not Debian/Ubuntu (no apt-get). Install and start a Docker engine, then run again."
  say "installing Debian's docker.io, iptables, debootstrap (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io iptables debootstrap docker-compose >/dev/null
}

start_engine() {
  command -v dockerd >/dev/null || install_engine
  [ "$(id -u)" = 0 ] || die "dockerd is installed but not running, and only root can start it here"
  # A daemon killed at the end of a day leaves its pid file behind; dockerd refuses to start over it.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  if ! pgrep -x dockerd >/dev/null; then
    say "starting dockerd (log: /var/log/kubelab-dockerd.log)"
    setsid nohup dockerd >/var/log/kubelab-dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    engine_answers && return 0
    sleep 0.5
  done
  die "dockerd did not answer within 60 s; see /var/log/kubelab-dockerd.log"
}

egress_guard() {
  # Drop container traffic that would leave through the machine's uplink. Only where we manage the engine
  # (root, iptables present); skipped elsewhere because a laptop's Docker may live in a VM.
  [ "$(id -u)" = 0 ] && command -v iptables >/dev/null || return 0
  [ "${KUBELAB_EGRESS_GUARD:-1}" = 1 ] || return 0
  local uplink
  uplink=$(ip route show default 2>/dev/null | awk '/default/ {for (i=1;i<=NF;i++) if ($i=="dev") {print $(i+1); exit}}')
  [ -n "$uplink" ] || return 0
  iptables -N DOCKER-USER 2>/dev/null || true
  if ! iptables -C DOCKER-USER -o "$uplink" -j DROP 2>/dev/null; then
    iptables -I DOCKER-USER -o "$uplink" -j DROP
    say "egress guard: container traffic out of $uplink is dropped"
  fi
}

bridged_keep_source() {
  # With bridge netfilter on, frames a node agent forwards onto its pod network pass this machine's nat
  # table too, and Docker's `-s <node subnet> ! -o <node bridge> -j MASQUERADE` rewrites a client on the
  # node network (this host, a node) to the pod bridge's gateway: a hostPort or externalTrafficPolicy
  # Local Service would no longer see the client's IP, and the reply took a wrong path. Frames bridged
  # between containers that this machine did not DNAT are never masqueraded (published-port hairpin is).
  [ "$(id -u)" = 0 ] && command -v iptables >/dev/null || return 0
  local rule=(-m physdev --physdev-is-bridged -m conntrack ! --ctstate DNAT -m comment --comment "kubelab: frames bridged between containers keep their source address" -j RETURN)
  iptables -t nat -C POSTROUTING "${rule[@]}" 2>/dev/null || iptables -t nat -I POSTROUTING 1 "${rule[@]}" || true
}

command -v docker >/dev/null || { [ "$(id -u)" = 0 ] && install_engine; } || die "no docker client"
engine_answers || start_engine
egress_guard
bridged_keep_source
# debootstrap builds the offline base image; docker-compose runs compose.yaml (and its test). Debian packages.
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
# etcd for the storage tests that run the API server against a real etcd on the host (the cluster's own
# etcd is in its base image).
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
    || say "could not install ${missing[*]}; install them with your package manager"
fi
