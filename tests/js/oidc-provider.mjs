// A real OpenID Provider (panva's certified `oidc-provider`) for Parvis's
// integration tests. The Rust harness starts it and drives it over HTTP.
//
// Usage:  node oidc-provider.mjs '<config JSON>'   or   node oidc-provider.mjs <path/to/config.json>
//         (an argument whose first non-blank character is `{` is JSON, anything else is a file path)
//
// Prints exactly one stdout line, `READY http://127.0.0.1:<port>` (the issuer), once it listens
// on an ephemeral port; everything else (oidc-provider's notices, request errors) goes to stderr.
// It exits when its stdin closes, so the harness must spawn it with a piped stdin and hold the
// handle: a provider orphaned by a crashed test then dies with it. (By hand: `sleep infinity | node …`.)
//
// Config:
// {
//   "clients": [{ "client_id", "client_secret", "redirect_uris": [..], "post_logout_redirect_uris": [..] }],
//   "accounts": { "<sub>": { "email", "email_verified", "name", "given_name", "family_name",
//                            "picture", "locale", "groups": [..], "department", "job_title", "site", .. } },
//   "api_audience": "https://api.example/graphql",   // optional: JWT access tokens for this resource
//   "api_scopes": "parvis:read",                     // optional: scopes the API may be granted (default none)
//   "conform_id_token_claims": true                  // optional, default true (see below)
// }
//
// Scopes → claims released at userinfo: openid → sub; email → email, email_verified;
// profile → name, given_name, family_name, picture, locale; groups → groups;
// org → department, job_title, site. Claims in no scope are never released.
// With conform_id_token_claims (oidc-provider's default) the scope claims are ONLY at userinfo and
// the ID token has just sub/iss/aud/iat/exp/nonce; false copies them into the ID token as well.
// Either way, when the access token is an API JWT (resource= at /token) it cannot be used at
// userinfo, so oidc-provider then puts the scope claims into the ID token.
//
// Logins use oidc-provider's devInteractions: the login is the account id (sub), the password is
// ignored; a login not in `accounts` ends the flow with error=access_denied. PKCE S256 is
// required for every client. Test-only endpoint: POST /test/access-token, see mintAccessToken.

import { createServer } from 'node:http';
import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider, { errors } from 'oidc-provider';

// oidc-provider prints its "you SHOULD change this default" notices with console.info, i.e. on
// stdout; the harness reads stdout for the READY line only, so route all console output to stderr.
console.log = console.info = console.warn;

const arg = process.argv[2];
if (!arg) {
  console.error('usage: node oidc-provider.mjs <config JSON | config file>');
  process.exit(2);
}
const config = JSON.parse(arg.trimStart().startsWith('{') ? arg : readFileSync(arg, 'utf8'));
const accounts = config.accounts ?? {};
const apiAudience = config.api_audience;

