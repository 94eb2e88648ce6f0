package edi

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestScratchParse(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/data/edi/*.edi")
	for _, f := range files {
		fh, _ := os.Open(f)
		res, err := Parse(fh, Options{})
		fh.Close()
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		b, _ := json.MarshalIndent(res, "", " ")
		fmt.Printf("==== %s\n%s\n", filepath.Base(f), b)
	}
}
