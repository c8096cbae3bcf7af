# ha_lib.sh -- a three-node Patroni cluster, etcd, HAProxy and several cardd on loopback, for
# the failover test (sourced after lib.sh and cardd_lib.sh).
#
# ha_require            exit 77, saying why, unless patroni, etcd, haproxy are installed
# ha_cluster_start      etcd and three PostgreSQL nodes under Patroni (synchronous_mode, short
#                       ttl/loop_wait, pg_rewind); waits for a leader, a sync standby and a replica
# ha_haproxy_start N    (before cardd) HAProxy: $HA_PG routes to the primary (Patroni's GET /primary), $HA_RO
#                       to the replicas (GET /replica), $URL spreads HTTP over cardd 1..N
# ha_cardd_start I DB   start cardd number I on its port ($CARDD_PORT_I) with that conninfo
# ha_leader             the member name holding the leader lock (node1..node3), or nothing
# ha_member_ok NAME ROLE  true when NAME runs as ROLE (leader, sync_standby, replica) and, for a
#                       standby, is streaming
# ha_kill_node NAME     kill -9 NAME's Patroni, its postmaster and the postmaster's children
# ha_node_start NAME    (re)start NAME's Patroni
# ha_psql NAME ARGS...  psql straight to NAME's PostgreSQL
# Every process started here is killed when the test exits, whatever happens.
set -euo pipefail
HA_SCOPE=cardha
# make check-ha installs cardd from the Debian packages and runs that one.
CARDD=${CARD_HA_CARDD:-$CARDD}

ha_require() {
	local c
	for c in patroni etcd haproxy setpriv; do
		command -v "$c" >/dev/null || { echo "SKIP: $c not installed (Debian: patroni, etcd-server, haproxy)"; exit 77; }
	done
	[ -n "${PG_BINDIR:-}" ] || { echo "SKIP: no PostgreSQL (PG_BINDIR unset: run under tests/pg-run)"; exit 77; }
}

# Run a server as postgres when root (initdb refuses root); setpriv execs, so $! is its pid.
RUNAS=()
if [ "$(id -u)" = 0 ]; then RUNAS=(setpriv --reuid=postgres --regid=postgres --init-groups --); fi

HA_PIDS=()
ha_cleanup() {
	local p d
	for p in "${HA_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for d in "$T"/node*/data; do
		[ -f "$d/postmaster.pid" ] || continue
		p=$(head -1 "$d/postmaster.pid")
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${HA_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "${CARD_HA_KEEP:-}" ]; then echo "ha: kept $T" >&2; else rm -rf "$T"; fi
}
trap ha_cleanup EXIT
trap 'exit 1' INT TERM HUP

# ha_spawn LOG CMD...: start CMD in the background, its output to LOG; sets SPAWNED.
ha_spawn() {
	local log=$1; shift
	"$@" >>"$log" 2>&1 &
	SPAWNED=$!
	HA_PIDS+=("$SPAWNED")
}

ha_wait() { # ha_wait SECONDS WHAT CMD...: poll CMD every 0.2 s
	local secs=$1 what=$2 i; shift 2
	for i in $(seq $((secs * 5))); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.2
	done
	echo "ha: timed out after ${secs}s waiting for $what" >&2
	ha_report >&2
	return 1
}

# ha_report: what each member says of itself, for a wait that ran out (the test's log is all a
# failed run leaves behind).
ha_report() {
	local n
	echo "ha: members (name role state):"
	ha_members 2>&1 | sed 's/^/ha:   /' || true
	for n in "$T"/node*/patroni.log; do
		[ -f "$n" ] || continue
		echo "ha: last lines of ${n#"$T"/}:"
		tail -n 25 "$n" | sed 's/^/ha:   /'
	done
}

