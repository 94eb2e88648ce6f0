package orders

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/silkgate/silkgate/internal/orders/ordergen"
)

// BenchmarkDecodeLine measures the per-line work of a bulk decoder:
// decoding with unknown fields refused, validation, and encoding the
// stored document.
func BenchmarkDecodeLine(b *testing.B) {
	g := ordergen.New(1)
	lines := make([][]byte, 1000)
	for i := range lines {
		lines[i] = g.Order(i)
	}
	var buf bytes.Buffer
	b.ResetTimer()
	for i := range b.N {
		if _, lerr, err := decodeLine(lines[i%len(lines)], &buf); lerr != nil || err != nil {
			b.Fatal(lerr, err)
		}
	}
}

// BenchmarkPlainDecode is encoding/json's Unmarshal of the same lines
// into the same type, for comparison.
func BenchmarkPlainDecode(b *testing.B) {
	g := ordergen.New(1)
	lines := make([][]byte, 1000)
	for i := range lines {
		lines[i] = g.Order(i)
	}
	b.ResetTimer()
	for i := range b.N {
		var n NewOrder
		if err := json.Unmarshal(lines[i%len(lines)], &n); err != nil {
			b.Fatal(err)
		}
	}
}
