// Verifying wxauth's access tokens in a Node.js service of your own, with
// the public keys wxauth publishes at GET /.well-known/jwks.json.
//
//   import { createVerifier } from './verify.js';
//   const verify = createVerifier({ jwksUrl: 'https://api.example.com/.well-known/jwks.json' });
//   const user = await verify(token); // { userId, sessionId, appid, openid, expiresAt }
//
// What it checks, and why:
// - the signature, against the JWKS (fetched once and cached; fetched again
//   when a token names a key it has not seen, at most every 30 s, and every
//   10 minutes anyway: a key rotation needs nothing from you);
// - the algorithm is RS256 and nothing else: a token that names another
//   (`none`, or HS256 keyed with the public key) is refused before any key
//   is used;
// - `iss` and `aud` are wxauth's (TOKEN_ISSUER, TOKEN_AUDIENCE; the
//   defaults below), so a token another issuer signed for another audience
//   never passes;
// - `exp` (and `iat`), with jose's defaults: no leeway;
// - `typ` is `access`: the only kind of JWT wxauth signs for callers.
//
// What it cannot see: a session ended since the token was signed (logout,
// account deletion, a fold). The token then stays valid here until `exp`
// (15 minutes by default). A route that must see logouts at once goes
// behind wxauth's authorizer instead (README "Protecting your own routes").
import { createRemoteJWKSet, jwtVerify, errors } from 'jose';

export const DEFAULT_ISSUER = 'wxauth';
export const DEFAULT_AUDIENCE = 'wxauth-miniprogram';

export function createVerifier({ jwksUrl, issuer = DEFAULT_ISSUER, audience = DEFAULT_AUDIENCE }) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  return async function verify(token) {
    const { payload } = await jwtVerify(token, jwks, {
      algorithms: ['RS256'],
      issuer,
      audience,
      requiredClaims: ['sub', 'exp', 'sid', 'typ'],
    });
    if (payload.typ !== 'access') {
      throw new errors.JWTClaimValidationFailed('not an access token', payload, 'typ', 'check_failed');
    }
    return {
      userId: payload.sub,
      sessionId: payload.sid,
      appid: payload.appid ?? null,
      openid: payload.openid ?? null,
      expiresAt: payload.exp,
    };
  };
}

// The `Authorization: Bearer <token>` of a request, or null.
export function bearerToken(headers) {
  const match = /^Bearer ([^\s]+)$/i.exec(headers.authorization ?? '');
  return match ? match[1] : null;
}
