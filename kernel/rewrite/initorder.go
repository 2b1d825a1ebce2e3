package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
)

// The order of package variables. Go initialises a package's variables in
// the order of their dependencies (var total = compute() waits for the
// variables compute uses, wherever they are declared); the interpreter
// (yaegi v0.16.0) orders them by the variables their values name, but
// not by those that the functions they call use: such a variable would
// start from the zero value of one written after it. Such a cell is
// refused, naming both.

// initOrder refuses a var declaration of the cell whose value uses,
// through the cell's functions and methods, a variable with a value that
// the cell declares after it.
func (w *Rewriter) initOrder(chk *check) *Error {
	type variable struct {
		obj  *types.Var
		spec *ast.ValueSpec
		it   *item
		at   int // declaration order
	}
	vars := map[types.Object]*variable{}
	var order []*variable
	funcs := map[types.Object]*ast.FuncDecl{}
	for _, it := range chk.items {
		if !it.decl {
			continue
		}
		for _, n := range it.nodes {
			switch d := n.(type) {
			case *ast.FuncDecl:
				if obj := chk.info.Defs[d.Name]; obj != nil && d.Body != nil {
					funcs[obj] = d
				}
			case *ast.GenDecl:
				if d.Tok != token.VAR {
					continue
				}
				for _, spec := range d.Specs {
					vs := spec.(*ast.ValueSpec)
					if len(vs.Values) == 0 {
						continue // zero values come first
					}
					for _, id := range vs.Names {
						if v, ok := chk.info.Defs[id].(*types.Var); ok {
							x := &variable{obj: v, spec: vs, it: it, at: len(order)}
							vars[v] = x
							order = append(order, x)
						}
					}
				}
			}
		}
	}
	if len(order) < 2 {
		return nil
	}
	// uses are the cell's variables that the functions and methods n
	// calls use.
	uses := func(n ast.Node) map[*variable]bool {
		found := map[*variable]bool{}
		seen := map[types.Object]bool{}
		var walk func(n ast.Node, inFunc bool)
		walk = func(n ast.Node, inFunc bool) {
			ast.Inspect(n, func(x ast.Node) bool {
				id, ok := x.(*ast.Ident)
				if !ok {
					return true
				}
				obj := chk.info.Uses[id]
				if v := vars[obj]; v != nil && inFunc {
					found[v] = true
				}
				if fd := funcs[obj]; fd != nil && !seen[obj] {
					seen[obj] = true
					walk(fd.Body, true)
				}
				return true
			})
		}
		walk(n, false)
		return found
	}
	for _, v := range order {
		for _, e := range v.spec.Values {
			for dep := range uses(e) {
				if dep.at > v.at && dep.spec != v.spec {
					r := newRewriter(chk, v.it)
					r.failf(v.spec, "var %s calls a function that uses %s, which is declared after it: Go gives %s its value first, the interpreter gives the variables their values in the order they are written; declare %s first, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
						v.obj.Name(), dep.obj.Name(), dep.obj.Name(), dep.obj.Name())
					return r.err
				}
			}
		}
	}
	return nil
}
