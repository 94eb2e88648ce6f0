package edi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Fuzz targets. Each must never panic or hang, and must keep its
// invariants on any input. Seeds are the public samples plus the inputs in
// testdata/fuzz/<target>/, which also keeps every failure ever found.

func addSamples(f *testing.F, prefix string) {
	paths, _ := filepath.Glob("testdata/samples/" + prefix + "*.edi")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzTokenizeX12(f *testing.F) {
	addSamples(f, "x12_")
	f.Add([]byte(x12Interchange(po850("0001", "PO-1"))))
	f.Add([]byte(isa00501 + "REF*ZZ*A^B*C>D~~IEA*0*000000101"))
	f.Add([]byte(isa00401[:80]))
	f.Fuzz(func(t *testing.T, data []byte) { checkTokens(t, data) })
}

func FuzzTokenizeEDIFACT(f *testing.F) {
	addSamples(f, "edifact_")
	f.Add([]byte("UNA>|,\\!;\r\nUNB|UNOC>4|S|R|20260101>1200|1;\r\nFTX|AAI|||a\\|b\\>c\\;d!e;\r\nUNZ|0|1"))
	f.Add([]byte("UNH+1+ORDERS:D:96A:UN'COM+?+49 30 1234?:5:TE'FTX+AAI+++it??s?'s'UNT+3+1'"))
	f.Add([]byte("UNB+UNOC:3+S+R+260101:1200+1'FTX+AAI+++5*star'UNZ+0+1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkTokens(t, data)
		checkEscaping(t, data)
	})
}

func FuzzParse(f *testing.F) {
	addSamples(f, "")
	f.Add([]byte(x12Interchange(po850("0001", "PO-1"), strings.Replace(po850("0002", "PO-2"), "SE*9*", "SE*8*", 1))))
	f.Add([]byte(edifactInterchange(orders("1"), orders("2"))))
	f.Add([]byte(orders("1")))
	for _, g := range []string{"out_180.edi", "out_retann.edi"} {
		if data, err := os.ReadFile(filepath.Join("testdata/golden", g)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(bytes.NewReader(data), Options{MaxSegmentSize: 4096})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not an *Error: %v", err)
			}
			if e.Segment < 1 || e.Offset < 0 || e.Offset > int64(len(data)) || e.Code == "" {
				t.Fatalf("error without a position: %+v", e)
			}
			return
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("result does not marshal: %v", err)
		}
		for _, ic := range res.Interchanges {
			for _, g := range ic.Groups {
				for _, tx := range g.Transactions {
					if tx.Accepted() != (tx.Document != nil) && tx.Type != "" && len(tx.Errors) == 0 && len(g.Errors) == 0 {
						t.Fatalf("accepted set %s without a document", tx.ControlNumber)
					}
				}
			}
			// The acknowledgement of anything Parse accepted must itself
			// parse. (Writing it may fail, e.g. an ISA id longer than 15.)
			var ack bytes.Buffer
			if err := WriteAck(&ack, ic, "", ackControl); err == nil && ack.Len() > 0 {
				if _, err := Parse(bytes.NewReader(ack.Bytes()), Options{}); err != nil {
					t.Fatalf("acknowledgement does not parse: %v\n%q", err, ack.Bytes())
				}
			}
		}
		// Ship notices read from anything re-encode as DESADV (EDIFACT
		// escapes every delimiter) and read back the same.
		for _, d := range res.Documents() {
			// Tracking events only ever carry a known stage.
			if ts, ok := d.(*TrackingStatus); ok {
				for _, e := range ts.Events {
					if e.Stage != "" && !slices.Contains(Stages, e.Stage) {
						t.Fatalf("event stage %q", e.Stage)
					}
				}
			}
			// Return notices re-encode as RETANN the same way, when they
			// have what a notice needs (an RMA number, a known status,
			// a SKU per line).
			if rn, ok := d.(*ReturnNotice); ok {
				var out bytes.Buffer
				if err := Encode(&out, edifactProfile(), outControl, rn); err != nil {
					continue
				}
				back, err := Parse(bytes.NewReader(out.Bytes()), Options{})
				if err != nil || len(back.Documents()) != 1 {
					t.Fatalf("RETANN of a parsed return notice does not read back: %v\n%q", err, out.Bytes())
				}
				if got := back.Documents()[0].(*ReturnNotice); got.ExternalID != rn.ExternalID || got.Status != rn.Status ||
					len(got.Lines) != len(rn.Lines) {
					t.Fatalf("RETANN changed the notice: %q %s/%d lines, want %q %s/%d", got.ExternalID, got.Status,
						len(got.Lines), rn.ExternalID, rn.Status, len(rn.Lines))
				}
				continue
			}
			sn, ok := d.(*ShipNotice)
			if !ok {
				continue
			}
			var out bytes.Buffer
			if err := Encode(&out, edifactProfile(), outControl, sn); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			back, err := Parse(bytes.NewReader(out.Bytes()), Options{})
			if err != nil || len(back.Documents()) != 1 {
				t.Fatalf("DESADV of a parsed ship notice does not read back: %v\n%q", err, out.Bytes())
			}
			if got := back.Documents()[0].(*ShipNotice); got.ExternalID != sn.ExternalID || len(got.Lines) != len(sn.Lines) {
				t.Fatalf("DESADV changed the notice: %q/%d lines, want %q/%d", got.ExternalID, len(got.Lines), sn.ExternalID, len(sn.Lines))
			}
		}
	})
}

