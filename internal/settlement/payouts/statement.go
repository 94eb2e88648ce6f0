package payouts

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/pdffont"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// Statement line types.
const (
	LineOpening  = "opening_balance"
	LineProceeds = "proceeds"
	LineFee      = "fee"
	LineFX       = "fx"
	LinePayout   = "payout"
	LineClosing  = "closing_balance"
)

// StatementLine is one movement. Amount is its effect on the seller's
// balance in the statement's currency; a line in another currency (the
// gross and fee of proceeds converted at a quote) has only Original.
type StatementLine struct {
	Date        time.Time    `json:"date"`
	Type        string       `json:"type"`
	Reference   string       `json:"reference"`
	Description string       `json:"description"`
	Amount      *money.Money `json:"amount,omitempty"`
	Original    *money.Money `json:"original,omitempty"`
	Balance     money.Money  `json:"balance"`
	EntryID     string       `json:"entry_id,omitempty"`
}

// Statement is a seller's account over a period, derived from the
// postings of the ledger entries the settlement flows wrote.
type Statement struct {
	SellerID string `json:"seller_id"`
	Currency string `json:"currency"`
	// From and To are dates (UTC), both included.
	From     string      `json:"from"`
	To       string      `json:"to"`
	Opening  money.Money `json:"opening_balance"`
	Proceeds money.Money `json:"proceeds"`
	Fees     money.Money `json:"fees"`
	// FX is what converted proceeds credited in the statement's currency.
	FX money.Money `json:"fx"`
	// FXSpread is what the platform kept on those conversions (booked to
	// its FX revenue): shown for transparency, already out of FX.
	FXSpread    money.Money     `json:"fx_spread"`
	Payouts     money.Money     `json:"payouts"`
	Closing     money.Money     `json:"closing_balance"`
	Lines       []StatementLine `json:"lines"`
	GeneratedAt time.Time       `json:"generated_at"`
}

// StatementRequest names a statement.
type StatementRequest struct {
	SellerID string
	Currency string // default: the payout account's
	From, To string // YYYY-MM-DD
}

// maxPeriod bounds a statement's period.
const maxPeriod = 366

// movement is one ledger entry's effect on the seller's payable account.
type movement struct {
	at       time.Time
	kind     string // proceeds or payout
	ref      string
	entry    ledger.Entry
	proceeds *Proceeds
	payout   *Payout
}

