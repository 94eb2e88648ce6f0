package payouts

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

// maxFile bounds an uploaded status report or bank file.
const maxFile = 16 << 20

var xmlTypes = []string{"application/xml", "text/xml"}

// Routes registers the settlement API.
func (s *Service) Routes(rt *web.Router) {
	read, write := identity.PermSettlementRead, identity.PermSettlementWrite
	for _, r := range []web.Route{
		{Method: "GET", Path: "/api/v1/settlement/rails", Perm: read, Tag: "settlement", Summary: "List settlement rails",
			Description: "Every rail serving the caller's scope behind the SettlementRail interface with its capabilities: " +
				"currencies, account kinds (iban, ecny_wallet), cross_border, instant, pvp, cancel, the ISO 20022 message it is " +
				"instructed with, file (the message is a file the finance user uploads to the bank). Sandbox keys see the " +
				"sandbox rails, live keys the real rails the operator enabled.",
			Response: []rails.Info{}, Handler: s.handleRails},
		{Method: "PUT", Path: "/api/v1/settlement/sellers/{seller}/payout-account", Perm: write, Tag: "settlement",
			Summary: "Set a seller's payout account",
			Description: "Where and in which currency the seller is paid: an IBAN (checked with ISO 13616 mod-97) with an " +
				"optional BIC, or an e-CNY wallet id, on a rail that pays that currency to that kind of account. Opens the " +
				"seller's payable ledger account (sellers:<seller>:payable) in that currency.",
			Request: PayoutAccountInput{}, Response: PayoutAccount{}, Handler: s.handlePutAccount},
		{Method: "GET", Path: "/api/v1/settlement/sellers/{seller}/payout-account", Perm: read, Tag: "settlement",
			Summary: "Get a seller's payout account", Response: PayoutAccount{}, Handler: s.handleGetAccount},
		{Method: "GET", Path: "/api/v1/settlement/payout-accounts", Perm: read, Tag: "settlement",
			Summary: "List payout accounts with balances", Response: web.List[SellerBalance]{}, Handler: s.handleListAccounts},
		{Method: "POST", Path: "/api/v1/settlement/proceeds", Perm: write, Tag: "settlement", Summary: "Book marketplace proceeds",
			Description: "One ledger entry: the marketplace's clearing account is debited the gross, platform:fees credited the " +
				"fee and the seller's payable account the rest. When the seller's payout currency differs, fx_quote_id names a " +
				"quote (POST /api/v1/fx/quotes) selling exactly the net for that currency; it is used in the same transaction " +
				"and honoured once. The same (marketplace, reference) with the same body answers the first booking (200); with " +
				"another body 409. Invalid amounts write nothing.",
			Request: ProceedsInput{}, Response: Proceeds{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict},
			Handler: s.handleProceeds},
		{Method: "GET", Path: "/api/v1/settlement/proceeds", Perm: read, Tag: "settlement", Summary: "List proceeds",
			Query: []web.Param{{Name: "seller_id", Description: "one seller's"}}, Response: web.List[Proceeds]{},
			Handler: s.handleListProceeds},
		{Method: "POST", Path: "/api/v1/settlement/batches", Perm: write, Tag: "settlement", Summary: "Create a payout batch",
			Description: "Pays every seller with a payout account on the rail in the currency (or those listed) its available " +
				"balance: a pending ledger hold per payout, then one message to the rail (pain.001.001.09 for bank rails, " +
				"pacs.008.001.08 for e-CNY). A refused batch has its holds voided at once. idempotency_key is required: the " +
				"batch id (the message id) and the end-to-end ids derive from it, so a retry sends the same message; a repeat " +
				"answers the first batch (200).",
			Request: BatchInput{}, Response: Batch{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict},
			Handler: s.handleCreateBatch},
		{Method: "GET", Path: "/api/v1/settlement/batches", Perm: read, Tag: "settlement", Summary: "List payout batches",
			Response: web.List[Batch]{}, Handler: s.handleListBatches},
		{Method: "GET", Path: "/api/v1/settlement/batches/{id}", Perm: read, Tag: "settlement", Summary: "Get a payout batch",
			Response: Batch{}, Handler: s.handleGetBatch},
		{Method: "GET", Path: "/api/v1/settlement/batches/{id}/message", Perm: read, Tag: "settlement",
			Summary: "Get the ISO 20022 message a batch was sent as", Produces: xmlTypes[:1], Handler: s.handleMessage},
		{Method: "POST", Path: "/api/v1/settlement/batches/{id}/sent", Perm: write, Tag: "settlement",
			Summary: "Mark a bank file uploaded",
			Description: "For a batch on a file rail (bank_file): the finance user downloaded its pain.001 " +
				"(GET …/message) and uploaded it to the bank, so the batch moves from ready to sent. A batch already sent " +
				"answers as it is; any other status is 409 batch_not_ready, a batch of another rail 409 batch_not_file. " +
				"The bank's pacs.002 or camt.054, uploaded to POST /api/v1/settlement/status-reports, then settles or " +
				"rejects each payout.",
			Response: Batch{}, Errors: []int{http.StatusConflict}, Handler: s.handleMarkSent},
		{Method: "POST", Path: "/api/v1/settlement/batches/{id}/refresh", Perm: write, Tag: "settlement",
			Summary: "Take the rail's status report",
			Description: "Asks the rail for its status report (a pacs.002) and applies it: ACSC/ACCC posts a payout's hold and " +
				"publishes settlement.paid, RJCT voids it (the seller's balance returns exactly), CANC voids it as cancelled.",
			Response: IntakeResult{}, Handler: s.handleRefresh},
		{Method: "POST", Path: "/api/v1/settlement/status-reports", Perm: write, Tag: "settlement",
			Summary: "Upload a pacs.002 or pain.002 status report (or a camt.054)", Consumes: xmlTypes, Response: IntakeResult{},
			Description: "The body is the bank's XML. Its OrgnlMsgId names the batch; each transaction is matched by " +
				"EndToEndId and applied as by refresh. A camt.054 or camt.053 is taken too: each booked debit naming a " +
				"payout's EndToEndId settles it (at the payout's amount, else 422). A malformed file is 422 naming the " +
				"element at fault.",
			MaxBody: maxFile, Handler: s.handleStatusReport},
		{Method: "GET", Path: "/api/v1/settlement/payouts", Perm: read, Tag: "settlement", Summary: "List payouts",
			Query: []web.Param{{Name: "seller_id", Description: "one seller's"},
				{Name: "status", Description: "pending, paid, failed or cancelled"}},
			Response: web.List[Payout]{}, Handler: s.handleListPayouts},
		{Method: "GET", Path: "/api/v1/settlement/payouts/{id}", Perm: read, Tag: "settlement", Summary: "Get a payout",
			Response: Payout{}, Handler: s.handleGetPayout},
		{Method: "POST", Path: "/api/v1/settlement/payouts/{id}/cancel", Perm: write, Tag: "settlement",
			Summary: "Cancel a pending payout", Response: Payout{}, Errors: []int{http.StatusConflict},
			Description: "Asks the rail to stop the transfer; once it has, the hold is voided. A settled transfer, or one on a " +
				"rail that cannot cancel, is 409 payout_not_cancellable.",
			Handler: s.handleCancel},
		{Method: "GET", Path: "/api/v1/settlement/statements", Perm: read, Tag: "settlement", Summary: "Get a seller's statement",
			Description: "Opening balance, proceeds, fees, FX conversions, payouts and closing balance of a seller over a period " +
				"(dates, both included, at most 366 days), derived from the ledger postings of the settlement flows.",
			Query: []web.Param{{Name: "seller_id", Description: "the seller"}, {Name: "from", Description: "YYYY-MM-DD"},
				{Name: "to", Description: "YYYY-MM-DD"}, {Name: "currency", Description: "default: the payout account's"},
				{Name: "format", Description: "json (default), csv or pdf", Enum: []string{"json", "csv", "pdf"}}},
			Produces: []string{"application/json", "text/csv", "application/pdf"}, Response: Statement{},
			Handler: s.handleStatement},
		{Method: "POST", Path: "/api/v1/settlement/reconciliations", Perm: write, Tag: "settlement",
			Summary: "Reconcile a camt.054 or camt.053 bank file",
			Description: "The body is the bank's XML. Each debit entry is matched to a payout by EndToEndId, then amount and " +
				"currency: matched, amount_mismatch, status_mismatch (booked by the bank, not paid here) or unmatched; paid " +
				"payouts of the same batches absent from the file are listed as missing. The report is kept.",
			Query:    []web.Param{{Name: "file_name", Description: "the file's name, for the report"}},
			Consumes: xmlTypes, Response: Reconciliation{}, Status: http.StatusCreated, MaxBody: maxFile,
			Handler: s.handleReconcile},
		{Method: "GET", Path: "/api/v1/settlement/reconciliations", Perm: read, Tag: "settlement",
			Summary: "List reconciliations", Response: web.List[Reconciliation]{}, Handler: s.handleListRecons},
		{Method: "GET", Path: "/api/v1/settlement/reconciliations/{id}", Perm: read, Tag: "settlement",
			Summary: "Get a reconciliation report", Response: Reconciliation{}, Handler: s.handleGetRecon},
	} {
		rt.Handle(r)
	}
	s.bankCreditRoutes(rt)
}

