package edi

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func x12Profile() *Profile {
	return &Profile{
		Name: "Acme Retail", Standard: X12,
		LocalID:   Identity{Qualifier: "ZZ", ID: "SILKGATE", GroupID: "SILKGATE-APP"},
		PartnerID: Identity{Qualifier: "01", ID: "123456789"},
	}
}

func edifactProfile() *Profile {
	return &Profile{
		Name: "Handel GmbH", Standard: EDIFACT,
		LocalID:       Identity{Qualifier: "14", ID: "4012345000009"},
		PartnerID:     Identity{Qualifier: "14", ID: "5412345000013"},
		EDIFACTSyntax: "UNOC:3", EDIFACTVersion: "D:96A:UN", EDIFACTAssociation: "EAN005",
	}
}

var outControl = Control{Interchange: 42, Group: 7, Time: time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)}

func sampleAck() *OrderAck {
	return &OrderAck{
		ExternalID: "PO-1", OrderDate: "2026-01-01T00:00:00Z", Status: "changed", AckedAt: "2026-01-02T00:00:00Z",
		SellerOrderID: "SO-9", Currency: "USD",
		Buyer: &Party{Role: "BY", Name: "Acme Retail", IDQualifier: "92", ID: "A1"},
		Seller: &Party{Role: "SE", Name: "Silk Toys Co", Line1: "1 Bund Rd", City: "Shanghai", Postcode: "200000", Country: "CN",
			Contact: "Li Wei", Email: "li@example.cn", Phone: "+86 21 1234 5678"},
		ShipTo: &Party{Role: "ST", Name: "Jane Doe", Line1: "126 Any St", Line2: "Apt 4", City: "Hauppauge", Region: "NY", Postcode: "11788", Country: "US"},
		Lines: []Line{
			{LineNumber: "1", SKU: "TOY-001", Description: "Building blocks", Quantity: "2", Unit: "EA",
				UnitPrice: &Money{Amount: "19.99", Currency: "USD"}, ProductIDs: []ProductID{{"VP", "TOY-001"}, {"UP", "012345678905"}},
				Status: "accepted", ConfirmedQuantity: "2"},
			{LineNumber: "2", SKU: "TOY-002", Quantity: "3", Unit: "EA", UnitPrice: &Money{Amount: "5.5", Currency: "USD"},
				ProductIDs: []ProductID{{"VP", "TOY-002"}}, Status: "backordered", ConfirmedQuantity: "1"},
		},
	}
}

func sampleShipNotice() *ShipNotice {
	return &ShipNotice{
		ExternalID: "ASN-77", IssuedAt: "2026-03-01T09:30:00Z", ShippedAt: "2026-03-01T08:00:00Z", DeliveryExpectedAt: "2026-03-05T00:00:00Z",
		Carrier: &Carrier{Code: "DHLX", Mode: "M", Routing: "DHL Express"}, TrackingNumbers: []string{"JD014600003"},
		BillOfLading: "BOL-1", OrderRefs: []string{"PO-1", "PO-2"},
		ShipFrom:    &Party{Role: "SF", Name: "Silk Toys Co", City: "Shanghai", Country: "CN"},
		ShipTo:      &Party{Role: "ST", Name: "Jane Doe", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"},
		GrossWeight: "12.5", WeightUnit: "KG", PackageCount: "2",
		Packages: []Package{{ID: "P1", Type: "CTN", SSCC: "003456789012345678"}, {ID: "P2", Tracking: "JD014600004"}},
		Lines: []Line{
			{LineNumber: "1", SKU: "TOY-001", Description: "Building blocks: 50% off + O'Brien's pick", Quantity: "2", Unit: "EA", OrderRef: "PO-1", PackageID: "P1", ProductIDs: []ProductID{{"VP", "TOY-001"}}},
			{LineNumber: "2", SKU: "TOY-002", Quantity: "1.5", Unit: "KG", OrderRef: "PO-1", PackageID: "P2", ProductIDs: []ProductID{{"VP", "TOY-002"}, {"EN", "4000862141404"}}},
			{LineNumber: "3", SKU: "TOY-003", Quantity: "4", Unit: "EA", OrderRef: "PO-2", ProductIDs: []ProductID{{"VP", "TOY-003"}}},
		},
	}
}

func encode(t *testing.T, p *Profile, docs ...Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, p, outControl, docs...); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b.Bytes()
}

