package sandboxpay

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/payment"
	"github.com/silkgate/silkgate/internal/platform/money"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func card(number string) payment.Card {
	return payment.Card{Number: number, ExpMonth: 12, ExpYear: 2030, CVC: "123"}
}

func TestEveryTestCard(t *testing.T) {
	t.Parallel()
	for _, tc := range TestCards {
		t.Run(tc.Number, func(t *testing.T) {
			if !Luhn(tc.Number) {
				t.Fatal("a documented test card fails the Luhn check")
			}
			if b := Brand(tc.Number); b != tc.Brand {
				t.Errorf("brand %s, want %s", b, tc.Brand)
			}
			d := Decide(card(tc.Number), now)
			if d.Outcome != tc.Outcome || d.DeclineCode != tc.DeclineCode || d.After3DS != tc.After3DS {
				t.Errorf("decision %+v, want %+v", d, tc)
			}
			if d.Last4 != tc.Number[12:] {
				t.Errorf("last4 %s", d.Last4)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		card    payment.Card
		outcome payment.Outcome
		code    string
		brand   string
	}{
		{"spaces and dashes", payment.Card{Number: "4242 4242-4242 4242", ExpMonth: 1, ExpYear: 2027}, payment.Approved, "", "visa"},
		{"luhn fails", card("4242424242424241"), payment.Declined, payment.CodeIncorrectNumber, "visa"},
		{"too short", card("42424242"), payment.Declined, payment.CodeIncorrectNumber, "visa"},
		{"expired last month", payment.Card{Number: "4242424242424242", ExpMonth: 10, ExpYear: 2026}, payment.Declined, payment.CodeExpiredCard, "visa"},
		{"expires this month", payment.Card{Number: "4242424242424242", ExpMonth: 11, ExpYear: 2026}, payment.Approved, "", "visa"},
		{"bad month", payment.Card{Number: "4242424242424242", ExpMonth: 13, ExpYear: 2030}, payment.Declined, payment.CodeExpiredCard, "visa"},
		{"real-looking card", card("4111111111111111"), payment.Declined, payment.CodeCardDeclined, "visa"},
		{"amex", card("378282246310005"), payment.Declined, payment.CodeCardDeclined, "amex"},
		{"jcb", card("3566002020360505"), payment.Declined, payment.CodeCardDeclined, "jcb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.card, now)
			if d.Outcome != tc.outcome || d.DeclineCode != tc.code || d.Brand != tc.brand {
				t.Errorf("got %+v, want %s/%s/%s", d, tc.outcome, tc.code, tc.brand)
			}
		})
	}
}

func TestThreeDS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		number, otp string
		status      Status
		code        string
	}{
		{"4000000000003220", TestOTP, StatusAuthorized, ""},
		{"4000000000003220", "654321", StatusDeclined, payment.CodeAuthFailed},
		{"4000000000003063", TestOTP, StatusDeclined, payment.CodeCardDeclined},
		{"4000000000003063", "000000", StatusDeclined, payment.CodeAuthFailed},
	} {
		st, err := Start(Decide(card(tc.number), now), money.Money{Amount: "10.00", Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != StatusRequiresAction {
			t.Fatalf("%s: %s, want requires_action", tc.number, st.Status)
		}
		if err := st.Complete3DS(tc.otp); err != nil {
			t.Fatal(err)
		}
		if st.Status != tc.status || st.DeclineCode != tc.code {
			t.Errorf("%s with %s: %s %q, want %s %q", tc.number, tc.otp, st.Status, st.DeclineCode, tc.status, tc.code)
		}
		if err := st.Complete3DS(TestOTP); !errors.Is(err, payment.ErrInvalidState) {
			t.Errorf("second answer: %v", err)
		}
	}
}

func TestLifeCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := New()
	in.Now = func() time.Time { return now }
	eur := func(a string) money.Money { return money.Money{Amount: a, Currency: "EUR"} }

	res, err := in.Authorize(ctx, payment.AuthRequest{Amount: eur("100.00"), Card: card("4242424242424242")})
	if err != nil || res.Outcome != payment.Approved || res.Brand != "visa" || res.Last4 != "4242" {
		t.Fatalf("authorize: %+v %v", res, err)
	}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"refund before capture", func() error { return in.Refund(ctx, res.ID, eur("1.00")) }, payment.ErrInvalidState},
		{"capture too much", func() error { return in.Capture(ctx, res.ID, eur("100.01")) }, payment.ErrAmount},
		{"capture in another currency", func() error { return in.Capture(ctx, res.ID, money.Money{Amount: "1.00", Currency: "USD"}) }, payment.ErrAmount},
		{"capture part", func() error { return in.Capture(ctx, res.ID, eur("80.00")) }, nil},
		{"capture twice", func() error { return in.Capture(ctx, res.ID, eur("1.00")) }, payment.ErrInvalidState},
		{"void after capture", func() error { return in.Void(ctx, res.ID) }, payment.ErrInvalidState},
		{"refund part", func() error { return in.Refund(ctx, res.ID, eur("30.00")) }, nil},
		{"refund too much", func() error { return in.Refund(ctx, res.ID, eur("50.01")) }, payment.ErrAmount},
		{"refund the rest", func() error { return in.Refund(ctx, res.ID, money.Money{}) }, nil},
		{"refund after all", func() error { return in.Refund(ctx, res.ID, eur("0.01")) }, payment.ErrInvalidState},
		{"unknown payment", func() error { return in.Capture(ctx, "pay_nope", money.Money{}) }, payment.ErrUnknownPayment},
	}
	for _, s := range steps {
		if err := s.do(); !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", s.name, err, s.want)
		}
	}
	st, _ := in.Payment(res.ID)
	if st.Status != StatusRefunded || st.Captured != 8000 || st.Refunded != 8000 {
		t.Errorf("final state %+v", st)
	}

	ch, _ := in.Authorize(ctx, payment.AuthRequest{Amount: money.Money{Amount: "1500", Currency: "JPY"}, Card: card("4000000000003220")})
	if ch.Outcome != payment.RequiresAction || ch.ChallengeID == "" {
		t.Fatalf("3DS card: %+v", ch)
	}
	if _, err := in.Complete3DS(ctx, "3ds_nope", TestOTP); !errors.Is(err, payment.ErrUnknownPayment) {
		t.Errorf("unknown challenge: %v", err)
	}
	done, err := in.Complete3DS(ctx, ch.ChallengeID, TestOTP)
	if err != nil || done.Outcome != payment.Approved {
		t.Fatalf("3DS: %+v %v", done, err)
	}
	if err := in.Void(ctx, ch.ID); err != nil {
		t.Errorf("void: %v", err)
	}
	if st, _ := in.Payment(ch.ID); st.Status != StatusVoided || st.Authorized != 1500 {
		t.Errorf("voided JPY payment %+v", st)
	}
}

func TestMinorMajor(t *testing.T) {
	t.Parallel()
	for _, m := range []money.Money{{Amount: "12.50", Currency: "USD"}, {Amount: "1500", Currency: "JPY"}, {Amount: "1.234", Currency: "KWD"}} {
		n, err := Minor(m)
		if err != nil {
			t.Fatal(err)
		}
		if back := Major(n, m.Currency); back != m {
			t.Errorf("%v → %d → %v", m, n, back)
		}
	}
}