func (s *Service) handleRails(w http.ResponseWriter, r *http.Request) error {
	return web.Respond(w, r, http.StatusOK, s.Rails(r.Context()))
}

func (s *Service) handlePutAccount(w http.ResponseWriter, r *http.Request) error {
	var in PayoutAccountInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	a, err := s.PutPayoutAccount(r.Context(), r.PathValue("seller"), in)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, a)
}

func (s *Service) handleGetAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.PayoutAccount(r.Context(), r.PathValue("seller"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, a)
}

func (s *Service) handleListAccounts(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListPayoutAccounts(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleProceeds(w http.ResponseWriter, r *http.Request) error {
	var in ProceedsInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	p, replay, err := s.RecordProceeds(r.Context(), in)
	if err != nil {
		return err
	}
	if replay {
		return web.Respond(w, r, http.StatusOK, p)
	}
	return web.Respond(w, r, http.StatusCreated, p)
}

func (s *Service) handleListProceeds(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListProceeds(r.Context(), r.URL.Query().Get("seller_id"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleCreateBatch(w http.ResponseWriter, r *http.Request) error {
	var in BatchInput
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	b, replay, err := s.CreateBatch(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/settlement/batches/"+b.ID)
	if replay {
		return web.Respond(w, r, http.StatusOK, b)
	}
	return web.Respond(w, r, http.StatusCreated, b)
}

func (s *Service) handleListBatches(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListBatches(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGetBatch(w http.ResponseWriter, r *http.Request) error {
	b, err := s.GetBatch(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, b)
}

func (s *Service) handleMessage(w http.ResponseWriter, r *http.Request) error {
	msg, typ, err := s.Message(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": r.PathValue("id") + "." + typ + ".xml"}))
	_, err = w.Write(msg)
	return err
}

func (s *Service) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	res, err := s.Refresh(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

// readXML reads an uploaded ISO 20022 file.
func readXML(r *http.Request) ([]byte, error) {
	if mt := web.MediaType(r); mt != "application/xml" && mt != "text/xml" {
		return nil, &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Params: []any{"type", mt}}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, problem.Invalid(problem.Field{Field: "file", Code: "required"})
	}
	return b, nil
}

func (s *Service) handleStatusReport(w http.ResponseWriter, r *http.Request) error {
	b, err := readXML(r)
	if err != nil {
		return err
	}
	res, err := s.IntakeStatusReport(r.Context(), b)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

func (s *Service) handleListPayouts(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	st := r.URL.Query().Get("status")
	switch st {
	case "", StatusPending, StatusPaid, StatusFailed, StatusCancelled:
	default:
		return problem.Invalid(problem.Field{Field: "status", Code: "one_of", Params: []any{"values", "pending, paid, failed, cancelled"}})
	}
	l, err := s.ListPayouts(r.Context(), r.URL.Query().Get("seller_id"), st, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGetPayout(w http.ResponseWriter, r *http.Request) error {
	p, err := s.GetPayout(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, p)
}

func (s *Service) handleStatement(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" && format != "pdf" {
		return problem.Invalid(problem.Field{Field: "format", Code: "one_of", Params: []any{"values", "json, csv, pdf"}})
	}
	st, err := s.Statement(r.Context(), StatementRequest{SellerID: q.Get("seller_id"), Currency: q.Get("currency"),
		From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		return err
	}
	name := "statement-" + st.SellerID + "-" + st.From + "-" + st.To
	var body []byte
	switch format {
	case "csv":
		body, err = st.CSV()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	case "pdf":
		body, err = st.PDF()
		w.Header().Set("Content-Type", "application/pdf")
		name += ".pdf"
	default:
		return web.Respond(w, r, http.StatusOK, st)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	_, err = w.Write(body)
	return err
}

func (s *Service) handleReconcile(w http.ResponseWriter, r *http.Request) error {
	b, err := readXML(r)
	if err != nil {
		return err
	}
	rec, err := s.Reconcile(r.Context(), r.URL.Query().Get("file_name"), b)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/settlement/reconciliations/"+rec.ID)
	return web.Respond(w, r, http.StatusCreated, rec)
}

func (s *Service) handleListRecons(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListReconciliations(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGetRecon(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.GetReconciliation(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, rec)
}
