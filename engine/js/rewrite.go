package js

import (
	"reflect"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/token"
	"github.com/dop251/goja/unistring"
)

// The script's source is wrapped so that it is the body of a function, with
// the step counter and the tick function as parameters of an outer function
// that the script cannot name:
//
//	(function(C, T){return [function(){BODY
//	}, function(){return C}]})
//
// After parsing, the identifiers of the wrapper (and only those) are renamed
// to names no JS source can spell, and every loop iteration and function
// entry in BODY gets the tick
//
//	if (!--C) C = T();
//
// T is a Go function that counts the batch just used against the step budget
// and returns the next batch, at least 1 (or stops the VM). The second function of
// the pair reads C at the end of the run, so the count is exact.
const (
	wrapPrefix      = "(function(" + placeCounter + ", " + placeTick + "){return [function(){"
	wrapSuffix      = "\n}, function(){return " + placeCounter + "}]})"
	asyncWrapPrefix = "(function(" + placeCounter + ", " + placeTick + "){return [async function(){"
	placeCounter    = "$$sc"
	placeTick       = "$$st"
)

var (
	nameCounter = unistring.String("\x00steps")
	nameTick    = unistring.String("\x00tick")
)

// rewriteError is a construct the rewriter refuses, with its offset.
type rewriteError struct {
	idx file.Idx
	msg string
}

type rewriter struct {
	prefixEnd file.Idx // identifiers before this are the wrapper's
	suffixAt  file.Idx // identifiers from here on are the wrapper's
	seen      map[any]bool
	outer     *ast.FunctionLiteral
	err       *rewriteError
}

var (
	typeIdentifier = reflect.TypeOf((*ast.Identifier)(nil))
	astPkg         = reflect.TypeOf(ast.Program{}).PkgPath()
)

// rewrite renames the wrapper's identifiers and inserts ticks in place.
func rewrite(prg *ast.Program, outer *ast.FunctionLiteral, prefixLen, suffixAt int) *rewriteError {
	r := &rewriter{prefixEnd: file.Idx(prefixLen + 1), suffixAt: file.Idx(suffixAt + 1), seen: map[any]bool{}, outer: outer}
	r.walk(reflect.ValueOf(prg))
	return r.err
}

func (r *rewriter) walk(v reflect.Value) {
	if r.err != nil {
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			r.walk(v.Elem())
		}
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() != astPkg {
			return
		}
		p := v.Interface()
		if r.seen[p] {
			return
		}
		r.seen[p] = true
		if v.Type() == typeIdentifier {
			id := p.(*ast.Identifier)
			if id.Idx < r.prefixEnd || id.Idx >= r.suffixAt {
				switch id.Name {
				case placeCounter:
					id.Name = nameCounter
				case placeTick:
					id.Name = nameTick
				}
			}
			return
		}
		r.walk(v.Elem())
		r.transform(p)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				r.walk(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			r.walk(v.Index(i))
		}
	}
}

// transform runs after the node's children were walked, so the ticks it
// inserts are not walked again.
func (r *rewriter) transform(n any) {
	switch n := n.(type) {
	case *ast.WithStatement:
		r.err = &rewriteError{idx: n.With, msg: "the with statement is not allowed"}
	case *ast.FunctionLiteral:
		// Not the wrapper's outer function nor its step reader.
		if n.Body != nil && n != r.outer && n.Function < r.suffixAt {
			n.Body.List = prepend(tick(n.Function), n.Body.List)
		}
	case *ast.ArrowFunctionLiteral:
		switch b := n.Body.(type) {
		case *ast.BlockStatement:
			b.List = prepend(tick(n.Start), b.List)
		case *ast.ExpressionBody:
			n.Body = &ast.BlockStatement{
				LeftBrace:  b.Expression.Idx0(),
				List:       []ast.Statement{tick(n.Start), &ast.ReturnStatement{Return: b.Expression.Idx0(), Argument: b.Expression}},
				RightBrace: b.Expression.Idx1(),
			}
		}
	case *ast.ClassStaticBlock:
		if n.Block != nil {
			n.Block.List = prepend(tick(n.Static), n.Block.List)
		}
	case *ast.ForStatement:
		n.Body = tickBody(n.For, n.Body)
	case *ast.ForInStatement:
		n.Body = tickBody(n.For, n.Body)
	case *ast.ForOfStatement:
		n.Body = tickBody(n.For, n.Body)
	case *ast.WhileStatement:
		n.Body = tickBody(n.While, n.Body)
	case *ast.DoWhileStatement:
		n.Body = tickBody(n.Do, n.Body)
	}
}

func prepend(s ast.Statement, list []ast.Statement) []ast.Statement {
	out := make([]ast.Statement, 0, len(list)+1)
	return append(append(out, s), list...)
}

func tickBody(at file.Idx, body ast.Statement) ast.Statement {
	if b, ok := body.(*ast.BlockStatement); ok {
		b.List = prepend(tick(at), b.List)
		return b
	}
	return &ast.BlockStatement{LeftBrace: body.Idx0(), List: []ast.Statement{tick(at), body}, RightBrace: body.Idx1()}
}

// tick builds `if (!--C) C = T();`: the batch's last tick (C reaches 0)
// calls T. Measured cheaper in goja than `if (--C < 0)`.
func tick(at file.Idx) ast.Statement {
	return &ast.IfStatement{
		If: at,
		Test: &ast.UnaryExpression{Operator: token.NOT, Idx: at,
			Operand: &ast.UnaryExpression{Operator: token.DECREMENT, Idx: at, Operand: &ast.Identifier{Name: nameCounter, Idx: at}}},
		Consequent: &ast.ExpressionStatement{Expression: &ast.AssignExpression{
			Operator: token.ASSIGN,
			Left:     &ast.Identifier{Name: nameCounter, Idx: at},
			Right:    &ast.CallExpression{Callee: &ast.Identifier{Name: nameTick, Idx: at}, LeftParenthesis: at, RightParenthesis: at},
		}},
	}
}
