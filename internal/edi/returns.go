package edi

// Return notices: X12 180 (Return Merchandise Authorization and
// Notification) and EDIFACT RETANN (Announcement for returns).
//
// The platform keeps a return's life cycle in its own words (requested,
// approved, label_issued …); partners read codes. Each notice carries both:
// the codes of the tables below, so that a partner's translator can act on
// them, and the platform's status and reason as text (X12 RDR04, EDIFACT
// FTX), so that reading a notice back gives exactly what was written.
//
//	status        X12 BGN01            X12 RDR01 (heading)        EDIFACT BGM 1225
//	requested     13 request           RP authorization pending   9 original
//	approved      54 approval          RA return with RMA number  29 accepted without amendment
//	rejected      44 rejection         RD request denied          27 not accepted
//	label_issued  SU status update     RA                         4 change
//	in_transit    SU                   RA                         4
//	received      SU                   RA                         4
//	inspected     SU                   RA                         4
//	refunded      SU                   RA                         4
//	exchanged     SU                   RA                         4
//	closed        CN completion notif. RA                         4
//	cancelled     01 cancellation      (none)                     1 cancellation
//
// Reasons (X12 RDR02, return request reason code 1293; EDIFACT has no
// standard list, so FTX+ACD carries the platform's word only):
//
//	not_as_described  NA not as expected
//	damaged           DA damaged product
//	wrong_item        WG wrong goods or not ordered
//	size_fit          PF poor fit
//	defective         DR defective merchandise returned by consumer
//	no_longer_needed  (none: RDR04 text only)
//	other             (none: RDR04 text only)

// TypeReturnNotice is ReturnNotice's document type.
const TypeReturnNotice = "return_notice"

// Return statuses as the platform names them (ReturnNotice.Status).
var ReturnStatuses = []string{"requested", "approved", "rejected", "label_issued", "in_transit", "received",
	"inspected", "refunded", "exchanged", "closed", "cancelled"}

// returnCodes are a status's codes: X12 BGN01 purpose, X12 RDR01
// disposition, EDIFACT BGM 1225 message function.
type returnCodes struct{ purpose, disposition, function string }

var returnStatusCodes = map[string]returnCodes{
	"requested":    {"13", "RP", "9"},
	"approved":     {"54", "RA", "29"},
	"rejected":     {"44", "RD", "27"},
	"label_issued": {"SU", "RA", "4"},
	"in_transit":   {"SU", "RA", "4"},
	"received":     {"SU", "RA", "4"},
	"inspected":    {"SU", "RA", "4"},
	"refunded":     {"SU", "RA", "4"},
	"exchanged":    {"SU", "RA", "4"},
	"closed":       {"CN", "RA", "4"},
	"cancelled":    {"01", "", "1"},
}

// returnReasonCodes maps the platform's return reasons to X12 return
// request reason codes (element 1293).
var returnReasonCodes = map[string]string{
	"not_as_described": "NA",
	"damaged":          "DA",
	"wrong_item":       "WG",
	"size_fit":         "PF",
	"defective":        "DR",
}

// ReturnStatusCodes returns the codes a status is written with: X12 BGN01
// and RDR01, EDIFACT BGM 1225; ok is false for an unknown status.
func ReturnStatusCodes(status string) (bgn01, rdr01, bgm1225 string, ok bool) {
	c, ok := returnStatusCodes[status]
	return c.purpose, c.disposition, c.function, ok
}

// ReturnReasonCode is the X12 return request reason code (1293) of a
// platform reason, "" when there is none.
func ReturnReasonCode(reason string) string { return returnReasonCodes[reason] }

// statusOfX12 reads a status back from codes alone, for notices that do
// not carry the platform's word: only codes that name one status do.
func statusOfX12(purpose, disposition string) string {
	switch {
	case purpose == "13":
		return "requested"
	case purpose == "54":
		return "approved"
	case purpose == "44" || disposition == "RD":
		return "rejected"
	case purpose == "01":
		return "cancelled"
	case purpose == "CN":
		return "closed"
	}
	return ""
}

func statusOfEDIFACT(function string) string {
	switch function {
	case "9":
		return "requested"
	case "29":
		return "approved"
	case "27":
		return "rejected"
	case "1":
		return "cancelled"
	}
	return ""
}

func reasonOfX12(code string) string {
	for r, c := range returnReasonCodes {
		if c == code {
			return r
		}
	}
	return ""
}

// ReturnNotice is a return merchandise authorisation and its progress:
// X12 180, EDIFACT RETANN. The platform sends one each time a return
// changes status.
type ReturnNotice struct {
	// ExternalID is the RMA number (the platform's return id): BGN02,
	// BGM 1004.
	ExternalID string `json:"external_id"`
	// Status is the platform's status word (ReturnStatuses); Reason the
	// platform's reason (not_as_described, damaged …). Both are written
	// as codes and as text (see the tables above).
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
	IssuedAt string `json:"issued_at,omitempty"`
	// OrderRef and OrderDate are the original purchase order (X12 PRF,
	// EDIFACT RFF+ON with DTM 171).
	OrderRef  string `json:"order_ref,omitempty"`
	OrderDate string `json:"order_date,omitempty"`
	// RequestedAt (X12 DTM 097, EDIFACT DTM 97), ShippedAt (011, 11: the
	// parcel left the buyer) and ReceivedAt (050, 50: it arrived).
	RequestedAt    string      `json:"requested_at,omitempty"`
	ShippedAt      string      `json:"shipped_at,omitempty"`
	ReceivedAt     string      `json:"received_at,omitempty"`
	TrackingNumber string      `json:"tracking_number,omitempty"`
	Currency       string      `json:"currency,omitempty"`
	Buyer          *Party      `json:"buyer,omitempty"`
	Seller         *Party      `json:"seller,omitempty"`
	ShipFrom       *Party      `json:"ship_from,omitempty"`
	ShipTo         *Party      `json:"ship_to,omitempty"`
	Parties        []Party     `json:"parties,omitempty"`
	Lines          []Line      `json:"lines"`
	Notes          []string    `json:"notes,omitempty"`
	References     []Reference `json:"references,omitempty"`
}

func (*ReturnNotice) DocumentType() string { return TypeReturnNotice }

func (d *ReturnNotice) Ref() string { return d.ExternalID }
