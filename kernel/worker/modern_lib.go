package worker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf16"
	"unsafe"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/traefik/yaegi/interp"
	gen "github.com/traefik/yaegi/stdlib/generic"
)

// Symbols of the native helpers (kernel/rewrite's NativePath) and of the
// standard library of Go 1.23-1.26, which the interpreter's tables (Go
// 1.22) lack; the library of generic functions rewritten cells call is
// kernel/rewrite's.

// genericNames are the names of the interpreter's own generic standard
// packages (cmp, maps, slices, as yaegi's source), by import path.
var genericNames = sync.OnceValue(func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, src := range gen.Sources {
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		names := map[string]bool{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						names[sp.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
		out[f.Name.Name] = names
	}
	return out
})

// modernSymbols are the native helpers and the standard library symbols
// of Go 1.23-1.26 that the interpreter's tables (Go 1.22) lack.
func (s *session) modernSymbols() interp.Exports {
	stderr := func() io.Writer { return s.filter }
	native := map[string]reflect.Value{
		"Println":    reflect.ValueOf(func(a ...any) { printArgs(stderr(), a, true) }),
		"Print":      reflect.ValueOf(func(a ...any) { printArgs(stderr(), a, false) }),
		"Clear":      reflect.ValueOf(clearValue),
		"NegZero":    reflect.ValueOf(negZero),
		"Comparable": reflect.ValueOf(func(x any) bool { return x == nil || reflect.TypeOf(x).Comparable() }),
		"TypeName":   reflect.ValueOf(typeName),
		"Unwrap":     reflect.ValueOf(errors.Unwrap),
		"UnwrapAll": reflect.ValueOf(func(err error) []error {
			if u, ok := err.(interface{ Unwrap() []error }); ok {
				return u.Unwrap()
			}
			return nil
		}),
		"IsMethod": reflect.ValueOf(func(err, target error) bool {
			x, ok := err.(interface{ Is(error) bool })
			return ok && x.Is(target)
		}),
		"RangeContinued": reflect.ValueOf(rangeContinued),
		"Elems":          reflect.ValueOf(elemsTextOf),
		"PlainAny":       reflect.ValueOf(s.plainAny),
		"TextType":       reflect.ValueOf(s.textType),
		"Recovered":      reflect.ValueOf(func(v any) any { return recovered(s.top.recover(v)) }),
		"NumGoroutine":   reflect.ValueOf(func() int { return 1 + int(s.live.Load()) }),
	}
	for name, v := range s.sel.symbols() {
		native[name] = v
	}
	return interp.Exports{
		nativePath + "/modern": native,
		// Packages the interpreter has no symbols of: importing them works,
		// their generic functions are instantiated from the library (iter)
		// or refused with a message (unique, weak).
		"iter/iter":     {},
		"unique/unique": {},
		"weak/weak":     {},
		"strings/strings": {
			"Lines":         reflect.ValueOf(strings.Lines),
			"SplitSeq":      reflect.ValueOf(strings.SplitSeq),
			"SplitAfterSeq": reflect.ValueOf(strings.SplitAfterSeq),
			"FieldsSeq":     reflect.ValueOf(strings.FieldsSeq),
			"FieldsFuncSeq": reflect.ValueOf(strings.FieldsFuncSeq),
		},
		"bytes/bytes": {
			"Lines":         reflect.ValueOf(bytes.Lines),
			"SplitSeq":      reflect.ValueOf(bytes.SplitSeq),
			"SplitAfterSeq": reflect.ValueOf(bytes.SplitAfterSeq),
			"FieldsSeq":     reflect.ValueOf(bytes.FieldsSeq),
			"FieldsFuncSeq": reflect.ValueOf(bytes.FieldsFuncSeq),
		},
		"sync/atomic/atomic": {
			"AndInt32":   reflect.ValueOf(atomic.AndInt32),
			"AndInt64":   reflect.ValueOf(atomic.AndInt64),
			"AndUint32":  reflect.ValueOf(atomic.AndUint32),
			"AndUint64":  reflect.ValueOf(atomic.AndUint64),
			"AndUintptr": reflect.ValueOf(atomic.AndUintptr),
			"OrInt32":    reflect.ValueOf(atomic.OrInt32),
			"OrInt64":    reflect.ValueOf(atomic.OrInt64),
			"OrUint32":   reflect.ValueOf(atomic.OrUint32),
			"OrUint64":   reflect.ValueOf(atomic.OrUint64),
			"OrUintptr":  reflect.ValueOf(atomic.OrUintptr),
		},
		"encoding/binary/binary": {
			"Append": reflect.ValueOf(binary.Append),
			"Encode": reflect.ValueOf(binary.Encode),
			"Decode": reflect.ValueOf(binary.Decode),
		},
		"math/rand/v2/rand": {
			"Uint": reflect.ValueOf(rand.Uint),
		},
		"os/os": {
			"CopyFS": reflect.ValueOf(os.CopyFS),
		},
		"io/fs/fs": {
			"Lstat":    reflect.ValueOf(fs.Lstat),
			"ReadLink": reflect.ValueOf(fs.ReadLink),
		},
		"path/filepath/filepath": {
			"Localize": reflect.ValueOf(filepath.Localize),
		},
		"log/slog/slog": {
			"DiscardHandler":  reflect.ValueOf(&slog.DiscardHandler).Elem(),
			"GroupAttrs":      reflect.ValueOf(slog.GroupAttrs),
			"NewMultiHandler": reflect.ValueOf(slog.NewMultiHandler),
		},
		"unicode/utf16/utf16": {
			"RuneLen": reflect.ValueOf(utf16.RuneLen),
		},
		"unicode/unicode": {
			"CategoryAliases": reflect.ValueOf(&unicode.CategoryAliases).Elem(),
			"Cn":              reflect.ValueOf(&unicode.Cn).Elem(),
			"LC":              reflect.ValueOf(&unicode.LC).Elem(),
		},
	}
}

// printArgs writes a as the builtins print and println do.
func printArgs(w io.Writer, a []any, ln bool) {
	var b []byte
	for i, x := range a {
		if ln && i > 0 {
			b = append(b, ' ')
		}
		b = appendPrint(b, x)
	}
	if ln {
		b = append(b, '\n')
	}
	_, _ = w.Write(b)
}

// appendPrint formats one argument of print as the runtime does.
func appendPrint(b []byte, x any) []byte {
	if x == nil {
		return append(b, "(0x0,0x0)"...)
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Float32:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 32)
	case reflect.Float64:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 64)
	case reflect.Complex64:
		return append(b, strconv.FormatComplex(v.Complex(), 'g', -1, 64)...)
	case reflect.Complex128:
		return append(b, strconv.FormatComplex(v.Complex(), 'g', -1, 128)...)
	case reflect.String:
		return append(b, v.String()...)
	case reflect.Pointer, reflect.Chan, reflect.Map, reflect.Func, reflect.UnsafePointer:
		return fmt.Appendf(b, "%#x", v.Pointer())
	case reflect.Slice:
		return fmt.Appendf(b, "[%d/%d]%#x", v.Len(), v.Cap(), v.Pointer())
	}
	return fmt.Appendf(b, "(%v)", x)
}