ha_cluster_start() {
	local i
	chmod 755 "$T"
	local peer
	ETCD_PORT=$(free_port)
	peer="http://127.0.0.1:$(free_port)"
	ha_spawn "$T/etcd.log" etcd --name ha --data-dir "$T/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "ha=$peer" \
		--initial-cluster-state new --log-level error
	ha_wait 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"
	for i in 1 2 3; do
		declare -g "PG_PORT_$i=$(free_port)" "REST_PORT_$i=$(free_port)"
		ha_write_node "node$i" "$(ha_var PG_PORT_$i)" "$(ha_var REST_PORT_$i)"
	done
	# node1 bootstraps (initdb) alone; the others then clone it with pg_basebackup.
	ha_node_start node1
	ha_wait 90 "node1 to lead" ha_member_ok node1 leader
	# One at a time: two base backups at once on a loaded machine is where a set-up once stalled.
	ha_replica_start node2
	ha_replica_start node3
	ha_wait 180 "a synchronous standby" ha_has_sync
}

# ha_replica_start NAME: start NAME's Patroni and wait until it streams from the leader.  If it
# does not within 90 s, what the members say goes to the log and the replica is made again
# once (its Patroni killed, its half-made data directory removed, a new base backup): this is
# the test's set-up, not the failover under test.  (CARD_HA_REPLICA_WAIT=1 takes that way.)
ha_replica_start() {
	ha_node_start "$1"
	ha_wait "${CARD_HA_REPLICA_WAIT:-90}" "$1 streaming" ha_member_streams "$1" && return 0
	echo "ha: making $1 again, once" >&2
	ha_kill_node "$1"
	rm -rf "${T:?}/$1/data"
	ha_node_start "$1"
	ha_wait 90 "$1 streaming" ha_member_streams "$1"
}

ha_var() { echo "${!1}"; }
ha_num() { echo "${1#node}"; }

# ha_write_node NAME PG_PORT REST_PORT: the node's directory and Patroni configuration.  Short
# ttl/loop_wait so that a failover takes seconds (loop_wait + 2 * retry_timeout <= ttl); a tiny
# shared_buffers; fsync off, which a test that kills processes (never the machine) can afford.
ha_write_node() {
	local name=$1 pg=$2 rest=$3 dir="$T/$1"
	mkdir -p "$dir"
	cat >"$dir/patroni.yml" <<YML
scope: $HA_SCOPE
namespace: /libcard-test/
name: $name
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 60
        max_wal_senders: 6
        max_replication_slots: 6
        wal_keep_size: 64MB
        wal_log_hints: 'on'
        hot_standby: 'on'
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $dir/data
  bin_dir: $PG_BINDIR
  pgpass: $dir/pgpass
  authentication:
    superuser:
      username: postgres
      password: ha-test
    replication:
      username: replicator
      password: ha-test
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: '$dir'
    shared_buffers: 16MB
    fsync: 'off'
    max_worker_processes: 4
    log_min_messages: warning
YML
	if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; fi
}

ha_node_start() {
	local n
	n=$(ha_num "$1")
	ha_spawn "$T/$1/patroni.log" "${RUNAS[@]}" patroni "$T/$1/patroni.yml"
	declare -g "PATRONI_PID_$n=$SPAWNED"
}

ha_kill_node() {
	local n d=$T/$1/data p
	n=$(ha_num "$1")
	p=$(head -1 "$d/postmaster.pid" 2>/dev/null || true)
	# The postmaster and its children at once, as when the machine dies: a backend left
	# behind would go on committing until it noticed its postmaster gone.
	kill -9 "$(ha_var PATRONI_PID_$n)" ${p:+"$p" $(pgrep -P "$p")} 2>/dev/null || true
	wait "$(ha_var PATRONI_PID_$n)" 2>/dev/null || true
	[ -z "$p" ] || while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
}

