package checks

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/silkgate/silkgate/internal/platform/pdffont"
)

// The report's fonts live in internal/platform/pdffont, which other
// PDFs share; text is written in runs, each in the font with its glyphs.
const (
	cjkFont   = pdffont.CJK
	latinFont = pdffont.Latin
)

var statusRGB = map[string][3]int{StatusFail: {198, 40, 40}, StatusWarn: {178, 106, 0}, StatusPass: {46, 125, 50},
	VerdictProhibited: {139, 0, 0}}

// RenderPDF renders the report of c as a PDF with the same content as the
// HTML report; zh puts Chinese first.
func RenderPDF(c Check, zh bool) ([]byte, error) {
	v := buildView(c, zh)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(c.CreatedAt)
	pdf.SetModificationDate(c.CreatedAt)
	pdf.SetTitle(v.L("report").P+" "+c.ID, true)
	pdf.SetCreator("Silkgate", true)
	if err := pdffont.Register(pdf); err != nil {
		return nil, fmt.Errorf("checks: pdf font: %w", err)
	}
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(latinFont, "", 8)
		pdf.SetTextColor(120, 120, 120)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · %s · %d/{nb}", c.ID, v.Created, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	w, _ := pdf.GetPageSize()
	lm, _, rm, _ := pdf.GetMargins()

	text := func(size float64, rgb [3]int, s string) {
		if s == "" {
			return
		}
		pdf.SetTextColor(rgb[0], rgb[1], rgb[2])
		pdf.SetX(lm)
		h := size * 0.45
		pdffont.Write(pdf, size, h, s)
		pdf.Ln(h)
	}
	black, grey := [3]int{20, 20, 20}, [3]int{110, 110, 110}
	both := func(size float64, b bi) {
		text(size, black, b.P)
		text(size*0.85, grey, b.S)
	}
	heading := func(key string, suffix string) {
		l := v.L(key)
		s := l.P
		if l.S != "" && l.S != l.P {
			s += " / " + l.S
		}
		text(10, black, s+suffix)
	}

	both(18, v.L("report"))
	pdf.Ln(2)
	rgb := statusRGB[c.Verdict]
	if c.Verdict == VerdictPass {
		rgb = statusRGB[StatusPass]
	}
	text(14, rgb, v.Verdict.P+"  "+v.Verdict.S)
	pdf.Ln(1)
	meta := []struct{ k, val string }{
		{"product", strings.TrimSpace(v.Title.P + "  " + v.Title.S)},
		{"sku", c.SKU},
		{"hs_code", or(c.Product.HSCode, "—")},
		{"origin", or(c.Product.OriginCountry, "—")},
		{"markets", strings.Join(c.Markets, ", ")},
		{"transport", strings.TrimSpace(v.Transport.P + " " + v.Transport.S)},
		{"check", c.ID},
		{"date", v.Created},
	}
	if c.OrderID != "" {
		meta = append(meta, struct{ k, val string }{"order", c.OrderID})
	}
	for _, m := range meta {
		l := v.L(m.k)
		name := l.P
		if l.S != "" && l.S != l.P {
			name += " / " + l.S
		}
		text(9, black, name+": "+m.val)
	}
	text(9, black, fmt.Sprintf("%s: %s %d · %s %d · %s %d", v.L("counts").P, v.L("status_fail").P, c.Counts.Fail,
		v.L("status_warn").P, c.Counts.Warn, v.L("status_pass").P, c.Counts.Pass))

	for _, m := range v.Markets {
		pdf.Ln(4)
		l := v.L("market")
		text(13, black, fmt.Sprintf("%s %s / %s %s", l.P, m.Market, l.S, m.Market))
		y := pdf.GetY()
		pdf.SetDrawColor(200, 200, 200)
		pdf.Line(lm, y, w-rm, y)
		pdf.Ln(1)
		if len(m.Findings) == 0 {
			both(9, v.L("no_findings"))
		}
		for _, f := range m.Findings {
			pdf.Ln(2)
			text(11, statusRGB[f.F.Status], fmt.Sprintf("[%s / %s] %s", f.Status.P, f.Status.S, f.Title.P))
			text(9, grey, f.Title.S)
			text(8, grey, fmt.Sprintf("%s %s v%d · %s · %s / %s", v.L("rule").P, f.F.RuleID, f.F.RuleVersion,
				f.F.RuleMarket, f.Severity.P, f.Severity.S))
			heading("requirement", "")
			both(9, f.Requirement)
			list := func(key string, items []string) {
				if len(items) == 0 {
					return
				}
				heading(key, "")
				for _, it := range items {
					text(9, black, "• "+it)
				}
			}
			list("limits", f.Lims)
			list("missing_evidence", f.MissingEvidence)
			list("missing_facts", f.Missing)
			if f.Action.P != "" && f.F.Status != StatusPass {
				heading("action", "")
				both(9, f.Action)
			}
			list("triggered_by", f.Triggers)
			list("evidence_shown", f.Evidence)
			ref := f.F.Reference
			if f.F.Authority != "" {
				ref += " — " + f.F.Authority
			}
			if f.F.SourceURL != "" {
				ref += " · " + f.F.SourceURL
			}
			heading("reference", "")
			text(8, grey, ref)
		}
	}
	pdf.Ln(5)
	heading("rules_used", "")
	text(8, grey, or(v.RulesUsed, "—"))
	pdf.Ln(2)
	both(8, v.L("disclaimer"))

	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("checks: render pdf: %w", err)
	}
	return b.Bytes(), nil
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
