package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// Process pools: the procs package of cells, Go's counterpart of Python's
// multiprocessing.Pool.
//
//	results, err := procs.Map(workers, fn, inputs)
//
// calls fn on each input in child processes, at most workers at a time
// (workers <= 0: one per CPU), and returns the results in input order. fn
// must be a function declared in the session that takes one value and
// returns a value, a value and an error, or nothing (results are then
// struct{}s). Each child is the gocurrent binary started with a hidden
// command (ProcsCommand), which loads the session's declarations that fn
// uses (imports, types, functions, constants, var declarations) into an
// interpreter of its own, then takes inputs one at a time until none is
// left; its globals are its own. Inputs and results cross as JSON
// (encoding/json): channels, functions and complex numbers cannot.
//
// Failures of single inputs (a panic, an error result, os.Exit, a fatal
// runtime error, a killed process) do not stop the others: results holds
// the zero value for each failed input, and err, a *procs.Error, lists
// them as *procs.Failure values (Index, Input, Kind, Message). A child that
// died is replaced while inputs are left. With one variable,
//
//	results := procs.Map(workers, fn, inputs)
//
// panics with that error instead, once every input is done: the one-value
// form panics where the two-value form reports, as x.(T) does.
//
// The interpreter cannot export generic functions, and its own generics
// crash on x, err := f(...) with two type parameters, so procs.Map is
// typed by the kernel: before source is evaluated, each call
// procs.Map(w, fn, in) whose fn names a function of the session becomes a
// call of a helper made for fn,
//
//	func _gocurrentProcsMap_fn(workers int, _ func(x In) Out, inputs []In) ([]Out, error)
//	func _gocurrentProcsMust_fn(workers int, _ func(x In) Out, inputs []In) []Out
//
// which pass fn's name to the pool and return []Out. The rewriting keeps
// every line where it was. Calls that cannot be rewritten (fn is a function
// literal, a variable, a method) reach procs.Map itself, which panics
// saying why.

// ProcsCommand is the hidden command line argument that makes the
// gocurrent binary run as a child process of procs.Map (RunProcsChild).
const ProcsCommand = "__procs"

// Import paths: the procs package of cells, and the runtime the rewritten
// calls use (a path with "internal" is not imported automatically).
const (
	procsPath   = "gocurrent/procs"
	procsRTPath = "gocurrent/internal/procs"
	procsRT     = "_gocurrentProcsRT"
	procsHelper = "_gocurrentProcsMap_"
	procsMust   = "_gocurrentProcsMust_"
)

// procsFailure is one input whose call failed (procs.Failure in cells).
type procsFailure struct {
	// Index is the input's position in the inputs.
	Index int
	// Input is the input itself.
	Input any
	// Kind is what happened: "panic", "error" (fn returned one), "exit"
	// (os.Exit or log.Fatal), "fatal error" (the child crashed), "killed"
	// (by a signal), "encode" or "decode" (the value cannot cross as
	// JSON), "interrupted".
	Kind string
	// Message says what happened, with the cell line of a panic.
	Message string

	inputJSON string
}

func (f *procsFailure) Error() string {
	in := f.inputJSON
	if r := []rune(in); len(r) > 40 {
		in = string(r[:39]) + "…"
	}
	return fmt.Sprintf("inputs[%d] = %s: %s", f.Index, in, f.Message)
}

// procsError is procs.Map's error when inputs failed (procs.Error in
// cells): the failed inputs, in input order.
type procsError struct {
	Failures []*procsFailure
	Inputs   int // how many inputs there were
}

