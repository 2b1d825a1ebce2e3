package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"strings"
)

// Branch statements.
//
// The interpreter (yaegi v0.16.0) takes break and continue inside a select
// case to another place than Go does; they become a labelled branch inside
// "if true { }", which it gets right. Inside the body of a range over a
// function (range_func.go), a branch to a statement outside the body leaves
// the body's function and is taken after the loop; continue of a loop
// whose variables are copied back (loopvar.go) copies them first.

// branchStmt rewrites break and continue where the interpreter would go
// elsewhere than Go: out of a range-over-function body, out of a select
// case, or to a loop whose variables are copied back.
func (r *rewriter) branchStmt(n *ast.BranchStmt) {
	if n.Tok == token.GOTO && n.Label != nil {
		if rs := r.rangeFuncAround(n, true); rs != nil {
			inside := false
			ast.Inspect(rs.Body, func(x ast.Node) bool {
				if l, ok := x.(*ast.LabeledStmt); ok && l.Label.Name == n.Label.Name {
					inside = true
				}
				return !inside
			})
			if !inside {
				r.failf(n, "goto out of a range over a function: the interpreter runs the loop's body as a function, which a goto cannot leave; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
			}
		}
		return
	}
	if n.Tok != token.BREAK && n.Tok != token.CONTINUE {
		return
	}
	target, path := r.branchTarget(n)
	if target == nil {
		return
	}
	if text, changed := r.branchText(n.Tok, target, path, n); changed {
		r.replace(n, text)
	}
}

// branchTarget finds the statement a break or continue applies to, and
// the statements between (innermost first).
func (r *rewriter) branchTarget(n *ast.BranchStmt) (ast.Node, []ast.Node) {
	var path []ast.Node
	for p := r.parent[n]; p != nil; p = r.parent[p] {
		switch p := p.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return nil, nil
		case *ast.LabeledStmt:
			if n.Label != nil && p.Label.Name == n.Label.Name {
				return p.Stmt, path
			}
		case *ast.ForStmt, *ast.RangeStmt:
			if n.Label == nil {
				return p, path
			}
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if n.Label == nil && n.Tok == token.BREAK {
				return p, path
			}
		}
		path = append(path, p)
	}
	return nil, nil
}

// branchText is the statement that does what "tok [label]" does from
// inside path to target.
func (r *rewriter) branchText(tok token.Token, target ast.Node, path []ast.Node, orig *ast.BranchStmt) (string, bool) {
	// A range-over-function body on the way: leave its function, then
	// branch from where the loop was.
	for i, p := range path {
		rs, ok := p.(*ast.RangeStmt)
		if !ok || r.loops[rs] == nil || r.loops[rs].kind != loopRangeFunc {
			continue
		}
		li := r.loops[rs]
		// Only if the branch is inside its body (not in its range
		// expression).
		if i > 0 && path[i-1] != rs.Body {
			continue
		}
		act, _ := r.branchText(tok, target, path[i+1:], nil)
		li.exits = append(li.exits, act)
		return li.leave(len(li.exits)), true
	}
	if rs, ok := target.(*ast.RangeStmt); ok && r.loops[rs] != nil && r.loops[rs].kind == loopRangeFunc {
		if tok == token.CONTINUE {
			return "return true", true
		}
		return r.loops[rs].leave(0), true
	}
	crossesSelect := false
	for _, p := range path {
		if _, ok := p.(*ast.SelectStmt); ok {
			crossesSelect = true
		}
	}
	if _, ok := target.(*ast.SelectStmt); ok {
		crossesSelect = true
	}
	var copyBack string
	if li := r.loops[target]; li != nil && li.kind == loopCopy && li.copyBack && tok == token.CONTINUE {
		if _, ok := target.(*ast.ForStmt); ok {
			copyBack = fmt.Sprintf("%s = %s; ", strings.Join(li.holders, ", "), strings.Join(li.vars, ", "))
		}
	}
	if !crossesSelect && copyBack == "" && orig != nil {
		return "", false
	}
	label := ""
	if crossesSelect || (orig != nil && orig.Label != nil) || orig == nil {
		label = r.labelOf(target)
	}
	stmt := tok.String()
	if label != "" {
		stmt += " " + label
	}
	if crossesSelect {
		return fmt.Sprintf("if true { %s%s }", copyBack, stmt), true
	}
	if copyBack != "" {
		return fmt.Sprintf("{ %s%s }", copyBack, stmt), true
	}
	return stmt, true
}

// labelOf returns the label of statement n, giving it one if it has none.
func (r *rewriter) labelOf(n ast.Node) string {
	if lab, ok := r.parent[n].(*ast.LabeledStmt); ok {
		return lab.Label.Name
	}
	if l, ok := r.labels[n]; ok {
		return l
	}
	l := r.newName("L")
	r.labels[n] = l
	r.insert(r.off(n.Pos()), l+": ")
	return l
}
