package edi

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Builders for small interchanges. Counts in trailers are computed, so a
// test breaks exactly the one thing it means to break.

func x12Set(typ, ctl string, body ...string) string {
	return "ST*" + typ + "*" + ctl + "~" + strings.Join(body, "~") + "~" + fmt.Sprintf("SE*%d*%s~", len(body)+2, ctl)
}

func po850(ctl, po string) string {
	return x12Set("850", ctl,
		"BEG*00*SA*"+po+"**20260101", "N1*ST*Jane Doe", "N3*Invalidenstr. 1", "N4*Berlin**10115*DE",
		"PO1*1*2*EA*19.99**VP*TOY-001*UP*012345678905", "PID*F****Building blocks", "CTT*1*2")
}

func x12Interchange(sets ...string) string {
	return isa00501 + "GS*PO*SENDER*RECEIVER*20260101*1200*1*X*005010~" + strings.Join(sets, "") +
		fmt.Sprintf("GE*%d*1~", len(sets)) + "IEA*1*000000101~"
}

func edifactMessage(typ, ref string, body ...string) string {
	return "UNH+" + ref + "+" + typ + ":D:96A:UN'" + strings.Join(body, "'") + "'" + fmt.Sprintf("UNT+%d+%s'", len(body)+2, ref)
}

func orders(ref string, lines ...string) string {
	body := []string{"BGM+220+PO-" + ref + "+9", "DTM+137:20260101:102", "NAD+BY+5412345000013::9++Buyer GmbH+Invalidenstr. 1+Berlin++10115+DE", "CUX+2:EUR:9"}
	if lines == nil {
		lines = []string{"LIN+1++4000862141404:SRV", "PIA+1+TOY-001:SA", "IMD+F++:::Building blocks", "QTY+21:2:PCE", "PRI+AAA:19.99"}
	}
	body = append(body, lines...)
	body = append(body, "UNS+S", "MOA+86:39.98")
	return edifactMessage("ORDERS", ref, body...)
}

func edifactInterchange(msgs ...string) string {
	return "UNB+UNOC:3+BUYER:14+SELLER:14+260101:1200+REF1'" + strings.Join(msgs, "") + fmt.Sprintf("UNZ+%d+REF1'", len(msgs))
}

