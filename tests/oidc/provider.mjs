// A real OpenID provider (the `oidc-provider` package) for Rampart's bearer-token tests.
//
// Serves the issuer http://127.0.0.1:PORT (PORT from argv[2], 0 = any free port) and
// prints one JSON line {"issuer": ...} on stdout once it listens. Clients use the client
// credentials grant and get RS256 JWT access tokens for the resource `urn:rampart`:
//
//   svc        / svc-secret        roles ["reader"], groups ["eng"]
//   svc-admin  / svc-admin-secret  roles ["admin"]
//   svc-short  / svc-short-secret  roles ["reader"], tokens valid for 2 seconds
//
// Test-only control routes (loopback only, like the provider):
//   POST /__test/rotate  a new signing key; the previous keys stay published
//   POST /__test/retire  publish only the current signing key
// Rotation builds a new Provider with the new key first (the one it signs with) and swaps
// it in behind the same listener, so the issuer URL does not change.
import http from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 0);
const AUDIENCE = 'urn:rampart';

const CLIENTS = {
  svc: { roles: ['reader'], groups: ['eng'], ttl: 600 },
  'svc-admin': { roles: ['admin'], groups: [], ttl: 600 },
  'svc-short': { roles: ['reader'], groups: ['eng'], ttl: 2 },
};

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

let keys = [newKey()];
let current;

function build(issuer) {
  const provider = new Provider(issuer, {
    clients: Object.keys(CLIENTS).map((id) => ({
      client_id: id,
      client_secret: `${id}-secret`,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'api',
    })),
    scopes: ['openid', 'api'],
    jwks: { keys },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource, client) => ({
          scope: 'api',
          audience: resource,
          accessTokenTTL: CLIENTS[client.clientId]?.ttl ?? 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (ctx, token) => {
      const c = CLIENTS[token.clientId];
      return c ? { roles: c.roles, groups: c.groups } : {};
    },
  });
  provider.proxy = false;
  return provider;
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__test/rotate') {
    keys = [newKey(), ...keys];
    current = build(current.issuer);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: keys[0].kid }));
    return;
  }
  if (req.method === 'POST' && req.url === '/__test/retire') {
    keys = [keys[0]];
    current = build(current.issuer);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: keys[0].kid }));
    return;
  }
  current.callback()(req, res);
});

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  current = build(issuer);
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
