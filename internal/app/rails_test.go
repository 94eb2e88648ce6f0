package app

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// TestRailSettings: the bank-file rail carries live payouts unless the
// operator says otherwise, and a setting that would send live payouts to a
// simulator, or a malformed debtor account, stops the start.
func TestRailSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		live string // names of ListFor(false), or the error's text
		ccys string // currencies of the bank-file rail
	}{
		{"defaults", nil, "bank_file", "CNY EUR GBP HKD JPY SGD USD"},
		{"currencies", map[string]string{"SILKGATE_BANKFILE_CURRENCIES": "usd, eur"}, "bank_file", "EUR USD"},
		{"none", map[string]string{"SILKGATE_LIVE_RAILS": "none"}, "", ""},
		{"sandbox rail live", map[string]string{"SILKGATE_LIVE_RAILS": "bank_file,sandbox_bank"}, "error: SILKGATE_LIVE_RAILS", ""},
		{"unknown rail", map[string]string{"SILKGATE_LIVE_RAILS": "swift"}, "error: SILKGATE_LIVE_RAILS", ""},
		{"bad currency", map[string]string{"SILKGATE_BANKFILE_CURRENCIES": "EUR,XXY"}, "error: SILKGATE_BANKFILE_CURRENCIES", ""},
		{"bad iban", map[string]string{"SILKGATE_BANKFILE_DEBTOR_NAME": "T", "SILKGATE_BANKFILE_DEBTOR_IBAN": "DE00"},
			"error: SILKGATE_BANKFILE_DEBTOR_NAME", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := railRegistry(nil, func(k string) string { return tc.env[k] })
			if err != nil {
				if !strings.HasPrefix(tc.live, "error: ") || !strings.Contains(err.Error(), strings.TrimPrefix(tc.live, "error: ")) {
					t.Fatalf("error %v, want %s", err, tc.live)
				}
				return
			}
			var names, ccys []string
			for _, i := range reg.ListFor(false) {
				names = append(names, i.Name)
				ccys = append(ccys, i.Capabilities.Currencies...)
			}
			if strings.Join(names, " ") != tc.live || strings.Join(ccys, " ") != tc.ccys {
				t.Fatalf("live rails %v %v, want %s %s", names, ccys, tc.live, tc.ccys)
			}
			var sandbox []string
			for _, i := range reg.ListFor(true) {
				sandbox = append(sandbox, i.Name)
			}
			if !slices.Equal(sandbox, []string{"ecny_sandbox", "sandbox_bank"}) {
				t.Fatalf("sandbox rails %v", sandbox)
			}
		})
	}
}

// TestDemoPayouts: the demo's live seller is paid by bank file, its
// sandbox sellers by the simulators, and seeding twice changes nothing.
func TestDemoPayouts(t *testing.T) {
	a, err := Open(t.Context(), Config{DataDir: t.TempDir()}, Options{Argon2: identity.Argon2Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for range 2 {
		if err := a.SeedDemo(t.Context(), io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var tenant string
	if err := a.DB.Q(t.Context()).QueryRowContext(t.Context(), `SELECT tenant_id FROM users WHERE email = $1`, DemoOwnerEmail).
		Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	for _, sandbox := range []bool{false, true} {
		ctx := db.WithScope(t.Context(), db.Scope{TenantID: tenant, Sandbox: sandbox})
		l, err := a.Payouts.ListPayoutAccounts(ctx, web.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range l.Items {
			got = append(got, s.SellerID+" "+s.Account.Rail+" "+s.Balance.Available.Amount)
		}
		want := []string{"yiwu-bright-toys-eu bank_file 1212.50"}
		if sandbox {
			want = []string{"yiwu-bright-toys-cn ecny_sandbox 8342.00", "yiwu-bright-toys-eu sandbox_bank 1212.50"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("sandbox %v: %v, want %v", sandbox, got, want)
		}
	}
}

// TestDemoDebtor: a demo node without a configured debtor account gets a
// sample one that passes the rail's checks; a configured account is kept.
func TestDemoDebtor(t *testing.T) {
	t.Parallel()
	none := demoEnv(func(string) string { return "" })
	if none(envBankFileIBAN) == "" || none(envBankFileName) == "" || none("HOME") != "" {
		t.Fatalf("sample debtor: %q %q", none(envBankFileName), none(envBankFileIBAN))
	}
	if _, err := railRegistry(nil, none); err != nil {
		t.Fatalf("the sample debtor is refused: %v", err)
	}
	own := map[string]string{envBankFileName: "Own Ltd", envBankFileIBAN: "GB82WEST12345698765432"}
	kept := demoEnv(func(k string) string { return own[k] })
	if kept(envBankFileName) != "Own Ltd" || kept(envBankFileBIC) != "" {
		t.Fatalf("configured debtor replaced: %q %q", kept(envBankFileName), kept(envBankFileBIC))
	}
}