func TestParseFatal(t *testing.T) {
	t.Parallel()
	good := x12Interchange(po850("0001", "PO-1"))
	tests := []struct {
		name    string
		in      string
		opts    Options
		code    Code
		segment int
		tag     string
		element int
	}{
		{"not edi", "hello, world", Options{}, CodeSyntax, 1, "", 0},
		{"empty", "", Options{}, CodeSyntax, 1, "", 0},
		{"truncated ISA", isa00501[:60], Options{}, CodeSyntax, 1, "ISA", 0},
		{"wrong IEA count", strings.Replace(good, "IEA*1*", "IEA*2*", 1), Options{}, CodeSegmentCount, 13, "IEA", 1},
		{"unreadable IEA count", strings.Replace(good, "IEA*1*", "IEA*one*", 1), Options{}, CodeSegmentCount, 13, "IEA", 1},
		{"missing IEA", strings.TrimSuffix(good, "IEA*1*000000101~"), Options{}, CodeMissingSegment, 13, "IEA", 0},
		{"IEA control number, strict", strings.Replace(good, "IEA*1*000000101", "IEA*1*000000999", 1), Options{StrictEnvelope: true}, CodeEnvelopeMismatch, 13, "IEA", 2},
		{"ISA before IEA", strings.TrimSuffix(good, "IEA*1*000000101~") + good, Options{}, CodeMissingSegment, 13, "IEA", 0},
		{"IEA without ISA", good + "IEA*1*000000101~", Options{}, CodeUnexpectedSegment, 14, "IEA", 0},
		{"ST outside a group", isa00501 + po850("0001", "PO-1") + "IEA*0*000000101~", Options{}, CodeUnexpectedSegment, 2, "ST", 0},
		{"data outside a set", isa00501 + "GS*PO*S*R*20260101*1200*1*X*005010~BEG*00*SA*PO-1**20260101~GE*0*1~IEA*1*000000101~", Options{}, CodeUnexpectedSegment, 3, "BEG", 0},
		{"GE without GS", isa00501 + "GE*0*1~IEA*0*000000101~", Options{}, CodeUnexpectedSegment, 2, "GE", 0},
		{"SE without ST", isa00501 + "GS*PO*S*R*20260101*1200*1*X*005010~SE*2*0001~GE*0*1~IEA*1*000000101~", Options{}, CodeUnexpectedSegment, 3, "SE", 0},
		{"garbage after IEA", good + "#garbage#", Options{}, CodeSyntax, 14, "", 0},
		{"segment after IEA", good + "PO1*1*2~", Options{}, CodeUnexpectedSegment, 14, "PO1", 0},
		{"bad tag inside a set", strings.Replace(good, "PID*", "p!d*", 1), Options{}, CodeSyntax, 9, "", 0},
		{"empty ISA13", strings.Replace(good, "*000000101*0*P*", "*         *0*P*", 1), Options{}, CodeInvalidElement, 1, "ISA", 13},
		{"segment over the size limit", good, Options{MaxSegmentSize: 40}, CodeSyntax, 2, "", 0},
		{"edifact wrong UNZ count", strings.Replace(edifactInterchange(orders("1")), "UNZ+1", "UNZ+3", 1), Options{}, CodeSegmentCount, 15, "UNZ", 1},
		{"edifact missing UNZ", strings.TrimSuffix(edifactInterchange(orders("1")), "UNZ+1+REF1'"), Options{}, CodeMissingSegment, 15, "UNZ", 0},
		{"edifact UNB before UNZ", "UNB+UNOC:3+A+B+260101:1200+1'UNB+UNOC:3+A+B+260101:1200+2'", Options{}, CodeMissingSegment, 2, "UNZ", 0},
		{"edifact UNZ control, strict", strings.Replace(edifactInterchange(orders("1")), "UNZ+1+REF1", "UNZ+1+REF2", 1), Options{StrictEnvelope: true}, CodeEnvelopeMismatch, 15, "UNZ", 2},
		{"edifact segment outside a message", "UNB+UNOC:3+A+B+260101:1200+1'BGM+220+X'UNZ+0+1'", Options{}, CodeUnexpectedSegment, 2, "BGM", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Parse(strings.NewReader(tt.in), tt.opts)
			if res != nil {
				t.Errorf("a result came with the error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Code != tt.code || e.Segment != tt.segment || e.Tag != tt.tag || e.Element != tt.element {
				t.Errorf("got %s at segment %d tag %q element %d (%s); want %s at %d %q %d",
					e.Code, e.Segment, e.Tag, e.Element, e.Message, tt.code, tt.segment, tt.tag, tt.element)
			}
			if CodeOf(err) != tt.code {
				t.Errorf("CodeOf = %q", CodeOf(err))
			}
		})
	}
}

