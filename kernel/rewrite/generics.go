package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// Generic functions.
//
// The interpreter's (yaegi v0.16.0) generics are fragile: its type
// inference assigns type arguments by position
// (github.com/traefik/yaegi/issues/1610), x := f(y) with a generic f can
// crash it, and its slices and maps packages lack most generic functions
// (github.com/traefik/yaegi/issues/1704). Every use of a generic function
// becomes the use of a copy of it with the type arguments in place of the
// type parameters (an instance), which the interpreter runs as ordinary
// code; the library's generic functions (lib/*.go.txt) and its generic
// type atomic.Pointer are instantiated the same way.

// instantiate replaces a use of a generic function by an instance.
func (r *rewriter) instantiate(id *ast.Ident) {
	inst, ok := r.info.Instances[id]
	if !ok {
		return
	}
	if tn, ok := r.info.Uses[id].(*types.TypeName); ok {
		r.instantiateType(id, tn, inst)
		return
	}
	obj, ok := r.info.Uses[id].(*types.Func)
	if !ok {
		return
	}
	e := r.genericUse(id)
	var targs []types.Type
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		targs = append(targs, inst.TypeArgs.At(i))
	}
	in := r.instanceOf(id, obj, targs)
	if in == nil {
		return
	}
	r.replace(e, in.Name)
}

// instanceOf returns the instance of generic function obj with targs,
// making it if needed; nil (and maybe a failure) if there can be none.
func (r *rewriter) instanceOf(at ast.Node, obj *types.Func, targs []types.Type) *Instance {
	var site *funcSite
	pkg := ""
	if obj.Pkg() != nil {
		pkg = obj.Pkg().Path()
	}
	switch {
	case pkg == "main":
		site = r.w.funcs[obj.Origin()]
	default:
		lp := r.w.lib.pkgs[pkg]
		if lp == nil {
			lp = r.w.lib.byStd[pkg]
		}
		if lp != nil {
			if fd := lp.funcs[obj.Name()]; fd != nil {
				site = &funcSite{decl: fd, lib: lp, info: lp.info, tf: lp.fset.File(lp.file.Pos())}
				src, _ := libFiles.ReadFile(lp.fset.File(lp.file.Pos()).Name())
				site.src = string(src)
			}
		}
		if site == nil {
			r.failf(at, "%s.%s is not in the interpreter's standard library (that of Go 1.22, without its generic functions), and the kernel has no replacement for it; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", obj.Pkg().Name(), obj.Name())
			return nil
		}
	}
	if site == nil {
		return nil
	}
	generic := r.inGeneric(at)
	var args []string
	for _, t := range targs {
		s, ok := r.w.typeString(t, false)
		if !ok {
			switch {
			case !generic:
				r.failf(at, "%s is called with a type declared inside a function, which the kernel cannot give the interpreter; declare the type at the top level of a cell, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", obj.Name())
			case site.lib != nil && !r.inGenericFunc(at):
				// A method of a generic type runs generically in the
				// interpreter, which has no generic library.
				r.failf(at, "%s.%s is used with the type parameters of a generic type's method, which the interpreter cannot run; write the method for a type without parameters, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", obj.Pkg().Name(), obj.Name())
			}
			return nil
		}
		args = append(args, s)
	}
	key := pkg + "." + obj.Name() + "#" + site.hash + "[" + strings.Join(args, ", ") + "]"
	var special string
	if site.lib != nil && site.lib.name == "gocurrent_errors" && strings.HasPrefix(obj.Name(), "Session") {
		// Written for the session's types, which change: the key
		// holds them.
		special = r.sessionErrorCases(obj.Name())
		key += special
	}
	if in, ok := r.w.insts[key]; ok {
		r.need(in)
		return in
	}
	r.w.ninst++
	prefix := "_gocurrent_" + obj.Name()
	if site.lib != nil {
		prefix = "_gocurrent_" + strings.TrimPrefix(site.lib.name, "gocurrent_") + "_" + obj.Name()
	}
	in := &Instance{Name: fmt.Sprintf("%s_%d", prefix, r.w.ninst), Key: key, Cell: site.cell, Line: site.line}
	in.Text = r.w.instanceText(site, in.Name, args)
	if special != "" {
		in.Text = sessionErrorFunc(obj.Name(), in.Name, special)
	}
	r.w.insts[key] = in
	r.created = append(r.created, in)
	r.need(in)
	return in
}

