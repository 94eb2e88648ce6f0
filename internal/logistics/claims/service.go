package claims

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// The events a claim announces: claim.created once, when it is filed;
// claim.updated on every step, filing included.
const (
	ClaimCreated = "claim.created"
	ClaimUpdated = "claim.updated"
)

func init() {
	events.Register(ClaimCreated, "A carrier claim was filed for a shipment.")
	events.Register(ClaimUpdated, "A carrier claim was filed, changed status or received evidence.")
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the events
// outbox).
type Publisher interface {
	PublishMany(ctx context.Context, es []events.Event) error
}

// Shipment is what a claim needs to know of the shipment it is filed
// against.
type Shipment struct {
	ID, OrderID, TrackingNumber string
	Carrier, CarrierCode        string
	ServiceID                   string
	OriginCountry, DestCountry  string
	// ShippedAt is when the label was bought.
	ShippedAt   time.Time
	DeliveredAt *time.Time
	LastEventAt *time.Time
	// Closed says tracking has counted the shipment in its service's
	// quality record, as OnTime and LostOrDamaged.
	Closed        bool
	OnTime        bool
	LostOrDamaged bool
}

// Shipments finds a shipment of the caller's scope by id; an unknown id
// is problem.ErrNotFound.
type Shipments interface {
	Shipment(ctx context.Context, id string) (Shipment, error)
}

// PaidClaim asks a Payments booker to book a carrier's payment.
type PaidClaim struct {
	ClaimID    string
	ShipmentID string
	Carrier    string
	Amount     money.Money
}

// Payments books a paid claim in settlement and returns its reference (a
// ledger entry id). It must be idempotent by ClaimID.
type Payments interface {
	BookClaimPayment(ctx context.Context, p PaidClaim) (string, error)
}

// Service manages carrier claims.
type Service struct {
	db        *db.DB
	audit     Recorder
	shipments Shipments
	events    Publisher
	payments  Payments
	log       *slog.Logger
	now       func() time.Time

	mu      sync.Mutex
	windows map[string]map[Type]Window
}

// New returns the claims service over the shipments s.
func New(d *db.DB, s Shipments, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, audit: rec, shipments: s, log: log, now: time.Now}
}

// UsePublisher announces claim.created and claim.updated through p.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

// UsePayments books paid claims through p (nil: nothing is booked).
func (s *Service) UsePayments(p Payments) { s.payments = p }

// UseClock replaces the clock (tests).
func (s *Service) UseClock(now func() time.Time) { s.now = now }

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Create files a claim against one of the caller's shipments.
func (s *Service) Create(ctx context.Context, n NewClaim) (Claim, error) {
	if err := n.check(true); err != nil {
		return Claim{}, err
	}
	sh, err := s.shipments.Shipment(ctx, n.ShipmentID)
	if errors.Is(err, problem.ErrNotFound) {
		return Claim{}, problem.ErrNotFound
	}
	if err != nil {
		return Claim{}, err
	}
	now := s.stamp()
	since, by, w := s.deadline(sh, n.Type)
	if now.After(by) {
		code := "claim_window_shipped"
		if w.From == FromDelivered {
			code = "claim_window_delivered"
		}
		return Claim{}, problem.Invalid(problem.Field{Field: "type", Code: code, Params: []any{"type", string(n.Type),
			"days", w.Days, "since", since.Format(time.DateOnly), "deadline", by.Format(time.DateOnly)}})
	}
	c := Claim{ID: ids.New("clm"), ShipmentID: sh.ID, OrderID: sh.OrderID, TrackingNumber: sh.TrackingNumber,
		Carrier: sh.Carrier, CarrierCode: sh.CarrierCode, ServiceID: sh.ServiceID, OriginCountry: sh.OriginCountry,
		DestCountry: sh.DestCountry, Type: n.Type, Status: Filed, ClaimedAmount: n.ClaimedAmount,
		Description: n.Description, Lines: n.Lines, FileBy: by, Evidence: []Document{}, Version: 1,
		CreatedAt: now, UpdatedAt: now, History: []Step{{Status: Filed, At: now, By: audit.ActorFrom(ctx).ID}}}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if err := s.insert(ctx, q, c); err != nil {
			return err
		}
		if err := s.publish(ctx, c, ClaimCreated, ClaimUpdated); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "claim.create", Resource: "claim/" + c.ID, Change: c,
			Detail: "shipment " + sh.ID})
	})
	if err != nil {
		return Claim{}, err
	}
	return c, nil
}

