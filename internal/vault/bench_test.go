package vault

import "testing"

// BenchmarkParseNumber: reading and checking a typed card number.
func BenchmarkParseNumber(b *testing.B) {
	for b.Loop() {
		ParseNumber("4242 4242 4242 4242")
	}
}
