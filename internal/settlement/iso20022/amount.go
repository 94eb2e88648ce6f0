package iso20022

import (
	"errors"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/money"
)

// MaxMinor bounds one amount in minor units, so that the control sum of a
// message of many transactions stays far from int64 overflow.
const MaxMinor = 1_000_000_000_000_000

// ErrAmount is returned for an amount that is not a valid positive
// decimal in its currency's minor units.
var ErrAmount = errors.New("iso20022: invalid amount")

// ToMinor converts a valid amount to an integer of its currency's minor
// units ("12.5" USD → 1250). It refuses unknown currencies, malformed,
// negative or over-precise amounts, and amounts above MaxMinor.
func ToMinor(m money.Money) (int64, error) {
	n, code, _ := money.Check(m, false)
	if code != "" {
		return 0, ErrAmount
	}
	s := strings.TrimPrefix(strings.ReplaceAll(n.Amount, ".", ""), "+")
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > MaxMinor {
		return 0, ErrAmount
	}
	return v, nil
}

// FromMinor renders n minor units of currency ccy as Money.
func FromMinor(n int64, ccy string) money.Money {
	d, _ := money.Digits(ccy)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	s := strconv.FormatUint(u, 10)
	if d > 0 {
		if len(s) <= d {
			s = strings.Repeat("0", d-len(s)+1) + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return money.Money{Amount: s, Currency: ccy}
}
