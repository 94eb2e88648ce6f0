package insurance

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/silkgate/silkgate/internal/platform/pdffont"
)

// certLabels are the certificate's captions, English and Chinese: a
// certificate travels with the cargo documents and is read at both ends.
var certLabels = []struct{ key, en, zh string }{
	{"title", "Certificate of Cargo Insurance", "货物运输保险凭证"},
	{"number", "Certificate / policy no.", "保险凭证号"},
	{"issued", "Issued", "签发日期"},
	{"insured", "Insured", "被保险人"},
	{"beneficiary", "Claims payable to", "赔款偿付给"},
	{"shipment", "Shipment", "运单"},
	{"order", "Order", "订单"},
	{"cargo", "Cargo", "货物"},
	{"commodity", "Commodity class", "货物类别"},
	{"transport", "Conveyance", "运输方式"},
	{"route", "Voyage", "航程"},
	{"incoterm", "Terms of sale", "贸易术语"},
	{"cif", "CIF value", "CIF 价值"},
	{"insured_value", "Amount insured", "保险金额"},
	{"rate", "Premium rate", "费率"},
	{"premium", "Premium", "保险费"},
	{"deductible", "Deductible (each claim)", "免赔额（每次索赔）"},
	{"tariff", "Tariff", "费率表"},
	{"conditions", "Conditions", "保险条件"},
	{"conditions_text", "All risks of physical loss or damage from external causes, warehouse to warehouse, " +
		"subject to the deductible; war, strikes and sanctioned destinations excluded. Claims: notify at once and " +
		"keep survey reports, invoices and transport documents.",
		"承保外来原因造成的一切物理损失或损坏，仓至仓条款，适用免赔额；不承保战争、罢工及受制裁目的地。索赔：请立即通知并保留检验报告、发票和运输单据。"},
	{"sample", "Issued on a sample tariff: this certificate is not an insurer's offer or contract.",
		"依据示例费率表签发：本凭证不构成保险人的要约或合同。"},
}

var transportZH = map[string]string{"air": "航空", "sea": "海运", "road": "公路", "rail": "铁路", "post": "邮政"}

var commodityZH = map[string]string{"general": "普通货物", "electronics": "电子产品", "textiles": "纺织品",
	"fragile": "易碎品/玻璃", "perishables": "易腐货物", "hazardous": "危险品"}

func label(key string) (string, string) {
	for _, l := range certLabels {
		if l.key == key {
			return l.en, l.zh
		}
	}
	return key, key
}

// Certificate renders p's certificate of insurance as a bilingual PDF.
func Certificate(p Policy) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(p.CreatedAt)
	pdf.SetModificationDate(p.CreatedAt)
	pdf.SetTitle("Certificate of Cargo Insurance "+p.Number, true)
	pdf.SetCreator("Silkgate", true)
	if err := pdffont.Register(pdf); err != nil {
		return nil, fmt.Errorf("insurance: certificate: %w", err)
	}
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	w, _ := pdf.GetPageSize()
	lm, _, rm, _ := pdf.GetMargins()
	line := func(size float64, rgb [3]int, s string) {
		pdf.SetTextColor(rgb[0], rgb[1], rgb[2])
		pdf.SetX(lm)
		h := size * 0.5
		pdffont.Write(pdf, size, h, s)
		pdf.Ln(h)
	}
	black, grey := [3]int{20, 20, 20}, [3]int{110, 110, 110}
	en, zh := label("title")
	line(18, black, en)
	line(15, black, zh)
	pdf.Ln(2)
	y := pdf.GetY()
	pdf.SetDrawColor(160, 160, 160)
	pdf.Line(lm, y, w-rm, y)
	pdf.Ln(3)

	q := p.Quote
	route := q.Route.From + " → " + q.Route.To
	rows := []struct{ key, val string }{
		{"number", p.Number + "  (" + p.ID + ")"},
		{"issued", p.CreatedAt.Format("2006-01-02 15:04 UTC")},
		{"insured", strings.TrimSpace(strings.Join(nonEmpty(p.Insured.Name, p.Insured.Address, p.Insured.Country), ", "))},
		{"beneficiary", or(p.Beneficiary, p.Insured.Name)},
		{"shipment", or(p.ShipmentID, "—")},
		{"order", or(p.OrderID, "—")},
		{"cargo", or(p.CargoDescription, "—")},
		{"commodity", q.Commodity + " / " + commodityZH[q.Commodity]},
		{"transport", q.Transport + " / " + transportZH[q.Transport]},
		{"route", route},
		{"incoterm", q.Incoterm},
		{"cif", q.CIF.String()},
		{"insured_value", fmt.Sprintf("%s  (CIF + %s %%)", q.InsuredValue.String(), q.UpliftPercent)},
		{"rate", q.Rate},
		{"premium", q.Premium.String()},
	}
	if q.Deductible != nil {
		rows = append(rows, struct{ key, val string }{"deductible", q.Deductible.String()})
	}
	rows = append(rows, struct{ key, val string }{"tariff", q.Tariff})
	for _, r := range rows {
		en, zh := label(r.key)
		line(9, grey, en+" / "+zh)
		line(11, black, r.val)
		pdf.Ln(1)
	}
	pdf.Ln(3)
	en, zh = label("conditions")
	line(10, black, en+" / "+zh)
	en, zh = label("conditions_text")
	pdf.SetTextColor(20, 20, 20)
	multi := func(size float64, s string) {
		// fpdf's MultiCell cannot switch fonts mid-line; write word runs
		// with Write, which wraps at the right margin.
		pdf.SetX(lm)
		pdffont.Write(pdf, size, size*0.5, s)
		pdf.Ln(size * 0.6)
	}
	multi(9, en)
	multi(9, zh)
	pdf.Ln(4)
	en, zh = label("sample")
	pdf.SetTextColor(150, 40, 40)
	multi(8, en)
	multi(8, zh)
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("insurance: render certificate: %w", err)
	}
	return b.Bytes(), nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
