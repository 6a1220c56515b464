#!/usr/bin/env bash
# Real STOMP brokers on loopback for the test suite (Debian 12, no init system needed):
#   RabbitMQ 3.10   STOMP 127.0.0.1:61613  guest/guest, vhost /
#                   STOMP over TLS 127.0.0.1:61612 (throw-away CA in /etc/rabbitmq/nestjs-stomp-tls;
#                   client certificates verified when presented)
#   ActiveMQ 5.17   STOMP 127.0.0.1:61614  any login (no auth plugin); OpenWire 127.0.0.1:61616
#                   (the JMS interop tests' Java peer; a JDK is installed to compile it)
#
#   scripts/brokers.sh [up]                      ensure both are up (idempotent; fast when they are)
#   scripts/brokers.sh restart rabbitmq|activemq kill -9 the broker, start it, wait for STOMP
#   scripts/brokers.sh stop rabbitmq|activemq    kill -9 the broker (simulated crash)
#
# Logs: RabbitMQ /var/log/rabbitmq/{rabbit@NODE.log,startup_err}
#       ActiveMQ /var/log/activemq/nestjs-stomp.{log,out}
set -euo pipefail

PATH=$PATH:/usr/sbin:/sbin
T0=${EPOCHREALTIME//[!0-9]/}  # digits only: the separator follows LC_NUMERIC
WAIT_SECS=${BROKERS_WAIT_SECS:-60}

RABBIT_PORT=61613
RABBIT_PIDFILE=/run/rabbitmq/pid
RABBIT_CONF=/etc/rabbitmq/rabbitmq.conf
RABBIT_LISTENER="stomp.listeners.tcp.1 = 127.0.0.1:$RABBIT_PORT"
RABBIT_TLS_PORT=61612
RABBIT_TLS_DIR=/etc/rabbitmq/nestjs-stomp-tls

AMQ_PORT=61614
AMQ_OPENWIRE_PORT=61616
# A dedicated instance instead of Debian's `main`: the package's conffiles stay pristine
# (no dpkg prompts on upgrade) and everything we own sits under one greppable name.
AMQ_INSTANCE=nestjs-stomp
AMQ_AVAILABLE=/etc/activemq/instances-available/$AMQ_INSTANCE
AMQ_ENABLED=/etc/activemq/instances-enabled/$AMQ_INSTANCE
AMQ_BASE=/var/lib/activemq/$AMQ_INSTANCE
AMQ_PIDFILE=/run/activemq/$AMQ_INSTANCE.pid
AMQ_LOG=/var/log/activemq/$AMQ_INSTANCE.log
AMQ_OUT=/var/log/activemq/$AMQ_INSTANCE.out

log() { echo "brokers: $*"; }

# Log tails first so the one-line verdict is the last thing a CI log shows; Java stack
# frames are dropped because they push the actual error out of a short tail.
fail() {
  local broker=$1 msg=$2 f
  shift 2
  for f in "$@"; do
    [[ -s $f ]] || continue
    echo "----- $f (last lines, stack frames omitted)" >&2
    grep -vE '^[[:space:]]+(at |\.\.\. [0-9]+ more)' "$f" | tail -n 10 >&2 || true
  done
  echo "brokers: FAILED: $broker: $msg${1:+ (log: $1)}" >&2
  exit 1
}

elapsed() {
  local us=$(( ${EPOCHREALTIME//[!0-9]/} - T0 ))
  printf '%d.%01ds' $((us / 1000000)) $((us % 1000000 / 100000))
}

usage() {
  echo "usage: $0 [up] | restart rabbitmq|activemq | stop rabbitmq|activemq" >&2
  exit 2
}

# --- STOMP probe -------------------------------------------------------------

# A real CONNECT rather than a port check: a bound port says nothing about whether the
# broker has finished booting or accepts guest/guest. On CONNECTED, SERVER gets the frame's
# `server` header (RabbitMQ/3.10.8, ActiveMQ/5.17.2); PROBE_REPLY keeps whatever came back.
SERVER=
PROBE_REPLY=
stomp_probe() {
  local port=$1
  SERVER=
  PROBE_REPLY=$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\n\n\0' >&3
    IFS= read -r -t 5 -d '' frame <&3 || exit 1
    printf '%s' "$frame"
    # Drain until the broker closes: closing with unread bytes (ActiveMQ's trailing EOL)
    # makes the kernel send RST, which the broker logs as a failed transport.
    printf 'DISCONNECT\n\n\0' >&3
    while IFS= read -r -t 2 -d '' rest <&3; do :; done
  ) || true
  PROBE_REPLY=${PROBE_REPLY##$'\n'}
  [[ $PROBE_REPLY == CONNECTED$'\n'* ]] || return 1
  SERVER=$(sed -n 's/^server://p' <<<"$PROBE_REPLY")
  SERVER=${SERVER:-unknown/?}
}

# For failure messages: an ERROR frame's message header says why (e.g. guest refused).
probe_summary() {
  [[ -n $PROBE_REPLY ]] || return 0
  local msg
  msg=$(sed -n 's/^message://p' <<<"$PROBE_REPLY" | head -n 1)
  printf ' (last reply: %s%s)' "${PROBE_REPLY%%$'\n'*}" "${msg:+: $msg}"
}

# Polls until CONNECT works. Gives up early when the broker process is gone, so a broken
# config fails in seconds rather than after the whole deadline.
wait_stomp() {
  local port=$1 alive_fn=$2 t0=$SECONDS
  until stomp_probe "$port"; do
    (( SECONDS - t0 < WAIT_SECS )) || return 1
    if (( SECONDS - t0 >= 5 )) && [[ -z $($alive_fn) ]]; then return 2; fi
    sleep 0.5
  done
}

# Hard stop on purpose: fault tests want a crash (no goodbye frames), and it is instant.
kill_hard() {
  local pids=$1 t0=$SECONDS pid
  [[ -n $pids ]] || return 0
  # shellcheck disable=SC2086  # a space-separated pid list
  kill -KILL $pids 2>/dev/null || true
  for pid in $pids; do
    # A zombie counts as gone: its sockets and files are already released.
    while [[ $(ps -o stat= -p "$pid" 2>/dev/null) == [^Z]* ]]; do
      (( SECONDS - t0 < 15 )) || return 1
      sleep 0.1
    done
  done
}

# --- packages ----------------------------------------------------------------

ensure_packages() {
  local p missing=()
  for p in rabbitmq-server activemq python3-stomp; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
  done
  # javac builds the JMS interop tests' Java peer against the client jars activemq brings.
  command -v javac >/dev/null || missing+=(default-jdk-headless)
  (( ${#missing[@]} )) || return 0
  log "installing ${missing[*]} (apt)"
  local aptlog=/var/log/nestjs-stomp-brokers-apt.log
  # Lock::Timeout: another apt (unattended upgrades, a sibling job) must not turn into a failure.
  { DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update &&
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
      install --no-install-recommends "${missing[@]}"; } </dev/null >>"$aptlog" 2>&1 ||
    fail apt "installing ${missing[*]} failed" "$aptlog"
}

# --- RabbitMQ ----------------------------------------------------------------

# The broker's beam only; CLI tools (rabbitmqctl) also run beam.smp as user rabbitmq.
rabbit_pids() { pgrep -u rabbitmq -f -- '-s rabbit boot' | xargs echo || true; }

# Boot failures only reach startup_{log,err}; once booted, the node log is the one to read.
RABBIT_STARTED=0
rabbit_fail() {
  local f node_log=/var/log/rabbitmq/ startup=(/var/log/rabbitmq/startup_log /var/log/rabbitmq/startup_err)
  for f in /var/log/rabbitmq/rabbit@*.log; do
    [[ -f $f && $f != *_upgrade.log && ! $node_log -nt $f ]] && node_log=$f
  done
  if (( RABBIT_STARTED )); then
    fail rabbitmq "$1" "${startup[@]}" "$node_log"
  else
    fail rabbitmq "$1" "$node_log" "${startup[@]}"
  fi
}

# Only once the plugin is in enabled_plugins: a stomp.* key without the plugin's schema
# makes the next boot abort with an unknown-setting error.
ensure_rabbit_conf() {
  [[ -f $RABBIT_CONF ]] && grep -qxF "$RABBIT_LISTENER" "$RABBIT_CONF" && return 0
  if [[ -f $RABBIT_CONF ]] && grep -qE '^[[:space:]]*stomp\.listeners\.tcp\.1[[:space:]]*=' "$RABBIT_CONF"; then
    sed -i -E "s|^[[:space:]]*stomp\.listeners\.tcp\.1[[:space:]]*=.*|$RABBIT_LISTENER|" "$RABBIT_CONF"
  else
    if [[ -s $RABBIT_CONF && -n $(tail -c 1 "$RABBIT_CONF") ]]; then echo >>"$RABBIT_CONF"; fi
    echo "$RABBIT_LISTENER" >>"$RABBIT_CONF"
  fi
  log "rabbitmq: set '$RABBIT_LISTENER' in $RABBIT_CONF"
}

# A throw-away CA, the broker's certificate (localhost, 127.0.0.1), a client certificate it
# signed, and a client certificate from an unrelated CA: what the TLS tests need, made once.
ensure_rabbit_tls_files() {
  [[ -f $RABBIT_TLS_DIR/stranger-client.crt ]] && return 0
  local d=$RABBIT_TLS_DIR
  install -d -m 755 "$d"
  (
    cd "$d"
    ossl() { openssl "$@" >/dev/null 2>&1 || rabbit_fail "openssl $1 failed making TLS test files in $d"; }
    ossl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=nestjs-stomp-test-ca -keyout ca.key -out ca.crt
    ossl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=nestjs-stomp-stranger-ca -keyout stranger-ca.key -out stranger-ca.crt
    leaf() { # name cn ext ca
      printf '%b' "$3" >"$1.ext"
      ossl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr"
      ossl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -CAcreateserial -days 3650 -extfile "$1.ext" -out "$1.crt"
      rm -f "$1.csr" "$1.ext"
    }
    leaf server localhost 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' ca
    leaf client nestjs-stomp-client 'extendedKeyUsage=clientAuth\n' ca
    leaf stranger-client nestjs-stomp-stranger 'extendedKeyUsage=clientAuth\n' stranger-ca
    chgrp rabbitmq server.key && chmod 640 server.key
  )
  log "rabbitmq: made throw-away TLS CA and certificates in $d"
}

# The TLS listener and the certificates it uses; a running node only reads them at boot.
ensure_rabbit_tls_conf() {
  ensure_rabbit_tls_files
  local line key
  local -a lines=(
    "stomp.listeners.ssl.1 = 127.0.0.1:$RABBIT_TLS_PORT"
    "ssl_options.cacertfile = $RABBIT_TLS_DIR/ca.crt"
    "ssl_options.certfile = $RABBIT_TLS_DIR/server.crt"
    "ssl_options.keyfile = $RABBIT_TLS_DIR/server.key"
    "ssl_options.verify = verify_peer"
    "ssl_options.fail_if_no_peer_cert = false"
  )
  for line in "${lines[@]}"; do
    grep -qxF "$line" "$RABBIT_CONF" && continue
    key=${line%% =*}
    sed -i -E "/^[[:space:]]*${key//./\\.}[[:space:]]*=/d" "$RABBIT_CONF"
    echo "$line" >>"$RABBIT_CONF"
  done
}

tls_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$RABBIT_TLS_PORT") 2>/dev/null; }

start_rabbitmq() {
  install -d -o rabbitmq -g rabbitmq -m 755 /run/rabbitmq
  rm -f "$RABBIT_PIDFILE"
  RABBIT_STARTED=1
  log "rabbitmq: starting"
  # As Debian's /etc/init.d/rabbitmq-server does it: the wrapper, run as rabbitmq, cds to
  # /var/lib/rabbitmq and sends output to /var/log/rabbitmq/startup_{log,err}.
  HOME=/var/lib/rabbitmq RABBITMQ_PID_FILE=$RABBIT_PIDFILE \
    start-stop-daemon --start --quiet --oknodo --chuid rabbitmq --background \
    --pidfile "$RABBIT_PIDFILE" --exec /usr/sbin/rabbitmq-server </dev/null ||
    rabbit_fail "start-stop-daemon failed"
}

ensure_rabbitmq() {
  local how="already running"
  if stomp_probe $RABBIT_PORT; then
    ensure_rabbit_conf
  elif [[ -n $(rabbit_pids) ]]; then
    # Node is up (or booting) without STOMP: enable the plugin online.
    rabbitmqctl -q await_startup --timeout "$WAIT_SECS" </dev/null >/dev/null 2>&1 ||
      rabbit_fail "node is running but did not finish booting"
    # A plugin enabled at runtime does not get its rabbitmq.conf settings (they are only
    # translated at boot) and would listen on all interfaces; a persistent app env survives
    # the plugin's application load, so the listener comes up on loopback right away.
    rabbitmqctl -q eval "application:set_env(rabbitmq_stomp, tcp_listeners, [{\"127.0.0.1\", $RABBIT_PORT}], [{persistent, true}])." \
      </dev/null >/dev/null 2>&1 || rabbit_fail "could not set the STOMP listener on the running node"
    rabbitmq-plugins -q enable rabbitmq_stomp </dev/null >/dev/null 2>&1 ||
      rabbit_fail "rabbitmq-plugins enable rabbitmq_stomp failed on the running node"
    ensure_rabbit_conf
    how="reused running node, enabled rabbitmq_stomp"
  else
    # --offline edits enabled_plugins without dropping plugins someone else enabled.
    rabbitmq-plugins -q enable --offline rabbitmq_stomp </dev/null >/dev/null 2>&1 ||
      rabbit_fail "rabbitmq-plugins enable --offline rabbitmq_stomp failed"
    ensure_rabbit_conf
    ensure_rabbit_tls_conf
    start_rabbitmq
    how="started"
  fi
  if (( ! RABBIT_STARTED )) && ! tls_listening; then
    # A node that was running before this script (or before its TLS settings) has no TLS
    # listener: only a restart reads rabbitmq.conf.
    ensure_rabbit_tls_conf
    stop_rabbitmq
    start_rabbitmq
    how="$how, restarted for the TLS listener"
  fi
  local rc=0
  wait_stomp $RABBIT_PORT rabbit_pids || rc=$?
  case $rc in
    0) ;;
    2) rabbit_fail "broker process exited before STOMP answered on 127.0.0.1:$RABBIT_PORT" ;;
    *) rabbit_fail "no CONNECTED on 127.0.0.1:$RABBIT_PORT within ${WAIT_SECS}s$(probe_summary)" ;;
  esac
  [[ $SERVER == RabbitMQ/* ]] || rabbit_fail "127.0.0.1:$RABBIT_PORT is answered by '$SERVER', not RabbitMQ"
  tls_listening || rabbit_fail "no TLS listener on 127.0.0.1:$RABBIT_TLS_PORT"
  log "rabbitmq STOMP up on 127.0.0.1:$RABBIT_PORT, TLS on :$RABBIT_TLS_PORT (${SERVER#*/}, $how)"
}

stop_rabbitmq() {
  local pids
  pids=$(rabbit_pids)
  kill_hard "$pids" || rabbit_fail "could not kill the broker (pid $pids)"
  rm -f "$RABBIT_PIDFILE"
  if [[ -n $pids ]]; then log "rabbitmq killed (pid $pids)"; else log "rabbitmq was not running"; fi
}

# --- ActiveMQ ----------------------------------------------------------------

amq_pids() {
  local pid
  for pid in $(pgrep -u activemq -f -- "-Dactivemq\.base=$AMQ_BASE( |\$)" || true); do
    # /usr/bin/activemq's short-lived `sh -c` carries the same arguments.
    [[ $(cat /proc/"$pid"/comm 2>/dev/null) == java ]] && echo "$pid"
  done | xargs echo
}

amq_fail() { fail activemq "$1" "$AMQ_LOG" "$AMQ_OUT"; }

# Debian's activemq-options points at /usr/lib/jvm/default-java, which only the
# default-jre-headless package creates; machines with a bare openjdk-17 lack it (and may
# have other JDKs under /usr/lib/jvm), so follow the system `java` alternative instead.
amq_java_home() {
  local java=/usr/lib/jvm/default-java/bin/java
  [[ -x $java ]] || java=$(readlink -f /usr/bin/java 2>/dev/null) || return 1
  [[ -x $java ]] || return 1
  echo "${java%/bin/java}"
}

# Writes only on change: the mtimes then tell whether a running broker predates its config.
put_file() {
  local path=$1 content
  content=$(cat)
  if [[ ! -f $path ]] || [[ $(cat "$path") != "$content" ]]; then
    printf '%s\n' "$content" >"$path"
    chmod 644 "$path"
  fi
}

amq_config_stale() {
  local pid age newest
  pid=$(amq_pids)
  [[ -n $pid ]] || return 1
  age=$(ps -o etimes= -p "${pid%% *}") || return 1
  newest=$(stat -c %Y "$AMQ_AVAILABLE"/* | sort -n | tail -n 1)
  (( newest > $(date +%s) - age ))
}

ensure_amq_instance() {
  local java_home
  java_home=$(amq_java_home) || amq_fail "no usable java (/usr/lib/jvm/default-java or /usr/bin/java)"
  install -d -m 755 "$AMQ_AVAILABLE"
  install -d -o activemq -g activemq -m 755 "$AMQ_BASE" "$AMQ_BASE/data" "$AMQ_BASE/tmp" /var/log/activemq

  # An explicit STOMP maxFrameSize (100 MiB) so large-body tests hit a known limit.
  put_file "$AMQ_AVAILABLE/activemq.xml" <<EOF
<!-- Managed by nestjs-stomp scripts/brokers.sh; edits are overwritten. -->
<beans
  xmlns="http://www.springframework.org/schema/beans"
  xmlns:amq="http://activemq.apache.org/schema/core"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">

    <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer"/>

    <broker xmlns="http://activemq.apache.org/schema/core"
            useJmx="false"
            schedulePeriodForDestinationPurge="10000"
            brokerName="localhost"
            dataDirectory="\${activemq.data}">
        <!-- Tests use unique destination names: empty, unused ones are collected after a minute.
             Dead letters go to DLQ.<queue> (not the shared ActiveMQ.DLQ) so each test finds its own,
             and non-persistent messages are dead-lettered too instead of being dropped. -->
        <destinationPolicy>
            <policyMap>
                <policyEntries>
                    <policyEntry queue="&gt;" gcInactiveDestinations="true" inactiveTimoutBeforeGC="60000">
                        <deadLetterStrategy>
                            <individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true" processNonPersistent="true"/>
                        </deadLetterStrategy>
                    </policyEntry>
                    <policyEntry topic="&gt;" gcInactiveDestinations="true" inactiveTimoutBeforeGC="60000"/>
                </policyEntries>
            </policyMap>
        </destinationPolicy>
        <persistenceAdapter>
            <kahaDB directory="\${activemq.data}/kahadb"/>
        </persistenceAdapter>
        <transportConnectors>
            <transportConnector name="openwire" uri="tcp://127.0.0.1:$AMQ_OPENWIRE_PORT"/>
            <transportConnector name="stomp" uri="stomp://127.0.0.1:$AMQ_PORT?wireFormat.maxFrameSize=104857600"/>
        </transportConnectors>
    </broker>
</beans>
EOF

  # The broker uses slf4j-log4j12 (log4j 1.2), but Debian ships only log4j2.properties,
  # so without this file it logs nothing at all. The conf dir is on its classpath.
  put_file "$AMQ_AVAILABLE/log4j.properties" <<EOF
# Managed by nestjs-stomp scripts/brokers.sh; edits are overwritten.
log4j.rootLogger=INFO, logfile
log4j.logger.org.springframework=WARN
log4j.logger.org.apache.xbean=WARN
log4j.logger.org.apache.activemq.spring=WARN
log4j.appender.logfile=org.apache.log4j.RollingFileAppender
log4j.appender.logfile.File=$AMQ_LOG
log4j.appender.logfile.MaxFileSize=10MB
log4j.appender.logfile.MaxBackupIndex=2
log4j.appender.logfile.Append=true
log4j.appender.logfile.layout=org.apache.log4j.PatternLayout
log4j.appender.logfile.layout.ConversionPattern=%d | %-5p | %m | %c | %t%n
EOF

  # /usr/bin/activemq sources this file *instead of* the global activemq-options, and only
  # after it has derived ACTIVEMQ_DATA/TMP from an unset ACTIVEMQ_BASE (-> /var/lib/activemq/data,
  # root-owned), so every path is spelled out here. Heap: 1 GiB caps the broker's memory
  # limit at ~700 MB (70 % of heap); Debian's 512 MiB (limit 358 MB) was seen blocking
  # producers under heavy 10 KB load.
  put_file "$AMQ_AVAILABLE/options" <<EOF
# Managed by nestjs-stomp scripts/brokers.sh; edits are overwritten.
STARTTIME=5
ACTIVEMQ_BASE="$AMQ_BASE"
ACTIVEMQ_CONF="$AMQ_ENABLED"
ACTIVEMQ_DATA="$AMQ_BASE/data"
ACTIVEMQ_TMP="$AMQ_BASE/tmp"
JAVA_HOME="$java_home"
ACTIVEMQ_OPTS="-Xms256M -Xmx1G -Dorg.apache.activemq.UseDedicatedTaskRunner=true"
ACTIVEMQ_ARGS="start xbean:activemq.xml"
ACTIVEMQ_OUT="$AMQ_OUT"
EOF

  [[ $(readlink "$AMQ_ENABLED" 2>/dev/null) == "$AMQ_AVAILABLE" ]] || ln -sfn "$AMQ_AVAILABLE" "$AMQ_ENABLED"
  # Created up front: start-stop-daemon opens --output as root, java then appends as activemq.
  touch "$AMQ_OUT" && chown activemq:activemq "$AMQ_OUT"
}

start_activemq() {
  install -d -o activemq -g activemq -m 755 /run/activemq
  rm -f "$AMQ_PIDFILE"
  log "activemq: starting instance $AMQ_INSTANCE"
  # Mirrors start_servers in Debian's /etc/init.d/activemq (same exports, options files,
  # start-stop-daemon line), plus --output so startup errors are not thrown away.
  (
    INSTANCE=$AMQ_INSTANCE
    ACTIVEMQ_USER=activemq
    ACTIVEMQ_PIDFILE=$AMQ_PIDFILE
    ACTIVEMQ_HOME=/usr/share/activemq
    ACTIVEMQ_CONFIG_DIR=$AMQ_ENABLED
    set +u
    # shellcheck source=/dev/null
    . /usr/share/activemq/activemq-options
    # shellcheck source=/dev/null
    . "$ACTIVEMQ_CONFIG_DIR/options"
    set -u
    export INSTANCE ACTIVEMQ_USER ACTIVEMQ_PIDFILE ACTIVEMQ_HOME ACTIVEMQ_CONFIG_DIR \
      ACTIVEMQ_CONF ACTIVEMQ_BASE ACTIVEMQ_DATA ACTIVEMQ_TMP
    # shellcheck disable=SC2086  # ACTIVEMQ_ARGS is a word list, as in the init script
    start-stop-daemon --start --quiet --oknodo --pidfile "$ACTIVEMQ_PIDFILE" \
      --chuid activemq --background --output "$AMQ_OUT" \
      --name java --startas /usr/bin/activemq -- $ACTIVEMQ_ARGS </dev/null
  ) || amq_fail "start-stop-daemon failed"
}

ensure_activemq() {
  local how="already running"
  ensure_amq_instance
  if stomp_probe $AMQ_PORT; then
    if amq_config_stale; then
      log "activemq: WARNING: $AMQ_AVAILABLE changed after the broker started; run '$0 restart activemq'"
    fi
  else
    if [[ -z $(amq_pids) ]]; then
      start_activemq
      how="started"
    fi
    local rc=0
    wait_stomp $AMQ_PORT amq_pids || rc=$?
    case $rc in
      0) ;;
      2) amq_fail "broker process exited before STOMP answered on 127.0.0.1:$AMQ_PORT" ;;
      *) amq_fail "no CONNECTED on 127.0.0.1:$AMQ_PORT within ${WAIT_SECS}s$(probe_summary)" ;;
    esac
  fi
  [[ $SERVER == ActiveMQ/* ]] || amq_fail "127.0.0.1:$AMQ_PORT is answered by '$SERVER', not ActiveMQ"
  log "activemq STOMP up on 127.0.0.1:$AMQ_PORT (${SERVER#*/}, $how)"
}

stop_activemq() {
  local pids
  pids=$(amq_pids)
  kill_hard "$pids" || amq_fail "could not kill the broker (pid $pids)"
  rm -f "$AMQ_PIDFILE"
  if [[ -n $pids ]]; then log "activemq killed (pid $pids)"; else log "activemq was not running"; fi
}

# --- main --------------------------------------------------------------------

ensure_python_stomp() {
  local v
  # Debian's interpreter on purpose: `python3` on PATH may be a pyenv build without stomp.
  v=$(/usr/bin/python3 -c 'import stomp; print(".".join(map(str, stomp.__version__)))' 2>&1) ||
    fail python3-stomp "/usr/bin/python3 cannot import stomp: ${v##*$'\n'}"
  log "python3-stomp $v ok (/usr/bin/python3)"
}

if (( EUID != 0 )); then
  # Needs apt, /etc and to start daemons as other users.
  command -v sudo >/dev/null && exec sudo -n -- "$0" "$@"
  echo "brokers: FAILED: must run as root" >&2
  exit 1
fi

action=${1:-up}
target=${2:-}
case $action in
  up) [[ $# -le 1 ]] || usage ;;
  restart | stop) [[ $# -eq 2 && $target =~ ^(rabbitmq|activemq)$ ]] || usage ;;
  *) usage ;;
esac

# Serialises concurrent callers (parallel test workers); every daemon start above redirects
# stdin and runs through start-stop-daemon, which closes inherited descriptors like this one.
exec 9>/run/nestjs-stomp-brokers.lock
flock -w $((WAIT_SECS * 3)) 9 || { echo "brokers: FAILED: another brokers.sh holds /run/nestjs-stomp-brokers.lock" >&2; exit 1; }

case $action in
  up)
    ensure_packages
    ensure_rabbitmq
    ensure_activemq
    ensure_python_stomp
    ;;
  restart)
    ensure_packages
    "stop_$target"
    "ensure_$target"
    ;;
  stop)
    "stop_$target"
    ;;
esac
log "$action${target:+ $target} done in $(elapsed)"
