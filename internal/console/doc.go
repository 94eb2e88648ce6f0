// Package console owns the web console (clauses 4.2.1, 4.2.2 and 4.4.1):
// the server-rendered pages people use in a browser on a PC or a phone —
// sign-in with a second factor, the dashboard and first-run checklist, the
// navigation to every module, user, role, API-key and session management,
// the audit trail view for auditors and the tenant list for platform staff;
// and the pages of the shared data: products (with editing under a version
// check), orders (with their status moves and a form for orders taken by
// phone or chat), EDI interchanges and trading partners, and the partner
// applications that sign people in with Silkgate.
//
// # Rendering
//
// Pages are html/template files and static assets embedded in the binary;
// nothing is fetched from elsewhere and there is no JavaScript build step.
// The little script there is only enhances pages that work without it.
// Asset URLs carry a checksum of the file, so browsers may cache them for
// a year and still see a new release at once.
//
// Every visible word comes from the i18n catalogs under "console." keys:
// each request clones the parsed templates and binds their t function to
// the language the pipeline negotiated, so two requests in two languages
// never share a translation function.
//
// # Access
//
// Every page is a web.Route with Page set and a permission, so the router
// is the one place that decides who may see it; the navigation merely hides
// what the caller's role cannot open. Services are called with the
// caller's context, and they confine a tenant's users to their own tenant.
//
// # Forms
//
// Forms post with the session cookie. Cross-site forgery is stopped by the
// cross-origin protection wrapped around the router; the session cookie is
// also SameSite=Lax. A writing route runs in one transaction whose response
// is buffered until commit; a form the service refuses is answered with the
// form again (so the user keeps what they typed), and its half-done writes
// are undone with a savepoint first. A successful post redirects (303),
// except where the answer is a secret shown once.
package console
