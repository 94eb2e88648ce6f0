// Package gateway is the access layer's security front (clauses 6.2.2 and
// 7.2.2): it decides whether a request from a partner system may reach the
// platform at all. It owns
//
//   - signed requests (CONTRACT "Signed requests"): an HMAC-SHA256 over the
//     method, path with query, timestamp, nonce and body digest, checked in
//     constant time against the key's signing secret, with a ±300 s clock
//     window and one-time nonces stored durably;
//   - OAuth 2.0 client credentials (RFC 6749 §4.4) for partner applications:
//     clients registered per tenant with a role and optional scopes, and
//     short-lived opaque access tokens;
//   - per-credential IP allow-lists (API keys and OAuth clients);
//   - the intrusion detector: strike counters on failed authentication that
//     temporarily block a source address (or a key under attack), raise a
//     durable alert, write an audit record and count in Prometheus.
//
// Sessions and bearer API keys remain identity's; the gateway implements
// web.Authenticator in front of it and hands those on. Rate limits are
// identity's too: every credential kind here is limited by the same
// per-credential token bucket of the tenant's plan.
//
// # Order of checks
//
// Guard, the middleware around the whole router, runs first:
//
//  1. A blocked source address is refused with 429 temporarily_blocked
//     before anything else runs: a blocked attacker costs no store query.
//
// Then Authenticate, per credential kind. For a signed request:
//
//  2. The four Silkgate-* headers must be present and well-formed (401
//     bad_signature naming the header).
//  3. A key blocked for failed signatures is refused (429
//     temporarily_blocked). The block covers signed requests with the key
//     (and, for an OAuth client, its token requests); bearer use of a key is
//     not a guess at its signing secret and is left alone.
//  4. The key is looked up by id. An unknown, revoked or suspended key is
//     401 bad_signature: the answer does not tell which key ids exist.
//  5. The key's IP allow-list (403 ip_not_allowed, audited). It comes before
//     the signature so that a caller outside the list cannot even make
//     attempts against the key, and so cannot get it blocked (3).
//  6. The signature, over the body's SHA-256 (401 bad_signature). Only a
//     bad signature strikes the key as well as the source: the replay and
//     staleness checks below need a valid signature, and a captured request
//     replayed by someone else must not lock the partner out.
//  7. The timestamp window (401 stale_request), after the signature so
//     that the answer is given only to whoever holds the secret, and before
//     the nonce so that only nonces inside the window need remembering.
//  8. The nonce, inserted in its own short transaction, before the
//     request's own (401 replayed_request). A unique (key_id, nonce) row
//     makes two nodes on PostgreSQL agree. Replays are thus refused before
//     they spend the partner's rate allowance.
//  9. The rate limit of the key (429 rate_limited, shared with bearer use of
//     the same key).
//
// A request that carries any Silkgate-Key-Id or Silkgate-Signature header is
// judged as a signed request, whatever else it carries.
//
// A bearer API key and an OAuth access token go through steps 1, 5 (their
// allow-list, after the key itself is recognised) and 9. Anything else
// (sessions, the console's cookie) is identity's. Authorize then checks an
// OAuth token's scopes before the role's permissions.
//
// After the response, Guard counts a strike for every 401, whatever its
// cause (bad key, bad signature, replay, stale request, bad sign-in, bad
// client secret), and for every 403 ip_not_allowed. A burst (20 strikes in
// 60 s by default) blocks the source for 15 minutes, doubling with each
// repeat within a day up to 24 hours.
//
// # Bodies
//
// The router reads a writing route's body before authentication; the
// signature hashes it through r.GetBody. A Stream route (bulk ingest, EDI)
// is not buffered by the router: for a signed request the gateway spools
// the body (in memory up to 1 MiB, then in a private temporary file,
// within the route's size limit) while hashing it, and lets the handler
// read it only once the signature has been verified. Nothing from a signed
// stream is accepted unless it is verified, at the price of not
// overlapping the upload with its processing; a bearer key over TLS keeps
// the fully streamed path.
//
// # Several nodes
//
// Strike counters and blocks live in each node's memory: behind several
// nodes each node counts on its own, so an attacker spread evenly over N
// nodes gets up to N times the burst before every node has blocked it, and
// a manual unblock acts on the node that serves it. Alerts are durable and
// shared. Nonces and tokens are in the store and so shared by all nodes.
//
// Behind a reverse proxy on the same host every request comes from
// loopback. Loopback sources are therefore exempt from source blocks by
// default (Policy.Exempt): blocking the proxy would lock everybody out.
// Key blocks still apply to them.
package gateway