func (e *procsError) Error() string {
	if len(e.Failures) == 1 {
		return fmt.Sprintf("procs.Map: 1 of %d inputs failed: %s", e.Inputs, e.Failures[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "procs.Map: %d of %d inputs failed:", len(e.Failures), e.Inputs)
	for _, f := range e.Failures {
		b.WriteString("\n  " + f.Error())
	}
	return b.String()
}

// Unwrap returns the failures, so that errors.As finds a *procs.Failure.
func (e *procsError) Unwrap() []error {
	out := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		out[i] = f
	}
	return out
}

// procsState is a session's process pools: the helpers made for the
// rewritten calls, a snapshot of the declarations for the pools, and the
// pools running now.
type procsState struct {
	s *session

	// Used by the session's goroutine only.
	helpers  map[string]string // function -> declaration its helper was made from
	imported bool              // the runtime package is imported

	mu    sync.Mutex
	snap  *engine.Declarations // the session's declarations as of the last evaluation
	uses  map[string][]string  // and what each uses
	kinds map[string]string    // and the kind of each name
	runs  map[*procsRun]bool   // pools running
}

// initProcs makes the session's process pools and returns the symbols of
// the procs package.
func (s *session) initProcs() interp.Exports {
	p := &procsState{s: s, helpers: map[string]string{}, runs: map[*procsRun]bool{}}
	s.procs = p
	reject := func(reason string) func(int, any, any) (any, error) {
		return func(int, any, any) (any, error) { panic("procs.Map: " + reason) }
	}
	return interp.Exports{
		procsPath + "/procs": {
			"Map":     reflect.ValueOf(reject(notDeclared)),
			"Error":   reflect.ValueOf((*procsError)(nil)),
			"Failure": reflect.ValueOf((*procsFailure)(nil)),
		},
		procsRTPath + "/procs": {
			"Map":    reflect.ValueOf(p.mapByName),
			"Reject": reflect.ValueOf(reject),
			"Must": reflect.ValueOf(func(err error) {
				if err != nil {
					panic(err)
				}
			}),
		},
	}
}

const notDeclared = "the function must be one declared in the session (func name(x In) Out), " +
	"which the child processes load by its name: a function literal, a variable or a method cannot be sent to another process"

// interrupt stops the pools running now: they start no more children and
// kill those they have.
func (p *procsState) interrupt() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for r := range p.runs {
		r.stop()
	}
}

// prepare is called before each evaluation of src: it takes a snapshot of
// the declarations for the pools (when the procs package is imported) and
// returns src with its procs.Map calls rewritten.
func (p *procsState) prepare(src string) string {
	if p == nil {
		return src
	}
	s := p.s
	var pkgNames []string
	for name, path := range s.imports {
		if path == procsPath {
			pkgNames = append(pkgNames, name)
		}
	}
	if len(pkgNames) == 0 {
		return src
	}
	d := s.declarations()
	uses := make(map[string][]string, len(s.uses))
	for k, v := range s.uses {
		uses[k] = v
	}
	kinds := make(map[string]string, len(s.names))
	for k, v := range s.names {
		kinds[k] = v
	}
	p.mu.Lock()
	p.snap, p.uses, p.kinds = &d, uses, kinds
	p.mu.Unlock()
	if !strings.Contains(src, "Map") {
		return src
	}
	return p.rewrite(src, pkgNames)
}

