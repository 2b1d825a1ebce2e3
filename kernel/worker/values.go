package worker

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"regexp"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

func (s *session) evalFinal(ctx context.Context, code string, ch *cell.Chunk) (map[string]any, *engine.Error) {
	src := ch.Src
	if s.plainCell() { // modern.go
		// The value of a plain cell (kernel/rewrite, plain.go) is a
		// boolean, a string or a number, with no method to ask for: it
		// is the evaluation's own, held in no variable, which would take
		// a slot of the session's frame for good. Evaluating it has no
		// effect, so an invalid value can take the general path.
		v, e := s.evalHere(ctx, code, placed(src, ch.Line))
		if e != nil {
			return nil, e
		}
		if v.IsValid() && v.CanInterface() {
			return display.Value(v.Interface()), nil
		}
	}
	if call, ok := ch.Node.(*ast.CallExpr); ok {
		nout := -1
		if lit, ok := call.Fun.(*ast.FuncLit); ok {
			nout = lit.Type.Results.NumFields()
		} else if id, ok := call.Fun.(*ast.Ident); ok && noValueBuiltins[id.Name] && s.names[id.Name] == "" {
			nout = 0
		} else if isSimpleFunc(call.Fun) {
			if fv, e := s.evalQuiet(funcText(ch.Src, call)); e == nil && fv.IsValid() && fv.Kind() == reflect.Func {
				nout = fv.Type().NumOut()
			}
		}
		switch {
		case nout == 0 || isOutputCall(call.Fun):
			_, e := s.eval(ctx, code, placed(src, ch.Line))
			return nil, e
		case nout >= 2:
			vars := make([]string, nout)
			for k := range vars {
				vars[k] = fmt.Sprintf("_gocurrentV%d", k)
			}
			// The assignment goes on the line before, so positions in src
			// stay the cell's.
			assign := strings.Join(vars, ", ") + " :=\n" + src
			if _, e := s.eval(ctx, code, placed(assign, ch.Line-1)); e != nil {
				return nil, e
			}
			var parts []string
			for _, v := range vars {
				val, _ := s.evalQuiet(v)
				parts = append(parts, s.text(val, v))
			}
			return map[string]any{"text/plain": strings.Join(parts, " ")}, nil
		}
	}
	v, e := s.eval(ctx, code, placed("_gocurrentV0 :=\n"+src, ch.Line-1))
	if e != nil && noResult.MatchString(e.Value) {
		// A call with no result, of a method whose receiver is not a
		// plain name (xs[0].m(), f().m()): the interpreter ran it, and
		// then failed to assign its missing result. Running it again
		// as a statement would run it twice.
		return nil, nil
	}
	if e != nil {
		// Not a value (a type name, a package, nil, a call with no
		// result): run it as a statement, which reports a real problem.
		if _, e2 := s.eval(ctx, code, placed(src, ch.Line)); e2 != nil || e.Name == "panic" || e.Name == "interrupted" || e.Name == "exit" {
			if e2 != nil && e.Name == "compile error" {
				return nil, e2
			}
			return nil, e
		}
		return nil, nil
	}
	return s.bundle(v, "_gocurrentV0"), nil
}

// bundle makes the MIME bundle showing v, held in the interpreter variable
// name.
func (s *session) bundle(v reflect.Value, name string) map[string]any {
	if !v.IsValid() {
		return nil
	}
	if v.CanInterface() {
		if b, ok := v.Interface().(display.Bundle); ok {
			return b.Data
		}
	}
	// Methods of interpreted types are invisible to reflection: ask the
	// interpreter, first by calling the session's own methods on the value
	// (which works for every named type), then with a type switch.
	// Only the session's own methods can be invisible, so with none of
	// these declared there is nothing to ask (and no evaluation to pay).
	var mime, text string
	if s.declaresDisplayMethod() {
		mime, text = s.callMethods(name)
		if mime == "" {
			mime, text = s.probe(name)
		}
	}
	switch mime {
	case "text/html", "image/svg+xml", "text/markdown":
		return map[string]any{mime: text, "text/plain": fmt.Sprintf("%v", safeInterface(v))}
	case "text/plain":
		return map[string]any{"text/plain": text}
	}
	if !v.CanInterface() {
		return map[string]any{"text/plain": v.String()}
	}
	return display.Value(v.Interface())
}

