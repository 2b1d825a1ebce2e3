package convert

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// output writes the cell's package.
func (cv *converter) output() *Unit {
	u := &Unit{Cell: cv.n, Path: cv.s.Module + "/cells/c" + strconv.Itoa(cv.n), Declared: cv.declared, Imports: cv.added}
	var body, hooks strings.Builder
	directive := func(b *strings.Builder, file string, line, col int) {
		fmt.Fprintf(b, "\n/*line %s:%d:%d*/", file, line, col)
	}
	for _, methods := range []bool{false, true} {
		for _, p := range cv.parts {
			if p.inCell() && p.chunk.Kind == cell.Decl {
				cv.declare(p, methods, &hooks)
			}
		}
	}
	for _, p := range cv.parts {
		if p.inCell() && p.chunk.Kind == cell.Decl {
			file, line, col := cv.where(p.chunk)
			directive(&body, file, line, col)
			body.WriteString(cv.carry(p))
			body.WriteString("\n")
		}
	}
	for _, p := range cv.parts {
		if !p.inCell() && cv.copies[p.name] {
			d := cv.s.Names[p.name]
			file, line := d.at()
			directive(&body, file, line, 1)
			body.WriteString(p.edits.Render(0, len(p.src)))
			body.WriteString("\n")
		}
	}
	body.WriteString("\n/*line gocurrent:1*/\n")
	for _, h := range cv.hoisted {
		t := cv.typeString(h.typ)
		if cv.s.Race {
			fmt.Fprintf(&body, "var %s = new(%s)\n", local(h.name), t)
		} else {
			fmt.Fprintf(&body, "var %s %s\n", local(h.name), t)
		}
		cv.varName(h.name, h.typ, &hooks)
		u.Vars = append(u.Vars, h.name)
	}
	fmt.Fprintf(&body, "\n// %s is how later cells reach this cell's names.\ntype %s struct{}\n", HookType, HookType)
	body.WriteString(hooks.String())
	fmt.Fprintf(&body, "\nfunc (%s) Run() (any, bool) {", HookType)
	var stmts strings.Builder
	for _, p := range cv.stmts {
		text := p.edits.Render(0, len(p.src))
		if p.chunk.Kind == cell.Expr && cv.hasValue() {
			u.Value = true
			body.WriteString("\nreturn (")
			directive(&body, CellFile(cv.n), p.chunk.Line, p.chunk.Col)
			body.WriteString(text + "), true\n")
			stmts.WriteString("_ = (")
			directive(&stmts, CellFile(cv.n), p.chunk.Line, p.chunk.Col)
			stmts.WriteString(text + ")\n")
			continue
		}
		directive(&body, CellFile(cv.n), p.chunk.Line, p.chunk.Col)
		body.WriteString(text + "\n")
		directive(&stmts, CellFile(cv.n), p.chunk.Line, p.chunk.Col)
		stmts.WriteString(text + "\n")
	}
	u.Stmts = stmts.String()
	u.Leaves = cell.LeavesFunc(u.Stmts)
	body.WriteString("/*line gocurrent:1*/\n\treturn nil, false\n}\n")
	if cv.needRef {
		body.WriteString("\nfunc gocurrent_ref[T any](v T) *T { return &v }\n")
	}
	cv.refFuncs(&body)

	// The aliases may name more cells and imports: write them first.
	var aliases strings.Builder
	anames := slices.Sorted(maps.Keys(cv.aliases))
	for _, name := range anames {
		d := cv.s.Names[name]
		pkg := cellPkg(d.Cell)
		cv.cells[d.Cell] = true
		switch d.Kind {
		case Type:
			fmt.Fprintf(&aliases, "type %s%s = %s.%s_T_%s%s\n", name, d.typeParams, pkg, HookType, name, d.typeArgs)
		case Const:
			fmt.Fprintf(&aliases, "const %s = %s.%s_C_%s\n", name, pkg, HookType, name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package c%d\n\n", cv.n)
	var imports []string
	for name, path := range cv.used {
		imports = append(imports, fmt.Sprintf("\t%s %q\n", name, path))
	}
	if cv.needRT {
		imports = append(imports, fmt.Sprintf("\t%s %q\n", runtimeName, cv.s.Module+"/internal/rt"))
	}
	for n := range cv.cells {
		imports = append(imports, fmt.Sprintf("\t%s %q\n", cellPkg(n), cv.s.Module+"/cells/c"+strconv.Itoa(n)))
	}
	sort.Strings(imports)
	if len(imports) > 0 {
		b.WriteString("import (\n" + strings.Join(imports, "") + ")\n\n")
	}
	b.WriteString(aliases.String())
	b.WriteString(body.String())
	u.Src = b.String()
	return u
}

// carry renders a declaration part of the cell: a variable declared again
// (see moveMethods) is the earlier one, reached through a pointer, as
// under the race detector: the goroutines and functions of earlier cells
// that use it and the later cells see one variable.
func (cv *converter) carry(p *part) string {
	if _, ok := cv.origins[p.chunk]; ok && len(p.nodes) == 1 {
		if gd, ok := p.nodes[0].(*ast.GenDecl); ok && len(gd.Specs) == 1 {
			if vs, ok := gd.Specs[0].(*ast.ValueSpec); ok && len(vs.Names) == 1 {
				name := vs.Names[0].Name
				if from, ok := cv.carried[name]; ok {
					cv.used["unsafe"] = "unsafe"
					t := cv.typeString(cv.info.Defs[vs.Names[0]].Type())
					// The same variable, on the heap (see raceVar).
					return fmt.Sprintf("var %s = (*%s)(unsafe.Pointer(%s.V_%s()))", local(name), t, cv.hook(from), name)
				}
			}
		}
	}
	return p.edits.Render(0, len(p.src))
}

// hasValue reports whether the cell ends in an expression with one value
// to show.
func (cv *converter) hasValue() bool {
	if cv.final == nil {
		return false
	}
	tv := cv.info.Types[cv.final]
	if !tv.IsValue() || tv.Type == nil || tv.IsNil() {
		return false
	}
	_, tuple := tv.Type.(*types.Tuple)
	return !tuple
}

// declare records what the declaration part p declares (its methods, or
// everything else), and writes the hooks later cells reach it by.
func (cv *converter) declare(p *part, methods bool, hooks *strings.Builder) {
	text := func(n ast.Node) string { return p.src[cv.off(p, n.Pos()):cv.off(p, n.End())] }
	for _, n := range p.nodes {
		if fd, ok := n.(*ast.FuncDecl); ok && fd.Recv != nil {
			if methods {
				cv.method(fd, text(fd))
			}
			continue
		}
		if methods {
			continue
		}
		switch d := n.(type) {
		case *ast.FuncDecl:
			if d.Name.Name == "init" || d.Name.Name == "_" {
				continue
			}
			obj := cv.info.Defs[d.Name]
			nm := cv.name(d.Name.Name, Func, d)
			nm.Src = text(d)
			if d.Type.TypeParams != nil {
				nm.Generic = true
				continue
			}
			fmt.Fprintf(hooks, "func (%s) F_%s() %s { return %s }\n", HookType, d.Name.Name, cv.typeString(obj.Type()), local(d.Name.Name))
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					cv.typeSpec(sp, text, hooks)
				case *ast.ValueSpec:
					for _, id := range sp.Names {
						obj := cv.info.Defs[id]
						if obj == nil || id.Name == "_" {
							continue
						}
						if c, ok := obj.(*types.Const); ok {
							nm := cv.name(id.Name, Const, d)
							nm.Src = cv.constSrc(c, nm)
							fmt.Fprintf(hooks, "const %s_C_%s = %s\n", HookType, id.Name, id.Name)
							continue
						}
						cv.varName(id.Name, obj.Type(), hooks)
					}
				}
			}
		}
	}
}

// name records a name the cell declares.
func (cv *converter) name(name string, kind Kind, n ast.Node) *Name {
	at := cv.placeOf(n)
	nm := &Name{Kind: kind, Cell: cv.n, Line: at.line, Imports: map[string]string{}}
	if at.file != cv.n {
		nm.Written = at.file
	}
	cv.declared[name] = nm
	return nm
}

// varName records a variable and writes its hook.
func (cv *converter) varName(name string, t types.Type, hooks *strings.Builder) {
	nm := &Name{Kind: Var, Cell: cv.n, Imports: map[string]string{}}
	nm.Src = "var " + name + " " + cv.srcTypeString(t, nm)
	cv.declared[name] = nm
	ref := "&"
	if cv.s.Race || cv.isCarried(name) {
		ref = "" // the variable is on the heap
	}
	fmt.Fprintf(hooks, "func (%s) V_%s() *%s { return %s%s }\n", HookType, name, cv.typeString(t), ref, local(name))
}

// typeSpec records a type and writes its alias and the accessors of its
// unexported fields.
func (cv *converter) typeSpec(sp *ast.TypeSpec, text func(ast.Node) string, hooks *strings.Builder) {
	name := sp.Name.Name
	if name == "_" {
		return
	}
	nm := cv.name(name, Type, sp)
	nm.Src = "type " + text(sp) + "\n" + nm.Src
	if sp.TypeParams != nil {
		var params, args []string
		for _, f := range sp.TypeParams.List {
			for _, id := range f.Names {
				args = append(args, id.Name)
			}
			params = append(params, text(f))
		}
		nm.typeParams = "[" + strings.Join(params, ", ") + "]"
		nm.typeArgs = "[" + strings.Join(args, ", ") + "]"
	}
	fmt.Fprintf(hooks, "type %s_T_%s%s = %s%s\n", HookType, name, nm.typeParams, name, nm.typeArgs)
	obj := cv.info.Defs[sp.Name]
	st, ok := obj.Type().Underlying().(*types.Struct)
	if !ok {
		return
	}
	for i := range st.NumFields() {
		f := st.Field(i)
		if f.Exported() || f.Name() == "_" {
			continue
		}
		hook := fmt.Sprintf("%s_P_%s_%s", HookType, name, f.Name())
		fmt.Fprintf(hooks, "type %s%s struct{}\n\nfunc (%s%s) Get(p *%s%s) *%s { return &p.%s }\n",
			hook, nm.typeParams, hook, nm.typeArgs, name, nm.typeArgs, cv.typeString(f.Type()), f.Name())
	}
}

// method adds a method to its type's record.
func (cv *converter) method(d *ast.FuncDecl, src string) {
	obj, ok := cv.info.Defs[d.Name].(*types.Func)
	if !ok {
		return
	}
	sig := obj.Type().(*types.Signature)
	recv := sig.Recv().Type()
	if pt, ok := recv.(*types.Pointer); ok {
		recv = pt.Elem()
	}
	named, ok := types.Unalias(recv).(*types.Named)
	if !ok {
		return
	}
	tname := named.Obj().Name()
	if nm := cv.declared[tname]; nm != nil {
		nm.Src += "\n" + src
		if nm.methods == nil {
			nm.methods = map[string]place{}
		}
		nm.methods[tname+"."+d.Name.Name] = cv.placeOf(d)
	}
}

// constSrc declares the constant c again, with its exact value.
func (cv *converter) constSrc(c *types.Const, nm *Name) string {
	v := c.Val().ExactString()
	if c.Val().Kind() == constant.Float && strings.Contains(v, "/") {
		num, den, _ := strings.Cut(v, "/")
		v = num + ".0/" + den
	}
	if b, ok := c.Type().(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		switch b.Kind() {
		case types.UntypedRune:
			return fmt.Sprintf("const %s = rune(%s)", c.Name(), v)
		case types.UntypedFloat:
			if !strings.ContainsAny(v, "./eE") {
				v += ".0"
			}
		}
		return fmt.Sprintf("const %s = %s", c.Name(), v)
	}
	return fmt.Sprintf("const %s %s = %s", c.Name(), cv.srcTypeString(c.Type(), nm), v)
}

// typeString writes t for the cell's package: session types by their
// names (aliased from their cells), other packages by the names the cell
// imports them under.
func (cv *converter) typeString(t types.Type) string {
	cv.walkNamed(t, map[types.Type]bool{})
	return cv.qualified(t, cv.used)
}

// srcTypeString writes t for the check of a later cell, noting in nm the
// imports it needs.
func (cv *converter) srcTypeString(t types.Type, nm *Name) string {
	return cv.qualified(t, nm.Imports)
}

// qualified writes t with the cell's own types unqualified and other
// packages by their import names, which it adds to imports.
func (cv *converter) qualified(t types.Type, imports map[string]string) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == cv.pkg {
			return ""
		}
		name := cv.importName(p)
		imports[name] = p.Path()
		return name
	})
}

