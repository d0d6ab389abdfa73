#!/usr/bin/env bash
# The project's own throw-away Samba AD domain controller for tests and the demo.
#
#   scripts/samba-dc.sh ensure     install (root, Debian) + provision + start + load fixture, as needed
#   scripts/samba-dc.sh start|stop|status|restart
#   scripts/samba-dc.sh reset      stop and delete the DC folder (next ensure provisions anew)
#   scripts/samba-dc.sh env-file   print the path of the JSON with CANOPY_TEST_AD_* for tests
#
# CANOPY_DC_FIXTURE=none provisions the domain without the fixture forest (only the accounts
# below): a second realm for a test that makes its own few objects, ready in seconds, not minutes.
# CANOPY_DC_EXTENSION_ATTRIBUTES=1 adds Exchange's extensionAttribute1–15 to the schema (users
# may hold them), as an Exchange schema preparation does; only for a DC of a test's own (a
# schema change cannot be undone, so never on a shared DC).
#
# Facts behind each step: ../shared/reference/samba-ad-dc-facts.md. Everything lives in
# $CANOPY_DC_DIR (default /tmp/canopy-dc) and listens on $CANOPY_DC_IP (default 127.0.0.1)
# only. A provisioned folder is reused: a restart takes about a second.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${CANOPY_DC_DIR:-/tmp/canopy-dc}
# Users in the fixture forest (the generator's default when unset); npm run bench sets it.
USERS=${CANOPY_DC_USERS:-}
FIXTURE=${CANOPY_DC_FIXTURE:-forest}
EXTENSION_ATTRIBUTES=${CANOPY_DC_EXTENSION_ATTRIBUTES:-}
case "$FIXTURE" in forest|none) ;; *) echo "samba-dc: CANOPY_DC_FIXTURE must be forest or none, not '$FIXTURE'" >&2; exit 2 ;; esac
IP=${CANOPY_DC_IP:-127.0.0.1}
REALM=${CANOPY_DC_REALM:-CORP.CANOPY.TEST}
NETBIOS=${CANOPY_DC_NETBIOS:-CORP}
DOMAIN=$(echo "$REALM" | tr '[:upper:]' '[:lower:]')
BASE_DN=$(echo "$DOMAIN" | sed 's/^/DC=/; s/\./,DC=/g')
ADMIN_PASS='Canopy-Admin-1!'
SYNC_USER=canopy-sync
SYNC_PASS='Canopy-Sync-1!'
PLAIN_USER=canopy-norights
PLAIN_PASS='Canopy-Plain-1!'
CONF=$DIR/etc/smb.conf
PACKAGES=(samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules ldb-tools ldap-utils python3-samba openssl)
# MS-ADTS 5.1.3.2.1 control access rights: DS-Replication-Get-Changes and -Get-Changes-All.
GET_CHANGES=1131f6aa-9c07-11d1-f79f-00c04fc2dcd2
GET_CHANGES_ALL=1131f6ad-9c07-11d1-f79f-00c04fc2dcd2

log() { echo "samba-dc: $*" >&2; }
die() { log "$*"; exit 1; }

# Runs "$@" in the background and says every 15 s that it is still at it, so a step that takes
# minutes (apt-get, provision) is never a silent stretch; ends with how long the step took.
timed() {
  local what=$1; shift
  local started=$SECONDS
  log "$what …"
  "$@" &
  local pid=$! status=0
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && log "  … still $what ($((SECONDS - started)) s)"
  done
  wait "$pid" || status=$?
  [ "$status" = 0 ] && log "$what: done in $((SECONDS - started)) s"
  return "$status"
}

