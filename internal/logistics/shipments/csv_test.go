package shipments

import (
	"bytes"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

func TestTemplateParses(t *testing.T) {
	var got []EventInput
	if err := ParseCSV(bytes.NewReader(Template()), func(row int, in EventInput, err error) error {
		if err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		got = append(got, in)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Status != carrier.Departed || got[1].Code != "A9" || got[1].CodeList != "x12" {
		t.Fatalf("template rows: %+v", got)
	}
	r := NewRegistry(&SandboxCarrier{})
	for i, in := range got {
		var fs problem.Errors
		r.normalize(&fs, "", in)
		if len(fs) > 0 {
			t.Errorf("template row %d invalid: %+v", i+2, fs)
		}
	}
}

func TestParseCSVChineseHeaderAndErrors(t *testing.T) {
	file := "\ufeff运单号,状态,时间,国家\n" +
		"LS1,delivered,2026-11-20T10:00:00+08:00,DE\n" +
		"\n" +
		"LS2,\"broken,2026-11-20T10:00:00Z,DE\n"
	var rows []int
	var errs int
	err := ParseCSV(strings.NewReader(file), func(row int, in EventInput, err error) error {
		rows = append(rows, row)
		if err != nil {
			errs++
		} else if in.TrackingNumber != "LS1" || in.Status != carrier.Delivered || in.Country != "DE" {
			t.Errorf("row %d: %+v", row, in)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0] != 2 || errs != 1 {
		t.Errorf("rows %v, %d errors", rows, errs)
	}
	if err := ParseCSV(strings.NewReader("status,at\ndelivered,x\n"), func(int, EventInput, error) error { return nil }); err == nil {
		t.Error("a file without tracking_number was read")
	}
	if err := ParseCSV(strings.NewReader(""), func(int, EventInput, error) error { return nil }); err == nil {
		t.Error("an empty file was read")
	}
}

// FuzzParseCSV feeds the parser arbitrary files: it must not panic, must
// number rows upward from 2, and every event it yields must either
// normalise or be refused with named fields.
func FuzzParseCSV(f *testing.F) {
	f.Add(Template())
	f.Add([]byte("tracking_number,status,at\nX,delivered,2026-01-01T00:00:00Z\n"))
	f.Add([]byte("运单号,状态代码,代码表,时间\nAB1,D1,x12,2026-01-01T00:00:00+08:00\n,,,\n\"a\"b,c\n"))
	f.Add([]byte("\xef\xbb\xbftracking_number\n\"unterminated\n"))
	r := NewRegistry(&SandboxCarrier{})
	f.Fuzz(func(t *testing.T, b []byte) {
		last := 1
		_ = ParseCSV(bytes.NewReader(b), func(row int, in EventInput, err error) error {
			if row <= last {
				t.Fatalf("row %d after %d", row, last)
			}
			last = row
			if err != nil {
				return nil
			}
			var fs problem.Errors
			n := r.normalize(&fs, "", in)
			if len(fs) == 0 && (n.number == "" || !ValidStatus(n.status) || n.at.IsZero()) {
				t.Fatalf("accepted an incomplete event: %+v from %+v", n, in)
			}
			for _, e := range fs {
				if e.Field == "" || e.Code == "" {
					t.Fatalf("unnamed error %+v", e)
				}
			}
			return nil
		})
	})
}
