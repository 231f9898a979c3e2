/**
 * Shell scripts the pods run, shipped in the ConfigMap. POSIX sh and redis-cli only, so
 * they work with the official redis image, and with valkey-server/valkey-cli where an image
 * has only those (the official valkey image). The password reaches the CLI through
 * REDISCLI_AUTH (never an argument: arguments show in ps; valkey-cli reads it too).
 */
import { CLOSED_NOTE, CLOSED_USER_RULES, STOPPED_EMPTY_MARKER } from '../spec/admission.js';
import { ADMIN_RULES, ADMIN_USER, DEFAULT_USER_OFF_LINE, REPLICATION_RULES, REPLICATION_USER } from '../spec/keeper-users.js';
import { AUTH_DIR, REDIS_PORT, TLS_DIR } from './names.js';

/**
 * redis-cli's TLS flags for a member with spec.tls (the mounted Secret: the member's own
 * certificate is also its client certificate, as between members), or '' without TLS.
 */
export function cliTlsFlags(tls: boolean): string {
  return tls ? ` --tls --cacert ${TLS_DIR}/ca.crt --cert ${TLS_DIR}/tls.crt --key ${TLS_DIR}/tls.key` : '';
}

/** spec.auth beyond the password: the default user off, and spec.auth.users (passwords from their Secrets). */
export interface PodAccess {
  defaultUserOff: boolean;
  users: ReadonlyArray<{ name: string; rules: string }>;
}

const NO_ACCESS_CHANGES: PodAccess = { defaultUserOff: false, users: [] };

/** A word for sh, in single quotes. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The start script's users (spec/keeper-users.ts, spec/acl-users.ts, spec/admission.ts in sh):
 * the default user (requirepass, closed, or off), rck's own users when their passwords are
 * mounted (a Secret made before them has none: the default user then serves replication), and
 * spec.auth.users. All closed or off while the member starts closed.
 */
function accessLines(access: PodAccess): string {
  const defaultUser = access.defaultUserOff
    ? `  echo '${DEFAULT_USER_OFF_LINE}'`
    : `  if [ -n "\${REDISCLI_AUTH:-}" ]; then
    if [ "$closed" = yes ]; then printf 'user default on ">%s" %s\\n' "$(esc "$REDISCLI_AUTH")" "$rules"; else printf 'requirepass "%s"\\n' "$(esc "$REDISCLI_AUTH")"; fi
  elif [ "$closed" = yes ]; then
    echo "user default on nopass $rules"
  fi`;
  const users = access.users.map(
    (u) => `  printf 'user %s %s ">%s" %s%s\\n' ${u.name} "$user_state" "$(esc "$(cat ${AUTH_DIR}/users/${u.name})")" ${shQuote(u.rules.trim())} "$user_tail"`,
  );
  return `  # A password from a Secret may hold quotes or backslashes: escaped for redis.conf. printf, not
  # echo: dash's echo would turn the escaped backslashes back.
  esc() { printf '%s' "$1" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g'; }
  if [ "$closed" = yes ]; then admin_rules="$rules"; user_state=off; user_tail=' off'; else admin_rules='${ADMIN_RULES}'; user_state=on; user_tail=''; fi
${defaultUser}
  if [ -s ${AUTH_DIR}/${ADMIN_USER} ] && [ -s ${AUTH_DIR}/${REPLICATION_USER} ]; then
    printf 'user ${ADMIN_USER} on ">%s" %s\\n' "$(esc "$(cat ${AUTH_DIR}/${ADMIN_USER})")" "$admin_rules"
    printf 'user ${REPLICATION_USER} %s ">%s" ${REPLICATION_RULES}\\n' "$user_state" "$(esc "$(cat ${AUTH_DIR}/${REPLICATION_USER})")"
    echo "masteruser ${REPLICATION_USER}"
    printf 'masterauth "%s"\\n' "$(esc "$(cat ${AUTH_DIR}/${REPLICATION_USER})")"
  elif [ -n "\${REDISCLI_AUTH:-}" ]; then
    printf 'masterauth "%s"\\n' "$(esc "$REDISCLI_AUTH")"
  fi${users.map((u) => `\n${u}`).join('')}`;
}

