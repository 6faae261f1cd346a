#!/bin/sh
# dnsd.sh - a DNS server on loopback for the tests and the demo: unbound,
# answering from a root zone file (RFC 8806 style: every name the zone does
# not hold is NXDOMAIN at once; nothing is asked of the internet).
#
#   dnsd.sh start DIR ZONEFILE   start it; prints the port; DIR keeps its
#                                config, log and pid
#   dnsd.sh stop DIR             stop it (by the pid in DIR/pid)
#
# ZONEFILE.conf, if it exists, is copied into unbound's server: section:
# local-zone lines such as `local-zone: "drop.example." deny` (the query is
# dropped: a timeout) or `... refuse` (REFUSED).
set -u

die() { echo "dnsd.sh: $*" >&2; exit 1; }

start() {
	dir=$1 zone=$2
	command -v unbound >/dev/null 2>&1 || [ -x /usr/sbin/unbound ] ||
		die "unbound is not installed (apt-get install unbound; make deps does)"
	ub=$(command -v unbound 2>/dev/null || echo /usr/sbin/unbound)
	[ -r "$zone" ] || die "cannot read zone file $zone"
	mkdir -p "$dir" || die "cannot create $dir"
	dir=$(cd "$dir" && pwd)
	zone=$(cd "$(dirname "$zone")" && pwd)/$(basename "$zone")
	# Try ports until one binds: another test or program may hold one.
	port=$((20000 + $$ % 20000))
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		cat >"$dir/unbound.conf" <<CONF
server:
	interface: 127.0.0.1
	port: $port
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	module-config: "iterator"
	do-not-query-localhost: no
	num-threads: 1
	msg-cache-size: 64m
	rrset-cache-size: 128m
	so-rcvbuf: 4m
	so-sndbuf: 4m
	outgoing-range: 256
	num-queries-per-thread: 4096
	jostle-timeout: 1000
	harden-referral-path: no
	local-zone: "." nodefault
$(cat "$zone.conf" 2>/dev/null)
auth-zone:
	name: "."
	zonefile: "$zone"
	for-downstream: no
	for-upstream: yes
	fallback-enabled: no
remote-control:
	control-enable: no
CONF
		"$ub" -c "$dir/unbound.conf" >"$dir/log" 2>&1 &
		echo $! >"$dir/pid"
		i=0
		while [ $i -lt 300 ]; do
			if grep -q 'start of service' "$dir/log" 2>/dev/null; then
				echo "$port"
				return 0
			fi
			kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$(cat "$dir/pid")" 2>/dev/null
		grep -q 'bind' "$dir/log" || die "unbound did not start: $(tail -n 3 "$dir/log")"
		port=$((port + 1))
	done
	die "no free port for unbound: $(tail -n 3 "$dir/log")"
}

stop() {
	dir=$1
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	rm -f "$dir/pid"
}

case ${1:-} in
start) [ $# -eq 3 ] || die "usage: dnsd.sh start DIR ZONEFILE"; start "$2" "$3" ;;
stop) [ $# -eq 2 ] || die "usage: dnsd.sh stop DIR"; stop "$2" ;;
*) die "usage: dnsd.sh start DIR ZONEFILE | dnsd.sh stop DIR" ;;
esac
