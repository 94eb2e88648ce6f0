package sandbox

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's, repeated so that sandbox
// does not depend on identity. Each simulated partner needs the
// permission its real counterpart's API will: orders are data, labels
// and tracking logistics, payments settlement.
const (
	permDataWrite       = "data.write"
	permLogisticsRead   = "logistics.read"
	permLogisticsWrite  = "logistics.write"
	permSettlementRead  = "settlement.read"
	permSettlementWrite = "settlement.write"
)

const sandboxNote = " Sandbox credentials (sk_test_…) only: a live credential is refused with 403 sandbox_only."

// Routes registers the sandbox API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/marketplace/orders", Perm: permDataWrite, Tag: "sandbox",
		Summary: "Have the simulated marketplace push orders", Request: PushRequest{}, Response: PushResult{},
		Status: http.StatusCreated,
		Description: "Pushes count realistic orders (ten channels, each with its own id format, currency and " +
			"addresses) into the sandbox through the order service: they are validated, stored, announced as " +
			"order.created and delivered to webhooks like any marketplace's. The same seed pushes the same orders; " +
			"a repeat is acknowledged as duplicates." + sandboxNote,
		Handler: s.handlePush})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/carrier/labels", Perm: permLogisticsWrite, Tag: "sandbox",
		Summary: "Buy a label from the simulated carrier", Request: LabelRequest{}, Response: Shipment{},
		Status: http.StatusCreated, Errors: []int{http.StatusConflict},
		Description: "Issues a tracking number (UPU S10 layout with its mod-11 check digit) for a sandbox order, " +
			"a 100 × 150 mm PDF label at label_url, and the parcel's whole timeline. Events are emitted on schedule, " +
			"one simulated day per real minute, each as a shipment.tracking_updated event. Recipient postcodes " +
			"SBX-ADDRESS, SBX-CUSTOMS, SBX-LOST and SBX-RETURN (or scenario) trigger exceptions." + sandboxNote,
		Handler: s.handleLabel})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/sandbox/carrier/labels/{file}", Perm: permLogisticsRead, Tag: "sandbox",
		Summary: "Download a sandbox label (PDF)", Produces: []string{"application/pdf"},
		Description: "file is the tracking number followed by .pdf." + sandboxNote,
		Handler:     s.handleLabelPDF})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/sandbox/carrier/tracking/{tracking_number}", Perm: permLogisticsRead,
		Tag: "sandbox", Summary: "Track a sandbox parcel", Response: Shipment{},
		Description: "The events emitted so far, the next one due and the whole planned timeline." + sandboxNote,
		Handler:     s.handleTrack})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/carrier/tracking/{tracking_number}/advance",
		Perm: permLogisticsWrite, Tag: "sandbox", Summary: "Emit a sandbox parcel's next event now", Response: Shipment{},
		Errors: []int{http.StatusConflict},
		Description: "Emits the next event of the timeline at once (and publishes it). 409 tracking_complete once " +
			"the timeline has ended." + sandboxNote,
		Handler: s.handleAdvance})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/payments", Perm: permSettlementWrite, Tag: "sandbox",
		Summary: "Authorise a sandbox card payment", Request: PaymentRequest{}, Response: Payment{},
		Status: http.StatusCreated,
		Description: "Authorises amount on a test card: the outcome is approved, declined (with decline_code) or " +
			"requires_action (a 3-D Secure challenge; answer it at challenge.url). The number and CVC decide the " +
			"outcome and are dropped: only brand, last4 and expiry are kept." + sandboxNote,
		Handler: s.handleCreatePayment})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/sandbox/payments/{id}", Perm: permSettlementRead, Tag: "sandbox",
		Summary: "Get a sandbox payment", Response: Payment{}, Handler: s.handleGetPayment})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/payments/{id}/3ds", Perm: permSettlementWrite, Tag: "sandbox",
		Summary: "Answer a payment's 3-D Secure challenge", Request: OTPRequest{}, Response: Payment{},
		Errors:      []int{http.StatusConflict},
		Description: "OTP 123456 passes the challenge; any other answer declines with authentication_failed." + sandboxNote,
		Handler:     s.handle3DS})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/payments/{id}/capture", Perm: permSettlementWrite, Tag: "sandbox",
		Summary: "Capture an authorised sandbox payment", Request: AmountRequest{}, Response: Payment{},
		Errors:      []int{http.StatusConflict},
		Description: "Captures amount, or the whole authorisation without a body. One capture per payment." + sandboxNote,
		Handler:     s.handleAmount(s.Capture)})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/payments/{id}/refund", Perm: permSettlementWrite, Tag: "sandbox",
		Summary: "Refund a captured sandbox payment", Request: AmountRequest{}, Response: Payment{},
		Errors:      []int{http.StatusConflict},
		Description: "Refunds amount, or all that remains without a body; partial refunds add up." + sandboxNote,
		Handler:     s.handleAmount(s.Refund)})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/sandbox/payments/{id}/void", Perm: permSettlementWrite, Tag: "sandbox",
		Summary: "Void an uncaptured sandbox payment", Response: Payment{}, Errors: []int{http.StatusConflict},
		Handler: s.handleVoid})
}

