#!/usr/bin/env bash
# A small federation on real (virtual) links: one network namespace per site, joined by veth
# pairs, so links can be cut or degraded with `ip link` and `tc netem`. Run as root.
#
#   deploy/netns-lab.sh up      # central, province 01, commune 00070 on 10.77.x.0/24 links
#   deploy/netns-lab.sh cut     # cut the province–commune link
#   deploy/netns-lab.sh heal    # restore it
#   deploy/netns-lab.sh lossy   # 10% loss, 80 ms delay on the province–commune link
#   deploy/netns-lab.sh down    # stop nodes, remove namespaces
set -euo pipefail
BIN=${TIEPDAN_BIN:-$(dirname "$0")/../target/debug/tiepdan}
LAB=${LAB_DIR:-/tmp/tiepdan-lab}
SITES=(VN 01 00070)

ns() { echo "td-$1"; }

up() {
  mkdir -p "$LAB"
  for s in "${SITES[@]}"; do ip netns add "$(ns "$s")"; ip -n "$(ns "$s")" link set lo up; done
  # central <-> province: 10.77.1.0/24 ; province <-> commune: 10.77.2.0/24
  ip link add vn-01 netns "$(ns VN)" type veth peer name 01-vn netns "$(ns 01)"
  ip link add 01-c netns "$(ns 01)" type veth peer name c-01 netns "$(ns 00070)"
  ip -n "$(ns VN)" addr add 10.77.1.1/24 dev vn-01; ip -n "$(ns VN)" link set vn-01 up
  ip -n "$(ns 01)" addr add 10.77.1.2/24 dev 01-vn; ip -n "$(ns 01)" link set 01-vn up
  ip -n "$(ns 01)" addr add 10.77.2.1/24 dev 01-c; ip -n "$(ns 01)" link set 01-c up
  ip -n "$(ns 00070)" addr add 10.77.2.2/24 dev c-01; ip -n "$(ns 00070)" link set c-01 up
  ip netns exec "$(ns 01)" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$(ns VN)" route add 10.77.2.0/24 via 10.77.1.2
  ip -n "$(ns 00070)" route add 10.77.1.0/24 via 10.77.2.1

  "$BIN" init --data "$LAB/VN" --root >/dev/null
  for s in 01 00070; do "$BIN" init --data "$LAB/$s" --site "$s" >/dev/null; done
  "$BIN" issue --data "$LAB/VN" --request "$LAB/01/request.pem" --out "$LAB/01.chain.pem" >/dev/null
  "$BIN" install --data "$LAB/01" "$LAB/01.chain.pem" >/dev/null
  "$BIN" issue --data "$LAB/01" --request "$LAB/00070/request.pem" --out "$LAB/00070.chain.pem" >/dev/null
  "$BIN" install --data "$LAB/00070" "$LAB/00070.chain.pem" >/dev/null

  ip netns exec "$(ns VN)" "$BIN" run --data "$LAB/VN" --listen 10.77.1.1:4433 --p2p 10.77.1.1:4434 --http 127.0.0.1:8080 --no-mdns >"$LAB/VN.log" 2>&1 &
  ip netns exec "$(ns 01)" "$BIN" run --data "$LAB/01" --listen 0.0.0.0:4433 --p2p 10.77.1.2:4434 --http 127.0.0.1:8080 --parent 10.77.1.1:4433 --no-mdns >"$LAB/01.log" 2>&1 &
  ip netns exec "$(ns 00070)" "$BIN" run --data "$LAB/00070" --listen 10.77.2.2:4433 --p2p 10.77.2.2:4434 --http 127.0.0.1:8080 --parent 10.77.2.1:4433 --no-mdns >"$LAB/00070.log" 2>&1 &
  echo "lab up in $LAB; API of a site: ip netns exec td-01 curl -H \"Authorization: Bearer \$(cat $LAB/01/operator.token)\" 127.0.0.1:8080/api/v1/peers"
}

cut()   { ip -n "$(ns 01)" link set 01-c down; }
heal()  { ip -n "$(ns 01)" link set 01-c up; tc -n "$(ns 01)" qdisc del dev 01-c root 2>/dev/null || true; }
lossy() { tc -n "$(ns 01)" qdisc replace dev 01-c root netem loss 10% delay 80ms; }

down() {
  for s in "${SITES[@]}"; do
    for pid in $(ip netns pids "$(ns "$s")" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  done
  sleep 1
  for s in "${SITES[@]}"; do ip netns del "$(ns "$s")" 2>/dev/null || true; done
}

"${1:-up}"
