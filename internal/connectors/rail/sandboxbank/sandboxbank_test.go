package sandboxbank

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

func instr(e2e, amount, iban string) rails.Instruction {
	return rails.Instruction{EndToEndID: e2e, Amount: money.Money{Amount: amount, Currency: "EUR"},
		Beneficiary: rails.Beneficiary{Name: "Seller " + e2e, Kind: rails.AccountIBAN, IBAN: iban}}
}

const okIBAN = "GB29NWBK60161331926819"

func TestOutcomes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { testOutcomes(t, d) })
}

func testOutcomes(t *testing.T, d *db.DB) {
	ctx := railstest.Scope(t, d, true)
	now := func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }
	b := New(d, now)
	bt := rails.Batch{ID: "B1", CreatedAt: time.Now(), Instructions: []rails.Instruction{
		instr("ok", "100.00", okIBAN), instr("ac01", "5.00", RejectIBAN), instr("ac04", "10.91", okIBAN),
		instr("ag01", "3.92", okIBAN), instr("slow", "7.99", okIBAN), instr("cancel", "1.99", okIBAN)}}
	rc, err := b.Initiate(ctx, bt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rc.Message), "<NbOfTxs>6</NbOfTxs>") || rc.MessageType != iso20022.MsgPain001 {
		t.Fatalf("message:\n%s", rc.Message)
	}
	for _, s := range rc.Statuses {
		if s.Status != iso20022.StatusACCP {
			t.Fatalf("initiated %+v", s)
		}
	}
	again, err := b.Initiate(ctx, bt)
	if err != nil || string(again.Message) != string(rc.Message) {
		t.Fatal("initiate is not idempotent")
	}
	// Another tenant, or the same tenant's live data, has no such batch.
	if _, err := b.Status(railstest.Scope(t, d, true), "B1"); !errors.Is(err, rails.ErrUnknownBatch) {
		t.Fatalf("another tenant sees B1: %v", err)
	}
	// A restarted bank (or another node) over the same store answers for
	// the batch as this one would.
	b = New(d, now)
	bt.Instructions[0].Amount.Amount = "999.00"
	if again, err := b.Initiate(ctx, bt); err != nil || string(again.Message) != string(rc.Message) {
		t.Fatalf("initiate after a restart is not idempotent: %v", err)
	}
	if err := b.Cancel(ctx, "B1", "cancel"); err != nil {
		t.Fatal(err)
	}
	rep, err := b.Status(ctx, "B1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ok": "ACSC", "ac01": "RJCT AC01", "ac04": "RJCT AC04", "ag01": "RJCT AG01", "slow": "PDNG", "cancel": "CANC DUPL"}
	for _, s := range rep.Statuses {
		got := strings.TrimSpace(s.Status + " " + s.Reason)
		if got != want[s.EndToEndID] {
			t.Errorf("%s: %s, want %s", s.EndToEndID, got, want[s.EndToEndID])
		}
	}
	if err := b.Cancel(ctx, "B1", "ok"); !errors.Is(err, rails.ErrNotCancellable) {
		t.Fatalf("cancel settled: %v", err)
	}
	b = New(d, now) // restarted between two status requests: "slow" moves on
	rep, _ = b.Status(ctx, "B1")
	if rep.Statuses[4].Status != iso20022.StatusACSC {
		t.Fatalf("slow: %+v", rep.Statuses[4])
	}
	file, err := b.BankFile(ctx, "B1")
	if err != nil {
		t.Fatal(err)
	}
	bf, err := iso20022.ParseBankFile(file)
	if err != nil || len(bf.Entries) != 2 || bf.Entries[0].EndToEndID != "ok" || bf.Entries[1].Amount.Amount != "7.99" {
		t.Fatalf("bank file %+v %v", bf, err)
	}
	if _, err := b.Status(ctx, "nope"); !errors.Is(err, rails.ErrUnknownBatch) {
		t.Fatal(err)
	}
}

func TestRefusesInvalidBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := railstest.Scope(t, d, true)
		b := New(d, nil)
		_, err := b.Initiate(ctx, rails.Batch{ID: "B2", Instructions: []rails.Instruction{instr("x", "1.00", "GB29NWBK60161331926818")}})
		if !errors.Is(err, rails.ErrRefused) {
			t.Fatalf("bad IBAN: %v", err)
		}
		if _, err := b.Status(ctx, "B2"); !errors.Is(err, rails.ErrUnknownBatch) {
			t.Fatal("a refused batch was kept")
		}
	})
	if f, code := rails.CheckBeneficiary(New(nil, nil), rails.Beneficiary{Kind: rails.AccountWallet}); f != "kind" || code == "" {
		t.Fatalf("wallet on a bank rail: %s %s", f, code)
	}
}