install_packages() {
  command -v samba >/dev/null && command -v ldapsearch >/dev/null && [ -d /usr/share/samba/setup ] && return 0
  [ "$(id -u)" = 0 ] || die "Samba is not installed and installing it needs root (apt-get install ${PACKAGES[*]})."
  [ -f /etc/debian_version ] || die "Samba is not installed and this is not Debian; install the Samba AD DC packages by hand."
  log "Samba is not installed: installing ${PACKAGES[*]} from Debian (a minute or more; log in /tmp/canopy-dc-apt.log)"
  # Keep the package scripts from starting smbd/nmbd on every interface.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  : >/tmp/canopy-dc-apt.log
  if ! timed "installing the Samba packages" apt_install; then
    timed "updating the package lists (apt-get update)" apt_update || true
    timed "installing the Samba packages (after apt-get update)" apt_install \
      || { [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; die "apt-get install failed; see /tmp/canopy-dc-apt.log"; }
  fi
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

apt_update() { apt-get update -qq >>/tmp/canopy-dc-apt.log 2>&1; }

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >>/tmp/canopy-dc-apt.log 2>&1
}

make_certificates() {
  local tls=$DIR/tls
  [ -f "$tls/server.pem" ] && return 0
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Canopy Test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=dc1.$DOMAIN" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s,DNS:dc1.%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$IP" "$DOMAIN" >"$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tls/ext.cnf" -out "$tls/server.pem" 2>/dev/null
  chmod 600 "$tls/server.key" "$tls/ca.key"
}

provision() {
  # .provisioned is written last, so a provision cut short is redone, never half-reused.
  [ -f "$DIR/.provisioned" ] && return 0
  rm -rf "$DIR"; mkdir -p "$DIR"
  timed "provisioning the domain $REALM in $DIR on $IP" provision_domain
  make_certificates
  configure
  timed "creating the sync accounts and their rights" create_accounts
  touch "$DIR/.provisioned"
}

provision_domain() {
  samba-tool domain provision -s /dev/null --targetdir="$DIR" --realm="$REALM" --domain="$NETBIOS" \
    --host-name=dc1 --host-ip="$IP" --server-role=dc --dns-backend=NONE --use-rfc2307 \
    --backend-store=mdb --adminpass="$ADMIN_PASS" \
    --option="interfaces = $IP" --option="bind interfaces only = yes" \
    --option="server services = -dns, -dnsupdate, -nbt, -wrepl, -s3fs" \
    --option="disable netbios = yes" >"$DIR/provision.log" 2>&1 || { cat "$DIR/provision.log" >&2; die "provision failed"; }
}

configure() {
  # Settings samba-tool does not take at provision time (see the facts file).
  sed -i "/^\[global\]/a\\
	ldap server require strong auth = no\\
	tls enabled = yes\\
	tls keyfile = $DIR/tls/server.key\\
	tls certfile = $DIR/tls/server.pem\\
	tls cafile = $DIR/tls/ca.pem\\
	pid directory = $DIR/run\\
	log file = $DIR/log/samba.log\\
	max log size = 10000\\
	prefork children = 2\\
	ldb:nosync = true" "$CONF"
  mkdir -p "$DIR/run" "$DIR/log"
  # Domain-level password rules would refuse the fixture's simple passwords.
  samba-tool domain passwordsettings set -s "$CONF" --complexity=off --history-length=0 \
    --min-pwd-age=0 --max-pwd-age=0 >/dev/null
}

create_accounts() {
  samba-tool user create "$SYNC_USER" "$SYNC_PASS" -s "$CONF" --description="Canopy sync account (like MSOL_)" >/dev/null
  samba-tool user create "$PLAIN_USER" "$PLAIN_PASS" -s "$CONF" --description="No DirSync rights" >/dev/null
  local sid
  sid=$(ldbsearch -H "$DIR/private/sam.ldb" "(sAMAccountName=$SYNC_USER)" objectSid | sed -n 's/^objectSid: //p')
  [ -n "$sid" ] || die "sync account SID not found"
  samba-tool dsacl set -s "$CONF" --objectdn="$BASE_DN" --sddl="(OA;;CR;$GET_CHANGES;;$sid)" >/dev/null
  samba-tool dsacl set -s "$CONF" --objectdn="$BASE_DN" --sddl="(OA;;CR;$GET_CHANGES_ALL;;$sid)" >/dev/null
  # DirSync shows tombstones only to an account that may list and read CN=Deleted Objects.
  /usr/bin/python3 - "$DIR/private/sam.ldb" "CN=Deleted Objects,$BASE_DN" "$sid" <<'PY'
import sys
import ldb
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
from samba.ndr import ndr_unpack, ndr_pack
from samba.dcerpc import security
path, dn, sid = sys.argv[1:]
lp = LoadParm()
samdb = SamDB(url=path, session_info=system_session(), lp=lp)
res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["nTSecurityDescriptor"], controls=["show_deleted:1", "sd_flags:1:4"])
sd = ndr_unpack(security.descriptor, res[0]["nTSecurityDescriptor"][0])
sddl = sd.as_sddl() + "(A;;LCRPLO;;;%s)" % sid
new = security.descriptor.from_sddl(sddl, security.dom_sid(samdb.get_domain_sid()))
msg = ldb.Message(ldb.Dn(samdb, dn))
msg["nTSecurityDescriptor"] = ldb.MessageElement(ndr_pack(new), ldb.FLAG_MOD_REPLACE, "nTSecurityDescriptor")
samdb.modify(msg, controls=["show_deleted:1", "sd_flags:1:4"])
PY
}

