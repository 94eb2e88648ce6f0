package edi_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/edi"
)

// The gateway's path for POST /api/v1/edi: parse, reject duplicates, keep
// the accepted documents, answer with the acknowledgement.
func Example() {
	body := strings.NewReader("ISA*00*          *00*          *ZZ*ACME           *ZZ*SILKGATE       *260101*1200*^*00501*000000007*0*P*>~" +
		"GS*PO*ACME*SILKGATE*20260101*1200*7*X*005010~" +
		"ST*850*0001~BEG*00*SA*PO-1**20260101~N1*ST*Jonas Weber~N4*Berlin**10115*DE~PO1*1*2*EA*19.99**VP*TOY-001~SE*6*0001~" +
		"ST*850*0002~BEG*00*SA*PO-2**20260101~PO1*1*two*EA*19.99**VP*TOY-001~SE*9*0002~" +
		"GE*2*7~IEA*1*000000007~")
	profile := &edi.Profile{Name: "Acme Retail", Standard: edi.X12, DefaultCurrency: "EUR",
		PartnerID: edi.Identity{Qualifier: "ZZ", ID: "ACME"}, LocalID: edi.Identity{Qualifier: "ZZ", ID: "SILKGATE"}}

	res, err := edi.Parse(body, edi.Options{Partner: func(id edi.InterchangeID) (*edi.Profile, error) {
		if profile.Matches(id) {
			return profile, nil
		}
		return nil, nil
	}})
	if err != nil {
		fmt.Println("422:", edi.CodeOf(err), err.(*edi.Error).Field())
		return
	}
	for _, ic := range res.Interchanges {
		fmt.Println("interchange", ic.ID.Key())
		for _, g := range ic.Groups {
			for _, t := range g.Transactions {
				if t.Accepted() {
					po := t.Document.(*edi.PurchaseOrder)
					fmt.Println("accepted", t.ControlNumber, po.ExternalID, po.Buyer.Name, po.Lines[0].Quantity, po.Lines[0].UnitPrice.Amount, po.Currency)
					continue
				}
				for _, e := range t.Errors {
					fmt.Println("rejected", t.ControlNumber, e.Code, e.Field())
				}
			}
		}
		var ack bytes.Buffer
		edi.WriteAck(&ack, ic, "", edi.Control{Interchange: 1, Group: 1, Time: time.Date(2026, 1, 1, 12, 5, 0, 0, time.UTC)})
		fmt.Print(strings.ReplaceAll(ack.String(), "~", "~\n"))
	}
	// Output:
	// interchange x12|ZZ:ACME|ZZ:SILKGATE|7
	// accepted 0001 PO-1 Acme Retail 2 19.99 EUR
	// rejected 0002 invalid_element segment 11 PO102
	// rejected 0002 segment_count segment 12 SE01
	// ISA*00*          *00*          *ZZ*SILKGATE       *ZZ*ACME           *260101*1205*^*00501*000000001*0*P*>~
	// GS*FA*SILKGATE*ACME*20260101*1205*1*X*005010~
	// ST*997*0001~
	// AK1*PO*7*005010~
	// AK2*850*0001~
	// AK5*A~
	// AK2*850*0002~
	// AK3*PO1*3**8~
	// AK4*2**6*two~
	// AK5*R*5*4~
	// AK9*P*2*2*1~
	// SE*10*0001~
	// GE*1*1~
	// IEA*1*000000001~
}
