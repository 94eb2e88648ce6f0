package sandboxcarrier

import "testing"

// BenchmarkPlan: planning a timeline, which every tracking read does.
func BenchmarkPlan(b *testing.B) {
	req := request("10115", "standard")
	n, _ := Issue(req, "")
	for b.Loop() {
		if _, err := Plan(n, req.From, req.To, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderLabel: one 100 × 150 mm PDF label with its barcode.
func BenchmarkRenderLabel(b *testing.B) {
	req := request("10115", "express")
	n, _ := Issue(req, "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderLabel(n, req); err != nil {
			b.Fatal(err)
		}
	}
}
