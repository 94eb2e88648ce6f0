package fx

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// ConfigFromEnv reads the operator's settings: SILKGATE_FX_SPREAD_BPS
// (the spread of every quote in basis points, default 50),
// SILKGATE_FX_BAND (how far an executable rate may stray from the
// reference rate, as a fraction, default 0.02) and SILKGATE_FX_QUOTE_TTL
// (how long a quote holds, a Go duration, default 30s) and
// SILKGATE_FX_MAX_REFERENCE_AGE (the oldest reference rate a quote may be
// checked against, a Go duration; default no limit).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	if v := getenv("SILKGATE_FX_SPREAD_BPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n >= 10000 {
			return c, fmt.Errorf("SILKGATE_FX_SPREAD_BPS: want basis points 0–9999, got %q", v)
		}
		c.SpreadBPS = n
		if n == 0 {
			// Zero in Config means the default: say "none" explicitly.
			c.TenantSpread = func(context.Context, string) (int, bool) { return 0, true }
		}
	}
	if v := getenv("SILKGATE_FX_BAND"); v != "" {
		if _, err := parseRate(v); err != nil {
			return c, fmt.Errorf("SILKGATE_FX_BAND: want a positive fraction such as 0.02, got %q", v)
		}
		c.Band = v
	}
	if v := getenv("SILKGATE_FX_QUOTE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SILKGATE_FX_QUOTE_TTL: want a duration such as 30s, got %q", v)
		}
		c.QuoteTTL = d
	}
	if v := getenv("SILKGATE_FX_MAX_REFERENCE_AGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("SILKGATE_FX_MAX_REFERENCE_AGE: want a duration such as 96h, got %q", v)
		}
		c.MaxReferenceAge = d
	}
	return c, nil
}