# Exchange's ms-Exch-Extension-Attribute-1…15 (lDAPDisplayName extensionAttributeN, Unicode
# string, single-valued, 1–1024 characters) and the user class allowed to hold them. Written
# into sam.ldb while samba is stopped (Samba refuses schema writes unless allowed); a marker
# file makes it once per DC folder.
extend_schema() {
  [ -n "$EXTENSION_ATTRIBUTES" ] || return 0
  [ -f "$DIR/.extension-attributes" ] && return 0
  local oids=(423 424 425 426 427 428 429 430 431 432 599 600 601 602 603) n ldif=$DIR/extension-attributes.ldif
  local schema="CN=Schema,CN=Configuration,$BASE_DN"
  : >"$ldif"
  for n in $(seq 1 15); do
    printf 'dn: CN=ms-Exch-Extension-Attribute-%s,%s\nobjectClass: top\nobjectClass: attributeSchema\ncn: ms-Exch-Extension-Attribute-%s\nattributeID: 1.2.840.113556.1.2.%s\nlDAPDisplayName: extensionAttribute%s\nadminDisplayName: ms-Exch-Extension-Attribute-%s\nattributeSyntax: 2.5.5.12\noMSyntax: 64\nisSingleValued: TRUE\nrangeLower: 1\nrangeUpper: 1024\n\n' \
      "$n" "$schema" "$n" "${oids[$((n - 1))]}" "$n" "$n" >>"$ldif"
  done
  { printf 'dn: CN=User,%s\nchangetype: modify\nadd: mayContain\n' "$schema"; for n in $(seq 1 15); do echo "mayContain: extensionAttribute$n"; done; echo '-'; } >"$DIR/extension-attributes-user.ldif"
  local was_running=0
  pid_of_samba >/dev/null && was_running=1 && stop
  log "adding Exchange's extensionAttribute1-15 to the schema"
  ldbadd -H "$DIR/private/sam.ldb" --option="dsdb:schema update allowed=true" "$ldif" >"$DIR/extension-attributes.log" 2>&1 \
    && ldbmodify -H "$DIR/private/sam.ldb" --option="dsdb:schema update allowed=true" "$DIR/extension-attributes-user.ldif" >>"$DIR/extension-attributes.log" 2>&1 \
    || { cat "$DIR/extension-attributes.log" >&2; die "extending the schema failed"; }
  touch "$DIR/.extension-attributes"
  [ $was_running = 1 ] && start
  return 0
}