// roundTrip parses what Encode wrote, checks the envelope and returns the
// single accepted document.
func roundTrip(t *testing.T, out []byte) Document {
	t.Helper()
	res, err := Parse(bytes.NewReader(out), Options{})
	if err != nil {
		t.Fatalf("Parse of our own output: %v\n%s", err, out)
	}
	ic := res.Interchanges[0]
	if len(ic.Warnings) > 0 {
		t.Errorf("warnings: %v", ic.Warnings)
	}
	for _, g := range ic.Groups {
		for _, tx := range g.Transactions {
			if len(tx.Errors) > 0 {
				t.Fatalf("set %s rejected: %v\n%s", tx.ControlNumber, tx.Errors, out)
			}
		}
	}
	docs := res.Documents()
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	return docs[0]
}

func TestEncode855RoundTrip(t *testing.T) {
	t.Parallel()
	want := sampleAck()
	out := encode(t, x12Profile(), want)
	got := roundTrip(t, out).(*OrderAck)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("855 round trip differs:\n got %s\nwant %s\n%s", g, w, out)
	}
	for _, s := range []string{"BAK*00*AC*PO-1*20260101****SO-9*20260102~", "ACK*IB*1*EA~", "CTT*2*5~", "GS*PR*SILKGATE-APP*123456789*"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("855 lacks %q:\n%s", s, out)
		}
	}
}

func TestEncode856RoundTrip(t *testing.T) {
	t.Parallel()
	p := x12Profile()
	p.X12Version, p.X12GroupVersion, p.LineBreak = "00501", "005010", true
	sn := sampleShipNotice()
	sn.Lines[0].Description = "Building blocks, 50% off"
	out := encode(t, p, sn)
	if len(strings.SplitN(string(out), "\n", 2)[0]) != 106 {
		t.Errorf("ISA is not 106 characters: %q", strings.SplitN(string(out), "\n", 2)[0])
	}
	for _, s := range []string{"*^*00501*000000042*0*P*>~\n", "ST*856*0001*005010~\n", "CTT*8*7.5~\n", "IEA*1*000000042~\n"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("856 lacks %q:\n%s", s, out)
		}
	}
	got := roundTrip(t, out).(*ShipNotice)
	checkShipNotice(t, got, sn)
	// Writing what was read gives the same bytes: nothing is lost or
	// reordered on the way.
	if again := encode(t, p, got); !bytes.Equal(again, out) {
		t.Errorf("856 not stable:\nfirst  %s\nsecond %s", out, again)
	}
}

func TestEncodeDESADVRoundTrip(t *testing.T) {
	t.Parallel()
	p := edifactProfile()
	sn := sampleShipNotice()
	sn.Carrier.Routing = ""
	sn.Carrier.Name = "DHL Express"
	out := encode(t, p, sn)
	for _, s := range []string{"UNB+UNOC:3+4012345000009:14+5412345000013:14+260304:0506+42'", "UNH+1+DESADV:D:96A:UN:EAN005'",
		"IMD+F++:::Building blocks?: 50% off ?+ O?'Brien?'s pick'", "GIN+BJ+003456789012345678'", "UNZ+1+42'"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("DESADV lacks %q:\n%s", s, out)
		}
	}
	got := roundTrip(t, out).(*ShipNotice)
	checkShipNotice(t, got, sn)
	if again := encode(t, p, got); !bytes.Equal(again, out) {
		t.Errorf("DESADV not stable:\nfirst  %s\nsecond %s", out, again)
	}
}

