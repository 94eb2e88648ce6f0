package shipments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/logistics/rates"
)

// Connector is a carrier the module can buy labels from: the connector
// itself, which of its service codes a rate-card service maps to, and
// how it speaks of statuses.
type Connector struct {
	// Code names the connector ("sandbox", "dhl"); shipments and tracking
	// events carry it as their carrier code (GB/T 40202 carrier code).
	Code    string
	Carrier carrier.Carrier
	// Names are the carrier names of rate-card services this connector
	// serves, compared without case ("DHL Express").
	Names []string
	// ServiceCode picks the connector's service for a rate-card service;
	// nil sends the card's name.
	ServiceCode func(svc rates.CarrierService) string
	// Codes reads the carrier's own status codes (upper case) into the
	// normalised statuses, for webhooks and uploads that send them.
	Codes map[string]carrier.Status
	// PollEvery is how often a shipment's tracking is pulled with
	// Carrier.Track until it is final; zero means the carrier pushes.
	PollEvery time.Duration
}

// Registry holds the carrier connectors. Real carriers register under
// their names; the sandbox carrier serves every sandbox shipment and the
// platform's sample (demo) services, so the demo prints real labels and
// plays real timelines without reaching a carrier.
type Registry struct {
	mu      sync.RWMutex
	byCode  map[string]Connector
	sandbox Connector
	samples map[string]bool
}

// ErrNoConnector is returned for a service whose carrier has no connector.
var ErrNoConnector = errors.New("shipments: no carrier connector for the service")

// NewRegistry returns a registry holding the sandbox carrier.
func NewRegistry(sandbox carrier.Carrier) *Registry {
	r := &Registry{byCode: map[string]Connector{}, samples: map[string]bool{}}
	r.sandbox = Connector{Code: SandboxCarrierCode, Carrier: sandbox, ServiceCode: SandboxServiceCode,
		PollEvery: 20 * time.Second}
	r.byCode[SandboxCarrierCode] = r.sandbox
	if cs, err := rates.SampleServices(); err == nil {
		for _, c := range cs {
			r.samples[sampleKey(c.Carrier, c.Name)] = true
		}
	}
	return r
}

// SandboxCarrierCode is the sandbox carrier's code.
const SandboxCarrierCode = "sandbox"

func sampleKey(carrierName, name string) string {
	return strings.ToLower(carrierName) + "\x00" + strings.ToLower(name)
}

// Register adds a connector; a later one with the same code replaces it.
func (r *Registry) Register(c Connector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Code = strings.ToLower(c.Code)
	r.byCode[c.Code] = c
}

func (r *Registry) lookup(code string) (Connector, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.byCode[strings.ToLower(strings.TrimSpace(code))]
	return c, ok
}

// Known reports whether code names a registered connector.
func (r *Registry) Known(code string) bool {
	_, ok := r.lookup(code)
	return ok
}

// For returns the connector that buys labels for svc. Sandbox data never
// reaches a real carrier; live data goes to the connector registered for
// the card's carrier name, or to the sandbox carrier for the platform's
// sample services.
func (r *Registry) For(svc rates.CarrierService, sandbox bool) (Connector, error) {
	if sandbox {
		return r.sandbox, nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range r.byCode {
		for _, n := range c.Names {
			if strings.EqualFold(n, svc.Carrier) {
				return c, nil
			}
		}
	}
	if svc.Shared && r.samples[sampleKey(svc.Carrier, svc.Name)] {
		return r.sandbox, nil
	}
	return Connector{}, fmt.Errorf("%w: %s", ErrNoConnector, svc.Carrier)
}

// SandboxServiceCode picks the sandbox carrier's product for a card: the
// express product for fast air services, economy for slow or surface
// ones, and the tracked packet otherwise.
func SandboxServiceCode(svc rates.CarrierService) string {
	slowest := 0
	for _, z := range svc.Zones {
		slowest = max(slowest, z.TransitDays.Max)
	}
	switch {
	case svc.Mode == logistics.ModeAir && slowest > 0 && slowest <= 6:
		return "express"
	case svc.Mode == logistics.ModeSea || svc.Mode == logistics.ModeRail || svc.Mode == logistics.ModeRoad || slowest > 15:
		return "economy"
	}
	return sandboxcarrier.DefaultService
}

// SandboxCarrier is the sandbox carrier as a stateless connector: labels
// and timelines follow from the label request, which the shipments store
// keeps, so tracking survives restarts and runs on every node.
type SandboxCarrier struct {
	// Request returns the label request of a number bought earlier, from
	// the caller's partition.
	Request func(ctx context.Context, number string) (carrier.LabelRequest, error)
	// Now is the clock (time.Now).
	Now func() time.Time
}

var _ carrier.Carrier = (*SandboxCarrier)(nil)

// Capabilities implements carrier.Carrier.
func (c *SandboxCarrier) Capabilities() carrier.Capabilities { return sandboxcarrier.Capabilities() }

// CreateLabel implements carrier.Carrier.
func (c *SandboxCarrier) CreateLabel(ctx context.Context, req carrier.LabelRequest) (carrier.Label, error) {
	if req.Service == "" {
		req.Service = sandboxcarrier.DefaultService
	}
	if !sandboxcarrier.ServiceValid(req.Service) {
		return carrier.Label{}, fmt.Errorf("shipments: %w %q", carrier.ErrUnknownService, req.Service)
	}
	n, err := sandboxcarrier.Issue(req, "")
	if err != nil {
		return carrier.Label{}, err
	}
	pdf, err := sandboxcarrier.RenderLabel(n, req)
	if err != nil {
		return carrier.Label{}, err
	}
	return carrier.Label{TrackingNumber: n, Service: req.Service, MediaType: "application/pdf", Data: pdf}, nil
}

// Track implements carrier.Carrier: the timeline's events that have
// fallen due (sandboxcarrier.Speed), each dated when it fell due, as the
// sandbox API dates the events it emits.
func (c *SandboxCarrier) Track(ctx context.Context, number string) ([]carrier.TrackingEvent, error) {
	req, err := c.Request(ctx, number)
	if err != nil {
		return nil, err
	}
	steps, err := sandboxcarrier.Plan(number, req.From, req.To, req.Created)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	var out []carrier.TrackingEvent
	for _, s := range steps {
		if sandboxcarrier.Due(req.Created, s).After(now) {
			break
		}
		ev := s.TrackingEvent
		ev.At = sandboxcarrier.Due(req.Created, s).UTC().Truncate(time.Second)
		out = append(out, ev)
	}
	return out, nil
}

// Cancel implements carrier.Carrier; shipments are not cancelled here.
func (c *SandboxCarrier) Cancel(ctx context.Context, number string) error {
	return carrier.ErrNotCancellable
}
