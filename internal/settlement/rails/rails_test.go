package rails_test

import (
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/connectors/rail/bankfile"
	"github.com/silkgate/silkgate/internal/connectors/rail/ecny"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	r := rails.NewRegistry(sandboxbank.New(nil, nil), ecny.New(nil, ecny.SandboxOperator, nil))
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
	r.Register(sandboxbank.New(nil, nil))
}

// TestResolveByScope: sandbox rails serve sandbox scopes only, real rails
// live scopes only and only when enabled and configured; every refusal
// names the rail, the currency and what would serve.
func TestResolveByScope(t *testing.T) {
	t.Parallel()
	debtor := iso20022.Party{Name: "Treasury", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"}
	configured := bankfile.New(nil, bankfile.Config{Debtor: debtor, Currencies: []string{"EUR", "USD"}})
	for _, tc := range []struct {
		name      string
		reg       *rails.Registry
		live      []string // nil: every real rail
		rail, ccy string
		sandbox   bool
		code      string
		params    string
	}{
		{"sandbox bank in sandbox", rails.NewRegistry(sandboxbank.New(nil, nil), configured), nil, sandboxbank.Name, "EUR", true, "", ""},
		{"sandbox bank in live", rails.NewRegistry(sandboxbank.New(nil, nil), configured), nil, sandboxbank.Name, "EUR", false,
			rails.CodeSandboxOnly, "rail sandbox_bank currency EUR live_rails bank_file"},
		{"e-CNY sandbox in live, no live CNY rail", rails.NewRegistry(ecny.New(nil, ecny.SandboxOperator, nil), configured), nil,
			ecny.Name, "CNY", false, rails.CodeSandboxOnly, "rail ecny_sandbox currency CNY live_rails none"},
		{"bank file in live", rails.NewRegistry(sandboxbank.New(nil, nil), configured), nil, bankfile.Name, "EUR", false, "", ""},
		{"bank file in sandbox", rails.NewRegistry(sandboxbank.New(nil, nil), configured), nil, bankfile.Name, "EUR", true,
			rails.CodeLiveOnly, "rail bank_file sandbox_rails sandbox_bank"},
		{"bank file not enabled", rails.NewRegistry(sandboxbank.New(nil, nil), configured), []string{}, bankfile.Name, "EUR", false,
			rails.CodeNotEnabled, "rail bank_file currency EUR live_rails none"},
		{"bank file without a debtor", rails.NewRegistry(bankfile.New(nil, bankfile.Config{})), nil, bankfile.Name, "EUR", false,
			rails.CodeNotConfigured, "rail bank_file reason no debtor account is configured"},
		{"unknown", rails.NewRegistry(configured), nil, "swift", "EUR", false, rails.CodeUnknown, "values bank_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.live != nil {
				if err := tc.reg.EnableLive(tc.live...); err != nil {
					t.Fatal(err)
				}
			}
			x, code, params := tc.reg.Resolve(tc.rail, tc.ccy, tc.sandbox)
			var ps []string
			for _, p := range params {
				ps = append(ps, p.(string))
			}
			if code != tc.code || strings.Join(ps, " ") != tc.params {
				t.Fatalf("code %q params %q, want %q %q", code, strings.Join(ps, " "), tc.code, tc.params)
			}
			if (code == "") != (x != nil) {
				t.Fatalf("rail %v with code %q", x, code)
			}
		})
	}
	reg := rails.NewRegistry(sandboxbank.New(nil, nil), configured)
	if err := reg.EnableLive(sandboxbank.Name); err == nil {
		t.Fatal("a sandbox rail was enabled for live payouts")
	}
	if err := reg.EnableLive("swift"); err == nil {
		t.Fatal("an unknown rail was enabled")
	}
	if l := reg.ListFor(false); len(l) != 1 || l[0].Name != bankfile.Name || !l[0].Capabilities.File {
		t.Fatalf("live rails %+v", l)
	}
	if l := reg.ListFor(true); len(l) != 1 || l[0].Name != sandboxbank.Name {
		t.Fatalf("sandbox rails %+v", l)
	}
}

func TestCheckBeneficiary(t *testing.T) {
	t.Parallel()
	bank := sandboxbank.New(nil, nil)
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