// rewrite replaces procs.Map in calls procs.Map(w, fn, in) whose fn names
// a function of the session (or of src) by the helper made for fn.
func (p *procsState) rewrite(src string, pkgNames []string) string {
	fset := token.NewFileSet()
	prefix, suffix, decl := "package p;", "", true
	f, err := parser.ParseFile(fset, "", prefix+src, 0)
	if err != nil {
		prefix, suffix, decl = "package p;func _(){", "\n}", false
		if f, err = parser.ParseFile(fset, "", prefix+src+suffix, 0); err != nil {
			return src // the interpreter reports it
		}
	}
	off := func(pos token.Pos) int { return fset.Position(pos).Offset - len(prefix) }
	type edit struct {
		from, to int
		text     string
	}
	var edits []edit
	var extra strings.Builder
	written := map[string]bool{} // helpers in extra, by function
	// Calls whose two results are both used (x, err := procs.Map(...),
	// return procs.Map(...), f(procs.Map(...)), a statement); elsewhere
	// the call has one value, the results, and panics when an input
	// failed, as x.(T) does where x, ok := x.(T) would report.
	multi := map[ast.Expr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 && len(n.Lhs) == 2 {
				multi[ast.Unparen(n.Rhs[0])] = true
			}
		case *ast.ValueSpec:
			if len(n.Values) == 1 && len(n.Names) == 2 {
				multi[ast.Unparen(n.Values[0])] = true
			}
		case *ast.ReturnStmt:
			if len(n.Results) == 1 {
				multi[ast.Unparen(n.Results[0])] = true
			}
		case *ast.CallExpr:
			if len(n.Args) == 1 {
				multi[ast.Unparen(n.Args[0])] = true
			}
		case *ast.ExprStmt:
			multi[ast.Unparen(n.X)] = true
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 3 || call.Ellipsis.IsValid() {
			return true
		}
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Map" {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || pkg.Obj != nil || !contains(pkgNames, pkg.Name) {
			return true
		}
		fn, ok := call.Args[1].(*ast.Ident)
		if !ok {
			return true
		}
		var fd *funcDecl
		switch {
		case fn.Obj == nil:
			fd = p.s.funcDecl(fn.Name)
		case fn.Obj.Kind == ast.Fun:
			// A function declared in src itself.
			if d, ok := fn.Obj.Decl.(*ast.FuncDecl); ok && d.Recv == nil {
				fd = parseFuncDecl(src[off(d.Pos()):off(d.End())])
			}
		}
		if fd == nil {
			return true
		}
		helper, reason := procsHelperSource(fn.Name, fd)
		text := procsHelper + fn.Name
		if !multi[call] {
			text = procsMust + fn.Name
		}
		p.ensureImported()
		switch {
		case reason != "":
			text = fmt.Sprintf("%s.Reject(%q)", procsRT, reason)
		case decl:
			// Declared with src, in the same evaluation: fn, or the
			// types it uses, may be declared by src.
			if !written[fn.Name] { // one helper for all calls of fn
				extra.WriteString(helper + ";")
				written[fn.Name] = true
			}
			p.helpers[fn.Name] = ""
		default:
			p.ensureHelper(fn.Name, fd, helper)
		}
		edits = append(edits, edit{off(call.Fun.Pos()), off(call.Fun.End()), text})
		return true
	})
	if len(edits) == 0 {
		return src
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].from > edits[j].from })
	for _, e := range edits {
		src = src[:e.from] + e.text + src[e.to:]
	}
	// The helpers go on the first line, which holds none of the cell's
	// code (see assemble), so that the cell's lines stay where they are
	// and a panic passing through a helper shows no line of its own.
	return extra.String() + src
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ensureImported imports the runtime of the rewritten calls.
func (p *procsState) ensureImported() {
	if p.imported {
		return
	}
	if _, err := p.s.evalQuiet(fmt.Sprintf("import %s %q", procsRT, procsRTPath)); err == nil {
		p.imported = true
	}
}

// ensureHelper evaluates the helper of function name, unless the one there
// was made from the same declaration.
func (p *procsState) ensureHelper(name string, fd *funcDecl, helper string) {
	if p.helpers[name] == fd.src {
		return
	}
	p.ensureImported()
	if _, err := p.s.evalQuiet(helper); err == nil {
		p.helpers[name] = fd.src
	}
}

// procsSig is the signature of a function procs.Map calls: func(In)
// Results, where Results is Out, (Out, error), or nothing (Out is then
// struct{}).
type procsSig struct {
	In, Out string
	Results string // as written, with a leading space; "" for none
}

