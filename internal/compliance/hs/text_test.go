package hs

import (
	"slices"
	"testing"
)

func TestStem(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"earphones": "earphone", "batteries": "battery", "boxes": "box",
		"watches": "watch", "knitted": "knit", "printing": "print", "dresses": "dress", "women": "woman",
		"glass": "glass", "bus": "bus", "toys": "toy", "crocheted": "crochet", "cap": "cap"} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSegment checks longest-match segmentation of Chinese and mixed
// titles, and English phrase matching.
func TestSegment(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if c.Terms() < 400 {
		t.Errorf("glossary has %d terms, want at least 400", c.Terms())
	}
	tests := []struct {
		title string
		terms []string
	}{
		{"无线蓝牙耳机", []string{"蓝牙耳机"}}, // 无线 is not a term; 蓝牙耳机 is longer than 耳机
		{"2024新款蓝牙耳机降噪", []string{"蓝牙耳机"}},
		{"LED灯带 卧室", []string{"LED灯带"}},
		{"LED台灯", []string{"台灯"}},
		{"纯棉短袖T恤", []string{"纯棉", "短袖", "T恤"}},
		{"Electric toothbrush with brush heads", []string{"electric toothbrush", "brush"}},
		{"ledger book", []string{"book"}},
	}
	for _, tt := range tests {
		if got := c.read(tt.title).terms; !slices.Equal(got, tt.terms) {
			t.Errorf("%s: terms %q, want %q", tt.title, got, tt.terms)
		}
	}
}

func TestGlossaryErrors(t *testing.T) {
	t.Parallel()
	n, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]string{
		"bad heading": "杯子\tcup\t9999\n",
		"no english":  "杯子\n",
		"twice":       "杯子\tcup\n杯子\tmug\n",
	} {
		if _, err := New(n, g); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
