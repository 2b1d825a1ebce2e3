package cell

import (
	"go/ast"
	"go/parser"
	"go/token"
)

// LeavesFunc reports whether statements stmts contain a return or a defer
// of their own (outside function literals): in a loop's body they would
// end the loop, or run only after it. Statements that do not parse
// count as leaving.
func LeavesFunc(stmts string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p; func f() {\n"+stmts+"}", parser.SkipObjectResolution)
	if err != nil {
		return true
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt, *ast.DeferStmt:
			found = true
		}
		return !found
	})
	return found
}