func (s *session) text(v reflect.Value, name string) string {
	b := s.bundle(v, name)
	if t, ok := b["text/plain"].(string); ok {
		return t
	}
	return "<nil>"
}

func safeInterface(v reflect.Value) any {
	if v.CanInterface() {
		return v.Interface()
	}
	return v.String()
}

// displayMethods are the methods that choose how a value is shown, best
// first.
var displayMethods = []struct{ method, mime string }{
	{"HTML", "text/html"}, {"SVG", "image/svg+xml"}, {"Markdown", "text/markdown"},
	{"Error", "text/plain"}, {"String", "text/plain"},
}

// callMethods calls on the value held in name the first display method
// that some type of the session declares and that the value has.
func (s *session) callMethods(name string) (mime, text string) {
	for _, dm := range displayMethods {
		if !s.methods[dm.method] {
			continue
		}
		v, err := s.evalQuiet(name + "." + dm.method + "()")
		if err == nil && v.IsValid() && v.Kind() == reflect.String {
			return dm.mime, v.String()
		}
	}
	return "", ""
}

// declaresDisplayMethod reports whether a type of the session has one of
// the displayMethods.
func (s *session) declaresDisplayMethod() bool {
	for _, dm := range displayMethods {
		if s.methods[dm.method] {
			return true
		}
	}
	return false
}

func (s *session) probe(name string) (mime, text string) {
	// Not _gocurrentM: that is the native helpers' package (nativeAlias).
	if _, err := s.evalQuiet("_gocurrentProbeM, _gocurrentProbeT := _gocurrentProbe(" + name + ")"); err != nil {
		return "", ""
	}
	m, _ := s.evalQuiet("_gocurrentProbeM")
	t, _ := s.evalQuiet("_gocurrentProbeT")
	if !m.IsValid() || !t.IsValid() {
		return "", ""
	}
	return m.String(), t.String()
}

// evalQuiet evaluates src for the kernel's own purposes, turning any
// failure, a panic included, into an error.
func (s *session) evalQuiet(src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return s.i.Eval(src)
}

// noResult is the interpreter's panic when a call with no result is
// assigned to a variable.
var noResult = regexp.MustCompile(`^reflect\.Set: value of type \*interface \{\} is not assignable to type func\(`)

// noValueBuiltins are the builtin functions that return nothing.
var noValueBuiltins = map[string]bool{"panic": true, "print": true, "println": true, "close": true, "delete": true, "clear": true}

// isSimpleFunc reports whether f names a function without side effects
// of its own: an identifier or a chain of selectors on one.
func isSimpleFunc(f ast.Expr) bool {
	for {
		switch x := f.(type) {
		case *ast.Ident:
			return true
		case *ast.SelectorExpr:
			f = x.X
		case *ast.CompositeLit:
			// A method of a literal (T{"a"}.m()): making the literal
			// again to find the method's results has no effect.
			return x.Type != nil && pureLiteral(x)
		default:
			return false
		}
	}
}

// pureLiteral reports whether evaluating the composite literal x calls
// nothing and receives from nothing.
func pureLiteral(x *ast.CompositeLit) bool {
	pure := true
	ast.Inspect(x, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr, *ast.FuncLit:
			pure = false
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				pure = false
			}
		}
		return pure
	})
	return pure
}

func funcText(src string, call *ast.CallExpr) string {
	// Positions in the chunk's file set are offset by the parser's
	// wrapper; the function is the text before the call's parenthesis.
	i := strings.Index(src, "(")
	if i < 0 {
		return src
	}
	return strings.TrimSpace(src[:i])
}

// isOutputCall tells calls whose results are about what they wrote
// (fmt.Println's byte count and error), which a notebook does not show.
func isOutputCall(f ast.Expr) bool {
	name := ""
	switch x := f.(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		name = x.Sel.Name
	}
	for _, p := range []string{"Print", "Fprint", "Write", "Scan", "Sscan", "Fscan"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
