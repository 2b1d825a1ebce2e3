package rewrite

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The %T verb. The interpreter (yaegi v0.16.0) makes the session's types
// out of reflect's unnamed types, so fmt's %T of a value of a session type
// printed its underlying type (struct { A int }, int) instead of main.T.
// Where the argument's type is known from the check, the verb becomes %s
// and the argument the name Go prints. An argument of an interface type
// that may hold a value of a session type goes through the native
// TypeName, which names native types and stops the cell on a struct type
// the interpreter made (a session type with another underlying type, as
// int, is not told from it). %T of a session type in a format that is not
// a string literal is refused.

// typeVerbs rewrites the %T verbs of a formatting call whose arguments
// are, or may be, of the session's types.
func (r *rewriter) typeVerbs(n *ast.CallExpr) {
	fmtArg, format, args, ok := r.formatCall(n)
	if !ok || !strings.Contains(format, "T") {
		return
	}
	verbs, indexed := formatVerbs(format)
	type change struct {
		verb int // offset of the verb letter in format
		arg  ast.Expr
		name string
		typ  string // the argument's type in Go source
	}
	var changes []change
	for _, v := range verbs {
		if v.verb != 'T' || v.arg >= len(args) {
			continue
		}
		a := args[v.arg]
		t := r.typeOf(a)
		if t == nil {
			continue
		}
		if types.IsInterface(t) {
			if r.mayHoldSessionValue(t) {
				changes = append(changes, change{verb: v.at, arg: a})
			}
			continue
		}
		if len(mainTypeNames(t)) == 0 && !hasLocalType(t) {
			continue
		}
		s, ok := reflectName(t)
		typ, known := r.w.typeString(t, false)
		lit, isLit := ast.Unparen(fmtArg).(*ast.BasicLit)
		if !ok || !known || indexed || !isLit || lit.Kind != token.STRING {
			r.failf(a, "%%T of a value of type %s: the interpreter would print the type it is made of instead of its name; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
				types.TypeString(t, r.w.userQualifier))
			return
		}
		changes = append(changes, change{v.at, a, s, typ})
	}
	if len(changes) == 0 {
		return
	}
	b := []byte(format)
	for _, c := range changes {
		b[c.verb] = 's'
	}
	r.replace(fmtArg, strconv.Quote(string(b)))
	for _, c := range changes {
		if c.name == "" {
			// Known only when the cell runs: the native TypeName names
			// the value's type, and stops the cell on a type the
			// interpreter made.
			r.wrap(c.arg, NativeAlias+".TypeName(", ", "+strconv.Quote(r.w.lookAlikes())+")")
			continue
		}
		if pure(c.arg) {
			r.replace(c.arg, strconv.Quote(c.name))
		} else {
			arg, name := c.arg, c.name
			r.Add(r.off(arg.Pos()), r.off(arg.End()), func() string {
				return "func(" + c.typ + ") string { return " + strconv.Quote(name) + " }(" + r.span(arg) + ")"
			})
		}
	}
}

// formatCall is the format (a constant string, as the argument fmtArg)
// and the arguments of a formatting call of fmt or log (Printf, Errorf,
// ...) outside generic code.
func (r *rewriter) formatCall(n *ast.CallExpr) (fmtArg ast.Expr, format string, args []ast.Expr, ok bool) {
	path, name, ok := r.pkgMember(n.Fun)
	if !ok {
		return nil, "", nil, false
	}
	skip, ok := printFuncs[path][name]
	if !ok || !strings.HasSuffix(name, "f") || len(n.Args) < skip || r.inGeneric(n) {
		return nil, "", nil, false
	}
	fmtArg = n.Args[skip-1]
	tv, ok := r.info.Types[fmtArg]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return nil, "", nil, false
	}
	return fmtArg, constant.StringVal(tv.Value), n.Args[skip:], true
}

