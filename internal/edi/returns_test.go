package edi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func sampleReturn(currency string) *ReturnNotice {
	return &ReturnNotice{
		ExternalID: "ret_01JRMA", Status: "received", Reason: "damaged",
		IssuedAt: "2026-03-04T05:06:00Z", OrderRef: "PO-1", OrderDate: "2026-01-01T00:00:00Z",
		RequestedAt: "2026-03-01T09:30:00Z", ShippedAt: "2026-03-02T10:00:00Z", ReceivedAt: "2026-03-04T05:00:00Z",
		TrackingNumber: "JD014600001", Currency: currency,
		Buyer:    &Party{Role: "BY", Name: "Acme Retail", IDQualifier: "92", ID: "A1"},
		Seller:   &Party{Role: "SE", Name: "Silk Toys Co", City: "Shanghai", Country: "CN"},
		ShipFrom: &Party{Role: "SF", Name: "Jane Doe", Line1: "126 Any St", City: "Hauppauge", Region: "NY", Postcode: "11788", Country: "US"},
		ShipTo:   &Party{Role: "ST", Name: "Hamburg hub", Line1: "Hafenstr. 1", City: "Hamburg", Postcode: "20457", Country: "DE"},
		Notes:    []string{"corner crushed"},
		Lines: []Line{
			{LineNumber: "1", SKU: "TOY-001", Description: "Building blocks", Quantity: "2", Unit: "EA",
				UnitPrice: &Money{Amount: "19.99", Currency: currency}, ProductIDs: []ProductID{{"VP", "TOY-001"}}},
			{LineNumber: "2", SKU: "TOY-002", Quantity: "1", Unit: "EA", ProductIDs: []ProductID{{"VP", "TOY-002"}}},
		},
	}
}

// TestEncodeReturnRoundTrip: a 180 (004010 and 005010) and a RETANN (D:96A
// and D:01B) read back to the notice written, pass the envelope checks and
// carry the codes of the mapping table.
func TestEncodeReturnRoundTrip(t *testing.T) {
	t.Parallel()
	x5010 := x12Profile()
	x5010.X12Version, x5010.X12GroupVersion = "00501", "005010"
	d01b := edifactProfile()
	d01b.EDIFACTVersion, d01b.EDIFACTAssociation, d01b.EDIFACTSyntax = "D:01B:UN", "", "UNOC:4"
	eur := sampleReturn("EUR")
	eur.Lines[1].ProductIDs = append(eur.Lines[1].ProductIDs, ProductID{"SRV", "4000862141404"})
	tests := []struct {
		name string
		p    *Profile
		rn   *ReturnNotice
		want []string
	}{
		{"180 004010", x12Profile(), sampleReturn("USD"), []string{"GS*AN*SILKGATE-APP*123456789*", "ST*180*0001~",
			"BGN*SU*ret_01JRMA*20260304*0506~", "RDR*RA*DA**received~", "PRF*PO-1***20260101~", "DTM*050*20260304*0500~",
			"BLI*VP*TOY-001*2*EA*19.99~", "RDR*RA*DA**damaged~", "N1*SF*Jane Doe~"}},
		{"180 005010", x5010, sampleReturn("USD"), []string{"ST*180*0001*005010~", "GS*AN*", "GE*1*7~"}},
		{"RETANN D:96A", edifactProfile(), eur, []string{"UNH+1+RETANN:D:96A:UN:EAN005'", "BGM+70E::9+ret_01JRMA+4'",
			"FTX+ZZZ+++received'", "FTX+ACD+++damaged'", "RFF+ON:PO-1'", "DTM+171:20260101:102'", "QTY+61:2:EA'",
			"PIA+1+4000862141404:SRV'", "NAD+SF+++Jane Doe+126 Any St+Hauppauge+NY+11788+US'", "UNZ+1+42'"}},
		{"RETANN D:01B", d01b, sampleReturn("EUR"), []string{"UNB+UNOC:4+", "UNH+1+RETANN:D:01B:UN'", "CUX+2:EUR:9'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := encode(t, tt.p, tt.rn)
			for _, s := range tt.want {
				if !bytes.Contains(out, []byte(s)) {
					t.Errorf("lacks %q:\n%s", s, out)
				}
			}
			got := roundTrip(t, out).(*ReturnNotice)
			if !reflect.DeepEqual(got, tt.rn) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(tt.rn, "", " ")
				t.Errorf("round trip differs:\n got %s\nwant %s\n%s", g, w, out)
			}
			if again := encode(t, tt.p, got); !bytes.Equal(again, out) {
				t.Errorf("not stable:\nfirst  %s\nsecond %s", out, again)
			}
		})
	}
}