// procsSignature reads the signature of function name, or says why
// procs.Map cannot call it.
func procsSignature(name string, fd *funcDecl) (sig procsSig, reason string) {
	d := fd.decl
	text := func(n ast.Node) string {
		from, to := fd.fset.Position(n.Pos()).Offset-fd.base, fd.fset.Position(n.End()).Offset-fd.base
		if from < 0 || to > len(fd.src) || from > to {
			return ""
		}
		return fd.src[from:to]
	}
	if d.Type.TypeParams.NumFields() > 0 {
		return sig, name + " is generic: procs.Map calls a function with concrete types (write one for the types you need)"
	}
	params := d.Type.Params
	if params.NumFields() != 1 {
		return sig, fmt.Sprintf("%s takes %d parameters: procs.Map calls a function of one parameter (put several values in a struct)", name, params.NumFields())
	}
	if _, ok := params.List[0].Type.(*ast.Ellipsis); ok {
		return sig, name + " is variadic: procs.Map calls a function of one parameter (take a slice instead)"
	}
	sig.In, sig.Out = text(params.List[0].Type), "struct{}"
	switch d.Type.Results.NumFields() {
	case 0:
	case 1:
		sig.Out, sig.Results = text(d.Type.Results.List[0].Type), " "+text(d.Type.Results)
	case 2:
		rs := d.Type.Results.List
		if id, ok := rs[len(rs)-1].Type.(*ast.Ident); !ok || id.Name != "error" {
			return sig, name + " returns two values: procs.Map calls a function that returns a value, or a value and an error"
		}
		sig.Out, sig.Results = text(rs[0].Type), " "+text(d.Type.Results)
	default:
		return sig, fmt.Sprintf("%s returns %d values: procs.Map calls a function that returns a value, or a value and an error", name, d.Type.Results.NumFields())
	}
	if sig.In == "" || sig.Out == "" {
		return sig, "the declaration of " + name + " could not be read"
	}
	return sig, ""
}

// procsHelperSource returns the helpers that type procs.Map for function
// name (the two-value and the one-value form), or why procs.Map cannot
// call it.
func procsHelperSource(name string, fd *funcDecl) (src, reason string) {
	sig, reason := procsSignature(name, fd)
	if reason != "" {
		return "", reason
	}
	plist := fmt.Sprintf("(_gocurrentW int, _gocurrentF func(%s)%s, _gocurrentIn []%s)", sig.In, sig.Results, sig.In)
	return fmt.Sprintf("func %s%s%s ([]%s, error) { var _gocurrentOut []%s; _gocurrentErr := %s.Map(_gocurrentW, %q, _gocurrentIn, &_gocurrentOut); return _gocurrentOut, _gocurrentErr }; "+
		"func %s%s%s []%s { var _gocurrentOut []%s; %s.Must(%s.Map(_gocurrentW, %q, _gocurrentIn, &_gocurrentOut)); return _gocurrentOut }",
		procsHelper, name, plist, sig.Out, sig.Out, procsRT, name,
		procsMust, name, plist, sig.Out, sig.Out, procsRT, procsRT, name), ""
}

// procsSetup is what a child needs to start: the function and the
// declarations it uses, as the source of one cell, with where each line
// of that cell comes from.
type procsSetup struct {
	Fn     string       `json:"fn"`
	Src    string       `json:"src"`
	Pieces []procsPiece `json:"pieces"`
}

// procsPiece says that lines From..To of the child's cell are lines
// Line.. of cell Cell of the session.
type procsPiece struct {
	From int `json:"from"`
	To   int `json:"to"`
	Cell int `json:"cell"`
	Line int `json:"line"`
}

// where tells the session's position of line of the child's cell.
func (st *procsSetup) where(line int) string {
	for _, pc := range st.Pieces {
		if line >= pc.From && line <= pc.To {
			return fmt.Sprintf("cell %d, line %d", pc.Cell, pc.Line+line-pc.From)
		}
	}
	return fmt.Sprintf("line %d of the declarations", line)
}

