package js

import (
	"reflect"

	"github.com/scriptrun/scriptrun/third_party/goja/ast"
	"github.com/scriptrun/scriptrun/third_party/goja/file"
)

// The script's source is wrapped so that it is the body of a function,
// opened on the script's first line so that a leading "use strict" is the
// body's directive prologue:
//
//	(function(){BODY
//	})
//
// (an async function when the script needs top-level await). Nothing is
// inserted into BODY: steps are VM instructions, counted by the patched goja
// (Runtime.SetStepMeter), so the script runs as written.
const (
	wrapPrefix      = "(function(){"
	asyncWrapPrefix = "(async function(){"
	wrapSuffix      = "\n})"
)

// wrapperBody returns the function the wrapper defines, or nil when the
// parsed program is not the wrapper alone (the script closed the body it
// runs in and went on after it).
func wrapperBody(prg *ast.Program) *ast.FunctionLiteral {
	if len(prg.Body) != 1 {
		return nil
	}
	es, _ := prg.Body[0].(*ast.ExpressionStatement)
	if es == nil {
		return nil
	}
	fn, _ := es.Expression.(*ast.FunctionLiteral)
	if fn == nil || fn.Body == nil {
		return nil
	}
	return fn
}

// refusal is a construct the backend refuses, with its offset.
type refusal struct {
	idx file.Idx
	msg string
}

var astPkg = reflect.TypeOf(ast.Program{}).PkgPath()

// refuse walks the AST for constructs scripts may not use: the with
// statement (its dynamic scope would let a script shadow what the host
// relies on, and it is banned in strict code anyway).
func refuse(prg *ast.Program) *refusal {
	w := &refuser{seen: map[any]bool{}}
	w.walk(reflect.ValueOf(prg))
	return w.found
}

type refuser struct {
	seen  map[any]bool
	found *refusal
}

func (w *refuser) walk(v reflect.Value) {
	if w.found != nil {
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem())
		}
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() != astPkg {
			return
		}
		p := v.Interface()
		if w.seen[p] {
			return
		}
		w.seen[p] = true
		if ws, ok := p.(*ast.WithStatement); ok {
			w.found = &refusal{idx: ws.With, msg: "the with statement is not allowed"}
			return
		}
		w.walk(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				w.walk(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			w.walk(v.Index(i))
		}
	}
}