// One RSA key made per run and handed to the provider as its JWKS: the provider signs ID tokens
// and JWT access tokens with it, and /test/access-token signs with the very same key, so every
// token a test sees verifies against the published jwks_uri.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomUUID()}`, alg: 'RS256', use: 'sig' };
// A second key that is never published, for tokens a resource server must reject.
const unpublishedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: (config.clients ?? []).map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
    // client_secret_post is accepted too: 9.x treats basic and post as interchangeable.
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  })),
  jwks: { keys: [signingJwk] },
  // Fresh random cookie-signing keys; cookies carry no `Secure` flag because the request is plain
  // http (oidc-provider derives it from ctx.secure), so a cookie jar on 127.0.0.1 just works.
  cookies: { keys: [randomBytes(32).toString('hex')] },
  async findAccount(ctx, sub) {
    const claims = accounts[sub];
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ ...claims, sub }) };
  },
  claims: {
    // oidc-provider's own defaults (claims outside any scope): replacing `claims` would drop them.
    acr: null, sid: null, auth_time: null, iss: null,
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'picture', 'locale'],
    groups: ['groups'],
    org: ['department', 'job_title', 'site'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups', 'org'],
  conformIdTokenClaims: config.conform_id_token_claims ?? true,
  // 9.x only requires PKCE for public clients by default; Parvis must always send it.
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Only the configured API is a valid resource; its tokens are RFC 9068 JWTs (RS256).
      async getResourceServerInfo(ctx, resource) {
        if (!apiAudience || resource !== apiAudience) throw new errors.InvalidTarget();
        return {
          scope: config.api_scopes ?? '',
          audience: apiAudience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // Setting these silences the "default function called" notices and keeps tokens short-lived.
  ttl: {
    AccessToken: 300, AuthorizationCode: 60, IdToken: 300, RefreshToken: 3600,
    Interaction: 600, Session: 3600, Grant: 3600,
  },
  clientBasedCORS: () => true,
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

// devInteractions accept any login, and oidc-provider then fails with a 500 when findAccount finds
// nobody. Turn an unknown login into the standard access_denied error redirect to the client.
const interactionFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) => {
  const accountId = result?.login?.accountId;
  if (accountId !== undefined && !Object.hasOwn(accounts, accountId)) {
    result = { error: 'access_denied', error_description: `unknown test account ${accountId}` };
  }
  return interactionFinished(req, res, result, options);
};

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

// POST /test/access-token  {"sub": "alice", "aud"?: string|string[], "expires_in"?: 300,
//   "scope"?: "a b", "client_id"?: "...", "claims"?: {...}, "unpublished_key"?: false}
// → 200 {"access_token", "token_type": "Bearer", "expires_in", "kid", "payload"}
// Mints an RFC 9068-shaped JWT (typ at+jwt, RS256, the published kid) without the browser flow.
// aud defaults to api_audience; a negative expires_in gives an already expired token; `claims`
// is merged last so a test can override iss/iat/anything; unpublished_key signs with a key whose
// kid is NOT in the JWKS (a forged token).
function mintAccessToken(body) {
  if (typeof body.sub !== 'string') throw new Error('sub (string) is required');
  const aud = body.aud ?? apiAudience;
  if (!aud) throw new Error('aud is required when the provider has no api_audience');
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = body.expires_in ?? 300;
  const payload = {
    iss: issuer,
    sub: body.sub,
    aud,
    iat: now,
    exp: now + expiresIn,
    jti: randomUUID(),
    client_id: body.client_id ?? config.clients?.[0]?.client_id ?? 'test',
    ...(body.scope ? { scope: body.scope } : {}),
    ...body.claims,
  };
  const kid = body.unpublished_key ? 'unpublished' : signingJwk.kid;
  const input = `${b64url({ alg: 'RS256', typ: 'at+jwt', kid })}.${b64url(payload)}`;
  const key = body.unpublished_key ? unpublishedKey : createPrivateKey({ key: signingJwk, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(input), key).toString('base64url');
  return { access_token: `${input}.${signature}`, token_type: 'Bearer', expires_in: expiresIn, kid, payload };
}

async function testEndpoint(req, res) {
  const send = (status, value) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (req.method !== 'POST' || req.url !== '/test/access-token') return send(404, { error: 'not_found' });
  try {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    return send(200, mintAccessToken(JSON.parse(raw || '{}')));
  } catch (err) {
    return send(400, { error: 'invalid_request', error_description: err.message });
  }
}

const oidc = provider.callback();
server.on('request', (req, res) => (req.url.startsWith('/test/') ? testEndpoint(req, res) : oidc(req, res)));

// Everything lives in memory, so there is nothing to flush: just go.
const shutdown = () => process.exit(0);
process.stdin.on('end', shutdown).on('close', shutdown).resume();
process.on('SIGTERM', shutdown).on('SIGINT', shutdown);

process.stdout.write(`READY ${issuer}\n`);