// checkShipNotice compares what survives any ship notice round trip:
// package ids are renumbered (they are HL or CPS numbers on the wire), the
// rest must be equal.
func checkShipNotice(t *testing.T, got, want *ShipNotice) {
	t.Helper()
	same := func(what string, g, w any) {
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %v, want %v", what, g, w)
		}
	}
	same("external_id", got.ExternalID, want.ExternalID)
	same("issued_at", got.IssuedAt, want.IssuedAt)
	same("shipped_at", got.ShippedAt, want.ShippedAt)
	same("delivery_expected_at", got.DeliveryExpectedAt, want.DeliveryExpectedAt)
	same("carrier", got.Carrier, want.Carrier)
	same("tracking", got.TrackingNumbers, want.TrackingNumbers)
	same("bill_of_lading", got.BillOfLading, want.BillOfLading)
	same("order_refs", got.OrderRefs, want.OrderRefs)
	same("ship_from", got.ShipFrom.Name+got.ShipFrom.Country, want.ShipFrom.Name+want.ShipFrom.Country)
	same("ship_to", *got.ShipTo, Party{Role: got.ShipTo.Role, Name: "Jane Doe", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"})
	same("weight", got.GrossWeight+" "+got.WeightUnit, want.GrossWeight+" "+want.WeightUnit)
	pkgOf := func(sn *ShipNotice, l Line) Package {
		for _, p := range sn.Packages {
			if p.ID == l.PackageID {
				return Package{Type: p.Type, SSCC: p.SSCC, Tracking: p.Tracking}
			}
		}
		return Package{}
	}
	if len(got.Lines) != len(want.Lines) {
		t.Fatalf("%d lines, want %d", len(got.Lines), len(want.Lines))
	}
	// Lines come back grouped by order and package, so match them by
	// line number.
	byNumber := map[string]Line{}
	for _, l := range got.Lines {
		byNumber[l.LineNumber] = l
	}
	for _, w := range want.Lines {
		g := byNumber[w.LineNumber]
		same("line "+w.LineNumber+" package", pkgOf(got, g), pkgOf(want, w))
		g.PackageID, w.PackageID = "", ""
		same("line "+w.LineNumber, g, w)
	}
	same("packages", len(got.Packages), len(want.Packages))
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	star := sampleShipNotice()
	star.Lines[0].Description = "5*star"
	var e *Error
	if err := Encode(&bytes.Buffer{}, x12Profile(), outControl, star); !errors.As(err, &e) || e.Code != CodeInvalidElement || e.Tag != "PID" {
		t.Errorf("delimiter in an X12 value: %v", err)
	}
	noDate := sampleAck()
	noDate.OrderDate = ""
	tests := []struct {
		name string
		p    *Profile
		ctl  Control
		docs []Document
	}{
		{"no documents", x12Profile(), outControl, nil},
		{"invalid profile", &Profile{Standard: X12}, outControl, []Document{sampleAck()}},
		{"control number out of range", x12Profile(), Control{Interchange: 1e9, Group: 1}, []Document{sampleAck()}},
		{"invoice is not an outbound type", x12Profile(), outControl, []Document{&Invoice{ExternalID: "I"}}},
		{"order ack over EDIFACT", edifactProfile(), outControl, []Document{sampleAck()}},
		{"855 without order date", x12Profile(), outControl, []Document{noDate}},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := Encode(&b, tt.p, tt.ctl, tt.docs...); err == nil || b.Len() != 0 {
			t.Errorf("%s: err %v, wrote %d bytes", tt.name, err, b.Len())
		}
	}
}

func TestEncodeSeveralDocuments(t *testing.T) {
	t.Parallel()
	out := encode(t, x12Profile(), sampleAck(), sampleShipNotice(), sampleAck())
	res, err := Parse(bytes.NewReader(out), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ic := res.Interchanges[0]
	var got []string
	for _, g := range ic.Groups {
		for _, tx := range g.Transactions {
			got = append(got, g.FunctionalID+"/"+g.ControlNumber+"/"+tx.Type+"/"+tx.ControlNumber)
		}
	}
	want := []string{"PR/7/855/0001", "PR/7/855/0002", "SH/8/856/0003"}
	if strings.Join(got, " ") != strings.Join(want, " ") || len(res.Documents()) != 3 {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestProfileValidate(t *testing.T) {
	t.Parallel()
	ok := x12Profile()
	if err := ok.Validate(); err != nil {
		t.Errorf("valid profile: %v", err)
	}
	if err := edifactProfile().Validate(); err != nil {
		t.Errorf("valid EDIFACT profile: %v", err)
	}
	bad := []func(p *Profile){
		func(p *Profile) { p.Standard = "xml" },
		func(p *Profile) { p.PartnerID.ID = "" },
		func(p *Profile) { p.LocalID.ID = "A-VERY-LONG-INTERCHANGE-ID" },
		func(p *Profile) { p.Ack = AckCONTRL },
		func(p *Profile) { p.Ack = "TA1" },
		func(p *Profile) { p.ElementSeparator = "**" },
		func(p *Profile) { p.ElementSeparator = "~" },
		func(p *Profile) { p.SegmentTerminator = "A" },
		func(p *Profile) { p.TimeZone = "Mars/Olympus" },
	}
	for i, mutate := range bad {
		p := x12Profile()
		mutate(p)
		if p.Validate() == nil {
			t.Errorf("case %d: invalid profile accepted: %+v", i, p)
		}
	}
	// Profiles persist as JSON.
	p := edifactProfile()
	p.Ack, p.LineBreak, p.TimeZone = AckCONTRL, true, "Europe/Berlin"
	b, _ := json.Marshal(p)
	var back Profile
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, p) {
		t.Errorf("JSON round trip: %v %s", err, b)
	}
	if !p.Matches(InterchangeID{Sender: "5412345000013", SenderQualifier: "14", Receiver: "4012345000009", ReceiverQualifier: "14"}) ||
		p.Matches(InterchangeID{Sender: "5412345000013", SenderQualifier: "ZZ", Receiver: "4012345000009", ReceiverQualifier: "14"}) {
		t.Error("Matches")
	}
}