/**
 * How the pod's scripts log in: as rck-admin when its password is mounted (spec/keeper-users.ts),
 * else as the default user with REDISCLI_AUTH from the environment. Sets `$login`, the CLI's flag.
 */
const CLI_LOGIN = `login=''; if [ -s ${AUTH_DIR}/${ADMIN_USER} ]; then REDISCLI_AUTH=$(cat ${AUTH_DIR}/${ADMIN_USER}); export REDISCLI_AUTH; login='--user ${ADMIN_USER}'; fi;`;

/**
 * Starts redis-server with the shared redis.conf plus what only the pod knows: its IP
 * (bind, announce, and the source address of bus connections, which must be the pod's
 * own or peers learn a wrong address) and the password, in a 0600 file on the volume.
 */
export function startScript(tls: boolean, access: PodAccess = NO_ACCESS_CHANGES): string {
  return `#!/bin/sh
set -eu
: "\${POD_IP:?POD_IP must come from the downward API (status.podIP)}"
umask 077
conf=/data/rck-member.conf
# Admission (spec/admission.ts): nodes.conf says this node is a master with slots, but no
# AOF brings its data back (a container restart with persistence off, a stale RDB). Its
# replicas would full-sync the empty dataset and flush the only copy, so it starts closed
# to replication and clients; the operator promotes the copy, then opens this node.
closed=no
rules='${CLOSED_USER_RULES}'
# Taken on every start: the last stop was graceful and found no keys, so nothing is lost.
stopped_empty=no
if [ -e /data/${STOPPED_EMPTY_MARKER} ]; then rm -f /data/${STOPPED_EMPTY_MARKER}; stopped_empty=yes; fi
if [ -s /data/nodes.conf ] && [ "$stopped_empty" = no ]; then
  myself=$(grep -m1 '^[0-9a-f]* [^ ]* [^ ]*myself' /data/nodes.conf || true)
  # shellcheck disable=SC2086
  set -- $myself
  if [ "$#" -gt 8 ] && case ",$3," in *,master,*) true ;; *) false ;; esac; then
    if ! grep -q '^appendonly yes' /etc/rck/redis.conf || [ ! -d /data/appendonlydir ]; then
      closed=yes
      echo "start: ${CLOSED_NOTE}"
    fi
  fi
fi
{
  echo "include /etc/rck/redis.conf"
  echo "${tls ? 'include /etc/rck/tls.conf' : `port ${REDIS_PORT}`}"
  echo "bind $POD_IP"
  echo "protected-mode yes"
  echo "daemonize no"
  echo 'logfile ""'
  echo "dir /data"
  echo "cluster-config-file nodes.conf"
  echo "cluster-announce-ip $POD_IP"
  if [ -n "\${ANNOUNCE_HOSTNAME:-}" ]; then
    # Clients get the stable name (CLUSTER SLOTS, redirections) and keep it through a full restart.
    echo "cluster-announce-hostname $ANNOUNCE_HOSTNAME"
    echo "cluster-preferred-endpoint-type hostname"
  fi
  if [ -n "\${EXTERNAL_ADDRESS_FILE:-}" ] && [ -s "$EXTERNAL_ADDRESS_FILE" ]; then
    # External access: clients are sent to its load balancer from the first reply on.
    echo "cluster-announce-hostname $(cat "$EXTERNAL_ADDRESS_FILE")"
    echo "cluster-preferred-endpoint-type hostname"
  fi
  echo "bind-source-addr $POD_IP"
${accessLines(access)}
} > "$conf"
server=redis-server
command -v redis-server >/dev/null 2>&1 || server=valkey-server
exec "$server" "$conf"
`;
}

export const START_SCRIPT = startScript(false);

/**
 * preStop: when this pod is a master with an online replica, run CLUSTER FAILOVER on the
 * most up-to-date one and wait (bounded) until this pod is a replica, so deleting a master
 * pod is a planned failover (about 50 ms) instead of a node-timeout failover with lost writes.
 * Then it waits for an AOF rewrite in progress, which would make redis-server ignore SIGTERM.
 * With persistence off it marks a node stopped empty (spec/admission.ts).
 */