// Transition moves a claim to t.To: strictly along the life cycle (409
// invalid_claim_transition otherwise), with the step's own data checked.
func (s *Service) Transition(ctx context.Context, id string, t Transition) (Claim, error) {
	var c Claim
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if c, err = s.get(ctx, q, id); err != nil {
			return err
		}
		if err := t.validate(c); err != nil {
			return err
		}
		if !c.Status.CanMoveTo(t.To) {
			return errTransition(c.Status, t.To)
		}
		from := c.Status
		now := s.stamp()
		if !now.After(c.UpdatedAt) {
			now = c.UpdatedAt.Add(time.Microsecond)
		}
		if t.CarrierReference != "" {
			c.CarrierReference = t.CarrierReference
		}
		term := ""
		switch t.To {
		case Approved:
			c.SettledAmount = t.SettledAmount
			if term, err = s.qualityTerm(ctx, c); err != nil {
				return err
			}
		case Rejected:
			c.RejectionReason = t.Reason
		case Paid:
			if s.payments != nil && c.SettledAmount != nil && c.LedgerEntryID == "" {
				ref, err := s.payments.BookClaimPayment(ctx, PaidClaim{ClaimID: c.ID, ShipmentID: c.ShipmentID,
					Carrier: c.Carrier, Amount: *c.SettledAmount})
				if err != nil {
					return err
				}
				c.LedgerEntryID = ref
			}
		}
		note := t.Note
		if note == "" && t.To == Rejected {
			note = t.Reason
		}
		c.Status, c.UpdatedAt = t.To, now
		c.History = append(c.History, Step{Status: t.To, At: now, By: audit.ActorFrom(ctx).ID, Note: note})
		if err := s.update(ctx, q, &c, term); err != nil {
			return err
		}
		if err := s.publish(ctx, c, ClaimUpdated); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "claim.transition", Resource: "claim/" + c.ID,
			Change: map[string]any{"from": from, "to": t.To, "note": note, "settled_amount": c.SettledAmount},
			Detail: string(from) + " → " + string(t.To)})
	})
	if err != nil {
		return Claim{}, err
	}
	return c, nil
}

// Quality terms an upheld claim counts against.
const (
	TermLostOrDamaged = shipments.ClaimLostOrDamaged
	TermLate          = shipments.ClaimLate
)

// qualityTerm is the measure an upheld claim counts against in its
// service's record: a loss, damage or shortage against the loss-and-
// damage rate, a delay against the on-time rate. It counts only where
// tracking has closed (and so counted) the shipment without already
// finding that outcome, so that a shipment is never counted bad twice.
func (s *Service) qualityTerm(ctx context.Context, c Claim) (string, error) {
	sh, err := s.shipments.Shipment(ctx, c.ShipmentID)
	if errors.Is(err, problem.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !sh.Closed {
		return "", nil
	}
	switch c.Type {
	case Delay:
		if sh.OnTime {
			return TermLate, nil
		}
	default:
		if !sh.LostOrDamaged {
			return TermLostOrDamaged, nil
		}
	}
	return "", nil
}

func (s *Service) publish(ctx context.Context, c Claim, types ...string) error {
	if s.events == nil {
		return nil
	}
	es := make([]events.Event, len(types))
	for i, t := range types {
		es[i] = events.Event{Type: t, ResourceID: c.ID, Data: c}
	}
	return s.events.PublishMany(ctx, es)
}

// errEvidenceClosed refuses evidence once the carrier has decided.
func errEvidenceClosed(st Status) error {
	return &problem.Error{Status: http.StatusConflict, Code: "claim_evidence_closed", Params: []any{"status", string(st)}}
}