func (s *Service) handlePush(w http.ResponseWriter, r *http.Request) error {
	if err := sandboxOnly(r.Context()); err != nil {
		return err
	}
	var pr PushRequest
	if err := web.Decode(r, &pr); err != nil {
		return err
	}
	res, err := s.PushOrders(r.Context(), pr)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, res)
}

func (s *Service) handleLabel(w http.ResponseWriter, r *http.Request) error {
	if err := sandboxOnly(r.Context()); err != nil {
		return err
	}
	var lr LabelRequest
	if err := web.Decode(r, &lr); err != nil {
		return err
	}
	sh, err := s.CreateLabel(r.Context(), lr)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sandbox/carrier/tracking/"+sh.TrackingNumber)
	return web.Respond(w, r, http.StatusCreated, sh)
}

func (s *Service) handleLabelPDF(w http.ResponseWriter, r *http.Request) error {
	if err := sandboxOnly(r.Context()); err != nil {
		return err
	}
	number, ok := strings.CutSuffix(r.PathValue("file"), ".pdf")
	if !ok {
		return problem.ErrNotFound
	}
	pdf, err := s.Label(r.Context(), number)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.ToUpper(number)+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}

func (s *Service) handleTrack(w http.ResponseWriter, r *http.Request) error {
	sh, err := s.Track(r.Context(), r.PathValue("tracking_number"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, sh)
}

func (s *Service) handleAdvance(w http.ResponseWriter, r *http.Request) error {
	sh, err := s.Advance(r.Context(), r.PathValue("tracking_number"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, sh)
}

func (s *Service) handleCreatePayment(w http.ResponseWriter, r *http.Request) error {
	if err := sandboxOnly(r.Context()); err != nil {
		return err
	}
	var pr PaymentRequest
	if err := web.Decode(r, &pr); err != nil {
		return err
	}
	p, err := s.CreatePayment(r.Context(), pr)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sandbox/payments/"+p.ID)
	return web.Respond(w, r, http.StatusCreated, p)
}

func (s *Service) handleGetPayment(w http.ResponseWriter, r *http.Request) error {
	p, err := s.GetPayment(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}

func (s *Service) handle3DS(w http.ResponseWriter, r *http.Request) error {
	if err := sandboxOnly(r.Context()); err != nil {
		return err
	}
	var o OTPRequest
	if err := web.Decode(r, &o); err != nil {
		return err
	}
	p, err := s.Complete3DS(r.Context(), r.PathValue("id"), o)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}

// handleAmount serves capture and refund, whose body is optional.
func (s *Service) handleAmount(fn func(ctx context.Context, id string, a AmountRequest) (Payment, error)) web.H {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := sandboxOnly(r.Context()); err != nil {
			return err
		}
		var a AmountRequest
		if r.ContentLength != 0 {
			if err := web.Decode(r, &a); err != nil {
				return err
			}
		}
		p, err := fn(r.Context(), r.PathValue("id"), a)
		if err != nil {
			return err
		}
		return web.Respond(w, r, http.StatusOK, p)
	}
}

func (s *Service) handleVoid(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Void(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}
