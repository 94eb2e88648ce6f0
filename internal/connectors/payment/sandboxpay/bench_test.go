package sandboxpay

import "testing"

// BenchmarkDecide: judging a card (Luhn, expiry, test-card table).
func BenchmarkDecide(b *testing.B) {
	c := card("4000000000003220")
	for b.Loop() {
		Decide(c, now)
	}
}
