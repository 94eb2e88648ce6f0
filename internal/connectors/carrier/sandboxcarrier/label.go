package sandboxcarrier

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/boombuler/barcode/code128"
	"github.com/go-pdf/fpdf"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
)

// Label page size in millimetres: the 4 × 6 inch thermal label most
// carriers print.
const (
	labelW = 100.0
	labelH = 150.0
)

// RenderLabel draws the label of a parcel as a one-page PDF. The PDF is
// stamped with req.Created, so the same request gives the same bytes.
// Text is printed in the PDF core fonts (Latin-1): characters outside it,
// such as Chinese or Japanese names, come out as "?", as on many thermal
// printers; the sandbox says so rather than embedding a 10 MB font.
func RenderLabel(number string, req carrier.LabelRequest) ([]byte, error) {
	n, err := ParseNumber(number)
	if err != nil {
		return nil, err
	}
	created := req.Created.UTC()
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: labelW, Ht: labelH}})
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("Silkgate sandbox carrier", false)
	pdf.SetTitle("Label "+number, false)
	pdf.SetMargins(4, 4, 4)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	txt := func(s string) string { return tr(s) }

	// Header: carrier, service, sandbox warning.
	pdf.SetLineWidth(0.4)
	pdf.Rect(3, 3, labelW-6, labelH-6, "D")
	pdf.SetFont("Helvetica", "B", 13)
	pdf.SetXY(5, 5)
	pdf.CellFormat(60, 7, "SILKGATE SANDBOX POST", "", 0, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 20)
	pdf.SetXY(labelW-25, 4.5)
	pdf.CellFormat(20, 9, strings.ToUpper(n.Service[:1]), "1", 0, "C", false, 0, "")
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetXY(5, 12)
	pdf.CellFormat(60, 4, txt(services[n.Service].name), "", 0, "L", false, 0, "")
	pdf.SetFillColor(0, 0, 0)
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetXY(5, 17)
	pdf.CellFormat(labelW-10, 5, "SANDBOX - NOT VALID FOR SHIPPING", "", 0, "C", true, 0, "")
	pdf.SetTextColor(0, 0, 0)

	// Sender, small; recipient, large.
	pdf.SetFont("Helvetica", "B", 7)
	pdf.SetXY(5, 24)
	pdf.CellFormat(40, 3.5, "FROM", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 7)
	pdf.SetX(5)
	pdf.MultiCell(labelW-10, 3.2, txt(addressLines(req.From, 4, 60)), "", "L", false)
	pdf.Line(5, 44, labelW-5, 44)
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetXY(5, 46)
	pdf.CellFormat(40, 4, "SHIP TO", "", 1, "L", false, 0, "")
	// The recipient block keeps clear of the country box on its right and
	// of the barcode below: at most five lines, each cut to fit one.
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetX(5)
	pdf.MultiCell(labelW-36, 4.6, txt(addressLines(req.To, 5, 30)), "", "L", false)
	pdf.SetFont("Helvetica", "B", 22)
	pdf.SetXY(labelW-28, 66)
	pdf.CellFormat(22, 10, strings.ToUpper(req.To.Country), "1", 0, "C", false, 0, "")

	// The barcode: Code 128 of the tracking number, drawn as vector bars.
	if err := drawCode128(pdf, number, 8, 80, labelW-16, 22); err != nil {
		return nil, err
	}
	pdf.SetFont("Courier", "B", 13)
	pdf.SetXY(5, 103)
	pdf.CellFormat(labelW-10, 6, spaced(number), "", 0, "C", false, 0, "")

	// Customs declaration (CN22 style) and references.
	pdf.Line(5, 111, labelW-5, 111)
	pdf.SetFont("Helvetica", "B", 7)
	pdf.SetXY(5, 112)
	pdf.CellFormat(labelW-10, 3.5, "CUSTOMS DECLARATION CN22 - Sale of goods", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 7)
	var weight int64
	for _, p := range req.Parcels {
		weight += p.WeightG
	}
	lines := []string{
		"Contents: " + req.Contents,
		"Value: " + strings.TrimSpace(req.Value.Amount+" "+req.Value.Currency),
		fmt.Sprintf("Weight: %d g   Parcels: %d", weight, len(req.Parcels)),
		"Reference: " + req.Reference,
		"Date: " + created.Format(time.DateOnly),
	}
	for _, l := range lines {
		pdf.SetX(5)
		pdf.CellFormat(labelW-10, 3.4, txt(truncate(l, 70)), "", 1, "L", false, 0, "")
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("sandboxcarrier: label: %w", err)
	}
	return buf.Bytes(), nil
}

// drawCode128 draws s as a Code 128 symbol inside the box, quiet zones
// included, one filled rectangle per dark run.
func drawCode128(pdf *fpdf.Fpdf, s string, x, y, w, h float64) error {
	bc, err := code128.Encode(s)
	if err != nil {
		return fmt.Errorf("sandboxcarrier: barcode: %w", err)
	}
	b := bc.Bounds()
	modules := b.Dx() + 20 // ten-module quiet zone each side
	mw := w / float64(modules)
	x += 10 * mw
	pdf.SetFillColor(0, 0, 0)
	run := -1
	for i := b.Min.X; i <= b.Max.X; i++ {
		dark := false
		if i < b.Max.X {
			r, _, _, _ := bc.At(i, b.Min.Y).RGBA()
			dark = r == 0
		}
		switch {
		case dark && run < 0:
			run = i
		case !dark && run >= 0:
			pdf.Rect(x+float64(run-b.Min.X)*mw, y, float64(i-run)*mw, h, "F")
			run = -1
		}
	}
	return nil
}

// addressLines lays an address out in at most lines lines of at most
// width characters, dropping the least useful parts first (phone, region).
func addressLines(a carrier.Address, lines, width int) string {
	var out []string
	for _, s := range []string{a.Name, a.Line1, a.Line2, strings.TrimSpace(a.Postcode + " " + a.City),
		strings.TrimSpace(a.Region + " " + a.Country), a.Phone} {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, truncate(s, width))
		}
	}
	return strings.Join(out[:min(len(out), lines)], "\n")
}

// spaced prints a tracking number the way postal labels do: "LS 5123 4567 9 CN".
func spaced(n string) string {
	if len(n) != 13 {
		return n
	}
	return n[:2] + " " + n[2:6] + " " + n[6:10] + " " + n[10:11] + " " + n[11:]
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
