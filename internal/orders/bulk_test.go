package orders_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/ordergen"
)

func bulk(t *testing.T, env *apptest.Env, key string, body []byte, headers ...string) (int, orders.BulkResult, string) {
	t.Helper()
	ctype := "application/x-ndjson"
	if len(headers) > 0 {
		ctype = headers[0]
	}
	r, b := do(t, env, "POST", "/api/v1/orders/bulk", key, ctype, "", body)
	var res orders.BulkResult
	if r.StatusCode == 200 {
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("bulk answer: %v\n%s", err, b)
		}
	}
	return r.StatusCode, res, string(b)
}

func rowCount(t *testing.T, env *apptest.Env, tenant string) (rows, distinct int) {
	t.Helper()
	if err := env.App.DB.Writer().QueryRowContext(context.Background(),
		`SELECT COUNT(*), COUNT(DISTINCT channel || '/' || external_id) FROM orders WHERE tenant_id = $1`, tenant).
		Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

func TestBulkPartialAcceptance(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Bulk Trading Co")
		op := env.Key(tenant, identity.Operator, false)
		mismatch := sample("B-5")
		mismatch["lines"].([]any)[0].(map[string]any)["unit_price"].(map[string]any)["currency"] = "USD"
		long := `{"external_id":"` + strings.Repeat("x", orders.MaxLineBytes) + `"}`
		lines := []string{
			string(mustJSON(t, sample("B-1"))),   // 1 ok
			`{"external_id": "B-2", "channel": `, // 2 malformed
			`   `,                                // 3 blank: skipped
			"{\"external_id\": \"B-\xff\"}",      // 4 invalid UTF-8
			string(mustJSON(t, mismatch)),        // 5 invalid
			long,                                 // 6 too long
			string(mustJSON(t, sample("B-7"))),   // 7 ok
			string(mustJSON(t, sample("B-1"))),   // 8 repeats line 1
			`["not", "an", "order"]`,             // 9 wrong type
			strings.TrimSpace(string(mustJSON(t, sample("B-10")))), // 10 ok, no final newline
		}
		body := []byte(strings.Join(lines, "\r\n"))
		status, res, raw := bulk(t, env, op, body)
		if status != 200 {
			t.Fatalf("bulk: %d %s", status, raw)
		}
		if res.Accepted != 4 || res.Rejected != 5 || res.Duplicates != 1 {
			t.Errorf("accepted %d rejected %d duplicates %d, want 4, 5, 1", res.Accepted, res.Rejected, res.Duplicates)
		}
		type e struct {
			Line        int
			Code, Field string
		}
		var got []e
		for _, x := range res.Errors {
			got = append(got, e{x.Line, x.Code, x.Field})
			if x.Detail == "" {
				t.Errorf("line %d: no detail", x.Line)
			}
		}
		want := []e{{2, "malformed_json", ""}, {4, "invalid_utf8", ""}, {5, "currency_mismatch", "lines[0].unit_price.currency"},
			{6, "line_too_long", ""}, {9, "invalid_type", ""}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		if rows, _ := rowCount(t, env, tenant); rows != 3 {
			t.Errorf("%d rows, want 3", rows)
		}
		// Re-sending the same body stores nothing new and says so.
		_, res, _ = bulk(t, env, op, body)
		if res.Accepted != 4 || res.Duplicates != 4 || res.Rejected != 5 {
			t.Errorf("re-send: %+v", res)
		}
		if rows, _ := rowCount(t, env, tenant); rows != 3 {
			t.Errorf("after re-send %d rows, want 3", rows)
		}
		// A single POST of a bulk-loaded order is a duplicate.
		if r := env.Call("POST", "/api/v1/orders", op, sample("B-7"), nil); r.StatusCode != 409 {
			t.Errorf("POST of a bulk order: %d", r.StatusCode)
		}
		if n := auditCount(t, env, tenant, "order.bulk_ingest"); n != 2 {
			t.Errorf("%d bulk audit records, want 2", n)
		}
	})
}

func TestBulkRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Refusals Ltd")
		op := env.Key(tenant, identity.Operator, false)
		viewer := env.Key(tenant, identity.Viewer, false)
		one := append(mustJSON(t, sample("R-1")), '\n')
		for _, tc := range []struct {
			name, key, ctype string
			body             []byte
			want             int
			code             string
		}{
			{"empty body", op, "application/x-ndjson", nil, 400, "empty_body"},
			{"blank lines only", op, "application/x-ndjson", []byte("\n  \n\r\n"), 400, "empty_body"},
			{"JSON media type", op, "application/json", one, 415, "unsupported_media_type"},
			{"no media type", op, "", one, 415, "unsupported_media_type"},
			{"viewer", viewer, "application/x-ndjson", one, 403, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, _, raw := bulk(t, env, tc.key, tc.body, tc.ctype)
				var p struct{ Code string }
				json.Unmarshal([]byte(raw), &p)
				if status != tc.want || p.Code != tc.code {
					t.Errorf("%d %s, want %d %s", status, p.Code, tc.want, tc.code)
				}
			})
		}
		if rows, _ := rowCount(t, env, tenant); rows != 0 {
			t.Errorf("refused requests stored %d rows", rows)
		}
		if n := auditCount(t, env, tenant, "order.bulk_ingest"); n != 0 {
			t.Errorf("refused requests left %d audit records", n)
		}
	})
}