func (cv *converter) importName(p *types.Package) string {
	if path, ok := cv.imports[p.Name()]; ok && path == p.Path() {
		return p.Name()
	}
	for name, path := range cv.imports {
		if path == p.Path() {
			return name
		}
	}
	return p.Name()
}

// walkNamed notes the session types of earlier cells that t names.
func (cv *converter) walkNamed(t types.Type, seen map[types.Type]bool) {
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if name, d := cv.sessionName(t.Obj()); d != nil {
			cv.aliases[name] = true
			cv.cells[d.Cell] = true
		}
		for i := range t.TypeArgs().Len() {
			cv.walkNamed(t.TypeArgs().At(i), seen)
		}
	case *types.Alias:
		cv.walkNamed(types.Unalias(t), seen)
	case *types.Pointer:
		cv.walkNamed(t.Elem(), seen)
	case *types.Slice:
		cv.walkNamed(t.Elem(), seen)
	case *types.Array:
		cv.walkNamed(t.Elem(), seen)
	case *types.Chan:
		cv.walkNamed(t.Elem(), seen)
	case *types.Map:
		cv.walkNamed(t.Key(), seen)
		cv.walkNamed(t.Elem(), seen)
	case *types.Signature:
		cv.walkNamed(t.Params(), seen)
		cv.walkNamed(t.Results(), seen)
	case *types.Tuple:
		for i := range t.Len() {
			cv.walkNamed(t.At(i).Type(), seen)
		}
	case *types.Struct:
		for i := range t.NumFields() {
			cv.walkNamed(t.Field(i).Type(), seen)
		}
	case *types.Interface:
		for i := range t.NumMethods() {
			cv.walkNamed(t.Method(i).Type(), seen)
		}
	}
}

// local is the name a package-level variable or function has in its
// cell's package.
func local(name string) string {
	if ast.IsExported(name) {
		return LocalName(name)
	}
	return name
}
