package rewrite

import "go/ast"

// unnamedParams names the unnamed parameters of a function with a body
// "_". The interpreter (yaegi v0.16.0) gives an unnamed parameter no slot
// in the function's frame while its body's symbols of other packages
// still count it, so func w(int) int { return os.Getpid() } panicked with
// "reflect.Set: value of type int is not assignable to type func() int";
// func w(_ int) runs.
func (r *rewriter) unnamedParams(ft *ast.FuncType, body *ast.BlockStmt) {
	if body == nil || ft.Params == nil {
		return
	}
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			r.insert(r.off(f.Type.Pos()), "_ ")
		}
	}
}
