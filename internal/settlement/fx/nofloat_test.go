package fx

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moneyPaths are the trees where money is computed: no binary floating
// point may appear in them, since 0.1 + 0.2 ≠ 0.3 in binary and a
// rounding slip there creates or loses money.
var moneyPaths = []string{"..", filepath.Join("..", "..", "platform", "money"),
	// Settlement rails move money: the bank and e-CNY connectors.
	filepath.Join("..", "..", "connectors", "rail"),
	// The console's balance and conversion pages format amounts.
	filepath.Join("..", "..", "console", "fxpages.go")}

// floatExceptions lists files (slash paths below internal/) allowed to
// use floats, each with the reason. The one construct let through
// everywhere is the argument of a benchmark's ReportMetric call.
var floatExceptions = map[string]string{
	// go-pdf/fpdf takes font sizes and positions as float64 points; the
	// certificate's amounts reach it as already formatted strings.
	"settlement/insurance/certificate.go": "PDF layout in points",
}

// TestNoFloatInMoneyPaths fails when a Go file under internal/settlement,
// internal/platform/money or internal/connectors/rail (or the console's
// money pages) names float32
// or float64, or converts
// through strconv's or math/big's float API.
func TestNoFloatInMoneyPaths(t *testing.T) {
	t.Parallel()
	seen := 0
	for _, root := range moneyPaths {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			abs, _ := filepath.Abs(path)
			rel := filepath.ToSlash(abs)
			if i := strings.LastIndex(rel, "/internal/"); i >= 0 {
				rel = rel[i+len("/internal/"):]
			}
			if _, ok := floatExceptions[rel]; ok {
				return nil
			}
			seen++
			for _, f := range floatUses(t, path) {
				t.Errorf("%s: %s in a money path (use decimal arithmetic; see internal/platform/money)", f.pos, f.what)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen < 5 {
		t.Fatalf("checked only %d files: the walk is broken", seen)
	}
}

type floatUse struct{ pos, what string }

func floatUses(t *testing.T, path string) []floatUse {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []floatUse
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			// testing.B.ReportMetric takes a float64: a benchmark's
			// throughput figure, never an amount of money.
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "ReportMetric" {
				return false
			}
		case *ast.Ident:
			if n.Name == "float32" || n.Name == "float64" {
				out = append(out, floatUse{fset.Position(n.Pos()).String(), n.Name})
			}
		case *ast.SelectorExpr:
			switch n.Sel.Name {
			case "ParseFloat", "FormatFloat", "AppendFloat", "Float", "NewFloat", "Float64", "Float32":
				out = append(out, floatUse{fset.Position(n.Pos()).String(), n.Sel.Name})
			}
		case *ast.BasicLit:
			if n.Kind == token.FLOAT {
				out = append(out, floatUse{fset.Position(n.Pos()).String(), "float literal " + n.Value})
			}
		}
		return true
	})
	return out
}

func TestFloatDetector(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		src  string
		want int
	}{
		{"package p\nvar x float64\n", 1},
		{"package p\nimport \"strconv\"\nvar x, _ = strconv.ParseFloat(\"1\", 64)\n", 1},
		{"package p\nvar x = 1.5\n", 1},
		{"package p\nvar x = \"float64\"\n", 0},
		{"package p\nvar x = 15\n", 0},
		{"package p\nfunc f(b interface{ ReportMetric(float64, string) }) { b.ReportMetric(float64(3)/2.0, \"x/s\") }\n", 1},
	} {
		path := filepath.Join(dir, "x.go")
		if err := writeFile(path, tc.src); err != nil {
			t.Fatal(err)
		}
		if got := floatUses(t, path); len(got) != tc.want {
			t.Errorf("%q: %d uses %v, want %d", tc.src, len(got), got, tc.want)
		}
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
