package insurance

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"
)

// moneyDirs are this package and credit: premiums, fees and exposure are
// money, and no binary floating point may compute them.
var moneyDirs = []string{".", filepath.Join("..", "credit")}

// floatExceptions are files allowed floats, with the reason.
var floatExceptions = map[string]string{
	"certificate.go": "fpdf lays out the certificate in float64 millimetres and points; no amount is computed there",
}

func TestNoFloatInMoneyPaths(t *testing.T) {
	t.Parallel()
	seen := 0
	for _, dir := range moneyDirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if _, ok := floatExceptions[filepath.Base(path)]; ok && dir == "." {
				continue
			}
			seen++
			for _, f := range floatUses(t, path) {
				t.Errorf("%s: %s in a money path (use apd decimals)", f.pos, f.what)
			}
		}
	}
	if seen < 10 {
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
	} {
		path := filepath.Join(dir, "x.go")
		if err := os.WriteFile(path, []byte(tc.src), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := floatUses(t, path); len(got) != tc.want {
			t.Errorf("%q: %d uses %v, want %d", tc.src, len(got), got, tc.want)
		}
	}
}