// checkTokens runs the tokenizer to the end: no panic, progress on every
// call, positions increasing, valid tags, only *Error failures.
func checkTokens(t *testing.T, data []byte) {
	rd := NewReader(bytes.NewReader(data))
	rd.SetMaxSegmentSize(4096)
	last := int64(-1)
	for n := 0; ; n++ {
		if n > len(data) {
			t.Fatalf("more segments (%d) than bytes", n)
		}
		s, err := rd.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeSyntax {
				t.Fatalf("unexpected error %v", err)
			}
			if e.Offset < 0 || e.Offset > int64(len(data)) {
				t.Fatalf("error offset %d outside the input", e.Offset)
			}
			return
		}
		if !validTag(s.Tag) || s.Pos.Segment != n+1 || s.Pos.Offset <= last || s.Pos.Offset >= int64(len(data)) {
			t.Fatalf("segment %d %q at %+v after offset %d", n+1, s.Tag, s.Pos, last)
		}
		last = s.Pos.Offset
		for i := -1; i <= s.Len()+1; i++ {
			_ = s.Element(i) + s.Component(i, 0) + s.Component(i, 3) + s.Value(i, 2, 1)
			_ = s.Repetitions(i)
		}
	}
}

// checkEscaping: for EDIFACT with a release character, writing the
// segments of the first interchange back (Segment.Format escapes) and
// reading them again gives the same values.
func checkEscaping(t *testing.T, data []byte) {
	rd := NewReader(bytes.NewReader(data))
	rd.SetMaxSegmentSize(4096)
	var segs []*Segment
	var d Delimiters
	for len(segs) < 500 {
		s, err := rd.Next()
		if err != nil {
			break
		}
		if len(segs) > 0 && rd.Delimiters() != d {
			return // delimiters changed (UNB syntax version): not comparable
		}
		d = rd.Delimiters()
		segs = append(segs, s.Clone())
		if s.Tag == "UNZ" || s.Tag == "IEA" {
			break
		}
	}
	if rd.Standard() != EDIFACT || d.Release == 0 || len(segs) == 0 {
		return
	}
	var b bytes.Buffer
	w := segWriter{d: d}
	w.una()
	b.Write(w.buf.Bytes())
	var want []string
	for _, s := range segs {
		f := s.Format(d)
		want = append(want, f)
		b.WriteString(f)
		b.WriteByte(d.Segment)
	}
	back := NewReader(&b)
	for i, w := range want {
		s, err := back.Next()
		if err != nil {
			t.Fatalf("segment %d %q does not read back: %v", i+1, w, err)
		}
		if got := s.Format(d); got != w {
			t.Fatalf("segment %d reads back as %q, want %q", i+1, got, w)
		}
	}
}
