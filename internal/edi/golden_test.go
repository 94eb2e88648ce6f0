package edi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// Zone data for X12 time codes (PT, MT, ET...) in golden files, so
	// they do not depend on the machine's zone database.
	_ "time/tzdata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// ackControl gives acknowledgements in tests fixed control numbers and time.
var ackControl = Control{Interchange: 900000001, Group: 9001, Time: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}

// TestGolden parses every sample, compares the result and its
// acknowledgement with testdata/golden, and checks what each sample must
// yield: how many sets are accepted and rejected, and the document types.
func TestGolden(t *testing.T) {
	t.Parallel()
	want := map[string]struct {
		accepted, rejected, warnings int
		docType                      string
	}{
		"x12_850_edinet.edi":                 {1, 0, 1, TypePurchaseOrder},
		"x12_856_gozer.edi":                  {1, 0, 1, TypeShipNotice},
		"x12_810_staedi.edi":                 {2, 0, 0, TypeInvoice},
		"x12_214_canadapost_omniparser.edi":  {19, 0, 0, TypeTrackingStatus},
		"edifact_orders_d03b_smooks.edi":     {1, 0, 0, TypePurchaseOrder},
		"edifact_desadv_d96a_phpedifact.edi": {1, 0, 0, TypeShipNotice},
		"edifact_invoic_d97b_staedi.edi":     {1, 0, 0, TypeInvoice},
		"edifact_iftsta_d01b_gs1example.edi": {1, 0, 0, TypeTrackingStatus},
		"edifact_ordrsp_d10a_edinet.edi":     {0, 1, 1, ""},
	}
	for _, name := range sampleNames(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata/samples", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := Parse(f, Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(res.Interchanges) != 1 {
				t.Fatalf("%d interchanges", len(res.Interchanges))
			}
			ic := res.Interchanges[0]
			acc, rej := ic.Counts()
			w := want[name]
			if acc != w.accepted || rej != w.rejected || len(ic.Warnings) != w.warnings {
				t.Errorf("accepted %d rejected %d warnings %d, want %d %d %d", acc, rej, len(ic.Warnings), w.accepted, w.rejected, w.warnings)
			}
			for _, d := range res.Documents() {
				if d.DocumentType() != w.docType || d.Ref() == "" {
					t.Errorf("document %s %q, want type %s with a ref", d.DocumentType(), d.Ref(), w.docType)
				}
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, strings.TrimSuffix(name, ".edi")+".json", append(got, '\n'))

			var ack bytes.Buffer
			if err := WriteAck(&ack, ic, "", ackControl); err != nil {
				t.Fatalf("WriteAck: %v", err)
			}
			compareGolden(t, strings.TrimSuffix(name, ".edi")+".ack", ack.Bytes())
			if _, err := Parse(bytes.NewReader(ack.Bytes()), Options{}); err != nil {
				t.Errorf("acknowledgement does not parse: %v", err)
			}
		})
	}
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata/golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff):\n%s", name, firstDiff(string(got), string(want)))
	}
}

// firstDiff shows the first differing line.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}