// TestParseSets checks what happens to each transaction set when one is
// wrong, and what the acknowledgement says about it.
func TestParseSets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		kind AckKind
		want []Code // per set: "" accepted, else the first error code
		ack  []string
	}{
		{
			name: "all accepted",
			in:   x12Interchange(po850("0001", "PO-1"), po850("0002", "PO-2")),
			want: []Code{"", ""},
			ack:  []string{"AK1*PO*1*005010~", "AK2*850*0001~AK5*A~AK2*850*0002~AK5*A~AK9*A*2*2*2~"},
		},
		{
			name: "SE count wrong in the second of two sets",
			in:   x12Interchange(po850("0001", "PO-1"), strings.Replace(po850("0002", "PO-2"), "SE*9*", "SE*8*", 1)),
			want: []Code{"", CodeSegmentCount},
			ack:  []string{"AK2*850*0001~AK5*A~", "AK2*850*0002~AK5*R*4~", "AK9*P*2*2*1~"},
		},
		{
			name: "SE02 differs from ST02",
			in:   x12Interchange(strings.Replace(po850("0001", "PO-1"), "SE*9*0001", "SE*9*0009", 1)),
			want: []Code{CodeEnvelopeMismatch},
			ack:  []string{"AK5*R*3~", "AK9*R*1*1*0~"},
		},
		{
			name: "SE missing, next set fine",
			in:   x12Interchange(strings.Replace(po850("0001", "PO-1"), "SE*9*0001~", "", 1), po850("0002", "PO-2")),
			want: []Code{CodeMissingSegment, ""},
			ack:  []string{"AK2*850*0001~AK5*R*2~AK2*850*0002~AK5*A~", "AK9*P*2*2*1~"},
		},
		{
			name: "unsupported transaction set",
			in:   x12Interchange(x12Set("940", "0001", "W05*N*1*2"), po850("0002", "PO-2")),
			want: []Code{CodeUnsupportedTransaction, ""},
			ack:  []string{"AK2*940*0001~AK5*R*1~", "AK9*P*2*2*1~"},
		},
		{
			name: "malformed transaction set identifier",
			in:   x12Interchange(x12Set("85O", "0001", "BEG*00*SA*X**20260101")),
			want: []Code{CodeUnknownTransaction},
			ack:  []string{"AK2*85O*0001~AK5*R*6~"},
		},
		{
			name: "850 without BEG",
			in:   x12Interchange(x12Set("850", "0001", "N1*ST*Jane Doe", "PO1*1*2*EA*19.99**VP*TOY-001")),
			want: []Code{CodeMissingSegment},
			ack:  []string{"AK3*BEG*4**3~AK5*R*5~"},
		},
		{
			name: "quantity is not a number",
			in:   x12Interchange(strings.Replace(po850("0001", "PO-1"), "PO1*1*2*", "PO1*1*two*", 1)),
			want: []Code{CodeInvalidElement},
			ack:  []string{"AK3*PO1*6**8~AK4*2**6*two~AK5*R*5~"},
		},
		{
			name: "impossible date",
			in:   x12Interchange(strings.Replace(po850("0001", "PO-1"), "**20260101", "**20261399", 1)),
			want: []Code{CodeInvalidElement},
			ack:  []string{"AK3*BEG*2**8~AK4*5**8*20261399~"},
		},
		{
			name: "CTT line count wrong",
			in:   x12Interchange(strings.Replace(po850("0001", "PO-1"), "CTT*1*2", "CTT*3*2", 1)),
			want: []Code{CodeInvalidElement},
			ack:  []string{"AK3*CTT*8**8~AK4*1**6*3~"},
		},
		{
			name: "999 on request",
			in:   x12Interchange(strings.Replace(po850("0001", "PO-1"), "PO1*1*2*", "PO1*1*two*", 1), po850("0002", "PO-2")),
			kind: Ack999,
			want: []Code{CodeInvalidElement, ""},
			ack:  []string{"GS*FA*RECEIVER*SENDER*20260102*0304*9001*X*005010X231A1~", "ST*999*0001*005010X231A1~", "IK3*PO1*6**8~IK4*2**6*two~IK5*R*5~", "IK5*A~", "AK9*P*2*2*1~"},
		},
		{
			name: "GE count wrong rejects the group",
			in:   strings.Replace(x12Interchange(po850("0001", "PO-1")), "GE*1*1~", "GE*5*1~", 1),
			want: []Code{"group"},
			ack:  []string{"AK5*R~", "AK9*R*5*1*0*5~"},
		},
		{
			name: "GE02 differs from GS06",
			in:   strings.Replace(x12Interchange(po850("0001", "PO-1")), "GE*1*1~", "GE*1*2~", 1),
			want: []Code{"group"},
			ack:  []string{"AK9*R*1*1*0*4~"},
		},
		{
			name: "GE missing",
			in:   strings.Replace(x12Interchange(po850("0001", "PO-1")), "GE*1*1~", "", 1),
			want: []Code{"group"},
			ack:  []string{"AK9*R*1*1*0*3~"},
		},
		{
			name: "IEA control number differs: warning and TA1",
			in:   strings.Replace(x12Interchange(po850("0001", "PO-1")), "IEA*1*000000101", "IEA*1*000000999", 1),
			want: []Code{""},
			ack:  []string{"TA1*000000101*260101*1200*E*001~GS*FA"},
		},
		{
			name: "edifact: UNT count wrong in one of two messages",
			in:   edifactInterchange(orders("1"), strings.Replace(orders("2"), "UNT+13+2", "UNT+12+2", 1)),
			want: []Code{"", CodeSegmentCount},
			ack:  []string{"UCI+REF1+BUYER:14+SELLER:14+7'", "UCM+1+ORDERS:D:96A:UN+7'", "UCM+2+ORDERS:D:96A:UN+4+29+UNT+1'"},
		},
		{
			name: "edifact: UNT reference differs",
			in:   edifactInterchange(strings.Replace(orders("1"), "UNT+13+1", "UNT+13+9", 1)),
			want: []Code{CodeEnvelopeMismatch},
			ack:  []string{"UCM+1+ORDERS:D:96A:UN+4+28+UNT+2'"},
		},
		{
			name: "edifact: line without quantity",
			in:   edifactInterchange(orders("1", "LIN+1++4000862141404:SRV", "PRI+AAA:19.99")),
			want: []Code{CodeMissingSegment},
			ack:  []string{"UCM+1+ORDERS:D:96A:UN+4'UCS+6+13'"},
		},
		{
			name: "edifact: quantity not a number",
			in:   edifactInterchange(orders("1", "LIN+1++4000862141404:SRV", "QTY+21:two")),
			want: []Code{CodeInvalidElement},
			ack:  []string{"UCM+1+ORDERS:D:96A:UN+4'UCS+7'UCD+12+1:2'"},
		},
		{
			name: "edifact: unsupported message",
			in:   edifactInterchange(edifactMessage("PRICAT", "1", "BGM+9+P1+9"), orders("2")),
			want: []Code{CodeUnsupportedTransaction, ""},
			ack:  []string{"UCM+1+PRICAT:D:96A:UN+4+14+UNH+2'", "UCM+2+ORDERS:D:96A:UN+7'"},
		},
		{
			name: "edifact: UNG group count wrong",
			in: "UNB+UNOC:3+BUYER:14+SELLER:14+260101:1200+REF1'UNG+ORDERS+BUYER+SELLER+260101:1200+G1+UN+D:96A'" +
				orders("1") + "UNE+2+G1'UNZ+1+REF1'",
			want: []Code{"group"},
			ack:  []string{"UCF+G1+BUYER+SELLER+4+29+UNE+1'UCM+1+ORDERS:D:96A:UN+4'"},
		},
		{
			name: "edifact: UNZ reference differs: warning in UCI",
			in:   strings.Replace(edifactInterchange(orders("1")), "UNZ+1+REF1", "UNZ+1+REF2", 1),
			want: []Code{""},
			ack:  []string{"UCI+REF1+BUYER:14+SELLER:14+7+28+UNZ+2'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Parse(strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			ic := res.Interchanges[0]
			var got []Code
			accepted := 0
			for _, g := range ic.Groups {
				for _, tx := range g.Transactions {
					switch {
					case len(tx.Errors) > 0:
						got = append(got, tx.Errors[0].Code)
					case !tx.Accepted():
						got = append(got, "group")
					default:
						got = append(got, "")
						accepted++
						if tx.Document == nil {
							t.Errorf("accepted set %s has no document", tx.ControlNumber)
						}
					}
					if !tx.Accepted() && tx.Document != nil {
						t.Errorf("rejected set %s kept its document", tx.ControlNumber)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("sets = %q, want %q", got, tt.want)
			}
			if len(res.Documents()) != accepted {
				t.Errorf("Documents() = %d, want %d", len(res.Documents()), accepted)
			}
			var ack bytes.Buffer
			if err := WriteAck(&ack, ic, tt.kind, ackControl); err != nil {
				t.Fatalf("WriteAck: %v", err)
			}
			for _, w := range tt.ack {
				if !strings.Contains(ack.String(), w) {
					t.Errorf("acknowledgement lacks %q:\n%s", w, ack.String())
				}
			}
			if _, err := Parse(bytes.NewReader(ack.Bytes()), Options{}); err != nil {
				t.Errorf("acknowledgement does not parse: %v\n%s", err, ack.String())
			}
		})
	}
}

// TestAckRoundTrip reads generated acknowledgements back: Parse checks
// their counts and control numbers, and maps them to FunctionalAck, which
// must say what the acknowledgement meant to say. An interchange of
// acknowledgements gets none itself.
func TestAckRoundTrip(t *testing.T) {
	t.Parallel()
	x12In := x12Interchange(po850("0001", "PO-1"), strings.Replace(po850("0002", "PO-2"), "PO1*1*2*", "PO1*1*x*", 1))
	edifactIn := edifactInterchange(orders("1"), strings.Replace(orders("2"), "UNT+13+2", "UNT+12+2", 1))
	tests := []struct {
		in       string
		kind     AckKind
		want     FunctionalAck
		sender   string
		receiver string
	}{
		{x12In, Ack997, FunctionalAck{ExternalID: "1", FunctionalID: "PO", Status: "partially_accepted", Sets: []AckedSet{
			{Type: "850", ControlNumber: "0001", Status: "accepted"}, {Type: "850", ControlNumber: "0002", Status: "rejected", Codes: []string{"5"},
				Errors: []AckError{{Level: "AK3", Segment: "PO1", Position: "6", Code: "8"},
					{Level: "AK4", Segment: "PO1", Element: "2", Code: "6", Value: "x"}}}}}, "RECEIVER", "SENDER"},
		{x12In, Ack999, FunctionalAck{ExternalID: "1", FunctionalID: "PO", Status: "partially_accepted", Sets: []AckedSet{
			{Type: "850", ControlNumber: "0001", Status: "accepted"}, {Type: "850", ControlNumber: "0002", Status: "rejected", Codes: []string{"5"},
				Errors: []AckError{{Level: "IK3", Segment: "PO1", Position: "6", Code: "8"},
					{Level: "IK4", Segment: "PO1", Element: "2", Code: "6", Value: "x"}}}}}, "RECEIVER", "SENDER"},
		{edifactIn, AckCONTRL, FunctionalAck{ExternalID: "REF1", Status: "partially_accepted", Sets: []AckedSet{
			{Type: "ORDERS", ControlNumber: "1", Status: "accepted"}, {Type: "ORDERS", ControlNumber: "2", Status: "rejected", Codes: []string{"29"}}}}, "SELLER", "BUYER"},
	}
	for _, tt := range tests {
		res, err := Parse(strings.NewReader(tt.in), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var ack bytes.Buffer
		if err := WriteAck(&ack, res.Interchanges[0], tt.kind, ackControl); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(bytes.NewReader(ack.Bytes()), Options{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", tt.kind, err, ack.String())
		}
		id := back.Interchanges[0].ID
		if id.Sender != tt.sender || id.Receiver != tt.receiver || strings.TrimLeft(id.ControlNumber, "0") != "900000001" {
			t.Errorf("%s envelope: %+v", tt.kind, id)
		}
		docs := back.Documents()
		if len(docs) != 1 {
			t.Fatalf("%s: %d documents", tt.kind, len(docs))
		}
		if got := docs[0].(*FunctionalAck); fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", tt.want) {
			t.Errorf("%s reads back as\n %+v\nwant %+v", tt.kind, *got, tt.want)
		}
		// Acknowledgements are not acknowledged.
		var again bytes.Buffer
		if err := WriteAck(&again, back.Interchanges[0], "", ackControl); err != nil || again.Len() != 0 {
			t.Errorf("%s: acknowledgement of an acknowledgement: %q, %v", tt.kind, again.String(), err)
		}
	}
	res, _ := Parse(strings.NewReader(x12In), Options{})
	if err := WriteAck(&bytes.Buffer{}, res.Interchanges[0], AckCONTRL, ackControl); err == nil {
		t.Error("CONTRL for X12 accepted")
	}
	var none bytes.Buffer
	if err := WriteAck(&none, res.Interchanges[0], AckNone, ackControl); err != nil || none.Len() != 0 {
		t.Errorf("AckNone wrote %q, %v", none.String(), err)
	}
}

func TestBuyerFromSender(t *testing.T) {
	t.Parallel()
	profile := &Profile{Name: "Acme Retail", Standard: X12, PartnerID: Identity{Qualifier: "ZZ", ID: "SENDER"}, LocalID: Identity{Qualifier: "ZZ", ID: "RECEIVER"}, DefaultCurrency: "EUR"}
	var seen InterchangeID
	opts := Options{Partner: func(id InterchangeID) (*Profile, error) {
		seen = id
		if !profile.Matches(id) {
			return nil, nil
		}
		return profile, nil
	}}
	tests := []struct {
		name      string
		in        string
		buyer     Party
		defaulted bool
		currency  string
	}{
		{
			name:      "no buyer party: the sender",
			in:        x12Interchange(po850("0001", "PO-1")),
			buyer:     Party{Role: "BY", ID: "SENDER", IDQualifier: "ZZ", Name: "Acme Retail"},
			defaulted: true, currency: "EUR",
		},
		{
			name:     "N1*BY given",
			in:       x12Interchange(x12Set("850", "0001", "BEG*00*SA*PO-1**20260101", "CUR*BY*CNY", "N1*BY*Acme Ltd*92*A1", "PO1*1*2*EA*19.99**VP*TOY-001")),
			buyer:    Party{Role: "BY", ID: "A1", IDQualifier: "92", Name: "Acme Ltd"},
			currency: "CNY",
		},
		{
			name: "edifact without UNB: the profile's partner id",
			in: edifactMessage("ORDERS", "1", "BGM+220+PO-9+9", "NAD+DP+++Jane Doe+Main St 1+Springfield++12345+US",
				"LIN+1++SKU-1:SA", "QTY+21:1"),
			buyer:     Party{Role: "BY", ID: "SENDER", IDQualifier: "ZZ", Name: "Acme Retail"},
			defaulted: true, currency: "EUR",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := opts
			if !strings.HasPrefix(tt.in, "ISA") {
				opts.Partner = func(InterchangeID) (*Profile, error) { return profile, nil }
			}
			res, err := Parse(strings.NewReader(tt.in), opts)
			if err != nil {
				t.Fatal(err)
			}
			docs := res.Documents()
			if len(docs) != 1 {
				t.Fatalf("%d documents: %+v", len(docs), res.Interchanges[0].Groups[0].Transactions[0].Errors)
			}
			po := docs[0].(*PurchaseOrder)
			if po.Buyer == nil || *po.Buyer != tt.buyer || po.BuyerFromSender != tt.defaulted || po.Currency != tt.currency {
				t.Errorf("buyer %+v (from sender %v), currency %q; want %+v (%v), %q", po.Buyer, po.BuyerFromSender, po.Currency, tt.buyer, tt.defaulted, tt.currency)
			}
			if po.Lines[0].UnitPrice != nil && po.Lines[0].UnitPrice.Currency != tt.currency {
				t.Errorf("line currency %q", po.Lines[0].UnitPrice.Currency)
			}
		})
	}
	if seen.Sender != "SENDER" || seen.ControlNumber != "000000101" {
		t.Errorf("Partner saw %+v", seen)
	}
}

func TestPartnerError(t *testing.T) {
	t.Parallel()
	unknown := errors.New("unknown partner")
	_, err := Parse(strings.NewReader(x12Interchange(po850("0001", "PO-1"))), Options{Partner: func(InterchangeID) (*Profile, error) { return nil, unknown }})
	if !errors.Is(err, unknown) {
		t.Errorf("err = %v, want the partner error", err)
	}
}

func TestConcatenatedInterchanges(t *testing.T) {
	t.Parallel()
	second := strings.ReplaceAll(x12Interchange(po850("0001", "PO-2")), "000000101", "000000102")
	in := x12Interchange(po850("0001", "PO-1")) + "\r\n" + second + "\n" + edifactInterchange(orders("1"))
	res, err := Parse(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, ic := range res.Interchanges {
		keys = append(keys, ic.ID.Key())
	}
	want := []string{"x12|ZZ:SENDER|ZZ:RECEIVER|101", "x12|ZZ:SENDER|ZZ:RECEIVER|102", "edifact|14:BUYER|14:SELLER|REF1"}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	if n := len(res.Documents()); n != 3 {
		t.Errorf("%d documents, want 3", n)
	}
}

func TestEDIFACTWithoutUNB(t *testing.T) {
	t.Parallel()
	in := orders("1") + "\r\n" + orders("2")
	res, err := Parse(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ic := res.Interchanges[0]
	if ic.Enveloped || ic.ID.Key() != "" || len(res.Documents()) != 2 {
		t.Errorf("enveloped %v key %q documents %d", ic.Enveloped, ic.ID.Key(), len(res.Documents()))
	}
	var ack bytes.Buffer
	if err := WriteAck(&ack, ic, "", ackControl); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ack.String(), "UNB") || !strings.Contains(ack.String(), "UCM+2+ORDERS:D:96A:UN+7'") {
		t.Errorf("ack = %s", ack.String())
	}
	// With a profile, the answer gets an envelope.
	ic.Profile = &Profile{Standard: EDIFACT, LocalID: Identity{ID: "US", Qualifier: "14"}, PartnerID: Identity{ID: "THEM", Qualifier: "14"}}
	ack.Reset()
	if err := WriteAck(&ack, ic, "", ackControl); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ack.String(), "UNB+UNOC:3+US:14+THEM:14+260102:0304+900000001'") {
		t.Errorf("ack = %s", ack.String())
	}
}

// TestMappedValues spot-checks the mapping of the samples beyond the
// golden files, so that a careless -update cannot hide a regression in
// what matters most.
func TestMappedValues(t *testing.T) {
	t.Parallel()
	docs := map[string]Document{}
	for _, name := range sampleNames(t) {
		res, err := Parse(strings.NewReader(readSample(t, name)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := res.Documents(); len(d) > 0 {
			docs[name] = d[0]
		}
	}
	po := docs["x12_850_edinet.edi"].(*PurchaseOrder)
	inv := docs["x12_810_staedi.edi"].(*Invoice)
	asn := docs["x12_856_gozer.edi"].(*ShipNotice)
	ord := docs["edifact_orders_d03b_smooks.edi"].(*PurchaseOrder)
	einv := docs["edifact_invoic_d97b_staedi.edi"].(*Invoice)
	des := docs["edifact_desadv_d96a_phpedifact.edi"].(*ShipNotice)
	ts := docs["x12_214_canadapost_omniparser.edi"].(*TrackingStatus)
	checks := []struct{ name, got, want string }{
		{"850 id", po.ExternalID, "1000012"},
		{"850 placed", po.PlacedAt, "2009-08-27T00:00:00Z"},
		{"850 price", po.Lines[0].UnitPrice.Amount + " " + po.Lines[0].UnitPrice.Currency, "19.95 USD"},
		{"850 ship-to", po.ShipTo.Postcode + " " + po.ShipTo.Country, "11788-1234 US"},
		{"850 buyer", po.Buyer.ID, "000123456"},
		{"810 total (implied decimals)", inv.Total.Amount, "2554.38"},
		{"810 lines", itoa(len(inv.Lines)), "7"},
		{"856 id", asn.ExternalID, "829716"},
		{"856 quantities", string(asn.Lines[0].Quantity) + "+" + string(asn.Lines[1].Quantity), "24+6"},
		{"856 order", asn.Lines[1].OrderRef, "99999817"},
		{"856 weight", asn.GrossWeight + " " + asn.WeightUnit, "60.310 LB"},
		{"ORDERS buyer", ord.Buyer.ID, "5412345000176"},
		{"ORDERS line 4", ord.Lines[3].SKU + " " + string(ord.Lines[3].Quantity) + " " + ord.Lines[3].Description, "0596006756 10 The Children of Hurin"},
		{"INVOIC total", einv.Total.Amount + " " + einv.Total.Currency, "2137.58 USD"},
		{"INVOIC price", einv.Lines[0].UnitPrice.Amount, "1.179"},
		{"INVOIC seller", einv.Seller.Name, "BÜTTNER WIDGET COMPANY"},
		{"DESADV second order", des.Lines[1].OrderRef, "6905456"},
		{"214 time code PT", ts.Events[0].At, "2019-11-03T15:34:00Z"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestErrorField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Position: Position{Segment: 14}, Tag: "SE", Element: 1}, "segment 14 SE01"},
		{Error{Position: Position{Segment: 7}, Tag: "NAD", Element: 2, Component: 3}, "segment 7 NAD02-3"},
		{Error{Position: Position{Segment: 3}}, "segment 3"},
		{Error{Position: Position{Segment: 9}, Tag: "BEG"}, "segment 9 BEG"},
	}
	for _, tt := range tests {
		if got := tt.e.Field(); got != tt.want {
			t.Errorf("Field() = %q, want %q", got, tt.want)
		}
	}
	e := &Error{Code: CodeSegmentCount, Position: Position{Segment: 14}, Tag: "SE", Element: 1, Message: "SE01 says 9"}
	if e.Error() != "edi: segment_count at segment 14 SE01: SE01 says 9" {
		t.Errorf("Error() = %q", e.Error())
	}
	if CodeOf(fmt.Errorf("wrapped: %w", e)) != CodeSegmentCount || CodeOf(errors.New("x")) != "" {
		t.Error("CodeOf does not unwrap")
	}
}

func readSample(t *testing.T, name string) string {
	t.Helper()
	data, err := readFile("testdata/samples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var readFile = os.ReadFile