// pure reports whether evaluating e has no effects: names, fields,
// literals and operators on them.
func pure(e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr, *ast.FuncLit, *ast.IndexExpr, *ast.StarExpr, *ast.TypeAssertExpr:
			ok = false
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// fmtVerb is a verb of a format: its letter, where the letter is, and
// the argument it formats.
type fmtVerb struct {
	verb rune
	at   int
	arg  int
}

// formatVerbs lists the verbs of a format as fmt reads it, and whether it
// uses explicit argument indexes.
func formatVerbs(format string) (verbs []fmtVerb, indexed bool) {
	arg := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) {
			c := format[i]
			switch {
			case strings.IndexByte("+-# 0.", c) >= 0 || (c >= '1' && c <= '9'):
				i++
				continue
			case c == '*':
				arg++
				i++
				continue
			case c == '[':
				indexed = true
				i++
				continue
			case c == ']':
				i++
				continue
			}
			break
		}
		if i >= len(format) {
			break
		}
		if format[i] == '%' {
			continue
		}
		verbs = append(verbs, fmtVerb{verb: rune(format[i]), at: i, arg: arg})
		arg++
	}
	return verbs, indexed
}

// reflectName is the name reflect gives t (what %T prints), when the
// rewriting can tell it.
func reflectName(t types.Type) (string, bool) {
	switch t := t.(type) {
	case *types.Basic:
		switch t.Kind() {
		case types.Byte:
			return "uint8", true
		case types.Rune:
			return "int32", true
		}
		if t.Info()&types.IsUntyped != 0 {
			return reflectName(types.Default(t))
		}
		return t.Name(), true
	case *types.Named:
		if t.TypeArgs().Len() > 0 || t.Obj().Pkg() == nil {
			return "", false
		}
		return t.Obj().Pkg().Name() + "." + t.Obj().Name(), true
	case *types.Pointer:
		s, ok := reflectName(t.Elem())
		return "*" + s, ok
	case *types.Slice:
		s, ok := reflectName(t.Elem())
		return "[]" + s, ok
	case *types.Array:
		s, ok := reflectName(t.Elem())
		return "[" + strconv.FormatInt(t.Len(), 10) + "]" + s, ok
	case *types.Map:
		k, ok1 := reflectName(t.Key())
		v, ok2 := reflectName(t.Elem())
		return "map[" + k + "]" + v, ok1 && ok2
	case *types.Chan:
		s, ok := reflectName(t.Elem())
		switch t.Dir() {
		case types.SendOnly:
			return "chan<- " + s, ok
		case types.RecvOnly:
			return "<-chan " + s, ok
		}
		if c, isChan := t.Elem().(*types.Chan); isChan && c.Dir() == types.RecvOnly {
			return "chan (" + s + ")", ok
		}
		return "chan " + s, ok
	}
	return "", false
}

// hasLocalType reports whether t is made of a type declared inside a
// function.
func hasLocalType(t types.Type) bool {
	return madeOf(t, func(t types.Type) (bool, bool) {
		switch t := t.(type) {
		case *types.Named:
			obj := t.Obj()
			return obj.Pkg() != nil && obj.Parent() != obj.Pkg().Scope(), false
		case *types.Alias:
			return false, false
		}
		return false, true
	})
}

// mayHoldSessionValue reports whether a value of interface type t may
// hold a value of a type the session or the cell declares: any session
// type for an empty interface, else a session type with methods of every
// name of t's.
func (r *rewriter) mayHoldSessionValue(t types.Type) bool {
	iface, ok := t.Underlying().(*types.Interface)
	if !ok {
		return false
	}
	var methods []string
	for i := 0; i < iface.NumMethods(); i++ {
		methods = append(methods, iface.Method(i).Name())
	}
	s := r.chk.s
	for name, kind := range s.Names {
		if kind != "type" || strings.Contains(name, ".") {
			continue
		}
		all := true
		for _, m := range methods {
			if _, ok := s.Names[name+"."+m]; !ok {
				all = false
			}
		}
		if all {
			return true
		}
	}
	if r.chk.pkg != nil {
		scope := r.chk.pkg.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || types.IsInterface(tn.Type()) {
				continue
			}
			if types.Implements(tn.Type(), iface) || types.Implements(types.NewPointer(tn.Type()), iface) {
				return true
			}
		}
	}
	return false
}

// lookAlikes are the runtime types the interpreter makes of the session's
// named types that are not structs, one per line (type Named int: int):
// what the native TypeName cannot tell from those types.
func (w *Rewriter) lookAlikes() string {
	var out []string
	for id, e := range w.seenTypes {
		if !strings.HasPrefix(strings.TrimLeft(id, "*"), "main.") || strings.HasPrefix(e.class, "struct") || strings.HasPrefix(e.class, "*struct") {
			continue
		}
		if !slices.Contains(out, e.class) {
			out = append(out, e.class)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
