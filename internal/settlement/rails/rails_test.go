package rails_test

import (
	"testing"

	"github.com/silkgate/silkgate/internal/connectors/rail/ecny"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	r := rails.NewRegistry(sandboxbank.New(nil), ecny.New(ecny.SandboxOperator, nil))
	if got := r.Names(); len(got) != 2 || got[0] != ecny.Name || got[1] != sandboxbank.Name {
		t.Fatalf("names %v", got)
	}
	l := r.List()
	if len(l) != 2 || !l[0].Capabilities.Supports("CNY", rails.AccountWallet) || !l[1].Capabilities.Supports("EUR", rails.AccountIBAN) {
		t.Fatalf("list %+v", l)
	}
	if _, ok := r.Get("swift"); ok {
		t.Fatal("unknown rail found")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a rail registered twice did not panic")
		}
	}()
	r.Register(sandboxbank.New(nil))
}

func TestCheckBeneficiary(t *testing.T) {
	t.Parallel()
	bank := sandboxbank.New(nil)
	for _, tc := range []struct {
		b           rails.Beneficiary
		field, code string
	}{
		{rails.Beneficiary{Kind: rails.AccountIBAN, IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"}, "", ""},
		{rails.Beneficiary{Kind: rails.AccountIBAN, IBAN: "DE89370400440532013009"}, "iban", "iban_checksum"},
		{rails.Beneficiary{Kind: rails.AccountIBAN, IBAN: "DE89370400440532013000", BIC: "COBA"}, "bic", "bic_format"},
		{rails.Beneficiary{Kind: rails.AccountWallet, Wallet: ecny.TestWallet}, "kind", "rail_account_kind"},
	} {
		if f, c := rails.CheckBeneficiary(bank, tc.b); f != tc.field || c != tc.code {
			t.Errorf("%+v: %s %s, want %s %s", tc.b, f, c, tc.field, tc.code)
		}
	}
}