// Statement builds the statement of a seller for a period: the opening
// balance is the sum of the seller's postings before the period, each
// entry within it gives its lines, and the closing balance is the
// opening plus the lines.
func (s *Service) Statement(ctx context.Context, req StatementRequest) (Statement, error) {
	var fs problem.Errors
	checkID(&fs, "seller_id", req.SellerID)
	from, errF := time.Parse(time.DateOnly, req.From)
	to, errT := time.Parse(time.DateOnly, req.To)
	if errF != nil {
		fs.Add("from", "invalid_format", "format", "YYYY-MM-DD")
	}
	if errT != nil {
		fs.Add("to", "invalid_format", "format", "YYYY-MM-DD")
	}
	if errF == nil && errT == nil {
		switch {
		case to.Before(from):
			fs.Add("to", "date_order")
		case to.Sub(from) > maxPeriod*24*time.Hour:
			fs.Add("to", "out_of_range", "min", req.From, "max", from.AddDate(0, 0, maxPeriod).Format(time.DateOnly))
		}
	}
	if req.Currency != "" && !money.ValidCurrency(req.Currency) {
		fs.Add("currency", money.CodeCurrency, "currency", req.Currency)
	}
	if err := fs.Err(); err != nil {
		return Statement{}, err
	}
	if req.Currency == "" {
		a, err := s.PayoutAccount(ctx, req.SellerID)
		if err != nil {
			return Statement{}, problem.Invalid(problem.Field{Field: "currency", Code: "required"})
		}
		req.Currency = a.Currency
	}
	end := to.AddDate(0, 0, 1)
	ccy := req.Currency
	st := Statement{SellerID: req.SellerID, Currency: ccy, From: req.From, To: req.To, GeneratedAt: nowUTC(s), Lines: []StatementLine{}}
	acct, err := s.findAccount(ctx, payableCode(req.SellerID), ccy)
	if err != nil {
		return Statement{}, err
	}
	moves, err := s.movements(ctx, req.SellerID, ccy, end)
	if err != nil {
		return Statement{}, err
	}
	var opening, proceeds, fees, fxIn, fxSpread, paid int64
	var inPeriod []movement
	for _, m := range moves {
		if m.at.Before(from) {
			opening += effect(m.entry, acct)
			continue
		}
		inPeriod = append(inPeriod, m)
	}
	bal := opening
	z := moneyOf(0, ccy)
	st.Lines = append(st.Lines, StatementLine{Date: from, Type: LineOpening, Balance: moneyOf(opening, ccy), Amount: &z})
	line := func(m movement, typ, desc string, amt *int64, orig *money.Money) {
		l := StatementLine{Date: m.at, Type: typ, Reference: m.ref, Description: desc, Original: orig, EntryID: m.entry.ID}
		if amt != nil {
			bal += *amt
			a := moneyOf(*amt, ccy)
			l.Amount = &a
		}
		l.Balance = moneyOf(bal, ccy)
		st.Lines = append(st.Lines, l)
	}
	for _, m := range inPeriod {
		eff := effect(m.entry, acct)
		switch m.kind {
		case LinePayout:
			paid -= eff
			line(m, LinePayout, fmt.Sprintf("Payout to %s (%s)", m.payout.Beneficiary.Name, m.payout.BatchID), &eff, nil)
		default:
			p := m.proceeds
			gross, fee := legSum(m.entry, ledger.Debit, "marketplaces:"), legSum(m.entry, ledger.Credit, ledger.Fees)
			desc := fmt.Sprintf("%s %s", p.Marketplace, p.Reference)
			if p.Gross.Currency == ccy && gross-fee == eff {
				g, f := gross, -fee
				proceeds, fees = proceeds+gross, fees+fee
				line(m, LineProceeds, desc, &g, nil)
				if fee > 0 {
					line(m, LineFee, "Platform fee", &f, nil)
				}
				continue
			}
			g, f := moneyOf(gross, p.Gross.Currency), moneyOf(-fee, p.Gross.Currency)
			line(m, LineProceeds, desc, nil, &g)
			if fee > 0 {
				line(m, LineFee, "Platform fee", nil, &f)
			}
			fxIn += eff
			net := p.Net
			desc = fmt.Sprintf("%s converted at %s", net.String(), p.FXRate)
			if p.FXSpread != nil && p.FXSpread.Currency == ccy {
				fxSpread += spreadMinor(*p.FXSpread)
				desc += fmt.Sprintf(" (FX spread %s)", p.FXSpread.String())
			}
			line(m, LineFX, desc, &eff, &net)
		}
	}
	st.Opening, st.Proceeds, st.Fees = moneyOf(opening, ccy), moneyOf(proceeds, ccy), moneyOf(fees, ccy)
	st.FX, st.Payouts, st.Closing = moneyOf(fxIn, ccy), moneyOf(paid, ccy), moneyOf(bal, ccy)
	st.FXSpread = moneyOf(fxSpread, ccy)
	last := to
	if len(inPeriod) > 0 && inPeriod[len(inPeriod)-1].at.After(last) {
		last = inPeriod[len(inPeriod)-1].at
	}
	st.Lines = append(st.Lines, StatementLine{Date: last, Type: LineClosing, Balance: st.Closing, Amount: &z})
	return st, nil
}

