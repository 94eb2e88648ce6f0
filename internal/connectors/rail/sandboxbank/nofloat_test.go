package sandboxbank

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFloatInRails fails when a Go file of a settlement rail connector
// (internal/connectors/rail) names float32 or float64, converts through a
// float API or writes a float literal: rails move money, and a binary
// float would round it. internal/settlement has the same check in the fx
// package.
func TestNoFloatInRails(t *testing.T) {
	t.Parallel()
	seen := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		seen++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if n.Name == "float32" || n.Name == "float64" {
					t.Errorf("%s: %s in a rail", fset.Position(n.Pos()), n.Name)
				}
			case *ast.SelectorExpr:
				switch n.Sel.Name {
				case "ParseFloat", "FormatFloat", "AppendFloat", "NewFloat", "Float64", "Float32":
					t.Errorf("%s: %s in a rail", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.BasicLit:
				if n.Kind == token.FLOAT {
					t.Errorf("%s: float literal %s in a rail", fset.Position(n.Pos()), n.Value)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 4 {
		t.Fatalf("checked only %d files: the walk is broken", seen)
	}
}
