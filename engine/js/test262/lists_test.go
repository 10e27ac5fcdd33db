package test262

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"unicode"

	"github.com/Masterminds/semver/v3"
)

// goja's runner decides what it runs with three lists in its tc39_test.go:
// skipList (paths), featuresBlackList (frontmatter features, applied to
// files without es5id) and the prefixes its init passes to skip(), some of
// them only when Go's Unicode tables are older than a version. They are
// read from the source of our copy so that this comparison runs exactly
// what goja's runner runs.
const gojaRunner = "../../../third_party/goja/tc39_test.go"

type exclusions struct {
	paths    map[string]bool
	features map[string]bool
	prefixes []string
}

func (x *exclusions) skipped(name string) bool {
	if x.paths[name] {
		return true
	}
	for _, p := range x.prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func loadExclusions(file string) (*exclusions, error) {
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, file, nil, 0)
	if err != nil {
		return nil, err
	}
	x := &exclusions{paths: map[string]bool{}, features: map[string]bool{}}
	str := func(e ast.Expr) (string, bool) {
		bl, ok := e.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(bl.Value)
		return s, err == nil
	}
	var walkErr error
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if vs, ok := s.(*ast.ValueSpec); ok {
					x.addLists(vs, str)
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name != "init" || d.Recv != nil {
				continue
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.IfStmt:
					// if unicodeVersion.LessThan(semver.New(A, B, C, "", "")) { skip(...) ... }
					applies, err := unicodeCondition(n.Cond)
					if err != nil {
						walkErr = fmt.Errorf("%s: %v", fs.Position(n.Pos()), err)
						return false
					}
					return applies // neither the skips nor the nested conditions apply otherwise
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "skip" {
						for _, a := range n.Args {
							if s, ok := str(a); ok {
								x.prefixes = append(x.prefixes, s)
							}
						}
					}
				}
				return true
			})
		}
	}
	if walkErr != nil {
		return nil, walkErr
	}
	if len(x.paths) == 0 || len(x.features) == 0 || len(x.prefixes) == 0 {
		return nil, fmt.Errorf("%s: found %d skipped paths, %d excluded features, %d skipped prefixes: has goja's runner changed shape?",
			file, len(x.paths), len(x.features), len(x.prefixes))
	}
	return x, nil
}

func (x *exclusions) addLists(n *ast.ValueSpec, str func(ast.Expr) (string, bool)) {
	for i, id := range n.Names {
		if i >= len(n.Values) {
			break
		}
		cl, ok := n.Values[i].(*ast.CompositeLit)
		if !ok {
			continue
		}
		switch id.Name {
		case "skipList":
			for _, e := range cl.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if s, ok := str(kv.Key); ok {
						x.paths[s] = true
					}
				}
			}
		case "featuresBlackList":
			for _, e := range cl.Elts {
				if s, ok := str(e); ok {
					x.features[s] = true
				}
			}
		}
	}
}

// unicodeCondition evaluates goja's one kind of condition around skips:
// unicodeVersion.LessThan(semver.New(A, B, C, "", "")).
func unicodeCondition(cond ast.Expr) (bool, error) {
	call, ok := cond.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false, fmt.Errorf("unexpected condition shape")
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "LessThan" {
		return false, fmt.Errorf("unexpected condition shape")
	}
	inner, ok := call.Args[0].(*ast.CallExpr)
	if !ok || len(inner.Args) < 3 {
		return false, fmt.Errorf("unexpected condition shape")
	}
	var v [3]uint64
	for i := range v {
		bl, ok := inner.Args[i].(*ast.BasicLit)
		if !ok {
			return false, fmt.Errorf("unexpected condition shape")
		}
		n, err := strconv.ParseUint(bl.Value, 10, 64)
		if err != nil {
			return false, err
		}
		v[i] = n
	}
	return semver.MustParse(unicode.Version).LessThan(semver.New(v[0], v[1], v[2], "", "")), nil
}