# ha_cluster_json: Patroni's view of the cluster, asked of any member that answers.
ha_cluster_json() {
	local i
	for i in 1 2 3; do
		curl -sf --max-time 2 "http://127.0.0.1:$(ha_var REST_PORT_$i)/cluster" && return 0
	done
	return 1
}
ha_members() { # "name role state" lines
	ha_cluster_json | python3 -c 'import json, sys
for m in json.load(sys.stdin)["members"]: print(m["name"], m["role"], m["state"])'
}
ha_leader() { ha_members | awk '$2 == "leader" && $3 == "running" { print $1 }'; }
ha_has_sync() { ha_members | awk '$2 == "sync_standby" { f = 1 } END { exit !f }'; }
ha_member_ok() { ha_members | awk -v n="$1" -v r="$2" '$1 == n && $2 == r { f = 1 } END { exit !f }'; }
ha_member_streams() { ha_members | awk -v n="$1" '$1 == n && $2 != "leader" && ($3 == "streaming" || $3 == "running") { f = 1 } END { exit !f }' && \
	[ "$(ha_psql "$1" -Atc 'SELECT status FROM pg_stat_wal_receiver')" = streaming ]; }

ha_psql() {
	local n
	n=$(ha_num "$1"); shift
	psql -X -h 127.0.0.1 -p "$(ha_var PG_PORT_$n)" -U postgres -d postgres "$@"
}

ha_cardd_start() {
	local i=$1 db=$2 port
	port=$(ha_var CARDD_PORT_$i)
	cat >"$T/cardd$i.conf" <<CONF
listen = 127.0.0.1:$port
db = "$db"
keyring = $KR
log = stderr
account_rate = 0
ip_rate = 0
log_requests = no
CONF
	ha_spawn "$T/cardd$i.log" "$CARDD" -c "$T/cardd$i.conf" --foreground
	declare -g "CARDD_PID_$i=$SPAWNED"
	ha_wait 20 "cardd $i" curl -sf "http://127.0.0.1:$port/healthz"
}

ha_haproxy_start() {
	local ncardd=$1 i
	HA_PG=$(free_port) HA_RO=$(free_port) HA_HTTP=$(free_port)
	for i in $(seq "$ncardd"); do declare -g "CARDD_PORT_$i=$(free_port)"; done
	{
		cat <<CFG
global
	maxconn 400
defaults
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	timeout check 1s
# Writes: only the member whose Patroni answers 200 to /primary (the leader, running as
# primary) gets connections; when it changes, the old one's sessions are cut.
listen pg
	mode tcp
	bind 127.0.0.1:$HA_PG
	option httpchk OPTIONS /primary
	http-check expect status 200
	default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
CFG
		for i in 1 2 3; do echo "	server node$i 127.0.0.1:$(ha_var PG_PORT_$i) check port $(ha_var REST_PORT_$i)"; done
		cat <<CFG
listen pg-replicas
	mode tcp
	bind 127.0.0.1:$HA_RO
	balance roundrobin
	option httpchk OPTIONS /replica
	http-check expect status 200
	default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
CFG
		for i in 1 2 3; do echo "	server node$i 127.0.0.1:$(ha_var PG_PORT_$i) check port $(ha_var REST_PORT_$i)"; done
		cat <<CFG
listen cardd
	mode http
	bind 127.0.0.1:$HA_HTTP
	balance roundrobin
	option httpchk GET /healthz
	retries 2
	option redispatch
	default-server inter 500ms fall 2 rise 2
CFG
		for i in $(seq "$ncardd"); do echo "	server cardd$i 127.0.0.1:$(ha_var CARDD_PORT_$i) check"; done
	} >"$T/haproxy.cfg"
	haproxy -c -q -f "$T/haproxy.cfg"
	ha_spawn "$T/haproxy.log" haproxy -db -f "$T/haproxy.cfg"
	URL="http://127.0.0.1:$HA_HTTP"
	# HAProxy counts a server up until its checks fail: wait until the standbys are out.
	ha_wait 20 "HAProxy to route to the primary only" ha_routes_primary
}
ha_routes_primary() {
	local i
	for i in 1 2 3 4 5 6; do
		[ "$(psql -X -h 127.0.0.1 -p "$HA_PG" -U postgres -d postgres -Atc 'SELECT pg_is_in_recovery()')" = f ] || return 1
	done
}
