package warehouses

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Connector kinds a warehouse can have.
const (
	// ConnectorManual: the operator has no API Silkgate calls; stock
	// changes arrive through the API (receipts, movements, snapshots).
	ConnectorManual = "manual"
	// ConnectorSandbox: the simulated operator of sandboxwarehouse.
	ConnectorSandbox = "sandbox"
)

// Grade re-exports the connector's quality grade.
type Grade = warehouse.Grade

// Address is a warehouse's street address.
type Address struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	City     string `json:"city"`
	Postcode string `json:"postcode,omitempty"`
}

// Region is a destination country the warehouse delivers to, with its
// usual delivery time in days.
type Region struct {
	Country string `json:"country"`
	Days    int    `json:"days"`
}

// StorageBand prices storage for units of an age up to UpToDays (0 on
// the last band: any older age). Either price may be empty.
type StorageBand struct {
	UpToDays   int    `json:"up_to_days"`
	PerUnitDay string `json:"per_unit_day,omitempty"`
	PerCBMDay  string `json:"per_cbm_day,omitempty"`
}

// FeeSchedule is what the operator charges, in one currency.
type FeeSchedule struct {
	Currency string        `json:"currency"`
	Storage  []StorageBand `json:"storage,omitempty"`
	// UnitVolumeCM3 gives a SKU's stored volume for per-cbm storage.
	UnitVolumeCM3    map[string]int64 `json:"unit_volume_cm3,omitempty"`
	HandlingPerOrder string           `json:"handling_per_order,omitempty"`
	HandlingPerLine  string           `json:"handling_per_line,omitempty"`
	HandlingPerUnit  string           `json:"handling_per_unit,omitempty"`
}

// AlertRules say when the warehouse raises stock alerts.
type AlertRules struct {
	// LowStock is the available quantity at or below which a SKU is low
	// (0: no quantity threshold); LowStockSKU overrides it per SKU.
	LowStock    int64            `json:"low_stock,omitempty"`
	LowStockSKU map[string]int64 `json:"low_stock_sku,omitempty"`
	// MinDaysCover: a SKU is low when its available stock lasts fewer
	// days than this at the last 30 days' shipment rate (0: off).
	MinDaysCover int `json:"min_days_cover,omitempty"`
	// AgeingDays: units older than this raise an ageing alert (0: off).
	AgeingDays int `json:"ageing_days,omitempty"`
}

