package sanctions

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// FuzzStream feeds arbitrary bytes to every importer (format index 0
// detects; 1.. name Formats[i-1]). Whatever the input, a parse either
// fails with a located problem or yields entries that keep the model's
// invariants; it never panics. Seeds: testdata/fuzz/FuzzStream, cut from
// the fixtures.
func FuzzStream(f *testing.F) {
	f.Add(uint8(0), []byte("36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'AERO CARIBBEAN'.\"\r\n\x1a"))
	f.Fuzz(func(t *testing.T, format uint8, data []byte) {
		name := "sdn.csv"
		var fmtName string
		if format > 0 {
			fmtName = Formats[int(format-1)%len(Formats)]
		}
		fsys := fstest.MapFS{name: {Data: data}}
		_, err := Stream(fsys, name, fmtName, func(e Entry) error {
			if e.ID == "" || len(e.Names) == 0 || e.Names[0].Strength != Primary || ListOf(fmtName) != "" && e.List != ListOf(fmtName) {
				t.Fatalf("entry breaks the model: %+v", e)
			}
			switch e.Type {
			case Person, Entity, Vessel, Aircraft:
			default:
				t.Fatalf("type %q", e.Type)
			}
			for _, n := range e.Names {
				if strings.TrimSpace(n.Value) != n.Value || n.Value == "" {
					t.Fatalf("name %q not trimmed", n.Value)
				}
			}
			return nil
		})
		if err == nil {
			return
		}
		if errors.Is(err, ErrUnknownFormat) {
			return
		}
		pe, ok := problem.As(err)
		if !ok || pe.Code != "sanctions_list_malformed" {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
