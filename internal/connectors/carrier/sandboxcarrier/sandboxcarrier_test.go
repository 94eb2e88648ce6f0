package sandboxcarrier

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/platform/money"
)

func TestCheckDigit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		serial string
		want   byte
	}{
		{"47312482", '9'}, // the usual S10 example: RR 47312482 9 GB
		{"00000000", '5'}, // sum 0: 11 is written 5
		{"00000001", '4'}, // sum 7
		{"00000008", '0'}, // sum 56: 10 is written 0
		{"10000000", '3'}, // sum 8
		{"47326578", '1'}, // sum 252
		{"99999999", reference("99999999")},
	} {
		got, err := CheckDigit(tc.serial)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want || got != reference(tc.serial) {
			t.Errorf("CheckDigit(%s) = %c, want %c", tc.serial, got, tc.want)
		}
	}
	for _, bad := range []string{"", "1234567", "123456789", "1234567a"} {
		if _, err := CheckDigit(bad); err == nil {
			t.Errorf("CheckDigit(%q) accepted", bad)
		}
	}
}

// reference is the S10 rule written out independently.
func reference(serial string) byte {
	w := []int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i, c := range serial {
		sum += int(c-'0') * w[i]
	}
	c := 11 - sum%11
	if c == 10 {
		return '0'
	}
	if c == 11 {
		return '5'
	}
	return byte('0' + c)
}

func TestParseNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		ok   bool
		want Scenario
	}{
		{"RE473124829GB", true, Refused}, // serial starting with 4,
		{"LS100000003CN", true, AddressProblem},
		{"ls100000003cn", true, AddressProblem},
		{"EX200000004DE", false, ""}, // wrong check digit
		{"XX473124829GB", false, ""}, // unknown service letters
		{"RE473124829G1", false, ""},
		{"RE47312482GB", false, ""},
		{"RE4731248A9GB", false, ""},
	} {
		n, err := ParseNumber(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseNumber(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && n.Scenario != tc.want {
			t.Errorf("ParseNumber(%q) scenario %s, want %s", tc.in, n.Scenario, tc.want)
		}
	}
}

var (
	from = carrier.Address{Name: "Yiwu Toys Co.", Line1: "88 Futian Rd", City: "Yiwu", Postcode: "322000", Country: "CN"}
	to   = carrier.Address{Name: "Jonas Müller", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"}
	t0   = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
)

func request(postcode, service string) carrier.LabelRequest {
	dst := to
	dst.Postcode = postcode
	return carrier.LabelRequest{Reference: "ord_123", Service: service, From: from, To: dst,
		Parcels: []carrier.Parcel{{WeightG: 350, DimsMM: [3]int64{200, 150, 80}}}, Contents: "Building blocks",
		Value: money.Money{Amount: "12.50", Currency: "USD"}, Created: t0}
}

func statuses(steps []Step) []carrier.Status {
	var out []carrier.Status
	for _, s := range steps {
		out = append(out, s.Status)
	}
	return out
}

func TestTimelines(t *testing.T) {
	t.Parallel()
	normal := []carrier.Status{carrier.LabelCreated, carrier.PickedUp, carrier.ExportCustoms, carrier.Departed,
		carrier.ArrivedDestinationCountry, carrier.ImportCustoms, carrier.OutForDelivery, carrier.Delivered}
	for _, tc := range []struct {
		postcode, service string
		want              []carrier.Status
		reason            string
		days              [2]float64
	}{
		{"10115", "standard", normal, "", [2]float64{5, 14}},
		{"10115", "express", normal, "", [2]float64{2, 7}},
		{"10115", "economy", normal, "", [2]float64{8, 22}},
		{"SBX-ADDRESS", "standard", []carrier.Status{carrier.LabelCreated, carrier.PickedUp, carrier.ExportCustoms, carrier.Departed,
			carrier.ArrivedDestinationCountry, carrier.ImportCustoms, carrier.OutForDelivery, carrier.Exception, carrier.Returned},
			carrier.ReasonAddressProblem, [2]float64{10, 30}},
		{"sbx-customs", "standard", []carrier.Status{carrier.LabelCreated, carrier.PickedUp, carrier.ExportCustoms, carrier.Departed,
			carrier.ArrivedDestinationCountry, carrier.Exception, carrier.ImportCustoms, carrier.OutForDelivery, carrier.Delivered},
			carrier.ReasonCustomsHold, [2]float64{8, 20}},
		{"SBX-LOST", "express", []carrier.Status{carrier.LabelCreated, carrier.PickedUp, carrier.ExportCustoms, carrier.Departed,
			carrier.Exception}, carrier.ReasonLost, [2]float64{10, 14}},
		{"SBX-RETURN", "express", []carrier.Status{carrier.LabelCreated, carrier.PickedUp, carrier.ExportCustoms, carrier.Departed,
			carrier.ArrivedDestinationCountry, carrier.ImportCustoms, carrier.OutForDelivery, carrier.Exception, carrier.Returned},
			carrier.ReasonRefused, [2]float64{7, 20}},
	} {
		t.Run(tc.postcode+"/"+tc.service, func(t *testing.T) {
			req := request(tc.postcode, tc.service)
			n, err := Issue(req, "")
			if err != nil {
				t.Fatal(err)
			}
			if !ValidNumber(n) {
				t.Fatalf("issued %s, which does not parse", n)
			}
			if again, _ := Issue(req, ""); again != n {
				t.Errorf("Issue not deterministic: %s then %s", n, again)
			}
			steps, err := Plan(n, req.From, req.To, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(steps); !slices.Equal(got, tc.want) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
			for i, s := range steps {
				if i > 0 && s.Offset <= steps[i-1].Offset {
					t.Errorf("step %d (%s) not after the previous one", i, s)
				}
				if s.Status == carrier.Exception && s.Reason != tc.reason {
					t.Errorf("exception reason %q, want %q", s.Reason, tc.reason)
				}
				if !s.At.Equal(t0.Add(s.Offset).Truncate(time.Second)) {
					t.Errorf("step %d at %s, offset %s", i, s.At, s.Offset)
				}
			}
			days := steps[len(steps)-1].Offset.Hours() / 24
			if days < tc.days[0] || days > tc.days[1] {
				t.Errorf("timeline lasts %.1f days, want %v", days, tc.days)
			}
			again, _ := Plan(n, req.From, req.To, t0)
			if !slices.Equal(statuses(again), statuses(steps)) || again[3].Location != steps[3].Location || again[4].Offset != steps[4].Offset {
				t.Error("Plan is not deterministic")
			}
		})
	}
}

func TestScenarioOverride(t *testing.T) {
	t.Parallel()
	for _, sc := range Scenarios {
		n, err := Issue(request("10115", ""), sc)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := ParseNumber(n)
		if p.Scenario != sc || p.Service != DefaultService {
			t.Errorf("override %s: number %s parses as %s/%s", sc, n, p.Scenario, p.Service)
		}
	}
}

func TestLabelPDF(t *testing.T) {
	t.Parallel()
	req := request("10115", "express")
	n, _ := Issue(req, "")
	a, err := RenderLabel(n, req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatalf("label starts %q", a[:min(len(a), 8)])
	}
	// 100 × 150 mm is 283.46 × 425.20 pt.
	if !bytes.Contains(a, []byte("/MediaBox [0 0 283.46 425.20]")) {
		t.Error("label is not 100 × 150 mm")
	}
	b, _ := RenderLabel(n, req)
	if !bytes.Equal(a, b) {
		t.Error("the same request gave different label bytes")
	}
	if _, err := RenderLabel("XX", req); err == nil {
		t.Error("label for a malformed number")
	}
}

func TestCarrier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	c := New()
	c.Now = func() time.Time { return now }
	if _, err := c.CreateLabel(ctx, request("10115", "overnight")); !errors.Is(err, carrier.ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
	l, err := c.CreateLabel(ctx, request("10115", ""))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.Track(ctx, l.TrackingNumber)
	if err != nil || len(evs) != 1 || evs[0].Status != carrier.LabelCreated {
		t.Fatalf("fresh label: %v %v", evs, err)
	}
	now = t0.Add(time.Hour) // 60 simulated days: all done
	evs, _ = c.Track(ctx, l.TrackingNumber)
	if evs[len(evs)-1].Status != carrier.Delivered {
		t.Errorf("after a real hour: last %s", evs[len(evs)-1].Status)
	}
	if err := c.Cancel(ctx, l.TrackingNumber); !errors.Is(err, carrier.ErrNotCancellable) {
		t.Errorf("cancel after pick-up: %v", err)
	}
	if _, err := c.Track(ctx, "RE473124829GB"); !errors.Is(err, carrier.ErrUnknownTracking) {
		t.Errorf("unknown number: %v", err)
	}
	fresh := request("10117", "economy")
	fresh.Created = time.Time{}
	l2, _ := c.CreateLabel(ctx, fresh)
	if err := c.Cancel(ctx, l2.TrackingNumber); err != nil {
		t.Errorf("cancel fresh label: %v", err)
	}
	if caps := c.Capabilities(); len(caps.Services) != 3 || !caps.Tracking {
		t.Errorf("capabilities %+v", caps)
	}
}
