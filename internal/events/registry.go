package events

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
)

// The event types of the CONTRACT. Modules add their own with Register.
const (
	OrderCreated    = "order.created"
	OrderUpdated    = "order.updated"
	ShipmentCreated = "shipment.created"
	ShipmentUpdated = "shipment.updated"
	ReturnUpdated   = "return.updated"
	ComplianceAlert = "compliance.alert"
	ScreeningHit    = "screening.hit"
	SettlementPaid  = "settlement.paid"
	// ShipmentTrackingUpdated carries one carrier tracking event; the
	// sandbox carrier publishes it today, carrier connectors later.
	ShipmentTrackingUpdated = "shipment.tracking_updated"
)

// TestType is the type of the test events a webhook's "send test event"
// action sends. It is not registered: nobody subscribes to it, and it is
// never relayed to every consumer — only stored for one delivery (see
// Outbox.Append).
const TestType = "webhook.test"

// TypeInfo describes a registered event type.
type TypeInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

var (
	typeName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

	regMu    sync.RWMutex
	registry = map[string]TypeInfo{}
)

func init() {
	for _, t := range []TypeInfo{
		{OrderCreated, "An order was created (API, bulk ingest, EDI or a marketplace)."},
		{OrderUpdated, "An order changed: status, addresses or lines."},
		{ShipmentCreated, "A shipment was created for an order."},
		{ShipmentUpdated, "A shipment changed status or received a tracking event."},
		{ReturnUpdated, "A return was opened or changed status."},
		{ComplianceAlert, "A compliance alert matched the tenant's subscriptions."},
		{ScreeningHit, "A sanctions screening found a potential match."},
		{SettlementPaid, "A settlement was paid out."},
		{ShipmentTrackingUpdated, "A carrier reported a tracking event for a shipment (the sandbox carrier included)."},
	} {
		Register(t.Name, t.Description)
	}
}

// Register adds an event type, named "<resource>.<event>" in lower-case
// snake_case words. Call it from a module's init (or before the app
// serves). It panics on a malformed or repeated name: both are
// programming errors that the first test catches.
func Register(name, description string) {
	if !typeName.MatchString(name) {
		panic(fmt.Sprintf("events: type %q is not <resource>.<event>", name))
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup || name == TestType {
		panic(fmt.Sprintf("events: type %q registered twice", name))
	}
	registry[name] = TypeInfo{Name: name, Description: description}
}

// Known reports whether name is a registered event type.
func Known(name string) bool {
	regMu.RLock()
	defer regMu.RUnlock()
	_, ok := registry[name]
	return ok
}

// Types lists the registered event types by name.
func Types() []TypeInfo {
	regMu.RLock()
	out := make([]TypeInfo, 0, len(registry))
	for _, t := range registry {
		out = append(out, t)
	}
	regMu.RUnlock()
	slices.SortFunc(out, func(a, b TypeInfo) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}
