// Package pdffont owns the fonts Silkgate embeds in the PDFs it renders
// (compliance reports, insurance certificates) and the one rule for using
// them: Droid Sans Fallback draws Chinese but has no Latin letters or
// digits, DejaVu Sans draws the rest, so text is written in runs, each in
// the font that has its glyphs. fonts/README.md gives their sources and
// licences. fpdf embeds only the glyphs a document uses, so documents
// stay small although the files are about 4.8 MB together.
package pdffont

import (
	_ "embed"
	"fmt"
	"unicode"

	"github.com/go-pdf/fpdf"
)

var (
	//go:embed fonts/DroidSansFallbackFull.ttf
	cjkFontData []byte
	//go:embed fonts/DejaVuSans.ttf
	latinFontData []byte
)

// Font family names as Register adds them.
const (
	CJK   = "DroidSansFallback"
	Latin = "DejaVuSans"
)

// Register adds both fonts to pdf; call it once per document before any
// text is written.
func Register(pdf *fpdf.Fpdf) error {
	pdf.AddUTF8FontFromBytes(CJK, "", cjkFontData)
	pdf.AddUTF8FontFromBytes(Latin, "", latinFontData)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("pdffont: %w", err)
	}
	return nil
}

// IsCJK reports whether r is drawn with the Chinese font: Han, kana,
// hangul, CJK punctuation and full-width forms.
func IsCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// Run is a stretch of text drawn in one font.
type Run struct {
	Text string
	CJK  bool
}

// Runs splits s into runs of one font each.
func Runs(s string) []Run {
	var out []Run
	start, cur := 0, false
	for i, r := range s {
		c := IsCJK(r)
		if i > 0 && c != cur {
			out = append(out, Run{s[start:i], cur})
			start = i
		}
		cur = c
	}
	if start < len(s) {
		out = append(out, Run{s[start:], cur})
	}
	return out
}

// Write writes s at the current position with line height h, switching
// font per run at the given size; it does not end the line.
func Write(pdf *fpdf.Fpdf, size, h float64, s string) {
	for _, r := range Runs(s) {
		if r.CJK {
			pdf.SetFont(CJK, "", size)
		} else {
			pdf.SetFont(Latin, "", size)
		}
		pdf.Write(h, r.Text)
	}
}