func (r *rewriter) need(in *Instance) {
	for _, x := range r.needs {
		if x == in {
			return
		}
	}
	r.needs = append(r.needs, in)
}

// instanceText copies a generic function's declaration with the type
// arguments in place of its type parameters, under a new name. Names of
// other packages become the kernel's aliases; the library's functions
// are named through the library's package.
func (w *Rewriter) instanceText(site *funcSite, name string, args []string) string {
	fd := site.decl
	ic := newInstCopy(w, site, map[types.Object]string{})
	k := 0
	if tps := fd.Type.TypeParams; tps != nil {
		for _, f := range tps.List {
			for _, n := range f.Names {
				if obj := site.info.Defs[n]; obj != nil && k < len(args) {
					ic.params[obj] = args[k]
				}
				k++
			}
		}
	}
	if fd.Type.TypeParams != nil {
		ic.add(fd.Name.Pos(), fd.Type.TypeParams.End(), name)
	} else {
		ic.add(fd.Name.Pos(), fd.Name.End(), name)
	}
	ast.Inspect(fd.Type.Params, ic.visit)
	if fd.Type.Results != nil {
		ast.Inspect(fd.Type.Results, ic.visit)
	}
	if fd.Body != nil {
		ast.Inspect(fd.Body, ic.visit)
	}
	return ic.text(fd.Pos(), fd.End())
}

// instCopy makes a copy of a declaration of site with names replaced.
type instCopy struct {
	w      *Rewriter
	site   *funcSite
	params map[types.Object]string // type parameter -> its type argument
	buf    *cell.Edits             // edits of site.src
}

func newInstCopy(w *Rewriter, site *funcSite, params map[types.Object]string) *instCopy {
	return &instCopy{w: w, site: site, params: params, buf: cell.NewEdits(site.src)}
}

// add replaces the text from start to end with text.
func (ic *instCopy) add(start, end token.Pos, text string) {
	ic.buf.Put(ic.site.tf.Offset(start), ic.site.tf.Offset(end), text)
}

// text returns the copy of the text from start to end.
func (ic *instCopy) text(start, end token.Pos) string {
	ic.buf.Order()
	return ic.buf.Render(ic.site.tf.Offset(start), ic.site.tf.Offset(end))
}

// visit replaces an identifier that names a type parameter, another
// package, or a function of the library.
func (ic *instCopy) visit(x ast.Node) bool {
	info := ic.site.info
	switch x := x.(type) {
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if pn, ok := info.Uses[id].(*types.PkgName); ok {
				ic.add(id.Pos(), id.End(), ic.w.qualifier(pn.Imported()))
				return false
			}
		}
	case *ast.CallExpr:
		// A conversion to a type parameter: T(x) -> (func() int)(x).
		if id, ok := ast.Unparen(x.Fun).(*ast.Ident); ok {
			if t, ok := ic.params[info.Uses[id]]; ok {
				ic.add(id.Pos(), id.End(), parenType(t))
				for _, a := range x.Args {
					ast.Inspect(a, ic.visit)
				}
				return false
			}
		}
	case *ast.Ident:
		obj := info.Uses[x]
		if obj == nil {
			return true
		}
		if t, ok := ic.params[obj]; ok {
			ic.add(x.Pos(), x.End(), t)
			return true
		}
		if lp := ic.site.lib; lp != nil && obj.Pkg() == lp.pkg && obj.Parent() == lp.pkg.Scope() {
			ic.add(x.Pos(), x.End(), lp.alias+"."+x.Name)
		}
	}
	return true
}