export function prestopScript(tls: boolean, auth = true): string {
  return `#!/bin/sh
limit=\${HANDOVER_SECONDS:-20}
deadline=$(($(date +%s) + limit))
in_time() { [ "$(date +%s)" -lt "$deadline" ]; }
cli=redis-cli
command -v redis-cli >/dev/null 2>&1 || cli=valkey-cli
${auth ? `${CLI_LOGIN}\n` : ''}me() { "$cli" -h "$POD_IP" -p ${REDIS_PORT} --no-auth-warning${auth ? ' $login' : ''}${cliTlsFlags(tls)} "$@" 2>/dev/null | tr -d '\\r'; }
# Last, on every way out: Redis refuses the kubelet's SIGTERM while it writes its first
# AOF after a full sync, and never retries, so wait (within the limit) for a rewrite to end.
aof_wait() {
  while in_time && me info persistence | grep -q '^aof_rewrite_in_progress:1'; do sleep 0.1; done
}
# Persistence off: pause writes until the container is gone (it is killed within the grace
# period) and, when no key is left, leave a marker so the next start need not start closed.
mark_empty() {
  grep -q '^appendonly yes' /etc/rck/redis.conf && return 0
  [ "$(me client pause $(( (limit + 60) * 1000 )) write)" = OK ] || return 0
  [ "$(me dbsize)" = 0 ] && : > /data/${STOPPED_EMPTY_MARKER}
  return 0
}
trap 'mark_empty; aof_wait' EXIT
[ "$(me role | head -1)" = master ] || exit 0
best=""; best_offset=-1
for line in $(me info replication | grep '^slave[0-9]*:'); do
  set -- $(echo "$line" | sed 's/^slave[0-9]*:ip=\\([^,]*\\),port=\\([0-9]*\\),state=\\([a-z_]*\\),offset=\\([0-9]*\\),lag=\\([0-9]*\\).*/\\1 \\2 \\3 \\4 \\5/')
  [ "$#" = 5 ] && [ "$3" = online ] || continue
  if [ "$4" -gt "$best_offset" ]; then best="$1 $2"; best_offset=$4; fi
done
[ -n "$best" ] || { echo "prestop: master without an online replica, no handover"; exit 0; }
set -- $best
echo "prestop: handing over to $1:$2"
"$cli" -h "$1" -p "$2" --no-auth-warning${auth ? ' $login' : ''}${cliTlsFlags(tls)} cluster failover >/dev/null 2>&1 || exit 0
while in_time; do
  [ "$(me role | head -1)" = slave ] && { echo "prestop: now a replica of $1:$2"; exit 0; }
  sleep 0.2
done
echo "prestop: handover not done within \${limit}s"
`;
}

export const PRESTOP_SCRIPT = prestopScript(false);

/**
 * Ready when it answers, and a replica only once its link to its master is up: a
 * rolling update (one pod at a time, each waiting for the previous to be Ready) then
 * never takes down a master whose replica is still syncing, and the PDB counts a
 * syncing replica as unavailable. Not cluster_state: the cluster is created after
 * the pods are up, and a shard down elsewhere must not empty the client Service.
 */
export function readyCommand(tls: boolean, auth = true): string[] {
  return [
    'sh',
    '-c',
    `cli=redis-cli; command -v redis-cli >/dev/null 2>&1 || cli=valkey-cli; ${auth ? `${CLI_LOGIN} ` : ''}info=$("$cli" -h "$POD_IP" -p ${REDIS_PORT} --no-auth-warning${auth ? ' $login' : ''}${cliTlsFlags(tls)} info replication) && { echo "$info" | grep -q '^role:master' || echo "$info" | grep -q '^master_link_status:up'; }`,
  ];
}

export const READY_COMMAND = readyCommand(false);

/**
 * Liveness with spec.tls: alive when the node answers PING over TLS, whatever it answers
 * (redis-cli exits 1 only when it cannot connect; LOADING, NOAUTH... exit 0). A TCP probe
 * would do no TLS handshake, and Redis logs a warning for every such connection.
 */
export function tlsLiveCommand(): string[] {
  return [
    'sh',
    '-c',
    `cli=redis-cli; command -v redis-cli >/dev/null 2>&1 || cli=valkey-cli; "$cli" -h "$POD_IP" -p ${REDIS_PORT} --no-auth-warning${cliTlsFlags(true)} ping >/dev/null`,
  ];
}
