package worker

import (
	"fmt"
	"go/ast"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// The text of a panic value of a session type.
//
// A value of a type declared in a cell reaches the kernel's Go code (a
// panic's value, even one recovered inside interpreted code) as a
// reflect.Value of the interpreter's reflection type, which has the type's
// fields but not its name or methods: a panic(MyErr{42}) whose MyErr has an
// Error method showed "{42}" where Go prints the method's text. So the
// value's reflection type is compared with those of the session's types
// that have an Error or String method; when exactly one matches, the value
// is copied into an interpreted variable of that type and the method is
// called there.

// sessionText returns the Error or String text of v, when v is a value (or
// a pointer to one) of a type of the session with such a method. Types
// that look the same to reflection (type A struct{ n int } and type B
// struct{ n int }) cannot be told apart: their texts are taken when they
// agree, else none is.
func (s *session) sessionText(v reflect.Value) (string, bool) {
	if !v.IsValid() || (!s.methods["Error"] && !s.methods["String"]) {
		return "", false
	}
	names := make([]string, 0, len(s.types))
	for name := range s.types {
		names = append(names, name)
	}
	sort.Strings(names)
	text := ""
	for _, name := range names {
		ptr, err := s.evalQuiet("new(" + name + ")")
		if err != nil || !ptr.IsValid() || ptr.Kind() != reflect.Pointer {
			continue // a generic type, or one the interpreter cannot make
		}
		form := ""
		switch v.Type() {
		case ptr.Type().Elem():
			form = name
		case ptr.Type():
			form = "*" + name
		default:
			continue
		}
		t, ok := s.methodText(v, name, form)
		switch {
		case !ok || (text != "" && text != t):
			return "", false // not every type that looks like v's says the same
		default:
			text = t
		}
	}
	return text, text != ""
}

// methodText copies v into an interpreted variable of type form (name or
// *name) and returns what its Error or String method says, as a panic's
// value is printed; ok is false when form's method set has neither.
func (s *session) methodText(v reflect.Value, name, form string) (string, bool) {
	method := ""
	for _, m := range []string{"Error", "String"} {
		fd := cell.ParseFunc(s.decls[name+"."+m])
		if fd == nil || fd.Func.Recv == nil || len(fd.Func.Recv.List) != 1 {
			continue
		}
		if _, ptr := fd.Func.Recv.List[0].Type.(*ast.StarExpr); ptr && form == name {
			continue // a pointer method is not in the value's method set
		}
		method = m
		break
	}
	if method == "" {
		return "", false
	}
	const holder = "_gocurrentPanicValue"
	if _, err := s.evalQuiet(fmt.Sprintf("var %s %s", holder, form)); err != nil {
		return "", false
	}
	p, err := s.evalQuiet("&" + holder)
	if err != nil || !p.IsValid() || p.Kind() != reflect.Pointer || !v.Type().AssignableTo(p.Type().Elem()) {
		return "", false
	}
	p.Elem().Set(v)
	// A method called on the variable: the interpreter's type switch and
	// conversion to an interface fail on such a value.
	text, err := s.evalQuiet(holder + "." + method + "()")
	if err != nil || text.Kind() != reflect.String {
		return "", false
	}
	return text.String(), true
}

// panicTexts holds the values of panics in goroutines of the running cell
// that may be of a session type: the interpreter cannot be asked for their
// text while the cell runs (it evaluates one thing at a time), so the
// cell's error is given it when the cell has ended.
type panicTexts struct {
	mu     sync.Mutex
	values map[*engine.Error]reflect.Value
}

func (pt *panicTexts) later(e *engine.Error, v reflect.Value) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.values == nil {
		pt.values = map[*engine.Error]reflect.Value{}
	}
	pt.values[e] = v
}

// apply puts the text of its panic's value into e, the cell's error, and
// forgets the values held.
func (pt *panicTexts) apply(s *session, e *engine.Error) {
	pt.mu.Lock()
	v, ok := pt.values[e]
	pt.values = nil
	pt.mu.Unlock()
	if !ok || e == nil {
		return
	}
	text, ok := s.sessionText(v)
	if !ok {
		return
	}
	shown := fmt.Sprint(v)
	if rest, found := strings.CutPrefix(e.Value, shown); found {
		e.Value = text + rest
	}
	if len(e.Traceback) > 0 {
		e.Traceback[0] = strings.Replace(e.Traceback[0], ": "+shown, ": "+text, 1)
	}
}