// clearValue is the builtin clear.
func clearValue(x any) {
	if x == nil {
		return
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	}
}

// negZero reports whether x is a floating-point negative zero.
func negZero(x any) bool {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		return f == 0 && math.Signbit(f)
	}
	return false
}

// typeName is what %T prints for x, for the native TypeName of rewritten
// cells. The interpreter makes the session's struct types as unnamed
// struct types, whose name it cannot tell: a value of one stops the cell.
//
// lookAlikes are the runtime types, one per line, that the session's own
// types with the same underlying type share (type Named int: int): a
// value of one of them may be of a session type, which the interpreter
// cannot tell.
func typeName(x any, lookAlikes string) string {
	if x == nil {
		return "<nil>"
	}
	t := reflect.TypeOf(x)
	// A value in an interface of the interpreter's own (interp._error
	// for an error, stdlib._fmt_Stringer for a fmt.Stringer): the value
	// it holds.
	for strings.HasPrefix(t.PkgPath(), "github.com/traefik/yaegi/") {
		v := reflect.ValueOf(x)
		if v.Kind() != reflect.Struct || !v.FieldByName("IValue").IsValid() || !v.FieldByName("IValue").CanInterface() {
			panic("not supported by the interpreter: %T of a value the interpreter keeps in a " + t.String() +
				": it cannot tell the name Go prints; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%native")
		}
		x = v.FieldByName("IValue").Interface()
		if x == nil {
			return "<nil>"
		}
		t = reflect.TypeOf(x)
	}
	if slices.Contains(strings.Split(lookAlikes, "\n"), t.String()) {
		panic("not supported by the interpreter: %T of a value of type " + t.String() +
			", which may be of a type of the session with that underlying type: the interpreter cannot tell them apart; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%native")
	}
	if unnamedStruct(t, map[reflect.Type]bool{}) {
		panic("not supported by the interpreter: %T of a value whose type the interpreter made (" + t.String() +
			"): it cannot tell the name Go prints; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%native")
	}
	return t.String()
}

