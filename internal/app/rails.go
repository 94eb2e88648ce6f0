package app

import (
	"fmt"
	"strings"

	"github.com/silkgate/silkgate/internal/connectors/rail/bankfile"
	"github.com/silkgate/silkgate/internal/connectors/rail/ecny"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

// Settings of the settlement rails (docs/OPERATIONS.md).
const (
	// envLiveRails lists the rails that carry live payouts, comma
	// separated; "none" for none. Default: bank_file.
	envLiveRails = "SILKGATE_LIVE_RAILS"
	// The operator's account the bank-file rail's pain.001 files debit.
	envBankFileName       = "SILKGATE_BANKFILE_DEBTOR_NAME"
	envBankFileIBAN       = "SILKGATE_BANKFILE_DEBTOR_IBAN"
	envBankFileBIC        = "SILKGATE_BANKFILE_DEBTOR_BIC"
	envBankFileCurrencies = "SILKGATE_BANKFILE_CURRENCIES"
)

// railRegistry builds the settlement rails: the sandbox bank and the
// sandbox e-CNY operator bank for sandbox scopes, the bank-file rail for
// live ones, each keeping its state in d. A malformed setting stops the
// start, since a live payout must never fall back to a simulator.
func railRegistry(d *db.DB, getenv func(string) string) (*rails.Registry, error) {
	cfg := bankfile.Config{Debtor: iso20022.Party{Name: strings.TrimSpace(getenv(envBankFileName)),
		IBAN: iso20022.NormalizeIBAN(getenv(envBankFileIBAN)), BIC: strings.ToUpper(strings.TrimSpace(getenv(envBankFileBIC)))}}
	for c := range strings.SplitSeq(getenv(envBankFileCurrencies), ",") {
		if c = strings.ToUpper(strings.TrimSpace(c)); c == "" {
			continue
		}
		if !money.ValidCurrency(c) {
			return nil, fmt.Errorf("%s: %q is not an ISO 4217 currency", envBankFileCurrencies, c)
		}
		cfg.Currencies = append(cfg.Currencies, c)
	}
	if err := bankfile.CheckConfig(cfg); err != nil {
		return nil, fmt.Errorf("%s/%s/%s: %w", envBankFileName, envBankFileIBAN, envBankFileBIC, err)
	}
	reg := rails.NewRegistry(sandboxbank.New(d, nil), ecny.New(d, ecny.SandboxOperator, nil), bankfile.New(d, cfg))
	live := []string{bankfile.Name}
	if v := strings.TrimSpace(getenv(envLiveRails)); v != "" {
		live = nil
		for n := range strings.SplitSeq(v, ",") {
			if n = strings.TrimSpace(n); n != "" && n != "none" {
				live = append(live, n)
			}
		}
	}
	if err := reg.EnableLive(live...); err != nil {
		return nil, fmt.Errorf("%s: %w", envLiveRails, err)
	}
	return reg, nil
}

// demoEnv gives a demo node a sample debtor account for the bank-file rail
// when the operator has configured none, so the tour's live payout batch
// produces its pain.001 instead of being refused. The account is the
// documented example IBAN of the ECBS, which no bank holds.
func demoEnv(getenv func(string) string) func(string) string {
	if getenv(envBankFileIBAN) != "" {
		return getenv
	}
	sample := map[string]string{
		envBankFileName: "Silkgate Demo Operator (sample account)",
		envBankFileIBAN: "DE89370400440532013000",
		envBankFileBIC:  "COBADEFFXXX",
	}
	return func(k string) string {
		if v, ok := sample[k]; ok {
			return v
		}
		return getenv(k)
	}
}