// Warehouse is an overseas warehouse the tenant rents.
type Warehouse struct {
	ID       string  `json:"id"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Operator string  `json:"operator"`
	Country  string  `json:"country"`
	Address  Address `json:"address"`
	// Connector is how Silkgate reaches the operator: manual or sandbox.
	Connector string `json:"connector"`
	// Account is the operator's id for this warehouse (default: Code).
	Account   string      `json:"account,omitempty"`
	Regions   []Region    `json:"regions"`
	Fees      FeeSchedule `json:"fees"`
	Alerts    AlertRules  `json:"alerts"`
	Version   int64       `json:"version"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// XMLRoot names the XML root element.
func (Warehouse) XMLRoot() string { return "warehouse" }

var codeRe = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{0,31}$`)

// Normalized trims and upper-cases what is case-insensitive.
func (w Warehouse) Normalized() Warehouse {
	w.Code = strings.ToUpper(strings.TrimSpace(w.Code))
	w.Name, w.Operator = strings.TrimSpace(w.Name), strings.TrimSpace(w.Operator)
	w.Country = strings.ToUpper(strings.TrimSpace(w.Country))
	w.Connector = strings.TrimSpace(w.Connector)
	if w.Connector == "" {
		w.Connector = ConnectorManual
	}
	if w.Account = strings.TrimSpace(w.Account); w.Account == "" {
		w.Account = w.Code
	}
	for i := range w.Regions {
		w.Regions[i].Country = strings.ToUpper(strings.TrimSpace(w.Regions[i].Country))
	}
	w.Fees.Currency = strings.ToUpper(strings.TrimSpace(w.Fees.Currency))
	return w
}

// Validate checks a warehouse as sent by a client.
func (w *Warehouse) Validate() error {
	n := w.Normalized()
	var fs problem.Errors
	if !codeRe.MatchString(n.Code) {
		fs.Add("code", "invalid_format")
	}
	if n.Name == "" {
		fs.Add("name", "required")
	} else if len(n.Name) > 200 {
		fs.Add("name", "max_length", "max", 200)
	}
	if n.Operator == "" {
		fs.Add("operator", "required")
	}
	if !iso.Country(n.Country) {
		fs.Add("country", "invalid_country", "country", w.Country)
	}
	if n.Connector != ConnectorManual && n.Connector != ConnectorSandbox {
		fs.Add("connector", "one_of", "values", ConnectorManual+", "+ConnectorSandbox)
	}
	if len(n.Regions) == 0 {
		fs.Add("regions", "min_items", "min", 1)
	}
	seen := map[string]bool{}
	for i, r := range n.Regions {
		f := "regions[" + itoa(i) + "]"
		if !iso.Country(r.Country) {
			fs.Add(f+".country", "invalid_country", "country", r.Country)
		} else if seen[r.Country] {
			fs.Add(f+".country", "duplicate")
		}
		seen[r.Country] = true
		if r.Days < 0 || r.Days > 90 {
			fs.Add(f+".days", "out_of_range", "min", 0, "max", 90)
		}
	}
	validFees(n.Fees, &fs)
	a := n.Alerts
	if a.LowStock < 0 {
		fs.Add("alerts.low_stock", "out_of_range", "min", 0, "max", 1000000000)
	}
	for sku, v := range a.LowStockSKU {
		if v < 0 || strings.TrimSpace(sku) == "" {
			fs.Add("alerts.low_stock_sku."+sku, "out_of_range", "min", 0, "max", 1000000000)
		}
	}
	if a.MinDaysCover < 0 || a.MinDaysCover > 365 {
		fs.Add("alerts.min_days_cover", "out_of_range", "min", 0, "max", 365)
	}
	if a.AgeingDays < 0 || a.AgeingDays > 3650 {
		fs.Add("alerts.ageing_days", "out_of_range", "min", 0, "max", 3650)
	}
	return fs.Err()
}

func validFees(f FeeSchedule, fs *problem.Errors) {
	if !money.ValidCurrency(f.Currency) {
		fs.Add("fees.currency", "invalid_currency", "currency", f.Currency)
		return
	}
	price := func(field, v string) {
		if v == "" {
			return
		}
		if _, code, params := money.Check(money.Money{Amount: v, Currency: f.Currency}, false); code != "" {
			// Per-unit storage prices may be finer than the currency's
			// minor unit (0.005 EUR a day); only the charge is rounded.
			if code == money.CodePrecision {
				return
			}
			fs.Add(field, code, params...)
		}
	}
	for i, b := range f.Storage {
		fb := "fees.storage[" + itoa(i) + "]"
		last := i == len(f.Storage)-1
		switch {
		case b.UpToDays < 0, !last && b.UpToDays == 0, i > 0 && b.UpToDays != 0 && b.UpToDays <= f.Storage[i-1].UpToDays:
			fs.Add(fb+".up_to_days", "out_of_range", "min", 1, "max", 3650)
		}
		if b.PerUnitDay == "" && b.PerCBMDay == "" {
			fs.Add(fb+".per_unit_day", "required")
		}
		price(fb+".per_unit_day", b.PerUnitDay)
		price(fb+".per_cbm_day", b.PerCBMDay)
	}
	for sku, v := range f.UnitVolumeCM3 {
		if v <= 0 {
			fs.Add("fees.unit_volume_cm3."+sku, "positive")
		}
	}
	price("fees.handling_per_order", f.HandlingPerOrder)
	price("fees.handling_per_line", f.HandlingPerLine)
	price("fees.handling_per_unit", f.HandlingPerUnit)
}

// DeliveryDays returns the warehouse's delivery days to country, and
// whether it serves it.
func (w Warehouse) DeliveryDays(country string) (int, bool) {
	for _, r := range w.Regions {
		if r.Country == country {
			return r.Days, true
		}
	}
	return 0, false
}

// Line is a quantity of a SKU in a grade, in requests.
type Line struct {
	SKU      string `json:"sku"`
	Grade    Grade  `json:"grade,omitempty"`
	Quantity int64  `json:"quantity"`
}

func normLines(ls []Line) []Line {
	out := make([]Line, len(ls))
	for i, l := range ls {
		l.SKU = strings.TrimSpace(l.SKU)
		if l.Grade == "" {
			l.Grade = warehouse.GradeNew
		}
		out[i] = l
	}
	return out
}

// validLines checks lines under field prefix f; sellable restricts the
// grades to those that may be shipped to a buyer.
func validLines(f string, ls []Line, sellable bool, fs *problem.Errors) {
	if len(ls) == 0 {
		fs.Add(f, "min_items", "min", 1)
	}
	if len(ls) > 500 {
		fs.Add(f, "max_items", "max", 500)
	}
	type k struct {
		sku   string
		grade Grade
	}
	seen := map[k]bool{}
	for i, l := range ls {
		p := f + "[" + itoa(i) + "]"
		if l.SKU == "" {
			fs.Add(p+".sku", "required")
		} else if len(l.SKU) > 64 {
			fs.Add(p+".sku", "max_length", "max", 64)
		}
		switch {
		case !l.Grade.Valid():
			fs.Add(p+".grade", "one_of", "values", gradeList(false))
		case sellable && !l.Grade.Sellable():
			fs.Add(p+".grade", "one_of", "values", gradeList(true))
		}
		if l.Quantity <= 0 || l.Quantity > 1_000_000 {
			fs.Add(p+".quantity", "out_of_range", "min", 1, "max", 1000000)
		}
		if seen[k{l.SKU, l.Grade}] {
			fs.Add(p+".sku", "duplicate")
		}
		seen[k{l.SKU, l.Grade}] = true
	}
}

func gradeList(sellable bool) string {
	var s []string
	for _, g := range warehouse.Grades {
		if !sellable || g.Sellable() {
			s = append(s, string(g))
		}
	}
	return strings.Join(s, ", ")
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// AgeBuckets counts on-hand units by how long ago they were received.
type AgeBuckets struct {
	D0to30   int64 `json:"d0_30"`
	D31to90  int64 `json:"d31_90"`
	D91to180 int64 `json:"d91_180"`
	Over180  int64 `json:"over_180"`
}

func (b *AgeBuckets) add(ageDays int, q int64) {
	switch {
	case ageDays <= 30:
		b.D0to30 += q
	case ageDays <= 90:
		b.D31to90 += q
	case ageDays <= 180:
		b.D91to180 += q
	default:
		b.Over180 += q
	}
}

// Stock is a warehouse's stock of one SKU in one grade.
type Stock struct {
	WarehouseID   string `json:"warehouse_id"`
	WarehouseCode string `json:"warehouse_code"`
	SKU           string `json:"sku"`
	Grade         Grade  `json:"grade"`
	OnHand        int64  `json:"on_hand"`
	Reserved      int64  `json:"reserved"`
	// Available is OnHand − Reserved; negative when a count found fewer
	// units than are promised.
	Available int64 `json:"available"`
	InTransit int64 `json:"in_transit"`
	// OldestReceivedAt is the receipt date of the oldest unit on hand.
	OldestReceivedAt *time.Time `json:"oldest_received_at,omitempty"`
	AgeDays          int        `json:"age_days"`
	Ages             AgeBuckets `json:"ages"`
}

// Movement is one entry of the append-only stock ledger.
type Movement struct {
	ID            string                 `json:"id"`
	WarehouseID   string                 `json:"warehouse_id"`
	Type          warehouse.MovementType `json:"type"`
	SKU           string                 `json:"sku"`
	Grade         Grade                  `json:"grade"`
	OnHandDelta   int64                  `json:"on_hand_delta"`
	ReservedDelta int64                  `json:"reserved_delta"`
	Reference     string                 `json:"reference,omitempty"`
	ExternalID    string                 `json:"external_id,omitempty"`
	Note          string                 `json:"note,omitempty"`
	CreatedAt     time.Time              `json:"created_at"`
}

// Inbound notice statuses.
const (
	InboundCreated   = "created"
	InboundInTransit = "in_transit"
	InboundReceived  = "received"
	InboundCancelled = "cancelled"
)

// Discrepancy is a difference between what a notice announced and what
// the warehouse received, per SKU and grade.
type Discrepancy struct {
	SKU        string `json:"sku"`
	Grade      Grade  `json:"grade"`
	Expected   int64  `json:"expected"`
	Received   int64  `json:"received"`
	Difference int64  `json:"difference"`
}

// Inbound is an inbound notice (ASN).
type Inbound struct {
	ID            string        `json:"id"`
	WarehouseID   string        `json:"warehouse_id"`
	Reference     string        `json:"reference,omitempty"`
	Status        string        `json:"status"`
	Lines         []Line        `json:"lines"`
	Received      []Line        `json:"received,omitempty"`
	Discrepancies []Discrepancy `json:"discrepancies,omitempty"`
	ExpectedAt    *time.Time    `json:"expected_at,omitempty"`
	ExternalID    string        `json:"external_id,omitempty"`
	ReceivedAt    *time.Time    `json:"received_at,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

// XMLRoot names the XML root element.
func (Inbound) XMLRoot() string { return "inbound" }

// NewInbound is the body that creates an inbound notice.
type NewInbound struct {
	WarehouseID string     `json:"warehouse_id"`
	Reference   string     `json:"reference,omitempty"`
	Lines       []Line     `json:"lines"`
	ExpectedAt  *time.Time `json:"expected_at,omitempty"`
}

// XMLRoot names the XML root element.
func (NewInbound) XMLRoot() string { return "inbound" }

// Validate checks the notice.
func (n *NewInbound) Validate() error {
	var fs problem.Errors
	if strings.TrimSpace(n.WarehouseID) == "" {
		fs.Add("warehouse_id", "required")
	}
	if len(n.Reference) > 100 {
		fs.Add("reference", "max_length", "max", 100)
	}
	validLines("lines", normLines(n.Lines), false, &fs)
	return fs.Err()
}

// Receipt is the body that records what arrived for a notice.
type Receipt struct {
	Lines []Line `json:"lines"`
}

// XMLRoot names the XML root element.
func (Receipt) XMLRoot() string { return "receipt" }

// Validate checks the receipt. A line may have quantity 0 only through
// absence: an announced SKU left out was not received at all.
func (r *Receipt) Validate() error {
	var fs problem.Errors
	validLines("lines", normLines(r.Lines), false, &fs)
	return fs.Err()
}

// Outbound order statuses.
const (
	OutboundAllocated = "allocated"
	OutboundShipped   = "shipped"
	OutboundCancelled = "cancelled"
)

// Outbound is an outbound order at one warehouse.
type Outbound struct {
	ID            string `json:"id"`
	WarehouseID   string `json:"warehouse_id"`
	WarehouseCode string `json:"warehouse_code"`
	// Group ties the orders of one request split across warehouses.
	Group        string      `json:"group"`
	OrderID      string      `json:"order_id,omitempty"`
	Reference    string      `json:"reference,omitempty"`
	Status       string      `json:"status"`
	Country      string      `json:"country"`
	DeliveryDays int         `json:"delivery_days"`
	Lines        []Line      `json:"lines"`
	Handling     money.Money `json:"handling_fee"`
	ExternalID   string      `json:"external_id,omitempty"`
	ShippedAt    *time.Time  `json:"shipped_at,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// NewOutbound is the body that asks for an outbound order: either a
// platform order (its ship-to country and lines are used) or a country
// and explicit lines.
type NewOutbound struct {
	OrderID   string `json:"order_id,omitempty"`
	Reference string `json:"reference,omitempty"`
	Country   string `json:"country,omitempty"`
	Lines     []Line `json:"lines,omitempty"`
	// WarehouseID pins the order to one warehouse instead of allocating.
	WarehouseID string `json:"warehouse_id,omitempty"`
	// AllowSplit lets the order be split across warehouses when no single
	// warehouse can serve it (default true).
	AllowSplit *bool `json:"allow_split,omitempty"`
}

// XMLRoot names the XML root element.
func (NewOutbound) XMLRoot() string { return "outbound" }

// Validate checks the shape; an order id is resolved later.
func (n *NewOutbound) Validate() error {
	var fs problem.Errors
	if n.OrderID == "" {
		if !iso.Country(strings.ToUpper(strings.TrimSpace(n.Country))) {
			fs.Add("country", "invalid_country", "country", n.Country)
		}
		validLines("lines", normLines(n.Lines), true, &fs)
	} else if len(n.Lines) > 0 {
		validLines("lines", normLines(n.Lines), true, &fs)
	}
	if len(n.Reference) > 100 {
		fs.Add("reference", "max_length", "max", 100)
	}
	return fs.Err()
}

// Allocation is the answer to an outbound request: one order per
// warehouse used, and how each candidate warehouse was judged.
type Allocation struct {
	Group      string      `json:"group"`
	Split      bool        `json:"split"`
	Orders     []Outbound  `json:"orders"`
	Candidates []Candidate `json:"candidates"`
}

// XMLRoot names the XML root element.
func (Allocation) XMLRoot() string { return "allocation" }

// Candidate is a warehouse considered for an allocation.
type Candidate struct {
	WarehouseID   string       `json:"warehouse_id"`
	WarehouseCode string       `json:"warehouse_code"`
	DeliveryDays  int          `json:"delivery_days"`
	Serves        bool         `json:"serves_country"`
	CoversAll     bool         `json:"covers_all_lines"`
	Handling      *money.Money `json:"handling_fee,omitempty"`
	Reason        string       `json:"reason,omitempty"`
}

// Mismatch is one line of a reconciliation report.
type Mismatch struct {
	SKU        string `json:"sku"`
	Grade      Grade  `json:"grade"`
	Expected   int64  `json:"expected"`
	Reported   int64  `json:"reported"`
	Difference int64  `json:"difference"`
}

// Reconciliation is the report a stock snapshot leaves.
type Reconciliation struct {
	ID          string     `json:"id"`
	WarehouseID string     `json:"warehouse_id"`
	Source      string     `json:"source"`
	SnapshotAt  time.Time  `json:"snapshot_at"`
	Lines       int        `json:"lines"`
	Mismatches  []Mismatch `json:"mismatches"`
	CreatedAt   time.Time  `json:"created_at"`
}

// XMLRoot names the XML root element.
func (Reconciliation) XMLRoot() string { return "reconciliation" }

// SnapshotBody is a stock snapshot pushed through the API.
type SnapshotBody struct {
	At    time.Time              `json:"at,omitzero"`
	Stock []warehouse.StockLevel `json:"stock"`
}

// XMLRoot names the XML root element.
func (SnapshotBody) XMLRoot() string { return "snapshot" }

// Validate checks the snapshot.
func (b *SnapshotBody) Validate() error {
	var fs problem.Errors
	type k struct {
		sku   string
		grade Grade
	}
	seen := map[k]bool{}
	for i, s := range b.Stock {
		p := "stock[" + itoa(i) + "]"
		if strings.TrimSpace(s.SKU) == "" {
			fs.Add(p+".sku", "required")
		}
		if !s.Grade.Valid() {
			fs.Add(p+".grade", "one_of", "values", gradeList(false))
		}
		if s.OnHand < 0 {
			fs.Add(p+".on_hand", "out_of_range", "min", 0, "max", 1000000000)
		}
		if seen[k{strings.TrimSpace(s.SKU), s.Grade}] {
			fs.Add(p+".sku", "duplicate")
		}
		seen[k{strings.TrimSpace(s.SKU), s.Grade}] = true
	}
	return fs.Err()
}

// MovementsBody is a batch of operator movements pushed through the API.
type MovementsBody struct {
	Movements []warehouse.Movement `json:"movements"`
}

// XMLRoot names the XML root element.
func (MovementsBody) XMLRoot() string { return "movements" }

var deltaTypes = []warehouse.MovementType{warehouse.Receipt, warehouse.Shipment, warehouse.Adjustment, warehouse.Return, warehouse.Transfer}

// Validate checks the batch.
func (b *MovementsBody) Validate() error {
	var fs problem.Errors
	if len(b.Movements) == 0 {
		fs.Add("movements", "min_items", "min", 1)
	}
	if len(b.Movements) > 1000 {
		fs.Add("movements", "max_items", "max", 1000)
	}
	for i, m := range b.Movements {
		p := "movements[" + itoa(i) + "]"
		if strings.TrimSpace(m.ID) == "" {
			fs.Add(p+".id", "required")
		} else if len(m.ID) > 100 {
			fs.Add(p+".id", "max_length", "max", 100)
		}
		if !slices.Contains(deltaTypes, m.Type) {
			fs.Add(p+".type", "one_of", "values", "receipt, shipment, adjustment, return, transfer")
		}
		if strings.TrimSpace(m.SKU) == "" {
			fs.Add(p+".sku", "required")
		}
		if !m.Grade.Valid() {
			fs.Add(p+".grade", "one_of", "values", gradeList(false))
		}
		switch {
		case m.Quantity == 0:
			fs.Add(p+".quantity", "positive")
		case (m.Type == warehouse.Receipt || m.Type == warehouse.Return) && m.Quantity < 0,
			m.Type == warehouse.Shipment && m.Quantity > 0:
			fs.Add(p+".quantity", "invalid_value")
		}
	}
	return fs.Err()
}

// Adjustment corrects a stock count by a signed quantity.
type Adjustment struct {
	SKU      string `json:"sku"`
	Grade    Grade  `json:"grade"`
	Quantity int64  `json:"quantity"`
	Reason   string `json:"reason"`
}

// XMLRoot names the XML root element.
func (Adjustment) XMLRoot() string { return "adjustment" }

// Validate checks the adjustment.
func (a *Adjustment) Validate() error {
	var fs problem.Errors
	if strings.TrimSpace(a.SKU) == "" {
		fs.Add("sku", "required")
	}
	if a.Grade == "" {
		a.Grade = warehouse.GradeNew
	}
	if !a.Grade.Valid() {
		fs.Add("grade", "one_of", "values", gradeList(false))
	}
	if a.Quantity == 0 || a.Quantity > 1_000_000 || a.Quantity < -1_000_000 {
		fs.Add("quantity", "out_of_range", "min", -1000000, "max", 1000000)
	}
	if strings.TrimSpace(a.Reason) == "" {
		fs.Add("reason", "required")
	}
	return fs.Err()
}

// Transfer moves units from one warehouse to another, keeping their
// receipt dates.
type Transfer struct {
	From     string `json:"from_warehouse_id"`
	To       string `json:"to_warehouse_id"`
	SKU      string `json:"sku"`
	Grade    Grade  `json:"grade"`
	Quantity int64  `json:"quantity"`
}

// XMLRoot names the XML root element.
func (Transfer) XMLRoot() string { return "transfer" }

// Validate checks the transfer.
func (t *Transfer) Validate() error {
	var fs problem.Errors
	if t.From == "" {
		fs.Add("from_warehouse_id", "required")
	}
	if t.To == "" {
		fs.Add("to_warehouse_id", "required")
	} else if t.To == t.From {
		fs.Add("to_warehouse_id", "invalid_value")
	}
	if strings.TrimSpace(t.SKU) == "" {
		fs.Add("sku", "required")
	}
	if t.Grade == "" {
		t.Grade = warehouse.GradeNew
	}
	if !t.Grade.Valid() {
		fs.Add("grade", "one_of", "values", gradeList(false))
	}
	if t.Quantity <= 0 || t.Quantity > 1_000_000 {
		fs.Add("quantity", "out_of_range", "min", 1, "max", 1000000)
	}
	return fs.Err()
}

// Fee is a charge the warehouse made or will make.
type Fee struct {
	ID          string      `json:"id"`
	WarehouseID string      `json:"warehouse_id"`
	Kind        string      `json:"kind"`
	Reference   string      `json:"reference"`
	Amount      money.Money `json:"amount"`
	Detail      any         `json:"detail,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
}

// Fee kinds.
const (
	FeeStorage  = "storage"
	FeeHandling = "handling"
)

// Alert kinds.
const (
	AlertLowStock = "low_stock"
	AlertAgeing   = "ageing_stock"
)

// Alert is a stock alert.
type Alert struct {
	ID            string     `json:"id"`
	WarehouseID   string     `json:"warehouse_id"`
	WarehouseCode string     `json:"warehouse_code"`
	Kind          string     `json:"kind"`
	SKU           string     `json:"sku"`
	Grade         Grade      `json:"grade"`
	Available     int64      `json:"available"`
	Threshold     int64      `json:"threshold,omitempty"`
	DaysCover     float64    `json:"days_cover,omitempty"`
	AgedUnits     int64      `json:"aged_units,omitempty"`
	AgeDays       int        `json:"age_days,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
	// AcknowledgedAt and AcknowledgedBy say that someone has seen the open
	// alert and is on it; the alert stays open until its condition ends.
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
	AckNote        string     `json:"acknowledgement_note,omitempty"`
}
