// Package alerts owns compliance change alerts (issue 4, clause 6.3.1.3):
// tenants' subscriptions (markets, categories, channels), the alerts raised
// when a regulation rule version is published or retired and when a
// compliance officer publishes a regulatory notice, and their delivery in
// the console inbox, by e-mail and as the compliance.alert webhook event.
//
// # Rule changes
//
// Package rules calls the publish hook inside the publishing transaction;
// the hook only enqueues a durable job there, so a publication and the
// promise to alert on it commit together and a crash loses neither. The
// job runs at once (the queue polls every second): for every tenant with a
// subscription matching the rule's market and categories, it checks the
// tenant's products against the old and the new version of the rule alone
// (the check engine of package checks, compiled over those two versions,
// so each product's facts are derived once), which is the previous result
// and the new one for each product, and records one
// alert naming what changed in the rule and which products now fail, now
// warn, or are resolved. Each tenant's alert, its e-mail job and its
// outbox event commit in one transaction of their own; a repeat of the job
// skips tenants already alerted (the alert's source is unique per tenant).
// GET /api/v1/compliance/rules/{id}/impact gives compliance officers the
// same alerts read across tenants: who was affected, and how.
//
// # Matching
//
// A subscription matches a rule or notice market when one market is in
// the other's lineage (a subscription to DE sees EU rules, a subscription
// to EU sees rules of DE, GLOBAL on either side matches everything), and
// its categories, when it has any, share one with the rule's (a rule that
// selects by HS code, material or keyword rather than category matches
// every subscription of its market).
//
// # Delivery
//
// in_app alerts are listed by GET /api/v1/compliance/alerts. E-mail is
// sent by a job with retries after the alert commits, through the SMTP
// server of SILKGATE_SMTP_URL (smtp://user:pass@host:587, STARTTLS when
// offered; smtps:// for implicit TLS) from SILKGATE_SMTP_FROM; without
// them the e-mail channel is recorded as skipped. The webhook channel
// publishes compliance.alert to the outbox, which the webhook deliveries
// carry to the tenant's endpoints.
package alerts
