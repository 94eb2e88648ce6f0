// Package warehouse is the contract between Silkgate and an overseas-
// warehouse operator (clause 6.3.3.2, interface layer). It follows the
// model the operators' own APIs share: inbound notices (ASN) that the
// warehouse receives with variance, stock per SKU and quality grade, a
// movement ledger with the operator's own movement ids, outbound orders,
// and the fees the operator charges. The logistics module reaches
// operators only through Warehouse; each operator is a package below this
// one.
//
// An account is the operator's name for one warehouse of one seller (the
// warehouse's code in Silkgate): one operator connection serves every
// warehouse a seller rents from it.
package warehouse

import (
	"context"
	"errors"
	"time"
)

// Grade is the quality grade stock is kept under. Operators grade
// returned and inspected units; sellable new stock is GradeNew.
type Grade string

// The grades, from best to worst.
const (
	GradeNew         Grade = "new"
	GradeRefurbished Grade = "refurbished"
	GradeDamaged     Grade = "damaged"
)

// Grades lists every grade, best first.
var Grades = []Grade{GradeNew, GradeRefurbished, GradeDamaged}

// Valid reports whether g is a known grade.
func (g Grade) Valid() bool {
	return g == GradeNew || g == GradeRefurbished || g == GradeDamaged
}

// Sellable reports whether units of grade g may be sent to a buyer.
func (g Grade) Sellable() bool { return g == GradeNew || g == GradeRefurbished }

// MovementType names what moved stock.
type MovementType string

// Movement types. Quantities are signed from the warehouse's point of
// view: a receipt adds to on-hand stock, a shipment takes from it, an
// adjustment or a transfer may do either.
const (
	Receipt     MovementType = "receipt"
	Reservation MovementType = "reservation"
	Release     MovementType = "release"
	Shipment    MovementType = "shipment"
	Adjustment  MovementType = "adjustment"
	Return      MovementType = "return"
	Transfer    MovementType = "transfer"
)

// MovementTypes lists the types.
var MovementTypes = []MovementType{Receipt, Reservation, Release, Shipment, Adjustment, Return, Transfer}

// Line is a quantity of one SKU in one grade.
type Line struct {
	SKU      string `json:"sku"`
	Grade    Grade  `json:"grade,omitempty"`
	Quantity int64  `json:"quantity"`
}

// InboundNotice announces goods on their way to the warehouse.
type InboundNotice struct {
	// Reference is Silkgate's id of the notice; the operator echoes it on
	// the receipt movements.
	Reference  string    `json:"reference"`
	Lines      []Line    `json:"lines"`
	ExpectedAt time.Time `json:"expected_at,omitempty"`
}

// Address is where an outbound order goes.
type Address struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	City     string `json:"city"`
	Postcode string `json:"postcode,omitempty"`
	Country  string `json:"country"`
}

// OutboundOrder asks the warehouse to pick, pack and dispatch.
type OutboundOrder struct {
	// Reference is Silkgate's id of the outbound order; the operator
	// echoes it on the shipment movements.
	Reference string  `json:"reference"`
	ShipTo    Address `json:"ship_to"`
	Lines     []Line  `json:"lines"`
}

// Ack is the operator's acknowledgement of a notice or an order.
type Ack struct {
	// ExternalID is the operator's own id of the document.
	ExternalID string `json:"external_id"`
}

// StockLevel is the operator's count of one SKU in one grade.
type StockLevel struct {
	SKU      string `json:"sku"`
	Grade    Grade  `json:"grade"`
	OnHand   int64  `json:"on_hand"`
	Reserved int64  `json:"reserved"`
}

// Snapshot is the operator's full stock of an account at one moment.
type Snapshot struct {
	At time.Time `json:"at"`
	// Cursor is the movement position the snapshot reflects: movements
	// up to it are counted in Stock, so a delta sync continues after it.
	Cursor string       `json:"cursor,omitempty"`
	Stock  []StockLevel `json:"stock"`
}

// Movement is one entry of the operator's movement ledger.
type Movement struct {
	// ID is the operator's movement id: applying a movement twice is
	// recognised by it.
	ID       string       `json:"id"`
	Type     MovementType `json:"type"`
	SKU      string       `json:"sku"`
	Grade    Grade        `json:"grade"`
	Quantity int64        `json:"quantity"`
	// Reference names the Silkgate document the movement belongs to (an
	// inbound notice or an outbound order), when there is one.
	Reference string    `json:"reference,omitempty"`
	At        time.Time `json:"at"`
	Note      string    `json:"note,omitempty"`
}

// Capabilities says what an operator supports.
type Capabilities struct {
	Name      string `json:"name"`
	Inbound   bool   `json:"inbound"`
	Outbound  bool   `json:"outbound"`
	Snapshots bool   `json:"snapshots"`
	Deltas    bool   `json:"deltas"`
}

// Errors an operator returns; implementations wrap them.
var (
	ErrUnknownAccount = errors.New("warehouse: unknown account")
	ErrRejected       = errors.New("warehouse: document rejected by the operator")
)

// Warehouse is an overseas-warehouse operator. Implementations are safe
// for concurrent use and honour ctx on every call that reaches the
// network. Callers never call them inside a database transaction.
//
// A document's Reference is its idempotency key: an implementation must
// answer a document sent again with the same Reference (after a timeout,
// a lost answer, a crash before the acknowledgement was recorded) with
// the first acknowledgement, and must not place a second order.
type Warehouse interface {
	Capabilities() Capabilities
	// SendInbound announces an inbound notice. Sending the same Reference
	// again returns the first acknowledgement.
	SendInbound(ctx context.Context, account string, n InboundNotice) (Ack, error)
	// SendOutbound hands over an outbound order. Sending the same
	// Reference again returns the first acknowledgement.
	SendOutbound(ctx context.Context, account string, o OutboundOrder) (Ack, error)
	// Snapshot returns the account's full stock.
	Snapshot(ctx context.Context, account string) (Snapshot, error)
	// Movements returns the account's movements after cursor (empty: from
	// the start), oldest first, and the cursor to continue from.
	Movements(ctx context.Context, account, cursor string) ([]Movement, string, error)
}
