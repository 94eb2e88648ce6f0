package checks

import (
	"bytes"
	"compress/zlib"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// reportCheck is a check with failing, warning and passing findings, one
// rule carrying a Chinese translation.
func reportCheck(t *testing.T) Check {
	t.Helper()
	rs := testRules()
	rs[0].Translations = map[string]rules.Texts{"zh-CN": {Title: "玩具安全指令", Requirement: "玩具须加贴 CE 标志并附欧盟符合性声明。",
		Action: "请补充欧盟符合性声明。"}}
	e := Compile(rs)
	p := withBattery(toy(), "li-ion", "standalone", wh(120))
	res := e.Check(Input{Product: p, Markets: []string{"DE", "US"}, Transport: "air"})
	return Check{ID: "chk_test", Verdict: res.Verdict, Findings: res.Findings, SKU: p.SKU, Markets: []string{"DE", "US"},
		Transport: "air", Product: *p, Rules: res.Rules, Facts: res.Facts, Counts: countsOf(res.Findings),
		CreatedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}
}

func TestRenderHTML(t *testing.T) {
	t.Parallel()
	c := reportCheck(t)
	for _, zh := range []bool{false, true} {
		b, err := RenderHTML(c, zh)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, want := range []string{"合规检查报告", "Compliance check report", "玩具安全指令", "EU-TOY-001 title",
			"eu_declaration", "GLOBAL-DG-AIR-UN3480", "battery.wh = 120 &gt; ", `id="market-DE"`, `id="market-US"`,
			"EU-TOY-001 v1", "https://example.org/EU-TOY-001", "积木玩具", "Building blocks", "derived from battery li-ion"} {
			if !strings.Contains(s, want) {
				t.Errorf("zh=%v: report lacks %q", zh, want)
			}
		}
		first := strings.Index(s, "合规检查报告") < strings.Index(s, "Compliance check report")
		if first != zh {
			t.Errorf("zh=%v: Chinese first = %v", zh, first)
		}
		if !strings.Contains(s, `class="badge v-prohibited"`) {
			t.Errorf("verdict badge missing")
		}
	}
	t.Run("escapes product text", func(t *testing.T) {
		c := reportCheck(t)
		c.Product.Title["en"] = `<script>alert(1)</script>`
		b, _ := RenderHTML(c, false)
		if bytes.Contains(b, []byte("<script>alert")) {
			t.Error("title not escaped")
		}
	})
}

func TestRenderPDF(t *testing.T) {
	t.Parallel()
	c := reportCheck(t)
	b, err := RenderPDF(c, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(20, len(b))])
	}
	for _, want := range []string{"/FontFile2", "/BaseFont /utf8droidsansfallback", "/BaseFont /utf8dejavusans", "/ToUnicode", "%%EOF"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("PDF lacks %s", want)
		}
	}
	// The font is subset: the report must not carry all 4 MB of it.
	if len(b) > 1<<20 {
		t.Errorf("PDF of %d bytes: font not subset?", len(b))
	}
	text := pdfText(t, b)
	for _, want := range []string{"合规检查报告", "Compliance check report", "玩具安全指令", "GLOBAL-DG-AIR-UN3480", "积木玩具"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if os.Getenv("CHECKS_WRITE_PDF") != "" {
		_ = os.WriteFile(os.Getenv("CHECKS_WRITE_PDF"), b, 0o644)
	}
}

// pdfText extracts the text the PDF shows: fpdf writes UTF-8 text with an
// identity ToUnicode map, as UTF-16BE in (…)Tj operators of Flate-compressed
// content streams.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	var out strings.Builder
	for rest := b; ; {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		dict := rest[max(0, i-200):i]
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			break
		}
		data := rest[:j]
		rest = rest[j:]
		if !bytes.Contains(dict, []byte("FlateDecode")) {
			continue
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			continue
		}
		plain, _ := io.ReadAll(zr)
		for _, m := range tjString.FindAllSubmatch(plain, -1) {
			u := unescapePDF(m[1])
			for k := 0; k+1 < len(u); k += 2 {
				out.WriteRune(rune(u[k])<<8 | rune(u[k+1]))
			}
			out.WriteByte('\n')
		}
	}
	return out.String()
}

var tjString = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)

func unescapePDF(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default:
			out = append(out, s[i])
		}
	}
	return out
}