func TestBulkVolume(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Volume Sellers Inc")
		op := env.Key(tenant, identity.Operator, false)
		const n = 12_000
		g := ordergen.New(99)
		g.Invalid = 0.1
		var buf bytes.Buffer
		if err := g.WriteNDJSON(&buf, 0, n); err != nil {
			t.Fatal(err)
		}
		valid := 0
		for i := range n {
			if g.Valid(i) {
				valid++
			}
		}
		// Sent gzip-compressed, as a partner uploading a day's orders would.
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(buf.Bytes())
		zw.Close()
		req := func(body []byte, gz bool) orders.BulkResult {
			t.Helper()
			r, b := doHeaders(t, env, "POST", "/api/v1/orders/bulk", op, body, map[string]string{
				"Content-Type": "application/x-ndjson", "Content-Encoding": map[bool]string{true: "gzip", false: ""}[gz]})
			if r.StatusCode != 200 {
				t.Fatalf("bulk: %d %s", r.StatusCode, b)
			}
			var res orders.BulkResult
			json.Unmarshal(b, &res)
			return res
		}
		res := req(z.Bytes(), true)
		if res.Accepted != valid || res.Rejected != n-valid || res.Duplicates != 0 {
			t.Fatalf("accepted %d rejected %d duplicates %d; want %d, %d, 0", res.Accepted, res.Rejected, res.Duplicates, valid, n-valid)
		}
		if len(res.Errors) != min(n-valid, orders.MaxErrors) {
			t.Errorf("%d errors listed for %d rejected", len(res.Errors), n-valid)
		}
		for i := 1; i < len(res.Errors); i++ {
			if res.Errors[i].Line <= res.Errors[i-1].Line {
				t.Fatalf("errors out of line order at %d", i)
			}
		}
		for _, e := range res.Errors[:20] {
			if g.Valid(e.Line - 1) {
				t.Errorf("line %d is valid but was rejected: %+v", e.Line, e)
			}
		}
		if rows, distinct := rowCount(t, env, tenant); rows != valid || distinct != valid {
			t.Errorf("%d rows (%d distinct), want %d", rows, distinct, valid)
		}
		// Re-sent uncompressed: all duplicates, nothing new.
		res = req(buf.Bytes(), false)
		if res.Accepted != valid || res.Duplicates != valid {
			t.Errorf("re-send: accepted %d duplicates %d, want %d", res.Accepted, res.Duplicates, valid)
		}
		if rows, _ := rowCount(t, env, tenant); rows != valid {
			t.Errorf("after re-send %d rows", rows)
		}
	})
}

func TestBulkErrorCap(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Cap Co"), identity.Operator, false)
		body := bytes.Repeat([]byte("{oops\n"), 1500)
		body = append(body, mustJSON(t, sample("CAP-1"))...)
		_, res, raw := bulk(t, env, op, body)
		if res.Rejected != 1500 || len(res.Errors) != orders.MaxErrors || !res.ErrorsTruncated || res.Accepted != 1 {
			t.Errorf("rejected %d listed %d truncated %v accepted %d\n%.300s", res.Rejected, len(res.Errors), res.ErrorsTruncated, res.Accepted, raw)
		}
	})
}

// TestEvents checks that every write path announces its change in the
// outbox: order.created for each created order (single or bulk, never for
// a duplicate), order.updated for a status change, and nothing from a
// bulk request with events=false.
func TestEvents(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Evented Ltd")
		op := env.Key(tenant, identity.Operator, false)
		count := func(typ string) int {
			t.Helper()
			var n int
			if err := env.App.DB.Writer().QueryRowContext(context.Background(),
				`SELECT COUNT(*) FROM outbox_events WHERE tenant_id = $1 AND type = $2`, tenant, typ).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var o orders.Order
		env.Call("POST", "/api/v1/orders", op, sample("EV-1"), &o)
		env.Call("POST", "/api/v1/orders", op, sample("EV-1"), nil) // duplicate: no event
		env.Call("POST", "/api/v1/orders/"+o.ID+"/status", op, map[string]any{"status": "confirmed"}, nil)
		body := []byte(string(mustJSON(t, sample("EV-1"))) + "\n" + string(mustJSON(t, sample("EV-2"))) + "\n" +
			string(mustJSON(t, sample("EV-3"))) + "\n")
		if s, res, raw := bulk(t, env, op, body); s != 200 || res.Duplicates != 1 {
			t.Fatalf("bulk: %d %s", s, raw)
		}
		if got := [2]int{count("order.created"), count("order.updated")}; got != [2]int{3, 1} {
			t.Errorf("created/updated events = %v, want [3 1]", got)
		}
		var data string
		env.App.DB.Writer().QueryRowContext(context.Background(), `SELECT data FROM outbox_events WHERE tenant_id = $1
			AND type = 'order.created' ORDER BY seq DESC LIMIT 1`, tenant).Scan(&data)
		var ev orders.Order
		if err := json.Unmarshal([]byte(data), &ev); err != nil || ev.ExternalID != "EV-3" || ev.Totals.Lines.Amount != "45.48" ||
			len(ev.Lines) != 2 || ev.Status != orders.Received || len(ev.StatusHistory) != 1 {
			t.Errorf("bulk event data %v: %s", err, data)
		}
		quiet := []byte(string(mustJSON(t, sample("EV-4"))) + "\n")
		if s, _, raw := bulkURL(t, env, op, "/api/v1/orders/bulk?events=false", quiet); s != 200 {
			t.Fatalf("silent bulk: %d %s", s, raw)
		}
		if n := count("order.created"); n != 3 {
			t.Errorf("events=false published: %d order.created", n)
		}
	})
}

func bulkURL(t *testing.T, env *apptest.Env, key, path string, body []byte) (int, orders.BulkResult, string) {
	t.Helper()
	r, b := do(t, env, "POST", path, key, "application/x-ndjson", "", body)
	var res orders.BulkResult
	json.Unmarshal(b, &res)
	return r.StatusCode, res, string(b)
}
