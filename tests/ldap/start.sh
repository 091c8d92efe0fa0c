#!/usr/bin/env bash
# Starts a throw-away OpenLDAP server (Debian's `slapd`) for the `[auth.ldap]` tests.
#
#   tests/ldap/start.sh DIR LDAP_PORT LDAPS_PORT
#
# Everything lives in DIR (made by the caller, removed by it): a CA and a server
# certificate for localhost/127.0.0.1 made here with openssl, a second CA that signs
# nothing (the "untrusted" case), slapd.conf, an mdb database loaded with slapadd from an
# LDIF written here, and the pid file. slapd listens on 127.0.0.1 only: ldap:// (StartTLS
# offered) on LDAP_PORT and ldaps:// on LDAPS_PORT. When the server answers, one line of
# JSON goes to stdout: {"pid":…,"ldap":"ldap://…","ldaps":"ldaps://…","ca":"…","other_ca":"…"}.
#
# The directory (dc=example,dc=org):
#   cn=svc                 service account (password svc-pw), may read everything
#   ou=people: alice (alice-pw, o=acme), bob (bob-pw, o=globex), carol (carol-pw, no o)
#   ou=groups: engineers ∋ alice; staff ∋ engineers; everyone ∋ staff, bob;
#              sales ∋ bob; loop-a ∋ loop-b ∋ loop-a ∋ carol (a cycle)
set -euo pipefail
dir="$1"; ldap_port="$2"; ldaps_port="$3"
for tool in slapd slapadd slappasswd openssl ldapsearch; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool (apt-get install slapd ldap-utils openssl)" >&2; exit 2; }
done
schema=/etc/ldap/schema
modules=/usr/lib/ldap
mkdir -p "$dir/db"
cd "$dir"

# Certificates: a CA, the server's certificate signed by it, and another CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=rampart test LDAP CA" -keyout ca.key -out ca.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=some other CA" -keyout other-ca.key -out other-ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.pem 2>/dev/null
chmod 600 server.key

cat > slapd.conf <<CONF
include $schema/core.schema
include $schema/cosine.schema
include $schema/inetorgperson.schema
include $schema/nis.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath $modules
moduleload back_mdb
TLSCACertificateFile $dir/ca.pem
TLSCertificateFile $dir/server.pem
TLSCertificateKeyFile $dir/server.key
database mdb
maxsize 16777216
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw admin-pw-$$
directory $dir/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by dn.exact="cn=svc,dc=example,dc=org" read by self read by * none
CONF

pw() { slappasswd -s "$1"; }
person() { # uid password [o]
  printf 'dn: uid=%s,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nuserPassword: %s\n' \
    "$1" "$1" "$1" "$1" "$(pw "$2")"
  [[ -n "${3:-}" ]] && printf 'o: %s\n' "$3"
  printf '\n'
}
group() { # cn member-dn...
  local cn="$1"; shift
  printf 'dn: cn=%s,ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: %s\n' "$cn" "$cn"
  for m in "$@"; do printf 'member: %s\n' "$m"; done
  printf '\n'
}
p() { printf 'uid=%s,ou=people,dc=example,dc=org' "$1"; }
g() { printf 'cn=%s,ou=groups,dc=example,dc=org' "$1"; }
{
  printf 'dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n'
  printf 'dn: cn=svc,dc=example,dc=org\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: svc\nuserPassword: %s\n\n' "$(pw svc-pw)"
  printf 'dn: ou=people,dc=example,dc=org\nobjectClass: organizationalUnit\nou: people\n\n'
  printf 'dn: ou=groups,dc=example,dc=org\nobjectClass: organizationalUnit\nou: groups\n\n'
  person alice alice-pw acme
  person bob bob-pw globex
  person carol carol-pw
  group engineers "$(p alice)"
  group staff "$(g engineers)"
  group everyone "$(g staff)" "$(p bob)"
  group sales "$(p bob)"
  group loop-a "$(g loop-b)" "$(p carol)"
  group loop-b "$(g loop-a)"
} > data.ldif
slapadd -f slapd.conf -l data.ldif >/dev/null 2>slapadd.log || { cat slapadd.log >&2; exit 1; }

slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$ldap_port/ ldaps://127.0.0.1:$ldaps_port/" 2>slapd.log \
  || { cat slapd.log >&2; exit 1; }
for _ in $(seq 1 100); do
  if LDAPTLS_CACERT="$dir/ca.pem" ldapsearch -x -H "ldaps://127.0.0.1:$ldaps_port" \
       -D cn=svc,dc=example,dc=org -w svc-pw -b dc=example,dc=org -s base '(objectClass=*)' dn >/dev/null 2>&1; then
    printf '{"pid":%s,"ldap":"ldap://localhost:%s","ldaps":"ldaps://localhost:%s","ca":"%s/ca.pem","other_ca":"%s/other-ca.pem"}\n' \
      "$(cat "$dir/slapd.pid")" "$ldap_port" "$ldaps_port" "$dir" "$dir"
    exit 0
  fi
  sleep 0.1
done
echo "slapd did not answer on ldaps://localhost:$ldaps_port" >&2
cat slapd.log >&2
[[ -f "$dir/slapd.pid" ]] && kill "$(cat "$dir/slapd.pid")"
exit 1
