#!/usr/bin/env bash
# Regenerates the TLS fixtures of the gateway tests: a throw-away CA, a server certificate
# for localhost / 127.0.0.1 and two client certificates, all signed by the CA, valid 100
# years: `client` (a SPIFFE ID and a DNS name, as a workload would carry) and `stranger`
# (a SPIFFE ID of another namespace, which the tests' `[auth.mtls]` does not map).
# Test-only keys: never use them anywhere else.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days \
  -subj "/CN=Rampart test CA" -keyout ca.key -out ca.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
for who in server client stranger; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=rampart-test-$who" \
    -keyout "$who.key" -out "$who.csr"
done
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -out server.pem \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE')
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -out client.pem \
  -extfile <(printf 'subjectAltName=URI:spiffe://corp.example/ns/payments/sa/billing,DNS:billing.corp.example\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE')
openssl x509 -req -in stranger.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -out stranger.pem \
  -extfile <(printf 'subjectAltName=URI:spiffe://corp.example/ns/other/sa/x\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE')
rm -f server.csr client.csr stranger.csr ca.srl ca.key
