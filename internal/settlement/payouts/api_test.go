package payouts_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
)

// upload posts an XML file.
func upload(t *testing.T, env *apptest.Env, path, key string, data []byte, lang string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", env.Server.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Settlement API")
		// Sandbox keys: the sandbox rails serve sandbox data only.
		fin := env.Key(tid, identity.Finance, true)
		viewer := env.Key(tid, identity.Viewer, true)
		other := env.Key(env.Tenant("Other"), identity.Finance, true)

		var rl []map[string]any
		if r := env.Call("GET", "/api/v1/settlement/rails", fin, nil, &rl); r.StatusCode != 200 || len(rl) != 2 {
			t.Fatalf("rails: %d %v", r.StatusCode, rl)
		}
		put := func(seller string, body map[string]any) *http.Response {
			return env.Call("PUT", "/api/v1/settlement/sellers/"+seller+"/payout-account", fin, body, nil)
		}
		if r := put("s1", map[string]any{"name": "Yiwu Bright Toys", "currency": "EUR", "rail": sandboxbank.Name,
			"iban": "DE89 3704 0044 0532 0130 00"}); r.StatusCode != 200 {
			t.Fatalf("put: %d %s", r.StatusCode, apptest.Body(r))
		}
		var proceeds payouts.Proceeds
		pbody := map[string]any{"seller_id": "s1", "marketplace": "amazon-de", "reference": "SET-1",
			"gross": map[string]any{"amount": "120.00", "currency": "EUR"}, "fee": map[string]any{"amount": "4.80", "currency": "EUR"}}
		if r := env.Call("POST", "/api/v1/settlement/proceeds", fin, pbody, &proceeds); r.StatusCode != 201 || proceeds.Credited.Amount != "115.20" {
			t.Fatalf("proceeds: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/settlement/proceeds", fin, pbody, nil); r.StatusCode != 200 {
			t.Fatalf("replay: %d", r.StatusCode)
		}
		tests := []struct {
			name, method, path, key string
			body                    any
			status                  int
			contains                string
		}{
			{"viewer cannot write", "POST", "/api/v1/settlement/proceeds", viewer, pbody, 403, ""},
			{"viewer cannot read", "GET", "/api/v1/settlement/payouts", viewer, nil, 403, ""},
			{"too precise", "POST", "/api/v1/settlement/proceeds", fin, map[string]any{"seller_id": "s1", "marketplace": "m",
				"reference": "X", "gross": map[string]any{"amount": "1.001", "currency": "EUR"}}, 422, `"field":"gross.amount"`},
			{"unknown currency", "POST", "/api/v1/settlement/proceeds", fin, map[string]any{"seller_id": "s1", "marketplace": "m",
				"reference": "X", "gross": map[string]any{"amount": "1.00", "currency": "ABC"}}, 422, `"field":"gross.currency"`},
			{"zero", "POST", "/api/v1/settlement/proceeds", fin, map[string]any{"seller_id": "s1", "marketplace": "m",
				"reference": "X", "gross": map[string]any{"amount": "0", "currency": "EUR"}}, 422, `"field":"gross.amount"`},
			{"reference reused", "POST", "/api/v1/settlement/proceeds", fin, map[string]any{"seller_id": "s1", "marketplace": "amazon-de",
				"reference": "SET-1", "gross": map[string]any{"amount": "1.00", "currency": "EUR"}}, 409, `"field":"reference"`},
			{"bad iban", "PUT", "/api/v1/settlement/sellers/s2/payout-account", fin, map[string]any{"name": "X", "currency": "EUR",
				"rail": sandboxbank.Name, "iban": "DE89370400440532013001"}, 422, `"field":"iban"`},
			{"batch without key", "POST", "/api/v1/settlement/batches", fin, map[string]any{"rail": sandboxbank.Name, "currency": "EUR"},
				422, `"field":"idempotency_key"`},
			{"statement bad dates", "GET", "/api/v1/settlement/statements?seller_id=s1&from=2026-02-01&to=2026-01-01", fin, nil, 422, `"field":"to"`},
			{"statement bad format", "GET", "/api/v1/settlement/statements?seller_id=s1&from=2026-01-01&to=2026-01-02&format=xls", fin, nil, 422, `"field":"format"`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Call(tc.method, tc.path, tc.key, tc.body, nil)
				if body := apptest.Body(r); r.StatusCode != tc.status || !strings.Contains(body, tc.contains) {
					t.Fatalf("%d, want %d and %q: %s", r.StatusCode, tc.status, tc.contains, body)
				}
			})
		}
		// Bad input wrote nothing: one proceeds line, one ledger account
		// credited once.
		var pl struct{ Items []payouts.Proceeds }
		env.Call("GET", "/api/v1/settlement/proceeds?seller_id=s1", fin, nil, &pl)
		if len(pl.Items) != 1 {
			t.Fatalf("proceeds %+v", pl)
		}

		var b payouts.Batch
		if r := env.Call("POST", "/api/v1/settlement/batches", fin, map[string]any{"idempotency_key": "api-1",
			"rail": sandboxbank.Name, "currency": "EUR"}, &b); r.StatusCode != 201 || b.Count != 1 {
			t.Fatalf("batch: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("GET", "/api/v1/settlement/batches/"+b.ID, other, nil, nil); r.StatusCode != 404 {
			t.Fatalf("other tenant: %d", r.StatusCode)
		}
		r := env.Call("GET", "/api/v1/settlement/batches/"+b.ID+"/message", fin, nil, nil)
		if body := apptest.Body(r); r.StatusCode != 200 || !strings.Contains(body, "pain.001.001.09") || !strings.Contains(body, "<EndToEndId>"+b.Payouts[0].EndToEndID) {
			t.Fatalf("message: %d %s", r.StatusCode, body)
		}
		// The bank rejects it: the hold is voided and the balance returns.
		rep, _ := iso20022.Pacs002("BANK-1", b.ID, iso20022.MsgPain001, time.Now(), []iso20022.TxStatus{
			{EndToEndID: b.Payouts[0].EndToEndID, Status: "RJCT", Reason: "AC04"}})
		if r, body := upload(t, env, "/api/v1/settlement/status-reports", fin, rep, ""); r.StatusCode != 200 || !strings.Contains(body, `"applied":1`) {
			t.Fatalf("status report: %d %s", r.StatusCode, body)
		}
		var accts struct{ Items []payouts.SellerBalance }
		env.Call("GET", "/api/v1/settlement/payout-accounts", fin, nil, &accts)
		if len(accts.Items) != 1 || accts.Items[0].Balance.Available.Amount != "115.20" || accts.Items[0].Balance.Posted.Amount != "115.20" {
			t.Fatalf("balance after RJCT: %+v", accts)
		}
		var la ledger.Account
		env.Call("GET", "/api/v1/ledger/accounts/"+accts.Items[0].LedgerID, fin, nil, &la)
		if la.Balance == nil || la.Balance.DebitsPending.Amount != "0.00" {
			t.Fatalf("ledger %+v", la.Balance)
		}
		if r, body := upload(t, env, "/api/v1/settlement/status-reports", fin, []byte("<Document><Nope/></Document>"), "zh-CN"); r.StatusCode != 422 ||
			!strings.Contains(body, `"field":"file"`) || !strings.Contains(body, "camt.054 文件") {
			t.Fatalf("bad report: %d %s", r.StatusCode, body)
		}

		// Paid on the second batch; the bank file reconciles.
		var b2 payouts.Batch
		env.Call("POST", "/api/v1/settlement/batches", fin, map[string]any{"idempotency_key": "api-2", "rail": sandboxbank.Name, "currency": "EUR"}, &b2)
		var res payouts.IntakeResult
		if r := env.Call("POST", "/api/v1/settlement/batches/"+b2.ID+"/refresh", fin, nil, &res); r.StatusCode != 200 || res.Applied != 1 {
			t.Fatalf("refresh: %d %s", r.StatusCode, apptest.Body(r))
		}
		var n int
		if err := env.App.DB.Writer().QueryRow(`SELECT COUNT(*) FROM outbox_events WHERE tenant_id = $1 AND type = 'settlement.paid'`, tid).Scan(&n); err != nil || n != 1 {
			t.Fatalf("settlement.paid events: %d %v", n, err)
		}
		camt, _ := iso20022.Camt054("C1", sandboxbank.Debtor.IBAN, time.Now(), []iso20022.Notification{{Ref: "R1", Direction: iso20022.Debit,
			Booked: time.Now(), Txs: []iso20022.NotifiedTx{{EndToEndID: b2.Payouts[0].EndToEndID, Amount: b2.Payouts[0].Amount}}}})
		var rec payouts.Reconciliation
		r, body := upload(t, env, "/api/v1/settlement/reconciliations?file_name=camt.xml", fin, camt, "")
		if r.StatusCode != 201 || !strings.Contains(body, `"matched":1`) {
			t.Fatalf("reconcile: %d %s", r.StatusCode, body)
		}
		_ = rec
		day := time.Now().UTC().Format(time.DateOnly)
		for format, want := range map[string]string{"csv": "text/csv", "pdf": "application/pdf", "json": "application/json"} {
			r := env.Call("GET", "/api/v1/settlement/statements?seller_id=s1&from="+day+"&to="+day+"&format="+format, fin, nil, nil)
			if body := apptest.Body(r); r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), want) || len(body) < 50 {
				t.Fatalf("statement %s: %d %s", format, r.StatusCode, body)
			}
		}
	})
}
