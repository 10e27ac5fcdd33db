package goja

import (
	"github.com/scriptrun/scriptrun/third_party/goja/ast"
	"github.com/scriptrun/scriptrun/third_party/goja/file"
)

// Long chains such as a+a+...+a or a&&a&&...&&a are left-deep trees. Two
// questions the compiler asks of every node, where it starts and whether it
// is constant, walk down the left spine, which made compiling a chain of n
// links take time quadratic in n (8000 links of && took 0.2 s). These
// answer them in amortised constant time.

// binaryIdx0 is v.Idx0(). Every node on the left spine of a chain starts
// where its leftmost leaf does, and the compiler goes top-down, so the spine
// is walked once, from its root, and remembered when it is long.
func (c *compiler) binaryIdx0(v *ast.BinaryExpression) file.Idx {
	if idx, ok := c.spineIdx0[v]; ok {
		return idx
	}
	n := 0
	var left ast.Expression = v
	for {
		b, ok := left.(*ast.BinaryExpression)
		if !ok {
			break
		}
		left = b.Left
		n++
	}
	idx := left.Idx0()
	if n > 16 {
		if c.spineIdx0 == nil {
			c.spineIdx0 = make(map[*ast.BinaryExpression]file.Idx)
		}
		for b, ok := v, true; ok; b, ok = b.Left.(*ast.BinaryExpression) {
			c.spineIdx0[b] = idx
		}
	}
	return idx
}

// constMemo remembers the answer of a compiled expression's constant().
type constMemo int8

func (m *constMemo) get(compute func() bool) bool {
	if *m == 0 {
		*m = 1
		if compute() {
			*m = 2
		}
	}
	return *m == 2
}

// tooDeep reports an expression nested deeper than maxCompileDepth.
func (c *compiler) tooDeep(v ast.Expression) {
	var idx file.Idx
	if b, ok := v.(*ast.BinaryExpression); ok {
		idx = c.binaryIdx0(b)
	} else if v != nil {
		idx = v.Idx0()
	}
	c.throwSyntaxErrorf(int(idx)-1, "Expression too deeply nested (more than %d levels)", maxCompileDepth)
}
