package sandboxcarrier

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
)

var errUnknownService = carrier.ErrUnknownService

// Capabilities of the sandbox carrier.
func Capabilities() carrier.Capabilities {
	c := carrier.Capabilities{Name: "Silkgate Sandbox Post", LabelFormats: []string{"application/pdf"},
		Tracking: true, Cancel: true}
	for _, code := range []string{"express", "standard", "economy"} {
		s := services[code]
		c.Services = append(c.Services, carrier.Service{Code: code, Name: s.name, TransitDays: s.transit})
	}
	return c
}

// ServiceValid reports whether code is a service of the sandbox carrier.
func ServiceValid(code string) bool {
	_, ok := services[code]
	return ok
}

// Issue makes the tracking number for req, with scenario sc (from the
// recipient's postcode when sc is empty). It depends only on its inputs.
func Issue(req carrier.LabelRequest, sc Scenario) (string, error) {
	if req.Service == "" {
		req.Service = DefaultService
	}
	if sc == "" {
		sc = ScenarioFor(req.To.Postcode)
	}
	seed := req.Reference + "\x00" + req.Service + "\x00" + req.To.Postcode + "\x00" +
		strconv.FormatInt(req.Created.UnixNano(), 10)
	if req.IdempotencyKey != "" {
		// Two purchases are two labels even when their requests match;
		// the same purchase asked again is the same label.
		seed += "\x00" + req.IdempotencyKey
	}
	return NewNumber(req.Service, req.From.Country, sc, []byte(seed))
}

// Carrier is the sandbox carrier as a carrier.Carrier, keeping its labels
// in memory: for tests and for modules that want a carrier without a
// store. The sandbox API keeps its parcels in the database and uses the
// functions of this package directly.
type Carrier struct {
	// Now is the clock (time.Now). Track shows the events whose compressed
	// due time (see Speed) has passed.
	Now func() time.Time

	mu     sync.Mutex
	labels map[string]parcel
	keys   map[string]string // idempotency key → tracking number
}

type parcel struct {
	req       carrier.LabelRequest
	cancelled bool
}

var _ carrier.Carrier = (*Carrier)(nil)

// New returns an empty sandbox carrier.
func New() *Carrier {
	return &Carrier{Now: time.Now, labels: map[string]parcel{}, keys: map[string]string{}}
}

// Bought returns how many labels the carrier has issued (and would have
// charged for): a purchase repeated with its idempotency key is not
// counted again.
func (c *Carrier) Bought() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.labels)
}

// Capabilities implements carrier.Carrier.
func (c *Carrier) Capabilities() carrier.Capabilities { return Capabilities() }

// CreateLabel implements carrier.Carrier.
func (c *Carrier) CreateLabel(ctx context.Context, req carrier.LabelRequest) (carrier.Label, error) {
	if req.Service == "" {
		req.Service = DefaultService
	}
	if !ServiceValid(req.Service) {
		return carrier.Label{}, fmt.Errorf("sandboxcarrier: %w %q", carrier.ErrUnknownService, req.Service)
	}
	if req.IdempotencyKey != "" {
		// A key seen before answers with its label, as first issued.
		c.mu.Lock()
		n, ok := c.keys[req.IdempotencyKey]
		p := c.labels[n]
		c.mu.Unlock()
		if ok {
			pdf, err := RenderLabel(n, p.req)
			if err != nil {
				return carrier.Label{}, err
			}
			return carrier.Label{TrackingNumber: n, Service: p.req.Service, MediaType: "application/pdf", Data: pdf}, nil
		}
	}
	if req.Created.IsZero() {
		req.Created = c.Now()
	}
	req.Created = req.Created.UTC().Truncate(time.Second)
	n, err := Issue(req, "")
	if err != nil {
		return carrier.Label{}, err
	}
	pdf, err := RenderLabel(n, req)
	if err != nil {
		return carrier.Label{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.IdempotencyKey != "" {
		if first, ok := c.keys[req.IdempotencyKey]; ok {
			// A concurrent call with the same key won: its label stands.
			n, req = first, c.labels[first].req
			if pdf, err = RenderLabel(n, req); err != nil {
				return carrier.Label{}, err
			}
			return carrier.Label{TrackingNumber: n, Service: req.Service, MediaType: "application/pdf", Data: pdf}, nil
		}
		c.keys[req.IdempotencyKey] = n
	}
	c.labels[n] = parcel{req: req}
	return carrier.Label{TrackingNumber: n, Service: req.Service, MediaType: "application/pdf", Data: pdf}, nil
}

func (c *Carrier) get(n string) (parcel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.labels[n]
	if !ok {
		return parcel{}, fmt.Errorf("sandboxcarrier: %w: %s", carrier.ErrUnknownTracking, n)
	}
	return p, nil
}

// Track implements carrier.Carrier.
func (c *Carrier) Track(ctx context.Context, number string) ([]carrier.TrackingEvent, error) {
	p, err := c.get(number)
	if err != nil {
		return nil, err
	}
	steps, err := Plan(number, p.req.From, p.req.To, p.req.Created)
	if err != nil {
		return nil, err
	}
	now := c.Now()
	var out []carrier.TrackingEvent
	for _, s := range steps {
		if Due(p.req.Created, s).After(now) || (p.cancelled && s.Status != carrier.LabelCreated) {
			break
		}
		out = append(out, s.TrackingEvent)
	}
	return out, nil
}

// Cancel implements carrier.Carrier: a label may be cancelled until the
// parcel is picked up.
func (c *Carrier) Cancel(ctx context.Context, number string) error {
	evs, err := c.Track(ctx, number)
	if err != nil {
		return err
	}
	if len(evs) > 1 {
		return fmt.Errorf("sandboxcarrier: %s: %w", number, carrier.ErrNotCancellable)
	}
	c.mu.Lock()
	p := c.labels[number]
	p.cancelled = true
	c.labels[number] = p
	c.mu.Unlock()
	return nil
}
