package edi

import "encoding/json"

// Canonical documents.
//
// These are what an interchange means, independent of X12 or EDIFACT. Field
// names and shapes follow the platform's order JSON (external_id,
// placed_at, currency, buyer, ship_to, lines[].sku/quantity/unit_price) so
// the gateway can convert them one to one; what orders do not have (parties
// beyond buyer and ship-to, product identifiers by qualifier, references)
// is kept alongside rather than dropped. Amounts are decimal strings with
// the precision the sender wrote; quantities are json.Number, which
// encodes as a JSON number without going through float64.

// Document types, as returned by Document.DocumentType.
const (
	TypePurchaseOrder  = "purchase_order"
	TypeShipNotice     = "ship_notice"
	TypeInvoice        = "invoice"
	TypeOrderAck       = "order_ack"
	TypeTrackingStatus = "tracking_status"
)

// Document is one canonical document: *PurchaseOrder, *ShipNotice,
// *Invoice, *OrderAck, *TrackingStatus or *FunctionalAck.
type Document interface {
	// DocumentType is one of the Type constants.
	DocumentType() string
	// Ref is the sender's identifier for the document (PO number, ASN
	// number, invoice number).
	Ref() string
}

// Money is an amount in a currency, as the platform's API writes it.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Party is a trading party: buyer, seller, ship-to, supplier, carrier...
type Party struct {
	// Role is the qualifier the sender used: X12 N101 or EDIFACT NAD 3035
	// ("BY", "ST", "SE", "SU", "DP").
	Role string `json:"role,omitempty"`
	// ID and IDQualifier identify the party: X12 N104 with N103 (e.g. "1"
	// DUNS, "92" assigned by buyer, "UL" GLN), EDIFACT NAD C082 with its
	// agency (e.g. "9" GS1 GLN), or for a buyer taken from the interchange
	// sender, ISA06 with ISA05 / UNB S002.
	ID          string `json:"id,omitempty"`
	IDQualifier string `json:"id_qualifier,omitempty"`
	Name        string `json:"name,omitempty"`
	Contact     string `json:"contact,omitempty"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Line1       string `json:"line1,omitempty"`
	Line2       string `json:"line2,omitempty"`
	City        string `json:"city,omitempty"`
	Region      string `json:"region,omitempty"`
	Postcode    string `json:"postcode,omitempty"`
	// Country is as sent (ISO 3166 alpha-2 in practice); not checked here.
	Country string `json:"country,omitempty"`
}

// ProductID is an item identifier with the qualifier saying what kind it
// is: X12 "VP" vendor part, "BP" buyer part, "UP" UPC, "EN" EAN, "SK" SKU;
// EDIFACT 7143 "SA" supplier article, "IN" buyer item, "SRV" GTIN, "IB"
// ISBN. The qualifier is "" when the sender gave none.
type ProductID struct {
	Qualifier string `json:"qualifier"`
	Value     string `json:"value"`
}

// Reference is a qualified reference number (X12 REF, EDIFACT RFF).
type Reference struct {
	Qualifier string `json:"qualifier"`
	Value     string `json:"value"`
}

// DateRef is a qualified date (X12 DTM 374 qualifier, EDIFACT DTM 2005):
// RFC 3339 when the format was understood, otherwise as sent.
type DateRef struct {
	Qualifier string `json:"qualifier"`
	Value     string `json:"value"`
}

// Line is an item line of any document.
type Line struct {
	LineNumber string `json:"line_number,omitempty"`
	// SKU is the identifier the platform should match its catalogue on:
	// the first present of the qualifiers in skuPriority (seller's
	// numbers before buyer's before GTINs), else the first identifier.
	SKU         string      `json:"sku,omitempty"`
	Description string      `json:"description,omitempty"`
	Quantity    json.Number `json:"quantity"`
	Unit        string      `json:"unit,omitempty"`
	UnitPrice   *Money      `json:"unit_price,omitempty"`
	// Amount is the line total as sent (EDIFACT MOA 203); never computed.
	Amount        *Money      `json:"amount,omitempty"`
	ProductIDs    []ProductID `json:"product_ids,omitempty"`
	OriginCountry string      `json:"origin_country,omitempty"`
	// OrderRef is the purchase order a shipped or invoiced line belongs to.
	OrderRef string `json:"order_ref,omitempty"`
	// PackageID is the Package.ID a shipped line is packed in.
	PackageID string `json:"package_id,omitempty"`
	// Status and ConfirmedQuantity are an order acknowledgement's answer
	// for the line: "accepted", "rejected", "backordered" or "changed".
	Status            string      `json:"status,omitempty"`
	ConfirmedQuantity json.Number `json:"confirmed_quantity,omitempty"`
}

// PurchaseOrder is an order from a buyer: X12 850, EDIFACT ORDERS.
type PurchaseOrder struct {
	ExternalID string `json:"external_id"`
	PlacedAt   string `json:"placed_at,omitempty"`
	Currency   string `json:"currency"`
	// Buyer is the BY party; when the document names none it is the
	// interchange sender (BuyerFromSender is then true).
	Buyer           *Party `json:"buyer,omitempty"`
	BuyerFromSender bool   `json:"buyer_from_sender,omitempty"`
	ShipTo          *Party `json:"ship_to,omitempty"`
	Seller          *Party `json:"seller,omitempty"`
	BillTo          *Party `json:"bill_to,omitempty"`
	// Parties holds the parties other than the four above.
	Parties    []Party     `json:"parties,omitempty"`
	Lines      []Line      `json:"lines"`
	Total      *Money      `json:"total,omitempty"`
	Purpose    string      `json:"purpose,omitempty"`
	OrderType  string      `json:"order_type,omitempty"`
	Carrier    string      `json:"carrier,omitempty"`
	References []Reference `json:"references,omitempty"`
	Dates      []DateRef   `json:"dates,omitempty"`
	Notes      []string    `json:"notes,omitempty"`
}

// Package is a shipped package, pallet or other handling unit.
type Package struct {
	// ID is the unit's identifier within the document: the HL01 of an X12
	// pack or tare level, the CPS sequence number in EDIFACT.
	ID       string `json:"id"`
	ParentID string `json:"parent_id,omitempty"`
	Type     string `json:"type,omitempty"`
	// SSCC is the GS1 serial shipping container code (MAN*GM, GIN+BJ).
	SSCC string `json:"sscc,omitempty"`
	// Tracking is a carrier's number for the unit (MAN*CP, REF*CN at pack
	// level, GIN+ML).
	Tracking string `json:"tracking,omitempty"`
}

// Carrier identifies who moves a shipment.
type Carrier struct {
	// Code is the SCAC (X12 TD503) or EDIFACT TDT carrier id.
	Code    string `json:"code,omitempty"`
	Name    string `json:"name,omitempty"`
	Mode    string `json:"mode,omitempty"`
	Routing string `json:"routing,omitempty"`
}

// ShipNotice is an advance ship notice: X12 856, EDIFACT DESADV.
type ShipNotice struct {
	ExternalID         string      `json:"external_id"`
	Purpose            string      `json:"purpose,omitempty"`
	IssuedAt           string      `json:"issued_at,omitempty"`
	ShippedAt          string      `json:"shipped_at,omitempty"`
	DeliveryExpectedAt string      `json:"delivery_expected_at,omitempty"`
	Carrier            *Carrier    `json:"carrier,omitempty"`
	TrackingNumbers    []string    `json:"tracking_numbers,omitempty"`
	BillOfLading       string      `json:"bill_of_lading,omitempty"`
	OrderRefs          []string    `json:"order_refs,omitempty"`
	ShipFrom           *Party      `json:"ship_from,omitempty"`
	ShipTo             *Party      `json:"ship_to,omitempty"`
	Buyer              *Party      `json:"buyer,omitempty"`
	Seller             *Party      `json:"seller,omitempty"`
	Parties            []Party     `json:"parties,omitempty"`
	GrossWeight        string      `json:"gross_weight,omitempty"`
	WeightUnit         string      `json:"weight_unit,omitempty"`
	PackageCount       json.Number `json:"package_count,omitempty"`
	Packages           []Package   `json:"packages,omitempty"`
	Lines              []Line      `json:"lines"`
	References         []Reference `json:"references,omitempty"`
	Dates              []DateRef   `json:"dates,omitempty"`
}

// Invoice is a commercial invoice: X12 810, EDIFACT INVOIC.
type Invoice struct {
	ExternalID  string `json:"external_id"`
	InvoiceType string `json:"invoice_type,omitempty"`
	IssuedAt    string `json:"issued_at,omitempty"`
	OrderRef    string `json:"order_ref,omitempty"`
	Currency    string `json:"currency"`
	Seller      *Party `json:"seller,omitempty"`
	Buyer       *Party `json:"buyer,omitempty"`
	ShipTo      *Party `json:"ship_to,omitempty"`
	BillTo      *Party `json:"bill_to,omitempty"`
	// Parties holds the parties other than the four above (remit-to...).
	Parties []Party `json:"parties,omitempty"`
	Lines   []Line  `json:"lines"`
	// Total is the invoice amount: X12 TDS01 (two implied decimals),
	// EDIFACT MOA 77, else 86, 39, 9 or 128.
	Total *Money `json:"total,omitempty"`
	// LineTotal is the sum of line amounts as sent (EDIFACT MOA 79).
	LineTotal  *Money      `json:"line_total,omitempty"`
	TaxTotal   *Money      `json:"tax_total,omitempty"`
	References []Reference `json:"references,omitempty"`
	Dates      []DateRef   `json:"dates,omitempty"`
}

// OrderAck answers a purchase order: X12 855 (generated outbound, and
// read back).
type OrderAck struct {
	// ExternalID is the buyer's purchase order number being answered.
	ExternalID string `json:"external_id"`
	OrderDate  string `json:"order_date,omitempty"`
	// Status is "accepted", "changed" or "rejected".
	Status        string `json:"status"`
	AckedAt       string `json:"acked_at,omitempty"`
	SellerOrderID string `json:"seller_order_id,omitempty"`
	Currency      string `json:"currency,omitempty"`
	Buyer         *Party `json:"buyer,omitempty"`
	Seller        *Party `json:"seller,omitempty"`
	ShipTo        *Party `json:"ship_to,omitempty"`
	Lines         []Line `json:"lines"`
}

// TrackingEvent is one status report about a shipment or package.
type TrackingEvent struct {
	// Consignment is the consignment the event is about (EDIFACT CNI);
	// "" when the document is about one shipment (X12 214).
	Consignment string `json:"consignment,omitempty"`
	// Code and Reason are the sender's codes (X12 AT701/AT702, EDIFACT
	// STS 4405/9013), not translated.
	Code   string `json:"code"`
	Reason string `json:"reason,omitempty"`
	// Stage is Code read into the platform's vocabulary (the Stage
	// constants); "" when the code names none.
	Stage string `json:"stage,omitempty"`
	// At is RFC 3339 with the zone the sender gave (X12 AT707), else the
	// partner profile's.
	At      string `json:"at,omitempty"`
	City    string `json:"city,omitempty"`
	Region  string `json:"region,omitempty"`
	Country string `json:"country,omitempty"`
	// Place is a location's name, LocationCode its code (EDIFACT LOC
	// C517 3225, a UN/LOCODE when the agency is UN/ECE).
	Place        string      `json:"place,omitempty"`
	LocationCode string      `json:"location_code,omitempty"`
	Packages     []string    `json:"packages,omitempty"`
	References   []Reference `json:"references,omitempty"`
}

// TrackingStatus is a carrier's shipment status message: X12 214,
// EDIFACT IFTSTA.
type TrackingStatus struct {
	// ExternalID is the message's own number: X12 B10-01, EDIFACT BGM.
	ExternalID string `json:"external_id"`
	// ShipmentID is the shipper's shipment reference: X12 B10-02, the
	// EDIFACT consignment (CNI) when the message is about one.
	ShipmentID string `json:"shipment_id,omitempty"`
	// TrackingNumber is the carrier's number for the shipment: X12 B10-01
	// (the carrier's reference, PRO or parcel number), EDIFACT RFF+CN.
	TrackingNumber string `json:"tracking_number,omitempty"`
	// Carrier is the SCAC (X12 B10-03) or the EDIFACT carrier party
	// (NAD+CA, else the forwarder NAD+FW).
	Carrier    string          `json:"carrier,omitempty"`
	IssuedAt   string          `json:"issued_at,omitempty"`
	ShipFrom   *Party          `json:"ship_from,omitempty"`
	ShipTo     *Party          `json:"ship_to,omitempty"`
	Parties    []Party         `json:"parties,omitempty"`
	Events     []TrackingEvent `json:"events"`
	References []Reference     `json:"references,omitempty"`
}

func (*PurchaseOrder) DocumentType() string  { return TypePurchaseOrder }
func (*ShipNotice) DocumentType() string     { return TypeShipNotice }
func (*Invoice) DocumentType() string        { return TypeInvoice }
func (*OrderAck) DocumentType() string       { return TypeOrderAck }
func (*TrackingStatus) DocumentType() string { return TypeTrackingStatus }

func (d *PurchaseOrder) Ref() string  { return d.ExternalID }
func (d *ShipNotice) Ref() string     { return d.ExternalID }
func (d *Invoice) Ref() string        { return d.ExternalID }
func (d *OrderAck) Ref() string       { return d.ExternalID }
func (d *TrackingStatus) Ref() string { return d.ExternalID }

// skuPriority orders product identifier qualifiers for Line.SKU: the
// seller's own numbers first (X12 VP/VN, EDIFACT SA, SKU), then
// manufacturer's, then the buyer's, then global trade item numbers.
var skuPriority = []string{"VP", "VN", "SA", "SK", "MG", "MF", "BP", "IN", "SRV", "EN", "UP", "UK", "UA", "IB"}

func pickSKU(ids []ProductID) string {
	for _, q := range skuPriority {
		for _, id := range ids {
			if id.Qualifier == q {
				return id.Value
			}
		}
	}
	if len(ids) > 0 {
		return ids[0].Value
	}
	return ""
}