pid_of_samba() {
  local pidfile=$DIR/run/samba.pid
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

ldap_answers() {
  LDAPTLS_CACERT=$DIR/tls/ca.pem ldapsearch -LLL -x -H "ldaps://$IP" -D "$SYNC_USER@$DOMAIN" -w "$SYNC_PASS" \
    -s base -b "" defaultNamingContext >/dev/null 2>&1
}

start() {
  [ -f "$DIR/.provisioned" ] || die "not provisioned (run: $0 ensure)"
  if pid_of_samba >/dev/null; then ldap_answers && return 0; fi
  # Samba binds only addresses an interface carries; 127.0.0.1 is on lo, 127.0.0.2+ is not.
  # Read the list whole before matching it: piping ip into a quiet grep under pipefail fails whenever grep
  # exits at its first match and ip dies of SIGPIPE (the address is there, yet we would add it).
  local addresses
  addresses=$(ip -o addr show 2>/dev/null || true)
  if [[ $addresses != *"inet $IP/"* ]]; then
    ip addr add "$IP/8" dev lo 2>/dev/null || die "cannot add $IP to lo (needs root); set CANOPY_DC_IP to an address on an interface"
  fi
  local started=$SECONDS
  log "starting samba on $IP …"
  samba -s "$CONF" -D 9>&- || die "samba failed to start; see $DIR/log/samba.log"
  for _ in $(seq 1 600); do
    if ldap_answers; then log "samba answers LDAP on $IP: started in $((SECONDS - started)) s"; return 0; fi
    sleep 0.1
  done
  die "samba started but LDAP does not answer on $IP within 60 s; see $DIR/log/samba.log"
}

stop() {
  local pid
  pid=$(pid_of_samba) || return 0
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

fixture_ready() {
  # The loaded fixture matches the generator in this checkout (same LDIF hash).
  local out=$DIR/fixture
  mkdir -p "$out"
  (cd "$ROOT" && node --import tsx scripts/fixture/generate.ts --base-dn "$BASE_DN" --domain "$DOMAIN" --out "$out" ${USERS:+--users "$USERS"})
  [ -f "$DIR/fixture-loaded.sha256" ] && cmp -s "$out/fixture.sha256" "$DIR/fixture-loaded.sha256"
}

load_fixture() {
  [ "$FIXTURE" = none ] && return 0
  [ -f "$ROOT/scripts/fixture/generate.ts" ] || { log "no fixture generator yet; skipping the fixture"; return 0; }
  if fixture_ready; then return 0; fi
  # A load log without a loaded hash is a load cut short or failed: its objects are half there.
  if [ -f "$DIR/fixture-loaded.sha256" ] || [ -f "$DIR/fixture-load.log" ]; then
    log "the fixture changed since it was loaded, or its last load did not finish: provisioning anew"
    stop; rm -rf "$DIR"; provision; start
    fixture_ready && return 0
  fi
  timed "loading the fixture forest ($(grep -c '^dn:' "$DIR/fixture/fixture.ldif") entries)" ldap_add_fixture \
    || { tail -20 "$DIR/fixture-load.log" >&2; die "fixture load failed; see $DIR/fixture-load.log"; }
  cp "$DIR/fixture/fixture.sha256" "$DIR/fixture-loaded.sha256"
}

ldap_add_fixture() {
  ldapadd -c -x -H "ldap://$IP" -D "Administrator@$DOMAIN" -w "$ADMIN_PASS" -f "$DIR/fixture/fixture.ldif" >"$DIR/fixture-load.log" 2>&1
}

write_env() {
  local admin_dn sync_dn plain_dn
  admin_dn="CN=Administrator,CN=Users,$BASE_DN"
  sync_dn="CN=$SYNC_USER,CN=Users,$BASE_DN"
  plain_dn="CN=$PLAIN_USER,CN=Users,$BASE_DN"
  cat >"$DIR/test-env.json" <<JSON
{
  "CANOPY_TEST_AD_URL": "ldaps://$IP:636",
  "CANOPY_TEST_AD_STARTTLS_URL": "ldap://$IP:389",
  "CANOPY_TEST_AD_CA_FILE": "$DIR/tls/ca.pem",
  "CANOPY_TEST_AD_BASE_DN": "$BASE_DN",
  "CANOPY_TEST_AD_DOMAIN": "$DOMAIN",
  "CANOPY_TEST_AD_NETBIOS": "$NETBIOS",
  "CANOPY_TEST_AD_BIND_DN": "$sync_dn",
  "CANOPY_TEST_AD_PASSWORD": "$SYNC_PASS",
  "CANOPY_TEST_AD_NORIGHTS_BIND_DN": "$plain_dn",
  "CANOPY_TEST_AD_NORIGHTS_PASSWORD": "$PLAIN_PASS",
  "CANOPY_TEST_AD_ADMIN_DN": "$admin_dn",
  "CANOPY_TEST_AD_ADMIN_PASSWORD": "$ADMIN_PASS",
  "CANOPY_TEST_AD_FIXTURE_DIR": "$([ "$FIXTURE" = none ] || echo "$DIR/fixture")"
}
JSON
}

status() {
  if pid=$(pid_of_samba); then
    if ldap_answers; then echo "running (pid $pid) at ldaps://$IP:636, $BASE_DN, folder $DIR"; return 0; fi
    echo "process $pid alive but LDAP does not answer"; return 1
  fi
  [ -f "$DIR/.provisioned" ] && echo "stopped (provisioned in $DIR)" || echo "not provisioned"
  return 3
}

# One ensure at a time: test runs start in parallel and would load the fixture twice.
# (The lock lives beside $DIR, which reset deletes; samba itself is started without fd 9.)
case "${1:-}" in
  ensure|start|stop|restart|reset) exec 9>"${DIR%/}.lock"; flock 9 ;;
esac

case "${1:-}" in
  ensure) install_packages; provision; extend_schema; start; load_fixture; write_env ;;
  start) start; write_env ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  reset) stop; rm -rf "$DIR" ;;
  env-file) [ -f "$DIR/test-env.json" ] || write_env; echo "$DIR/test-env.json" ;;
  *) echo "usage: $0 ensure|start|stop|restart|status|reset|env-file" >&2; exit 2 ;;
esac
