package worker

import (
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
	f := reflect.ValueOf(i).Elem().FieldByName("roots")
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return false
	}
	roots := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	roots.Set(reflect.Zero(f.Type()))
	return true
}