// setup assembles the child's cell for function fn from the snapshot:
// the declarations fn uses, directly or not, and the imports they use.
func (p *procsState) setup(fn string) (*procsSetup, error) {
	p.mu.Lock()
	d, uses, kinds := p.snap, p.uses, p.kinds
	p.mu.Unlock()
	if d == nil || kinds[fn] != "func" {
		return nil, fmt.Errorf("procs.Map: %s is not a function declared in this session", fn)
	}
	st := &procsSetup{Fn: fn}
	for _, dc := range d.Decls {
		if contains(dc.Names, fn) {
			fd := parseFuncDecl(dc.Src)
			if fd == nil {
				return nil, fmt.Errorf("procs.Map: the declaration of %s could not be read", fn)
			}
			if _, reason := procsSignature(fn, fd); reason != "" {
				return nil, errors.New("procs.Map: " + reason)
			}
		}
	}
	need := map[string]bool{fn: true}
	include := make([]bool, len(d.Decls))
	for changed := true; changed; {
		changed = false
		for i, dc := range d.Decls {
			if include[i] {
				continue
			}
			for _, n := range dc.Names {
				base, _, _ := strings.Cut(n, ".") // a method comes with its type
				if need[base] {
					include[i] = true
				}
			}
			if !include[i] {
				continue
			}
			changed = true
			for _, n := range dc.Names {
				for _, u := range uses[n] {
					need[u] = true
				}
			}
		}
	}
	var stmtVars []string
	for _, v := range d.Vars {
		if need[v] {
			stmtVars = append(stmtVars, v)
		}
	}
	if len(stmtVars) > 0 {
		return nil, fmt.Errorf("procs.Map: %s uses %s, set by a statement (%s := ...) of the notebook: child processes load the session's declarations, not the values cells computed; declare it with var (var %s = ...) or pass it in the inputs",
			fn, strings.Join(stmtVars, ", "), stmtVars[0], stmtVars[0])
	}
	var b strings.Builder
	line := 1
	for _, name := range sortedKeys(d.Imports) {
		if need[name] {
			fmt.Fprintf(&b, "import %s %q\n", name, d.Imports[name])
			line++
		}
	}
	for i, dc := range d.Decls {
		if !include[i] {
			continue
		}
		b.WriteString("\n")
		line++
		n := strings.Count(dc.Src, "\n")
		st.Pieces = append(st.Pieces, procsPiece{From: line, To: line + n, Cell: dc.Cell, Line: max(dc.Line, 1)})
		b.WriteString(dc.Src + "\n")
		line += n + 1
	}
	st.Src = b.String()
	return st, nil
}

// mapByName is what the helpers call: it runs function name on each
// input (a slice) in child processes, at most workers at a time, and
// stores the results in out (a pointer to a slice).
func (p *procsState) mapByName(workers int, name string, inputs any, out any) error {
	ov := reflect.ValueOf(out)
	if ov.Kind() != reflect.Pointer || ov.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("procs.Map: internal error: results go to a %T", out)
	}
	iv := reflect.ValueOf(inputs)
	n := 0
	if iv.IsValid() {
		if iv.Kind() != reflect.Slice && iv.Kind() != reflect.Array {
			return fmt.Errorf("procs.Map: the inputs must be a slice, not %T", inputs)
		}
		n = iv.Len()
	}
	results := reflect.MakeSlice(ov.Elem().Type(), n, n)
	ov.Elem().Set(results)
	if n == 0 {
		return nil
	}
	st, err := p.setup(name)
	if err != nil {
		return err
	}
	r := &procsRun{p: p, setup: st, n: n, results: results, inputs: iv, syncKey: newSyncKey()}
	return r.run(workers)
}

// procsInputJSON encodes an input for a child and for messages.
func procsInputJSON(v reflect.Value) (json.RawMessage, error) {
	if !v.CanInterface() {
		return nil, fmt.Errorf("cannot read the input")
	}
	return json.Marshal(v.Interface())
}
