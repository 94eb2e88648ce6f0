package audit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// fakeAuth knows callers by bearer token; it stands in for the identity
// layer, which puts the actor and the tenant scope in the context.
type fakeAuth map[string]fakeCaller

type fakeCaller struct {
	actor Actor
	perms []string
}

func (c fakeCaller) PrincipalID() string { return c.actor.ID }

func (a fakeAuth) Authenticate(r *http.Request) (context.Context, web.Caller, error) {
	c, ok := a[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		return nil, nil, problem.ErrUnauthenticated
	}
	ctx := WithActor(r.Context(), c.actor)
	if c.actor.TenantID != "" {
		ctx = db.WithScope(ctx, db.Scope{TenantID: c.actor.TenantID})
	}
	return ctx, c, nil
}

func (a fakeAuth) Authorize(_ context.Context, c web.Caller, perm string) error {
	for _, p := range c.(fakeCaller).perms {
		if p == perm {
			return nil
		}
	}
	return problem.ErrForbidden
}

var testAuth = fakeAuth{
	"staff":   {actor: Actor{ID: "usr_staff", Type: "user", Email: "staff@example.com"}, perms: []string{PermRead}},
	"auditor": {actor: Actor{ID: "usr_aud", Type: "user", TenantID: "ten_a"}, perms: []string{PermRead}},
	"clerk":   {actor: Actor{ID: "usr_clerk", Type: "user", TenantID: "ten_a"}},
}

type listBody struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

func TestHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := newLog(t, d)
		start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := start
		l.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
		alice := WithActor(context.Background(), Actor{ID: "usr_alice", Type: "user", Email: "alice@example.com", TenantID: "ten_a"})
		bob := WithActor(context.Background(), Actor{ID: "key_bob", Type: "apikey", TenantID: "ten_b"})
		staff := WithActor(context.Background(), Actor{ID: "usr_staff", Type: "user", Email: "staff@example.com"})
		for _, s := range []struct {
			ctx context.Context
			e   Event
		}{
			{alice, Event{Action: "identity.sign_in", Resource: "user:usr_alice"}},               // 12:01
			{alice, Event{Action: "orders.create", Resource: "order:1", Detail: "note"}},         // 12:02
			{bob, Event{Action: "orders.create", Resource: "order:2"}},                           // 12:03
			{alice, Event{Action: "orders.cancel", Resource: "order:1", Outcome: "failure"}},     // 12:04
			{staff, Event{Action: "tenant.suspend", Resource: "tenant:ten_b"}},                   // 12:05
			{bob, Event{Action: "orders.create", Resource: "order:3"}},                           // 12:06
			{alice, Event{Action: "identity.sign_in", Resource: "user:usr_alice"}},               // 12:07
			{alice, Event{Action: "orders.create", Resource: "order:4"}},                         // 12:08
			{bob, Event{Action: "identity.sign_in", Resource: "key:key_bob", Outcome: "denied"}}, // 12:09
		} {
			if err := l.Record(s.ctx, s.e); err != nil {
				t.Fatal(err)
			}
		}
		rt := web.NewRouter(d, testAuth)
		l.Routes(rt)

		get := func(t *testing.T, who, path string) *httptest.ResponseRecorder {
			t.Helper()
			r := httptest.NewRequest(http.MethodGet, path, nil)
			if who != "" {
				r.Header.Set("Authorization", "Bearer "+who)
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			return w
		}

		for _, tc := range []struct {
			name, who, query string
			status           int
			resources        []string // expected, newest first
			badField         string
		}{
			{name: "everything, newest first", who: "staff", query: "", status: 200,
				resources: []string{"key:key_bob", "order:4", "user:usr_alice", "order:3", "tenant:ten_b", "order:1", "order:2", "order:1", "user:usr_alice"}},
			{name: "one tenant", who: "staff", query: "tenant=ten_b", status: 200,
				resources: []string{"key:key_bob", "order:3", "order:2"}},
			{name: "platform chain", who: "staff", query: "tenant=_platform", status: 200,
				resources: []string{"tenant:ten_b"}},
			{name: "action prefix", who: "staff", query: "action=orders.c", status: 200,
				resources: []string{"order:4", "order:3", "order:1", "order:2", "order:1"}},
			{name: "action prefix is case-sensitive", who: "staff", query: "action=Orders.", status: 200},
			{name: "action prefix is not a pattern", who: "staff", query: "action=orders_", status: 200},
			{name: "actor by id", who: "staff", query: "actor=key_bob", status: 200,
				resources: []string{"key:key_bob", "order:3", "order:2"}},
			{name: "actor by email", who: "staff", query: "actor=alice@example.com&action=identity.", status: 200,
				resources: []string{"user:usr_alice", "user:usr_alice"}},
			{name: "outcome", who: "staff", query: "outcome=failure", status: 200, resources: []string{"order:1"}},
			{name: "time window", who: "staff", query: "from=2025-03-01T12:03:00Z&to=2025-03-01T12:06:00Z", status: 200,
				resources: []string{"tenant:ten_b", "order:1", "order:2"}},
			{name: "combined", who: "staff", query: "tenant=ten_a&action=orders.&from=2025-03-01T12:03:00%2B00:00", status: 200,
				resources: []string{"order:4", "order:1"}},
			{name: "a tenant's auditor sees their tenant", who: "auditor", query: "action=identity.", status: 200,
				resources: []string{"user:usr_alice", "user:usr_alice"}},
			{name: "a tenant's auditor may name their tenant", who: "auditor", query: "tenant=ten_a&outcome=failure", status: 200,
				resources: []string{"order:1"}},
			{name: "a tenant's auditor may not name another", who: "auditor", query: "tenant=ten_b", status: 403},
			{name: "without the permission", who: "clerk", status: 403},
			{name: "anonymous", who: "", status: 401},
			{name: "bad from", who: "staff", query: "from=yesterday", status: 422, badField: "from"},
			{name: "bad to", who: "staff", query: "to=2025-13-01T00:00:00Z", status: 422, badField: "to"},
			{name: "to before from", who: "staff", query: "from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", status: 422, badField: "to"},
			{name: "bad outcome", who: "staff", query: "outcome=Not+OK", status: 422, badField: "outcome"},
			{name: "bad limit", who: "staff", query: "limit=0", status: 422, badField: "limit"},
			{name: "cursor not base64", who: "staff", query: "cursor=!!!", status: 422, badField: "cursor"},
			{name: "cursor not ours", who: "staff", query: "cursor=aGVsbG8", status: 422, badField: "cursor"},
			{name: "long actor", who: "staff", query: "actor=" + strings.Repeat("x", 600), status: 422, badField: "actor"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := get(t, tc.who, "/api/v1/audit/events?"+tc.query)
				if w.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
				}
				if tc.badField != "" {
					var p web.ProblemDoc
					if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
						t.Fatal(err)
					}
					if p.Code != "validation_failed" || len(p.Errors) != 1 || p.Errors[0].Field != tc.badField {
						t.Errorf("problem %+v, want one naming %s", p, tc.badField)
					}
					return
				}
				if tc.status != 200 {
					return
				}
				var body listBody
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, it := range body.Items {
					got = append(got, it["resource"].(string))
				}
				if strings.Join(got, " ") != strings.Join(tc.resources, " ") {
					t.Errorf("resources\n got %v\nwant %v", got, tc.resources)
				}
			})
		}

		t.Run("record shape", func(t *testing.T) {
			var body listBody
			json.Unmarshal(get(t, "staff", "/api/v1/audit/events?limit=200").Body.Bytes(), &body)
			byRes := map[string]map[string]any{}
			for _, it := range body.Items {
				byRes[it["resource"].(string)] = it
			}
			it := byRes["order:2"]
			for _, k := range []string{"chain", "seq", "at", "tenant_id", "actor", "actor_type", "action", "resource",
				"outcome", "request_id", "source_ip", "change_digest", "hash", "prev_hash"} {
				if _, ok := it[k]; !ok {
					t.Errorf("field %s missing from %v", k, it)
				}
			}
			for _, k := range []string{"actor_email", "detail"} {
				if _, ok := it[k]; ok {
					t.Errorf("empty %s not omitted", k)
				}
			}
			if it["chain"] != "ten_b" || it["seq"] != float64(1) || it["at"] != "2025-03-01T12:03:00Z" || it["actor_type"] != "apikey" {
				t.Errorf("record %v", it)
			}
			if byRes["tenant:ten_b"]["chain"] != PlatformChain || byRes["tenant:ten_b"]["tenant_id"] != "" {
				t.Errorf("platform record %v", byRes["tenant:ten_b"])
			}
			details := 0
			for _, it := range body.Items {
				if it["detail"] == "note" {
					details++
				}
			}
			if details != 1 {
				t.Errorf("%d records carry the detail, want 1", details)
			}
		})

		for _, tc := range []struct {
			name, who, query string
			limit            int
		}{
			{"all, pages of 2", "staff", "", 2},
			{"all, pages of 4", "staff", "", 4},
			{"one tenant, pages of 1", "staff", "tenant=ten_a", 1},
			{"filtered, pages of 2", "auditor", "action=orders.", 2},
		} {
			t.Run("pagination "+tc.name, func(t *testing.T) {
				var whole listBody
				json.Unmarshal(get(t, tc.who, "/api/v1/audit/events?"+tc.query).Body.Bytes(), &whole)
				var pages []string
				cursor := ""
				for i := 0; ; i++ {
					if i > 20 {
						t.Fatal("pagination does not end")
					}
					q := url.Values{"limit": {strconv.Itoa(tc.limit)}}
					if cursor != "" {
						q.Set("cursor", cursor)
					}
					w := get(t, tc.who, "/api/v1/audit/events?"+tc.query+"&"+q.Encode())
					if w.Code != 200 {
						t.Fatalf("page %d: %d %s", i, w.Code, w.Body)
					}
					var page listBody
					json.Unmarshal(w.Body.Bytes(), &page)
					if len(page.Items) > tc.limit {
						t.Fatalf("page of %d items, limit %d", len(page.Items), tc.limit)
					}
					for _, it := range page.Items {
						pages = append(pages, it["chain"].(string)+"/"+strconv.Itoa(int(it["seq"].(float64))))
					}
					if page.NextCursor == "" {
						break
					}
					cursor = page.NextCursor
				}
				var want []string
				for _, it := range whole.Items {
					want = append(want, it["chain"].(string)+"/"+strconv.Itoa(int(it["seq"].(float64))))
				}
				if len(want) == 0 || strings.Join(pages, " ") != strings.Join(want, " ") {
					t.Errorf("pages\n got %v\nwant %v", pages, want)
				}
			})
		}

		t.Run("verify", func(t *testing.T) {
			for _, tc := range []struct {
				who    string
				status int
				chains int
			}{
				{"staff", 200, 3},
				{"auditor", 200, 1},
				{"clerk", 403, 0},
			} {
				w := get(t, tc.who, "/api/v1/audit/verify")
				if w.Code != tc.status {
					t.Fatalf("%s: status %d: %s", tc.who, w.Code, w.Body)
				}
				if tc.status != 200 {
					continue
				}
				var rep Report
				if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
					t.Fatal(err)
				}
				if !rep.OK || rep.Chains != tc.chains {
					t.Errorf("%s: report %+v", tc.who, rep)
				}
			}
			dropGuards(t, d)
			dbtest.MustExec(t, d, `UPDATE audit_events SET outcome = 'success' WHERE chain = 'ten_a' AND seq = 3`)
			var rep Report
			json.Unmarshal(get(t, "staff", "/api/v1/audit/verify").Body.Bytes(), &rep)
			if rep.OK || rep.Chain != "ten_a" || rep.Seq != 3 || rep.Code != CodeAltered {
				t.Errorf("report after tampering: %+v", rep)
			}
		})
	})
}