// unnamedStruct reports whether t is, or is made of, an unnamed struct
// type.
func unnamedStruct(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || t.Name() != "" {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Struct:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
		return unnamedStruct(t.Elem(), seen)
	case reflect.Map:
		return unnamedStruct(t.Key(), seen) || unnamedStruct(t.Elem(), seen)
	}
	return false
}

// rangeContinued panics with the runtime error of Go for a sequence that
// called its yield function again after the loop's body returned false
// (state 1) or after the loop ended (state 2), by doing the same.
// elemsText is a slice or array whose n elements fmt prints as elem
// gives them (print_elems.go in package rewrite): "[a b c]".
type elemsText struct {
	n    int
	elem func(int) string
}

func (e elemsText) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range e.n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.elem(i))
	}
	b.WriteByte(']')
	return b.String()
}

func elemsTextOf(n int, elem func(int) string) fmt.Stringer { return elemsText{n, elem} }

// plainAny returns x, a value in an any that fmt is given (anyprint.go in
// package rewrite), after checking that it is not a value of a session
// type with a String or Error method that the code printing it does not
// know (the method was declared after that code), and that it holds no
// value of the session inside an interface of its own ([]any{fault{1}} in
// an any): fmt would print such a value without its method, and only the
// running cell can tell.
func (s *session) plainAny(x any) any {
	if x == nil {
		return x
	}
	t := reflect.TypeOf(x)
	if inner, ok := valueInterfaceType(x); ok {
		t = inner
	}
	if name, ok := s.textTypes.Load(t); ok {
		panic("not supported by the interpreter: fmt would print a value of " + name.(string) +
			" without its String or Error method, which was declared after the code that prints it; declare such methods before the code that prints the values, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%native")
	}
	some := false
	s.textTypes.Range(func(any, any) bool { some = true; return false })
	if !some {
		return x
	}
	if t, ok := hiddenValue(reflect.ValueOf(x), false, 0); ok {
		panic("not supported by the interpreter: fmt would print a value the interpreter made (" + t +
			") inside an interface value held in an any, without the String or Error method its type may have; print the values one by one, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%native")
	}
	return x
}

// valueInterfaceType is the type of the value the interpreter keeps in
// its valueInterface (the value and the code that made it), which is how
// a method of the session hands an any it was given to native code.
func valueInterfaceType(x any) (reflect.Type, bool) {
	t := reflect.TypeOf(x)
	if t.PkgPath() != reflect.TypeOf(interp.Exports{}).PkgPath() || t.Name() != "valueInterface" || t.Kind() != reflect.Struct {
		return nil, false
	}
	f, ok := t.FieldByName("value")
	if !ok || f.Type != reflect.TypeOf(reflect.Value{}) {
		return nil, false
	}
	c := reflect.New(t).Elem()
	c.Set(reflect.ValueOf(x))
	inner := *(*reflect.Value)(unsafe.Pointer(c.FieldByIndex(f.Index).UnsafeAddr()))
	if !inner.IsValid() {
		return nil, false
	}
	return inner.Type(), true
}

