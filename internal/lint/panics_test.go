package lint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot returns the module's root folder (two levels above this package).
func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	require.NoError(t, err)
	root := filepath.Join(wd, "..", "..")
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "go.mod not found above %s", wd)
	return root
}

// typedPanic reports whether the argument of a panic call is a typed godl error: a
// *tensor.Error literal (&Error{...} inside packages tensor and device, &tensor.Error{...} or
// &device.Error{...} elsewhere: the same type), or
// a value recovered and panicked again unchanged (r or *r).
func typedPanic(arg ast.Expr) bool {
	switch a := arg.(type) {
	case *ast.UnaryExpr:
		lit, ok := a.X.(*ast.CompositeLit)
		if !ok || a.Op != token.AND {
			return false
		}
		switch typ := lit.Type.(type) {
		case *ast.Ident:
			return typ.Name == "Error"
		case *ast.SelectorExpr:
			x, ok := typ.X.(*ast.Ident)
			return ok && (x.Name == "tensor" || x.Name == "device") && typ.Sel.Name == "Error"
		}
	case *ast.Ident:
		return a.Name == "r"
	case *ast.StarExpr:
		id, ok := a.X.(*ast.Ident)
		return ok && id.Name == "r"
	}
	return false
}

// TestNoUntypedPanics parses every non-test Go file of the module and fails on each call of
// panic whose value is not a *tensor.Error: caller bugs anywhere in godl panic with one
// type, which tensor.Maybe recovers (gonum's mat.ErrShape habit). A panic that is not a
// caller bug says so in a comment on its line ("not a caller bug: ...").
func TestNoUntypedPanics(t *testing.T) {
	root := repoRoot(t)
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		// A panic that is not a caller bug (a broken internal contract that tests must tell
		// apart from a *tensor.Error) says so in a comment on its line.
		exempt := map[int]bool{}
		for _, g := range f.Comments {
			for _, c := range g.List {
				if strings.Contains(c.Text, "not a caller bug") {
					exempt[fset.Position(c.Pos()).Line] = true
				}
			}
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" && len(call.Args) == 1 {
				line := fset.Position(call.Pos()).Line
				if typedPanic(call.Args[0]) || exempt[line] {
					return true
				}
				rel, _ := filepath.Rel(root, path)
				assert.Fail(t, "untyped panic", "%s:%d: panic with a value that is not a *tensor.Error", rel, line)
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, files, 20, "too few files found: is the walk rooted at the module?")
}
