package rules

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the vocabulary tables of docs/REGULATIONS.md")

// TestRegulationsDoc keeps the vocabulary tables of docs/REGULATIONS.md
// equal to facts.go.
func TestRegulationsDoc(t *testing.T) {
	path := filepath.Join("..", "..", "..", "docs", "REGULATIONS.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- vocabulary:begin -->\n", "<!-- vocabulary:end -->"
	doc := string(raw)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the vocabulary markers", path)
	}
	want := doc[:i+len(begin)] + "\n" + VocabularyMarkdown() + "\n" + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with facts.go; run go test ./internal/compliance/rules -run TestRegulationsDoc -update", path)
}
