package worker

import (
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// Function literals of go statements become functions of the session.
//
// yaegi v0.16.0 makes a closure of a function literal each time the
// literal is evaluated (interp/run.go getFunc): a copy of the literal's
// node and of the frame it is evaluated in, and a reflect.MakeFunc. The
// copied frame holds the closure the same literal made the time before,
// so a loop of go func() {...}() keeps every closure it made alive until
// the loop's function returns: 100,000 goroutines started in a cell's loop
// held about 130 MB, and each start cost twice the time of a call to a
// named function.
//
// A go statement of a cell's top-level statements whose literal uses no
// name those statements declare (only the session's variables, functions
// and packages, and its own parameters and variables) calls a session
// function made of the literal instead:
//
//	go func(x T) { BODY }(a)   ->  go _gocurrentLitN(a)
//	                               func _gocurrentLitN(x T) { BODY }
//
// which Go runs the same way: the literal reads and writes the session's
// variables themselves, not copies, and its arguments are evaluated by the
// go statement. The function's declaration carries a line directive, so
// the interpreter places its statements on the cell's lines.

// litPrefix names the functions that go statements' literals become.
const litPrefix = "_gocurrentLit"

// hoistGoLiterals returns body, the statements of a run function (see
// evalGroup) laid out on the interpreter's lines, with the function
// literal of each go statement that can call a session function instead
// replaced by that function's name; and the declarations of those
// functions, to follow body's function in the same source.
func (s *session) hoistGoLiterals(body string) (string, string) {
	if !strings.Contains(body, "go") {
		return body, ""
	}
	sn, err := cell.ParseStmts(body)
	if err != nil {
		return body, ""
	}
	var gos []*ast.GoStmt
	declared := map[string]int{} // names body declares, and how often
	ast.Inspect(sn.File, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok && !inFuncLit(sn.File, g) {
			if _, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit); ok {
				gos = append(gos, g)
			}
		}
		declares(n, func(name string) { declared[name]++ })
		return true
	})
	if len(gos) == 0 {
		return body, ""
	}
	edits := cell.NewEdits(body)
	var decls strings.Builder
	for _, g := range gos {
		lit := ast.Unparen(g.Call.Fun).(*ast.FuncLit)
		free, ok := ownNamesOnly(lit, declared)
		if !ok || slices.ContainsFunc(free, s.misread) {
			continue
		}
		s.lits++
		name := fmt.Sprintf("%s%d", litPrefix, s.lits)
		from, lparen := sn.Offset(g.Call.Fun.Pos()), sn.Offset(g.Call.Lparen)
		// The arguments stay on their line and column: the lines the
		// literal took are new lines inside the call's parentheses.
		gone := body[from : lparen+1]
		last := gone[strings.LastIndex(gone, "\n")+1:]
		pad := ""
		if strings.Contains(gone, "\n") {
			pad = strings.Repeat("\n", strings.Count(gone, "\n")) + strings.Repeat(" ", len(last)) // columns count bytes
		}
		edits.Put(from, lparen+1, name+"("+pad)
		// The declaration starts with the literal's parameters, placed by
		// a line directive where they are in body.
		params := sn.Fset.Position(lit.Type.Params.Opening)
		fmt.Fprintf(&decls, "\nfunc %s/*line :%d:%d*/%s", name, params.Line, params.Column, body[sn.Offset(lit.Type.Params.Opening):sn.Offset(lit.End())])
	}
	if decls.Len() == 0 {
		return body, ""
	}
	edits.Order()
	return edits.Render(0, len(body)), decls.String()
}

// inFuncLit reports whether n is inside a function literal of f.
func inFuncLit(f *ast.File, n ast.Node) bool {
	inside := false
	ast.Inspect(f, func(m ast.Node) bool {
		if inside || m == nil {
			return false
		}
		if lit, ok := m.(*ast.FuncLit); ok && lit.Pos() <= n.Pos() && n.End() <= lit.End() {
			inside = true
			return false
		}
		return m.Pos() <= n.Pos() && n.End() <= m.End()
	})
	return inside
}

// declares calls name for each name node n declares: variables (var, :=,
// range, select cases, type switches), constants, types, parameters,
// results, fields and labels.
func declares(n ast.Node, name func(string)) {
	idents := func(ids ...ast.Expr) {
		for _, e := range ids {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				name(id.Name)
			}
		}
	}
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok == token.DEFINE {
			idents(n.Lhs...)
		}
	case *ast.RangeStmt:
		if n.Tok == token.DEFINE {
			idents(n.Key, n.Value)
		}
	case *ast.ValueSpec:
		for _, id := range n.Names {
			idents(id)
		}
	case *ast.TypeSpec:
		idents(n.Name)
	case *ast.Field:
		for _, id := range n.Names {
			idents(id)
		}
	case *ast.LabeledStmt:
		idents(n.Label)
	}
}

// misread reports whether name is a session variable that yaegi v0.16.0
// may read wrongly in a function declared after it: one that several
// names take from one call (x, err := f(), var x, err = f()); a
// statement's x := ... counts too, whose right side the session does not
// keep. A function that reads such a variable and is called from another
// function declared later reads a zero value (a nil dereference, or
// "reflect: Method index out of range" at its method call), while a
// function literal of the statements reads it right; so a literal that
// uses one stays a literal.
func (s *session) misread(name string) bool {
	if s.names[name] != "var" {
		return false
	}
	src, decl := s.decls[name]
	if !decl {
		return true
	}
	sn, err := cell.ParseDecls(src)
	if err != nil {
		return true
	}
	multi := true
	ast.Inspect(sn.File, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && slices.ContainsFunc(vs.Names, func(id *ast.Ident) bool { return id.Name == name }) {
			multi = len(vs.Values) > 0 && len(vs.Values) < len(vs.Names)
		}
		return true
	})
	return multi
}

// ownNamesOnly reports whether every name lit uses is its own or not
// declared at all in the statements around it (declared counts the
// declarations of all of them, lit's included): the literal then uses only
// names of the session, which a function of the session sees the same;
// free are those names. Its
// body's uses of its parameters' names are its own; a name it declares
// again inside, or that its parameters' types use, must not be declared
// around it.
func ownNamesOnly(lit *ast.FuncLit, declared map[string]int) (free []string, ok bool) {
	own := map[string]int{}
	ast.Inspect(lit, func(n ast.Node) bool {
		declares(n, func(name string) { own[name]++ })
		return true
	})
	params := map[string]bool{}
	for _, fl := range []*ast.FieldList{lit.Type.Params, lit.Type.Results} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			for _, id := range f.Names {
				params[id.Name] = true
			}
		}
	}
	ok = true
	var walk func(inBody bool) func(n ast.Node) bool
	walk = func(inBody bool) func(n ast.Node) bool {
		return func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				// A field or method name is not a variable: only X is.
				ast.Inspect(n.X, walk(inBody))
				return false
			case *ast.Field:
				if !inBody {
					// The parameter's name is lit's; its type is read
					// where the literal is.
					ast.Inspect(n.Type, walk(false))
					return false
				}
			case *ast.Ident:
				switch {
				case inBody && params[n.Name]:
				case declared[n.Name] > own[n.Name]:
					ok = false
				case own[n.Name] == 0:
					free = append(free, n.Name)
				}
			}
			return ok
		}
	}
	ast.Inspect(lit.Type, walk(false))
	if ok {
		ast.Inspect(lit.Body, walk(true))
	}
	return free, ok
}
