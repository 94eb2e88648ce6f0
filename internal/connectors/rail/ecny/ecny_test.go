package ecny

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/rails"
	"github.com/silkgate/silkgate/internal/settlement/rails/railstest"
)

func TestValidWallet(t *testing.T) {
	t.Parallel()
	for id, ok := range map[string]bool{TestWallet: true, SandboxOperator.Account: true, "0000000000000017": false,
		"000000000000018": false, "00000000000000a8": false, "9999000000000004": true} {
		if ValidWallet(id) != ok {
			t.Errorf("ValidWallet(%s) != %v", id, ok)
		}
	}
}

func TestInitiate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { testInitiate(t, d) })
}

func testInitiate(t *testing.T, d *db.DB) {
	ctx := railstest.Scope(t, d, true)
	r := New(d, SandboxOperator, nil)
	w := func(e2e, amount, wallet string) rails.Instruction {
		return rails.Instruction{EndToEndID: e2e, Amount: money.Money{Amount: amount, Currency: "CNY"},
			Beneficiary: rails.Beneficiary{Name: "卖家 " + e2e, Kind: rails.AccountWallet, Wallet: wallet}}
	}
	bt := rails.Batch{ID: "E1", CreatedAt: time.Now(), Instructions: []rails.Instruction{w("ok", "100.00", TestWallet),
		w("limit", "50000.01", TestWallet), w("closed", "8.91", TestWallet), w("frozen", "1.00", "9999000000000004")}}
	rc, err := r.Initiate(ctx, bt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rc.Message), "pacs.008.001.08") || !strings.Contains(string(rc.Message), "<Prtry>ECNY</Prtry>") {
		t.Fatalf("message:\n%s", rc.Message)
	}
	want := map[string]string{"ok": "ACSC", "limit": "RJCT AM02", "closed": "RJCT AC04", "frozen": "RJCT AC06"}
	// A restarted rail (or another node) over the same store reports the
	// same outcomes and answers a repeat with the first receipt.
	r = New(d, SandboxOperator, nil)
	if again, err := r.Initiate(ctx, bt); err != nil || string(again.Message) != string(rc.Message) || len(again.Statuses) != 4 {
		t.Fatalf("initiate after a restart: %v", err)
	}
	if _, err := r.Status(railstest.Scope(t, d, true), "E1"); !errors.Is(err, rails.ErrUnknownBatch) {
		t.Fatalf("another tenant sees E1: %v", err)
	}
	rep, err := r.Status(ctx, "E1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Statuses {
		if got := strings.TrimSpace(s.Status + " " + s.Reason); got != want[s.EndToEndID] {
			t.Errorf("%s: %s", s.EndToEndID, got)
		}
	}
	if err := r.Cancel(ctx, "E1", "ok"); !errors.Is(err, rails.ErrNotCancellable) {
		t.Fatal(err)
	}
	if _, err := r.Initiate(ctx, rails.Batch{ID: "E2", Instructions: []rails.Instruction{w("x", "1.00", "123")}}); !errors.Is(err, rails.ErrRefused) {
		t.Fatalf("bad wallet: %v", err)
	}
	if f, _ := rails.CheckBeneficiary(r, rails.Beneficiary{Kind: rails.AccountWallet, Wallet: "1"}); f != "wallet" {
		t.Fatalf("field %s", f)
	}
	if !r.Capabilities().CrossBorder || !r.Capabilities().Supports("CNY", rails.AccountWallet) || r.Capabilities().Supports("USD", rails.AccountWallet) {
		t.Fatal("capabilities")
	}
	_ = iso20022.StatusACSC
}