// noteTextTypes records the runtime types of the struct types the group
// gives a String or Error method (textType).
func (s *session) noteTextTypes(group []cell.Chunk) {
	for _, ch := range group {
		for _, n := range ch.Names {
			if t, m, ok := strings.Cut(n, "."); ok && (m == "String" || m == "Error") && s.names[t] == "type" {
				if s.mod != nil && s.mod.importAliases() == nil {
					_, _ = s.evalQuiet(nativeAlias + ".TextType((*" + t + ")(nil), " + strconv.Quote("main."+t) + ")")
				}
			}
		}
	}
}

// textType records the runtime type of a session struct type with a
// String or Error method, given a nil pointer to it, for plainAny (a type
// of another's underlying type is refused where it goes into an any).
func (s *session) textType(p any, name string) {
	t := reflect.TypeOf(p)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return
	}
	s.textTypes.Store(t, "*"+name)
	s.textTypes.Store(t.Elem(), name)
}

// hiddenValue finds, inside v, a value held in an interface whose type the
// interpreter made (a struct type of the session, or one of its own
// wrappers), and names its type.
func hiddenValue(v reflect.Value, inIface bool, depth int) (string, bool) {
	if !v.IsValid() || depth > 8 {
		return "", false
	}
	t := v.Type()
	if inIface && (strings.HasPrefix(t.PkgPath(), "github.com/traefik/yaegi/") || unnamedStruct(t, map[reflect.Type]bool{})) {
		return t.String(), true
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return hiddenValue(v.Elem(), true, depth+1)
	case reflect.Pointer:
		if v.IsNil() || depth > 0 && !inIface {
			return "", false
		}
		return hiddenValue(v.Elem(), false, depth+1)
	case reflect.Slice, reflect.Array:
		for i := range min(v.Len(), 1000) {
			if s, ok := hiddenValue(v.Index(i), false, depth+1); ok {
				return s, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for n := 0; it.Next() && n < 1000; n++ {
			if s, ok := hiddenValue(it.Key(), false, depth+1); ok {
				return s, true
			}
			if s, ok := hiddenValue(it.Value(), false, depth+1); ok {
				return s, true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if s, ok := hiddenValue(v.Field(i), false, depth+1); ok {
				return s, true
			}
		}
	}
	return "", false
}

func rangeContinued(state int) {
	if state == 1 {
		for range func(yield func() bool) {
			if !yield() {
				yield()
			}
		} {
			break
		}
	}
	var again func() bool
	for range func(yield func() bool) { again = yield } {
	}
	again()
}

// recovered is what recover() returns in a cell: its value, unless it is
// one of the interpreter's index panics, whose text (reflect's) is not
// the runtime error Go would give, with the index and the length; the
// cell then stops with an error that says so. The interpreter's recover
// gives the value of a panic of interpreted code as a reflect.Value (%T
// printed reflect.Value, and r.(string) failed): the value is taken out.
func recovered(v any) any {
	if rv, ok := v.(reflect.Value); ok {
		if !rv.IsValid() || !rv.CanInterface() {
			return nil
		}
		v = rv.Interface()
	}
	if s, ok := v.(string); ok && (strings.HasPrefix(s, "reflect: ") || strings.HasPrefix(s, "reflect.Value.")) &&
		(strings.HasSuffix(s, "index out of range") || strings.HasSuffix(s, "index out of bounds")) {
		panic(fmt.Sprintf("not supported by the interpreter: recover() of an index out of range: the interpreter's panic says %q, not Go's runtime error with the index and the length; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", s))
	}
	return v
}
