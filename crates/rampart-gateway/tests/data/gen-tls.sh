#!/usr/bin/env bash
# Regenerates the TLS fixtures of the gateway tests: a throw-away CA, a server certificate
# for localhost / 127.0.0.1 and a client certificate, all signed by the CA, valid 100 years.
# Test-only keys: never use them anywhere else.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days \
  -subj "/CN=Rampart test CA" -keyout ca.key -out ca.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
for who in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=rampart-test-$who" \
    -keyout "$who.key" -out "$who.csr"
done
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -out server.pem \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE')
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -out client.pem \
  -extfile <(printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE')
rm -f server.csr client.csr ca.srl ca.key