// TestReturnStatusCodes: every status writes and reads back, in both
// standards, with the codes of the table in returns.go; a notice without
// the platform's words still reads the statuses its codes name.
func TestReturnStatusCodes(t *testing.T) {
	t.Parallel()
	want := map[string][3]string{
		"requested": {"13", "RP", "9"}, "approved": {"54", "RA", "29"}, "rejected": {"44", "RD", "27"},
		"label_issued": {"SU", "RA", "4"}, "in_transit": {"SU", "RA", "4"}, "received": {"SU", "RA", "4"},
		"inspected": {"SU", "RA", "4"}, "refunded": {"SU", "RA", "4"}, "exchanged": {"SU", "RA", "4"},
		"closed": {"CN", "RA", "4"}, "cancelled": {"01", "", "1"},
	}
	if len(want) != len(ReturnStatuses) {
		t.Fatalf("%d statuses tested, %d known", len(want), len(ReturnStatuses))
	}
	for _, st := range ReturnStatuses {
		w := want[st]
		bgn, rdr, bgm, ok := ReturnStatusCodes(st)
		if !ok || bgn != w[0] || rdr != w[1] || bgm != w[2] {
			t.Errorf("%s: codes %s %s %s", st, bgn, rdr, bgm)
		}
		for _, p := range []*Profile{x12Profile(), edifactProfile()} {
			rn := sampleReturn("USD")
			rn.Status = st
			out := encode(t, p, rn)
			if got := roundTrip(t, out).(*ReturnNotice); got.Status != st {
				t.Errorf("%s %s: read back %q", p.Standard, st, got.Status)
			}
			// Without the status text only the codes speak.
			stripped := strings.Replace(string(out), "**"+st+"~", "~", 1)
			stripped = strings.Replace(stripped, "FTX+ZZZ+++"+st+"'", "FTX+ZZZ'", 1)
			res, err := Parse(strings.NewReader(stripped), Options{})
			if err != nil {
				t.Fatalf("%s %s: %v", p.Standard, st, err)
			}
			byCode := res.Documents()[0].(*ReturnNotice).Status
			if byCode != "" && byCode != st {
				t.Errorf("%s %s: codes read as %q", p.Standard, st, byCode)
			}
		}
	}
	if _, _, _, ok := ReturnStatusCodes("lost"); ok {
		t.Error("unknown status has codes")
	}
	if ReturnReasonCode("damaged") != "DA" || ReturnReasonCode("other") != "" {
		t.Error("reason codes")
	}
}

// TestReturnLongNote: a note longer than one EDIFACT text component is
// split between characters and reads back whole.
func TestReturnLongNote(t *testing.T) {
	t.Parallel()
	rn := sampleReturn("EUR")
	rn.Notes = []string{strings.Repeat("箱子压坏了", 20)}
	got := roundTrip(t, encode(t, edifactProfile(), rn)).(*ReturnNotice)
	if len(got.Notes) != 1 || got.Notes[0] != rn.Notes[0] {
		t.Errorf("note %q", got.Notes)
	}
	for _, c := range splitText(rn.Notes[0], 70) {
		if len(c) > 70 || !utf8.ValidString(c) {
			t.Errorf("component %q", c)
		}
	}
}

func TestEncodeReturnErrors(t *testing.T) {
	t.Parallel()
	for _, mutate := range []func(*ReturnNotice){
		func(rn *ReturnNotice) { rn.ExternalID = "" },
		func(rn *ReturnNotice) { rn.Status = "lost" },
		func(rn *ReturnNotice) { rn.Lines[0].SKU, rn.Lines[0].ProductIDs = "", nil },
	} {
		for _, p := range []*Profile{x12Profile(), edifactProfile()} {
			rn := sampleReturn("USD")
			mutate(rn)
			var b bytes.Buffer
			if err := Encode(&b, p, outControl, rn); err == nil || b.Len() != 0 {
				t.Errorf("%s %+v: err %v, wrote %d bytes", p.Standard, rn, err, b.Len())
			}
		}
	}
}

// TestReturnGolden pins the bytes of a 180 and a RETANN
// (testdata/golden/out_*.edi).
func TestReturnGolden(t *testing.T) {
	t.Parallel()
	x := x12Profile()
	x.LineBreak = true
	e := edifactProfile()
	e.LineBreak = true
	compareGolden(t, "out_180.edi", encode(t, x, sampleReturn("USD")))
	compareGolden(t, "out_retann.edi", encode(t, e, sampleReturn("EUR")))
}
