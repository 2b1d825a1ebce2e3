package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Variables of standard packages.
//
// The interpreter (yaegi v0.16.0) resolves a variable of a package
// compiled into the kernel (runtime.MemProfileRate, os.Args) to a node
// that holds its reflect.Value, as it does for a constant (interp/cfg.go,
// the selector case for binPkgT: n.rval = s). Two bugs follow:
//
//   - Assigning to one whose type is a boolean, a string or a number does
//     not compile: runtime.MemProfileRate = 0 fails with "cannot assign to
//     %!s(int=524288) (int constant)", because the assignment refuses any
//     destination that has a value and a basic type (interp/cfg.go:
//     dest.rval.IsValid() && isConstType(dest.typ)); upstream this is
//     traefik/yaegi#1623. Assigning to one of another type that is not a
//     pointer (os.Args = []string{...}) compiles and changes nothing.
//   - Reading one of a basic type takes its value when the code is
//     compiled in most places: an argument of an interpreted function, an
//     operand (runtime.MemProfileRate+1, > 0), x := ..., a composite
//     literal. A function compiled before the variable changed goes on
//     seeing the old value (traefik/yaegi#1632). Arguments of native
//     functions, such as fmt.Println's, read the variable when they run.
//
// Through its address both work: *(&runtime.MemProfileRate) = 0 sets the
// variable and (*&runtime.MemProfileRate) reads its current value. So
// every package variable that an assignment (=, +=, ...) assigns to
// becomes *(&pkg.V) (pkgVarTargets), and every other use of one of a
// basic type, except &pkg.V, becomes (*&pkg.V) (pkgVarRead); x++ is such
// a use, and (*&pkg.V)++ works. Cells get this in the rewriting of modern
// Go (visit in rewriter.go); whole programs (package main) are built
// and run by the Go toolchain, where they need nothing. A range clause that assigns to a
// package variable (for runtime.MemProfileRate = range ...) is left as
// written: the interpreter assigns nothing through *(&pkg.V) there.

// pkgVar returns e, without parentheses, when it names a variable of an
// imported package (pkg.V), else nil.
func pkgVar(info *types.Info, e ast.Expr) *ast.SelectorExpr {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil
	}
	if _, ok := info.Uses[id].(*types.PkgName); !ok {
		return nil
	}
	if _, ok := info.Uses[sel.Sel].(*types.Var); !ok {
		return nil
	}
	return sel
}

// basicVar reports whether v has a boolean, string or numeric type, the
// types the interpreter treats such a variable as a constant of.
func basicVar(info *types.Info, sel *ast.SelectorExpr) bool {
	v, ok := info.Uses[sel.Sel].(*types.Var)
	if !ok {
		return false
	}
	b, ok := v.Type().Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsBoolean|types.IsString|types.IsNumeric) != 0
}

// pkgVarTargetsOf returns the package variables assignment n assigns to.
func pkgVarTargetsOf(info *types.Info, n *ast.AssignStmt) []*ast.SelectorExpr {
	if n.Tok == token.DEFINE {
		return nil
	}
	var out []*ast.SelectorExpr
	for _, lhs := range n.Lhs {
		if sel := pkgVar(info, lhs); sel != nil {
			out = append(out, sel)
		}
	}
	return out
}

// pkgVarReadOf reports whether sel is a use of a package variable of a
// basic type that is read through its address: not an assignment's
// destination (pkgVarTargetsOf has those), not the operand of &, not the
// key or value of a range clause.
func pkgVarReadOf(info *types.Info, sel *ast.SelectorExpr, parent map[ast.Node]ast.Node) bool {
	if pkgVar(info, sel) == nil || !basicVar(info, sel) {
		return false
	}
	var e ast.Node = sel
	p := parent[e]
	for {
		pe, ok := p.(*ast.ParenExpr)
		if !ok {
			break
		}
		e, p = pe, parent[pe]
	}
	switch p := p.(type) {
	case *ast.UnaryExpr:
		return p.Op != token.AND
	case *ast.AssignStmt:
		if p.Tok != token.DEFINE {
			for _, lhs := range p.Lhs {
				if lhs == e {
					return false
				}
			}
		}
	case *ast.RangeStmt:
		return p.Key != e && p.Value != e
	}
	return true
}

// pkgVarTargets makes each package variable that assignment n assigns to
// an assignment through its address.
func (r *rewriter) pkgVarTargets(n *ast.AssignStmt) {
	for _, sel := range pkgVarTargetsOf(r.info, n) {
		r.wrap(sel, "*(&", ")")
	}
}

// pkgVarRead makes n, if it reads a package variable of a basic type, a
// read through its address.
func (r *rewriter) pkgVarRead(n *ast.SelectorExpr) {
	if pkgVarReadOf(r.info, n, r.parent) {
		r.wrap(n, "(*&", ")")
	}
}
