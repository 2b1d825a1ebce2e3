package worker

import (
	"go/token"
	"reflect"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// dropRoots empties the interpreter's list of the syntax trees of all its
// evaluations, which it keeps for its debugger only: without this, every
// cell's trees stayed in memory for the whole session, so that even a
// cell of `1` grew the worker by about a kilobyte (traefik/yaegi#1678,
// open for v0.16.1). Declarations keep their trees through the
// interpreter's scopes, which are left alone. It reports whether the
// list was found: an interpreter of another version may keep none.
func dropRoots(i *interp.Interpreter) bool {
	return emptySlice(reflect.ValueOf(i).Elem(), "roots")
}

// emptySlice sets the unexported slice field name of the struct v to nil,
// and reports whether v has such a field.
func emptySlice(v reflect.Value, name string) bool {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return false
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.Zero(f.Type()))
	return true
}

// dropScopeChildren empties the lists of child scopes of the interpreter's
// universe and package scopes. Every block the interpreter compiles pushes
// a scope that its parent lists, for its debugger only (the rest of the
// interpreter looks symbols up through each scope's ancestor): without
// this, every cell's function and block scopes, with their symbol tables,
// stayed in memory for the session, about 200 bytes a cell of `1`. It
// reports whether the scopes were found.
func dropScopeChildren(i *interp.Interpreter) bool {
	v := reflect.ValueOf(i).Elem()
	universe, scopes := v.FieldByName("universe"), v.FieldByName("scopes")
	if !universe.IsValid() || universe.Kind() != reflect.Pointer || !scopes.IsValid() || scopes.Kind() != reflect.Map {
		return false
	}
	clear := func(sc reflect.Value) bool {
		if sc.Kind() != reflect.Pointer || sc.IsNil() {
			return true
		}
		return emptySlice(sc.Elem(), "child")
	}
	ok := clear(universe)
	for it := scopes.MapRange(); it.Next(); {
		ok = clear(it.Value()) && ok
	}
	return ok
}

// probeFiles removes from an interpreter's file set the files that yaegi
// adds for each evaluation only to look at its source, and never reads
// again; with them the file set grew by about 500 bytes a cell for the
// whole session. An evaluation of a cell's code adds three files in a row:
//
//   - a nameless one, to scan the source's first token (firstToken);
//   - one for the package clause alone, to check build constraints
//     (buildOk), with the name and size of the next;
//   - the parsed source, whose positions locate errors and panics, even in
//     declarations of cells long past: it is kept.
type probeFiles struct {
	fset *token.FileSet
	base int // files from this base on have not been looked at yet
}

// drop removes the probes added to fset since the last call (or, for
// another file set, since its start).
func (p *probeFiles) drop(fset *token.FileSet) {
	if p.fset != fset {
		p.fset, p.base = fset, 1
	}
	files := filesFrom(fset, p.base)
	for i, f := range files {
		if f.Name() != "" {
			continue
		}
		fset.RemoveFile(f)
		if i+2 < len(files) {
			if b, src := files[i+1], files[i+2]; b.Name() == src.Name() && b.Size() == src.Size() {
				fset.RemoveFile(b)
			}
		}
	}
	p.base = fset.Base()
}

// dropped says that every file of fset up to its base now is removed or
// looked at: the next drop starts there, not at a removed file, where it
// would stop.
func (p *probeFiles) dropped(fset *token.FileSet) {
	if p.fset == fset {
		p.base = fset.Base()
	}
}

// filesFrom returns the files of fset from base on, in order.
func filesFrom(fset *token.FileSet, base int) []*token.File {
	var files []*token.File
	for pos := base; pos < fset.Base(); {
		f := fset.File(token.Pos(pos))
		if f == nil {
			break
		}
		files = append(files, f)
		pos = f.Base() + f.Size() + 1
	}
	return files
}

// dropFilesFrom removes from fset the files from base on: those that the
// evaluations since fset's base was base added.
func dropFilesFrom(fset *token.FileSet, base int) {
	for _, f := range filesFrom(fset, base) {
		fset.RemoveFile(f)
	}
}
