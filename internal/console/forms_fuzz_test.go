package console

import (
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// The order, product and filter forms turn whatever a browser posts into
// service input. These fuzz tests hold them to never panicking and to
// reporting what they cannot read by field, for the service to judge the
// rest: go test ./internal/console/ -run '^$' -fuzz FuzzProductForm.

func FuzzProductForm(f *testing.F) {
	f.Add("PB-1", "zh-CN", "充电宝", "capacity_mah", "20000", "18.5", "usd", "420", "150", "li-ion", "74", "EU, us")
	f.Add("", "", "x", "", "", "", "", "-1", "0", "nimh", "1,5", "")
	f.Add("S", "en", "", "k", "true", "1e3", "CNY", "heavy", "x", "", "NaN", "|,，、")
	f.Fuzz(func(t *testing.T, sku, lang, title, attr, val, amount, cur, weight, dim, chem, wh, markets string) {
		pf := productForm{SKU: sku, Titles: []langText{{Key: lang, Text: title}}, Attrs: []langText{{Key: attr, Text: val}},
			ValueAmount: amount, ValueCurrency: cur, Weight: weight, Dims: [3]string{dim, dim, dim}, Chemistry: chem, Wh: wh,
			Markets: markets, Materials: title + "\n" + val}
		p, fs := pf.product()
		for _, fe := range fs {
			if fe.Field == "" || fe.Code == "" {
				t.Fatalf("field error without field or code: %+v", fe)
			}
		}
		_ = p.Validate()
		_ = differences(pf, formOfProduct(p))
	})
}

func FuzzOrderForm(f *testing.F) {
	f.Add("WX-1", "wechat", "2026-11-20T10:00", "EUR", "TOY-1", "2", "19.9")
	f.Add("", "", "yesterday", "", "", "-1", "1e9")
	f.Add("x", "UPPER", "2026-13-40T99:99", "XXX", "  ", "9223372036854775808", ".5")
	f.Fuzz(func(t *testing.T, ext, channel, placed, currency, sku, qty, price string) {
		of := orderForm{ExternalID: ext, Channel: channel, PlacedAt: placed, Currency: currency,
			Lines: []formLine{{SKU: sku, Quantity: qty, Price: price}, {}, {SKU: sku, Quantity: qty, Price: price}}}
		n, fs := of.newOrder()
		for _, fe := range fs {
			if !strings.HasPrefix(fe.Field, "lines[") && fe.Field != "placed_at" {
				t.Fatalf("unexpected field %q", fe.Field)
			}
		}
		if err := n.Validate(); err == nil {
			// What the service accepts shows in its currency's minor units.
			for _, l := range n.Lines {
				if got := moneyText(lineTotal(l)); !strings.HasPrefix(got, n.Currency+" ") {
					t.Fatalf("line total %q", got)
				}
			}
		}
		_ = layOrderForm(of, nil)
	})
}

func FuzzOrderFilter(f *testing.F) {
	f.Add("jonas", "received", "amazon-de", "DE", "2026-11-01", "2026-11-30")
	f.Add("", "nope", "", "xx", "01/11/2026", "")
	f.Fuzz(func(t *testing.T, q, status, channel, country, from, to string) {
		sf, err := serviceFilter(orderFilter{Q: q, Status: status, Channel: channel, Country: strings.ToUpper(country), From: from, To: to})
		if err == nil && !sf.From.IsZero() && !sf.To.IsZero() && sf.To.Before(sf.From) && from <= to {
			t.Fatalf("to before from: %v %v", sf.From, sf.To)
		}
		if err == nil && sf.Status != "" && !orders.Status(status).Valid() {
			t.Fatalf("invalid status %q accepted", status)
		}
	})
}

func FuzzMoneyText(f *testing.F) {
	f.Add("1234.5", "EUR")
	f.Add("0", "JPY")
	f.Add("-12.345", "KWD")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, amount, currency string) {
		_ = moneyText(money.Money{Amount: amount, Currency: currency})
	})
}
