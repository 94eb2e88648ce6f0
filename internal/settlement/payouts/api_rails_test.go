package payouts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/connectors/rail/bankfile"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
)

// TestAPILiveBankFile: with a live key the batch goes out as a bank file
// to download, is marked sent by the finance user and settled by the
// bank's uploaded report; a sandbox rail is refused naming the rail.
func TestAPILiveBankFile(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Bank file API")
		fin := env.Key(tid, identity.Finance, false)
		viewer := env.Key(tid, identity.Viewer, false)
		var rl []map[string]any
		if r := env.Call("GET", "/api/v1/settlement/rails", fin, nil, &rl); r.StatusCode != 200 || len(rl) != 1 || rl[0]["name"] != bankfile.Name {
			t.Fatalf("live rails: %d %v", r.StatusCode, rl)
		}
		if r := env.Call("PUT", "/api/v1/settlement/sellers/s1/payout-account", fin, map[string]any{"name": "Yiwu Bright Toys",
			"currency": "EUR", "rail": bankfile.Name, "iban": "DE89 3704 0044 0532 0130 00"}, nil); r.StatusCode != 200 {
			t.Fatalf("put: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/settlement/proceeds", fin, map[string]any{"seller_id": "s1", "marketplace": "amazon-de",
			"reference": "SET-1", "gross": map[string]any{"amount": "60.00", "currency": "EUR"}}, nil); r.StatusCode != 201 {
			t.Fatalf("proceeds: %d %s", r.StatusCode, apptest.Body(r))
		}
		r := env.Call("POST", "/api/v1/settlement/batches", fin, map[string]any{"idempotency_key": "sb", "rail": sandboxbank.Name,
			"currency": "EUR"}, nil)
		if body := apptest.Body(r); r.StatusCode != 422 || !strings.Contains(body, `"code":"rail_sandbox_only"`) ||
			!strings.Contains(body, "sandbox_bank") || !strings.Contains(body, "EUR") {
			t.Fatalf("sandbox rail with a live key: %d %s", r.StatusCode, body)
		}
		var b payouts.Batch
		if r := env.Call("POST", "/api/v1/settlement/batches", fin, map[string]any{"idempotency_key": "bf-1", "rail": bankfile.Name,
			"currency": "EUR"}, &b); r.StatusCode != 201 || b.Status != payouts.BatchReady || b.Count != 1 {
			t.Fatalf("batch: %d %+v", r.StatusCode, b)
		}
		r = env.Call("GET", "/api/v1/settlement/batches/"+b.ID+"/message", fin, nil, nil)
		file := apptest.Body(r)
		if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download: %d %v", r.StatusCode, r.Header)
		}
		if in, err := iso20022.ParsePain001([]byte(file)); err != nil || in.MsgID != b.ID || in.Debtor.IBAN != apptest.Settings["SILKGATE_BANKFILE_DEBTOR_IBAN"] {
			t.Fatalf("pain.001: %+v %v", in, err)
		}
		if r := env.Call("POST", "/api/v1/settlement/batches/"+b.ID+"/sent", viewer, nil, nil); r.StatusCode != 403 {
			t.Fatalf("viewer marks sent: %d", r.StatusCode)
		}
		if r := env.Call("POST", "/api/v1/settlement/batches/"+b.ID+"/sent", fin, nil, &b); r.StatusCode != 200 || b.Status != payouts.BatchSent {
			t.Fatalf("sent: %d %s", r.StatusCode, apptest.Body(r))
		}
		var n int
		if err := env.App.DB.Writer().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE tenant_id = $1 AND action = 'settlement.batch.sent'`,
			tid).Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit of mark sent: %d %v", n, err)
		}
		rep, _ := iso20022.Pacs002("BANK-1", b.ID, iso20022.MsgPain001, time.Now(), []iso20022.TxStatus{
			{EndToEndID: b.Payouts[0].EndToEndID, Status: "ACSC"}})
		if r, body := upload(t, env, "/api/v1/settlement/status-reports", fin, rep, ""); r.StatusCode != 200 ||
			!strings.Contains(body, `"applied":1`) || !strings.Contains(body, `"status":"completed"`) {
			t.Fatalf("status report: %d %s", r.StatusCode, body)
		}
		// A completed batch is not marked sent again.
		if r := env.Call("POST", "/api/v1/settlement/batches/"+b.ID+"/sent", fin, nil, nil); r.StatusCode != 409 {
			t.Fatalf("completed batch marked sent: %d", r.StatusCode)
		}
	})
}