// movements returns the seller's proceeds and paid payouts in ccy booked
// before end, with their ledger entries, oldest first.
func (s *Service) movements(ctx context.Context, seller, ccy string, end time.Time) ([]movement, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+proceedsCols+` FROM settlement_proceeds
		WHERE tenant_id = $1 AND sandbox = $2 AND seller_id = $3 AND net_currency = $4 AND created_at < $5 ORDER BY created_at, id`,
		seller, ccy, end)
	if err != nil {
		return nil, fmt.Errorf("payouts: statement proceeds: %w", err)
	}
	ps, err := collectProceeds(rows)
	if err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
		WHERE tenant_id = $1 AND sandbox = $2 AND seller_id = $3 AND currency = $4 AND status = 'paid' AND updated_at < $5
		ORDER BY updated_at, id`, seller, ccy, end)
	if err != nil {
		return nil, fmt.Errorf("payouts: statement payouts: %w", err)
	}
	pos, err := collectPayouts(rows)
	if err != nil {
		return nil, err
	}
	var out []movement
	for i := range ps {
		e, err := s.ledger.GetEntry(ctx, ps[i].EntryID)
		if err != nil {
			return nil, err
		}
		out = append(out, movement{at: e.CreatedAt, kind: LineProceeds, ref: ps[i].ID, entry: e, proceeds: &ps[i]})
	}
	for i := range pos {
		e, err := s.ledger.GetEntry(ctx, pos[i].PostEntryID)
		if err != nil {
			return nil, err
		}
		if !e.CreatedAt.Before(end) {
			continue
		}
		out = append(out, movement{at: e.CreatedAt, kind: LinePayout, ref: pos[i].ID, entry: e, payout: &pos[i]})
	}
	slices.SortStableFunc(out, func(a, b movement) int { return a.at.Compare(b.at) })
	return out, nil
}

func collectProceeds(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]Proceeds, error) {
	defer rows.Close()
	var out []Proceeds
	for rows.Next() {
		p, _, err := scanProceeds(rows)
		if err != nil {
			return nil, fmt.Errorf("payouts: statement proceeds: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func collectPayouts(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]Payout, error) {
	defer rows.Close()
	var out []Payout
	for rows.Next() {
		p, err := scanPayout(rows)
		if err != nil {
			return nil, fmt.Errorf("payouts: statement payouts: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// effect is the posted credits minus debits of e on account acct, in
// minor units.
func effect(e ledger.Entry, acct string) int64 {
	var n int64
	for _, p := range e.Postings {
		if p.AccountID != acct || p.Phase != ledger.StatusPosted {
			continue
		}
		v := minorOf(p.Amount)
		if p.Direction == ledger.Debit {
			v = -v
		}
		n += v
	}
	return n
}

// legSum sums e's posted legs in direction dir on accounts whose code
// starts with prefix.
func legSum(e ledger.Entry, dir, prefix string) int64 {
	var n int64
	for _, p := range e.Postings {
		if p.Direction == dir && strings.HasPrefix(p.AccountCode, prefix) {
			n += minorOf(p.Amount)
		}
	}
	return n
}

// CSV renders the statement as one table: the opening balance, each
// movement and the closing balance, one line each.
func (st Statement) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"seller_id", "date", "type", "reference", "description", "amount", "currency",
		"original_amount", "original_currency", "balance", "entry_id"})
	for _, l := range st.Lines {
		amt, oa, oc := "", "", ""
		if l.Amount != nil {
			amt = l.Amount.Amount
		}
		if l.Original != nil {
			oa, oc = l.Original.Amount, l.Original.Currency
		}
		_ = w.Write([]string{st.SellerID, l.Date.UTC().Format(time.RFC3339), l.Type, l.Reference, csvSafe(l.Description),
			amt, st.Currency, oa, oc, l.Balance.Amount, l.EntryID})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// PDF renders the statement on A4 with the platform's PDF fonts, so that
// Chinese names and descriptions print as they are.
func (st Statement) PDF() ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(st.GeneratedAt)
	pdf.SetModificationDate(st.GeneratedAt)
	pdf.SetTitle("Settlement statement "+st.SellerID, true)
	pdf.SetCreator("Silkgate", true)
	if err := pdffont.Register(pdf); err != nil {
		return nil, fmt.Errorf("payouts: statement pdf: %w", err)
	}
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdffont.Write(pdf, 16, 9, "Settlement statement / 结算对账单")
	pdf.Ln(11)
	for _, kv := range [][2]string{{"Seller / 卖家", st.SellerID}, {"Currency / 币种", st.Currency},
		{"Period / 期间", st.From + " – " + st.To}, {"Generated / 生成时间", st.GeneratedAt.UTC().Format(time.RFC3339)}} {
		x := pdf.GetX()
		pdffont.Write(pdf, 10, 6, kv[0])
		pdf.SetX(x + 45)
		pdffont.Write(pdf, 10, 6, kv[1])
		pdf.Ln(6)
	}
	pdf.Ln(3)
	pdffont.Write(pdf, 11, 7, "Summary / 汇总")
	pdf.Ln(8)
	for _, kv := range []struct {
		k string
		v money.Money
	}{{"Opening balance / 期初余额", st.Opening}, {"Proceeds / 销售收入", st.Proceeds}, {"Fees / 平台费用", st.Fees},
		{"FX conversions / 换汇入账", st.FX}, {"Payouts / 付款", st.Payouts}, {"Closing balance / 期末余额", st.Closing}} {
		x := pdf.GetX()
		pdffont.Write(pdf, 10, 6, kv.k)
		pdf.SetX(x + 60)
		pdf.SetFont(pdffont.Latin, "", 10)
		pdf.CellFormat(40, 6, kv.v.Amount+" "+kv.v.Currency, "B", 1, "R", false, 0, "")
	}
	pdf.Ln(4)
	pdf.SetFont(pdffont.Latin, "", 8)
	pdf.SetFillColor(235, 235, 235)
	pdf.CellFormat(22, 6, "Date", "1", 0, "L", true, 0, "")
	pdf.CellFormat(24, 6, "Type", "1", 0, "L", true, 0, "")
	pdf.CellFormat(62, 6, "Description", "1", 0, "L", true, 0, "")
	pdf.CellFormat(24, 6, "Amount", "1", 0, "R", true, 0, "")
	pdf.CellFormat(24, 6, "Original", "1", 0, "R", true, 0, "")
	pdf.CellFormat(24, 6, "Balance", "1", 1, "R", true, 0, "")
	for _, l := range st.Lines {
		amt, orig := "", ""
		if l.Amount != nil {
			amt = l.Amount.Amount
		}
		if l.Original != nil {
			orig = l.Original.Amount + " " + l.Original.Currency
		}
		desc := []rune(l.Description)
		if len(desc) > 40 {
			desc = append(desc[:39], '…')
		}
		// A row is drawn in pieces at one y: start a new page before the
		// automatic break would split it.
		if pdf.GetY() > 276 {
			pdf.AddPage()
		}
		pdf.SetFont(pdffont.Latin, "", 8)
		pdf.CellFormat(22, 5, l.Date.UTC().Format(time.DateOnly), "1", 0, "L", false, 0, "")
		pdf.CellFormat(24, 5, strings.ReplaceAll(l.Type, "_", " "), "1", 0, "L", false, 0, "")
		x, y := pdf.GetXY()
		pdf.CellFormat(62, 5, "", "1", 0, "L", false, 0, "")
		pdf.SetXY(x+1, y)
		pdffont.Write(pdf, 8, 5, string(desc))
		pdf.SetXY(x+62, y)
		pdf.SetFont(pdffont.Latin, "", 8)
		pdf.CellFormat(24, 5, amt, "1", 0, "R", false, 0, "")
		pdf.CellFormat(24, 5, orig, "1", 0, "R", false, 0, "")
		pdf.CellFormat(24, 5, l.Balance.Amount, "1", 1, "R", false, 0, "")
	}
	pdf.Ln(4)
	pdffont.Write(pdf, 7, 4, "Derived from the ledger postings of the settlement flows; amounts in "+st.Currency+
		". Original: the amount in the currency it was received in, before conversion at a locked FX quote.")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("payouts: statement pdf: %w", err)
	}
	return buf.Bytes(), nil
}
