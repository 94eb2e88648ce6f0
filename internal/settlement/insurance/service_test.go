package insurance

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

type countingRecorder struct{ n *int }

func (r countingRecorder) Record(context.Context, audit.Event) error { *r.n++; return nil }

func setup(t *testing.T, d *db.DB) (*Service, context.Context, *int) {
	t.Helper()
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Insurance "+tid, time.Now().UTC())
	n := new(int)
	s, err := New(d, countingRecorder{n}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, db.WithScope(context.Background(), db.Scope{TenantID: tid}), n
}

func hasField(err error, field, code string) bool {
	pe, ok := problem.As(err)
	if !ok {
		return false
	}
	for _, f := range pe.Fields {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

func TestQuoteBindClaim(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, audits := setup(t, d)
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		q, err := s.CreateQuote(ctx, QuoteRequest{CargoValue: money.Money{Amount: "100000", Currency: "USD"},
			Incoterm: "CFR", Commodity: "electronics", Transport: "sea", Route: Route{From: "CN", To: "BR"}})
		if err != nil {
			t.Fatal(err)
		}
		if q.InsuredValue.Amount != "110608.35" || q.Premium.Amount != "553.04" || q.Rate != "0.005" ||
			!q.ExpiresAt.Equal(now.Add(72*time.Hour)) {
			t.Fatalf("quote %+v", q)
		}
		got, err := s.GetQuote(ctx, q.ID)
		if err != nil || got.InsuredValue != q.InsuredValue || *got.Deductible != *q.Deductible {
			t.Fatalf("read back %+v %v", got, err)
		}
		// A bad request writes nothing.
		before := *audits
		if _, err := s.CreateQuote(ctx, QuoteRequest{CargoValue: money.Money{Amount: "1.001", Currency: "USD"},
			Incoterm: "CIF", Commodity: "general", Transport: "air", Route: Route{From: "CN", To: "DE"}}); !hasField(err, "cargo_value.amount", money.CodePrecision) {
			t.Fatalf("too precise: %v", err)
		}
		if *audits != before {
			t.Fatal("a refused quote was audited")
		}

		// Another tenant cannot bind it.
		_, other, _ := setup(t, d)
		if _, err := s.Bind(other, BindRequest{QuoteID: q.ID, Insured: Party{Name: "Other"}}); !hasField(err, "quote_id", CodeQuoteUnknown) {
			t.Fatalf("foreign quote: %v", err)
		}
		p, err := s.Bind(ctx, BindRequest{QuoteID: q.ID, ShipmentID: "shp_1", Insured: Party{Name: "义乌明亮玩具有限公司", Country: "CN"}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Quote.ID != q.ID || p.Status != "active" || p.Number == "" {
			t.Fatalf("policy %+v", p)
		}
		if _, err := s.Bind(ctx, BindRequest{QuoteID: q.ID, Insured: Party{Name: "Again"}}); !errors.Is(err, problem.Conflict(CodeQuoteBound)) {
			t.Fatalf("bound twice: %v", err)
		}
		pdf, err := Certificate(p)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("certificate: %v", err)
		}

		// Expired quotes do not bind.
		q2, err := s.CreateQuote(ctx, QuoteRequest{CargoValue: money.Money{Amount: "5000", Currency: "EUR"},
			Incoterm: "CIF", Commodity: "textiles", Transport: "rail", Route: Route{From: "CN", To: "PL"}})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(72 * time.Hour)
		if _, err := s.Bind(ctx, BindRequest{QuoteID: q2.ID, Insured: Party{Name: "Late"}}); !errors.Is(err, problem.Conflict(CodeQuoteExpired)) || !hasField(err, "quote_id", CodeQuoteExpired) {
			t.Fatalf("expired: %v", err)
		}

		// Claims: bounded by the insured value, deductible off the payable.
		usd := func(a string) money.Money { return money.Money{Amount: a, Currency: "USD"} }
		docs := []Document{{Name: "survey report.pdf", Kind: "survey"}}
		if _, err := s.FileClaim(ctx, p.ID, ClaimRequest{LossType: "damage", Amount: usd("110608.36"), Documents: docs}); !hasField(err, "amount", CodeClaimTooLarge) {
			t.Fatalf("over insured: %v", err)
		}
		if _, err := s.FileClaim(ctx, p.ID, ClaimRequest{LossType: "damage", Amount: money.Money{Amount: "10", Currency: "EUR"}, Documents: docs}); !hasField(err, "amount.currency", CodeCurrencyMatch) {
			t.Fatalf("currency: %v", err)
		}
		if _, err := s.FileClaim(ctx, p.ID, ClaimRequest{LossType: "damage", Amount: usd("10.00")}); !hasField(err, "documents", "required") {
			t.Fatalf("documents: %v", err)
		}
		c, err := s.FileClaim(ctx, p.ID, ClaimRequest{LossType: "water_damage", Amount: usd("100000.00"), Documents: docs})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.FileClaim(ctx, p.ID, ClaimRequest{LossType: "theft", Amount: usd("10608.36"), Documents: docs}); !hasField(err, "amount", CodeClaimTooLarge) {
			t.Fatalf("second claim beyond what is left: %v", err)
		}
		if _, err := s.MoveClaim(ctx, c.ID, ClaimMove{Status: ClaimPaid}); !errors.Is(err, problem.Conflict(CodeClaimState)) {
			t.Fatalf("submitted → paid: %v", err)
		}
		if _, err := s.MoveClaim(ctx, c.ID, ClaimMove{Status: ClaimUnderReview}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MoveClaim(ctx, c.ID, ClaimMove{Status: ClaimApproved, AssessedAmount: ptr(usd("100000.01"))}); !hasField(err, "assessed_amount", CodeAssessedTooBig) {
			t.Fatalf("assessed above claim: %v", err)
		}
		c, err = s.MoveClaim(ctx, c.ID, ClaimMove{Status: ClaimApproved, AssessedAmount: ptr(usd("80000.00"))})
		if err != nil {
			t.Fatal(err)
		}
		// deductible 1 % of 110608.35 = 1106.08
		if c.Deductible.Amount != "1106.08" || c.Payable.Amount != "78893.92" {
			t.Fatalf("approved %+v %+v", c.Deductible, c.Payable)
		}
		if c, err = s.MoveClaim(ctx, c.ID, ClaimMove{Status: ClaimPaid}); err != nil || c.Status != ClaimPaid || c.Payable.Amount != "78893.92" {
			t.Fatalf("paid %+v %v", c, err)
		}
		cs, err := s.Claims(ctx, p.ID)
		if err != nil || len(cs) != 1 || cs[0].Status != ClaimPaid {
			t.Fatalf("claims %+v %v", cs, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