// instantiateType replaces a generic type of the library (atomic.Pointer)
// with an instance: the type and its methods, with the type arguments in
// place of the type parameters. Generic types of the session are left to
// the interpreter.
func (r *rewriter) instantiateType(id *ast.Ident, tn *types.TypeName, inst types.Instance) {
	if tn.Pkg() == nil {
		return
	}
	lp := r.w.lib.pkgs[tn.Pkg().Path()]
	if lp == nil {
		lp = r.w.lib.byStd[tn.Pkg().Path()]
	}
	if lp == nil || lp.types[tn.Name()] == nil {
		return
	}
	e := r.genericUse(id)
	var args []string
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		s, ok := r.w.typeString(inst.TypeArgs.At(i), false)
		if !ok {
			if !r.inGeneric(id) {
				r.failf(id, "%s.%s of a type declared inside a function cannot be given to the interpreter; declare the type at the top level of a cell, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", tn.Pkg().Name(), tn.Name())
			}
			return
		}
		args = append(args, s)
	}
	key := lp.name + "." + tn.Name() + "[" + strings.Join(args, ", ") + "]"
	in, ok := r.w.insts[key]
	if !ok {
		r.w.ninst++
		in = &Instance{Name: fmt.Sprintf("_gocurrent_%s_%s_%d", strings.TrimPrefix(lp.name, "gocurrent_"), tn.Name(), r.w.ninst), Key: key}
		src, _ := libFiles.ReadFile(lp.fset.File(lp.file.Pos()).Name())
		in.Text = r.w.typeInstanceText(lp, string(src), tn.Name(), in.Name, args)
		r.w.insts[key] = in
		r.created = append(r.created, in)
	}
	r.need(in)
	r.replace(e, in.Name)
}

// typeInstanceText copies a library type and its methods with the type
// arguments in place of the type parameters, under a new name.
func (w *Rewriter) typeInstanceText(lp *libPkg, src, typeName, name string, args []string) string {
	tf := lp.fset.File(lp.file.Pos())
	site := &funcSite{lib: lp, info: lp.info, tf: tf, src: src}
	ts := lp.types[typeName]
	copyNode := func(start, end token.Pos, ic *instCopy, nodes ...ast.Node) string {
		for _, n := range nodes {
			if n != nil {
				ast.Inspect(n, ic.visit)
			}
		}
		return ic.text(start, end)
	}
	params := func(names []*ast.Ident) map[types.Object]string {
		out := map[types.Object]string{}
		for i, n := range names {
			if obj := lp.info.Defs[n]; obj != nil && i < len(args) {
				out[obj] = args[i]
			}
		}
		return out
	}
	var tparams []*ast.Ident
	for _, f := range ts.TypeParams.List {
		tparams = append(tparams, f.Names...)
	}
	ic := newInstCopy(w, site, params(tparams))
	ic.add(ts.Name.Pos(), ts.TypeParams.End(), name)
	text := "type " + copyNode(ts.Pos(), ts.End(), ic, ts.Type)
	for _, fd := range lp.methods[typeName] {
		recv := fd.Recv.List[0].Type
		if st, ok := recv.(*ast.StarExpr); ok {
			recv = st.X
		}
		var rparams []*ast.Ident
		switch x := recv.(type) {
		case *ast.IndexExpr:
			if id, ok := x.Index.(*ast.Ident); ok {
				rparams = append(rparams, id)
			}
		case *ast.IndexListExpr:
			for _, e := range x.Indices {
				if id, ok := e.(*ast.Ident); ok {
					rparams = append(rparams, id)
				}
			}
		}
		mc := newInstCopy(w, site, params(rparams))
		mc.add(recv.Pos(), recv.End(), name)
		text += "\n\n" + copyNode(fd.Pos(), fd.End(), mc, fd.Type, fd.Body)
	}
	return text
}

// genericUse is the expression a use of a generic name spans: the name,
// with its package and any explicit type arguments.
func (r *rewriter) genericUse(id *ast.Ident) ast.Node {
	var e ast.Node = id
	if sel, ok := r.parent[id].(*ast.SelectorExpr); ok && sel.Sel == id {
		e = sel
	}
	switch p := r.parent[e].(type) {
	case *ast.IndexExpr:
		if p.X == e {
			e = p
		}
	case *ast.IndexListExpr:
		if p.X == e {
			e = p
		}
	}
	return e
}
