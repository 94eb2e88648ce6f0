package edi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func x12Group(fid string, sets ...string) string {
	return isa00501 + "GS*" + fid + "*SENDER*RECEIVER*20260101*1200*1*X*005010~" + strings.Join(sets, "") +
		"GE*" + itoa(len(sets)) + "*1~IEA*1*000000101~"
}

func TestTrackingStatus(t *testing.T) {
	t.Parallel()
	x214 := x12Group("QM", x12Set("214", "0001",
		"B10*1Z999AA10123456784*SHP-42*UPSN",
		"N1*ST*Jonas Weber", "N4*Berlin**10115*DE",
		"LX*1",
		"AT7*XB*NS***20261120*0800*CT",
		"MS1*SHENZHEN*GD*CN",
		"LX*2",
		"AT7*AF*NS***20261120*1530*LT",
		"LX*3",
		"AT7*X4*NS***20261122*0900",
		"LX*4",
		"AT7*D1*NS***20261124*1015*UT",
		"MS1*BERLIN**DE"))
	iftsta := "UNH+1+IFTSTA:D:01B:UN:EAN004'BGM+23+ST-1+9'DTM+137:20261120:102'NAD+CA+CARRIER1::9'TDT+20++4++DHL:172:20'" +
		"CNI+1+SHP-7'RFF+CN:JD0002'STS+1+13'DTM+334:202611200800:203'LOC+5+CNSZX:139:6'STS+1+128'DTM+334:202611221200:203'" +
		"LOC+5+DEFRA:139:6'UNT+14+1'"
	tests := []struct {
		name     string
		in       string
		ref      string
		shipment string
		tracking string
		carrier  string
		stages   []string
		at       []string
		places   []string // city or place, country
	}{
		{"x12 214", x214, "1Z999AA10123456784", "SHP-42", "1Z999AA10123456784", "UPSN",
			[]string{StageLabelCreated, StagePickedUp, "", StageDelivered},
			[]string{"2026-11-20T08:00:00-06:00", "2026-11-20T15:30:00Z", "2026-11-22T09:00:00Z", "2026-11-24T10:15:00Z"},
			[]string{"SHENZHEN CN", " ", " ", "BERLIN DE"}},
		{"edifact IFTSTA", iftsta, "ST-1", "SHP-7", "JD0002", "DHL",
			[]string{StagePickedUp, StageImportCustoms},
			[]string{"2026-11-20T08:00:00Z", "2026-11-22T12:00:00Z"},
			[]string{"CNSZX CN", "DEFRA DE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			docs := res.Documents()
			if len(docs) != 1 {
				t.Fatalf("%d documents: %+v", len(docs), res.Interchanges[0].Groups)
			}
			ts, ok := docs[0].(*TrackingStatus)
			if !ok {
				t.Fatalf("document %T", docs[0])
			}
			if ts.ExternalID != tt.ref || ts.ShipmentID != tt.shipment || ts.TrackingNumber != tt.tracking || ts.Carrier != tt.carrier {
				t.Errorf("header %q %q %q %q", ts.ExternalID, ts.ShipmentID, ts.TrackingNumber, ts.Carrier)
			}
			var stages, at, places []string
			for _, e := range ts.Events {
				stages, at = append(stages, e.Stage), append(at, e.At)
				places = append(places, firstOf(e.City, e.Place)+" "+e.Country)
			}
			if !slices.Equal(stages, tt.stages) || !slices.Equal(at, tt.at) || !slices.Equal(places, tt.places) {
				t.Errorf("events\n stages %q\n at     %q\n places %q", stages, at, places)
			}
		})
	}
}

// TestStagesKnown keeps the code tables inside the stage vocabulary.
func TestStagesKnown(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]map[string]string{"x12": x12Stages, "rec24": rec24Stages} {
		for code, st := range m {
			if !slices.Contains(Stages, st) {
				t.Errorf("%s %s: stage %q is not one of Stages", name, code, st)
			}
		}
	}
	if X12Stage("D1") != StageDelivered || Rec24Stage("21") != StageDelivered || X12Stage("ZZ") != "" {
		t.Error("lookup")
	}
}

// TestPartnerAcks reads acknowledgements partners send about what the
// platform sent, with their segment and element errors.
func TestPartnerAcks(t *testing.T) {
	t.Parallel()
	ack997 := x12Group("FA", x12Set("997", "0001",
		"AK1*SH*17", "AK2*856*0001", "AK5*A", "AK2*856*0002", "AK3*TD5*4**8", "AK4*3**7*ZZZ", "AK5*R*5",
		"AK9*P*2*2*1*5"))
	contrl := "UNB+UNOC:3+PARTNER:14+SILKGATE+261120:1200+77'UNH+1+CONTRL:D:3:UN'UCI+12+SILKGATE+PARTNER:14+7'" +
		"UCM+1+DESADV:D:96A:UN+4'UCS+5+13'UCD+12+2:1'UCM+2+DESADV:D:96A:UN+7'UNT+7+1'UNZ+1+77'"
	tests := []struct {
		name string
		in   string
		want FunctionalAck
	}{
		{"997", ack997, FunctionalAck{ExternalID: "17", FunctionalID: "SH", Status: "partially_accepted", Codes: []string{"5"},
			Sets: []AckedSet{{Type: "856", ControlNumber: "0001", Status: "accepted"},
				{Type: "856", ControlNumber: "0002", Status: "rejected", Codes: []string{"5"}, Errors: []AckError{
					{Level: "AK3", Segment: "TD5", Position: "4", Code: "8"},
					{Level: "AK4", Segment: "TD5", Element: "3", Code: "7", Value: "ZZZ"}}}}}},
		{"CONTRL", contrl, FunctionalAck{ExternalID: "12", Status: "partially_accepted",
			Sets: []AckedSet{{Type: "DESADV", ControlNumber: "1", Status: "rejected", Codes: []string{"13", "12"}, Errors: []AckError{
				{Level: "UCS", Position: "5", Code: "13"}, {Level: "UCD", Position: "5", Element: "2.1", Code: "12"}}},
				{Type: "DESADV", ControlNumber: "2", Status: "accepted"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			docs := res.Documents()
			if len(docs) != 1 {
				t.Fatalf("%d documents", len(docs))
			}
			got := docs[0].(*FunctionalAck)
			if g, w := jsonOf(t, got), jsonOf(t, &tt.want); g != w {
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}
}
