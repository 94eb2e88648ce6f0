package bankfile

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

var debtor = iso20022.Party{Name: "Treasury", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "cobadeffxxx"}

func instr(e2e, amount, ccy, iban string) rails.Instruction {
	return rails.Instruction{EndToEndID: e2e, Amount: money.Money{Amount: amount, Currency: ccy},
		Beneficiary: rails.Beneficiary{Name: "Seller " + e2e, Kind: rails.AccountIBAN, IBAN: iban}}
}

func TestFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := railstest.Scope(t, d, false)
		now := func() time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) }
		r := New(d, Config{Debtor: debtor, Currencies: []string{"USD", "EUR"}, Now: now})
		if c := r.Capabilities(); c.Sandbox || !c.File || c.Cancel || !c.Supports("EUR", rails.AccountIBAN) || c.Supports("CNY", rails.AccountIBAN) {
			t.Fatalf("capabilities %+v", c)
		}
		bt := rails.Batch{ID: "spb-1", CreatedAt: now(), Instructions: []rails.Instruction{
			instr("e1", "120.50", "EUR", "GB29NWBK60161331926819"), instr("e2", "3.00", "EUR", "FR1420041010050500013M02606")}}
		rc, err := r.Initiate(ctx, bt)
		if err != nil {
			t.Fatal(err)
		}
		if len(rc.Statuses) != 0 || rc.MessageType != iso20022.MsgPain001 || rc.Reference != "BF-spb-1" {
			t.Fatalf("receipt %+v", rc)
		}
		in, err := iso20022.ParsePain001(rc.Message)
		if err != nil {
			t.Fatal(err)
		}
		if in.MsgID != "spb-1" || in.NbOfTxs != 2 || in.CtrlSum != "123.50" || in.Debtor.IBAN != "DE89370400440532013000" ||
			in.Debtor.BIC != "COBADEFFXXX" || in.ExecutionDate != "2026-11-30" || in.Transactions[1].Creditor.IBAN != "FR1420041010050500013M02606" {
			t.Fatalf("initiation %+v", in)
		}
		// Restarted: the same file for the same id, whatever is asked.
		r = New(d, Config{Debtor: debtor, Now: time.Now})
		bt.Instructions[0].Amount.Amount = "999.00"
		again, err := r.Initiate(ctx, bt)
		if err != nil || string(again.Message) != string(rc.Message) {
			t.Fatalf("not idempotent after a restart: %v", err)
		}
		sb, err := r.Batch(ctx, "spb-1")
		if err != nil || sb.Phase != PhaseReady || sb.SentAt != nil {
			t.Fatalf("stored %+v %v", sb, err)
		}
		if rep, err := r.Status(ctx, "spb-1"); err != nil || len(rep.Statuses) != 0 {
			t.Fatalf("status %+v %v", rep, err)
		}
		if err := r.Cancel(ctx, "spb-1", "e1"); !errors.Is(err, rails.ErrNotCancellable) {
			t.Fatalf("cancel %v", err)
		}
		for range 2 {
			if err := r.MarkSent(ctx, "spb-1", "usr_finance"); err != nil {
				t.Fatal(err)
			}
		}
		if sb, _ := r.Batch(ctx, "spb-1"); sb.Phase != PhaseSent || sb.SentBy != "usr_finance" || sb.SentAt == nil {
			t.Fatalf("sent %+v", sb)
		}
		// Scoped: the same tenant's sandbox data and another tenant have no such file.
		for _, other := range []bool{true, false} {
			if err := r.MarkSent(railstest.Scope(t, d, other), "spb-1", "x"); !errors.Is(err, rails.ErrUnknownBatch) {
				t.Fatalf("another scope: %v", err)
			}
		}
		for name, b := range map[string]rails.Batch{
			"wallet":   {ID: "x1", Instructions: []rails.Instruction{{EndToEndID: "w", Amount: money.Money{Amount: "1.00", Currency: "EUR"}, Beneficiary: rails.Beneficiary{Name: "W", Kind: rails.AccountWallet, Wallet: "0000000000000018"}}}},
			"currency": {ID: "x2", Instructions: []rails.Instruction{instr("c", "1.00", "CHF", "GB29NWBK60161331926819")}},
			"iban":     {ID: "x3", Instructions: []rails.Instruction{instr("i", "1.00", "EUR", "GB29NWBK60161331926818")}},
		} {
			if _, err := New(d, Config{Debtor: debtor, Currencies: []string{"EUR"}}).Initiate(ctx, b); !errors.Is(err, rails.ErrRefused) {
				t.Errorf("%s: %v", name, err)
			}
		}
		bt.ID = "spb-2"
		if _, err := New(d, Config{}).Initiate(ctx, bt); !errors.Is(err, rails.ErrRefused) || !strings.Contains(err.Error(), ErrNoDebtor.Error()) {
			t.Fatalf("no debtor: %v", err)
		}
	})
}

func TestCheckConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    iso20022.Party
		ok   bool
	}{
		{"unset", iso20022.Party{}, true},
		{"valid", debtor, true},
		{"no name", iso20022.Party{IBAN: "DE89370400440532013000"}, false},
		{"bad iban", iso20022.Party{Name: "T", IBAN: "DE89370400440532013001"}, false},
		{"bad bic", iso20022.Party{Name: "T", IBAN: "DE89370400440532013000", BIC: "COBA"}, false},
	} {
		if err := CheckConfig(Config{Debtor: tc.p}); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if err := New(nil, Config{}).Ready(); !errors.Is(err, ErrNoDebtor) {
		t.Fatal(err)
	}
}
