package worker

import (
	"reflect"
	"sync"
)

// Select statements.
//
// The interpreter (yaegi v0.16.0, interp/run.go, func _select) builds the
// reflect.SelectCase slice of a select statement once, when it compiles
// the statement, and fills it in place each time the statement runs. Two
// goroutines running the same select at once (three workers of a
// pipeline stage, each in `select { case out <- n*n: ... }`) overwrite
// each other's cases: one sends the other's value, or sends on a channel
// another goroutine closed. No upstream issue covers it, and no newer tag
// fixes it, so before a cell runs every select statement is rewritten (by
// kernel/rewrite) into a switch on a native select whose cases are built
// per call:
//
//	select {               var V0 T; var OK bool; switch M.Select(&OK, M.Recv(c, &V0), M.Send(out, []U{x}), M.Default()) {
//	case v, ok := <-c:     case 0: v, ok := V0, OK
//	case out <- x:         case 1:
//	default:               default:
//	}                      }
//
// Channel operands and sent values are evaluated once, in source order,
// as Go specifies; the left-hand side of a receive assignment only when
// its case is chosen. A sent value goes through a one-element slice of
// the channel's element type, and a received one through a variable of
// that type, so that interpreted interface types (which the interpreter
// represents by a struct of its own) cross unchanged. A select whose
// element types cannot be written at that place (a type declared inside
// another function) or whose cases span lines is left as written.

// selectOps are the native select of rewritten cells.
type selectOps struct {
	mu   sync.Mutex
	stop chan struct{} // closed when an evaluation is interrupted
}

// selCase is one case of a rewritten select.
type selCase struct {
	sc  reflect.SelectCase
	dst reflect.Value // where a receive stores its value, if anywhere
}

// interrupted wakes every select blocked since the last interrupt, as the
// interpreter wakes its own: the interpreter stops their goroutines at the
// next statement (it has already moved to a new run id).
func (o *selectOps) interrupted() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stop != nil {
		close(o.stop)
		o.stop = nil
	}
}

func (o *selectOps) stopChan() chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stop == nil {
		o.stop = make(chan struct{})
	}
	return o.stop
}

// recv is a receive case; dst is nil or a pointer to a variable of the
// channel's element type.
func (o *selectOps) recv(ch, dst any) selCase {
	c := selCase{sc: reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)}}
	if dst != nil {
		c.dst = reflect.ValueOf(dst).Elem()
	}
	return c
}

// send is a send case; v is a one-element slice holding the value.
func (o *selectOps) send(ch, v any) selCase {
	c := reflect.ValueOf(ch)
	x := reflect.ValueOf(v).Index(0)
	if c.IsValid() {
		if et := c.Type().Elem(); !x.Type().AssignableTo(et) && x.Type().ConvertibleTo(et) {
			x = x.Convert(et)
		}
	}
	return selCase{sc: reflect.SelectCase{Dir: reflect.SelectSend, Chan: c, Send: x}}
}

func (o *selectOps) dflt() selCase {
	return selCase{sc: reflect.SelectCase{Dir: reflect.SelectDefault}}
}

// selectIndex runs the select and returns the index of the chosen case,
// or -1 when an interrupt woke it.
func (o *selectOps) selectIndex(ok *bool, cases ...selCase) int {
	sc := make([]reflect.SelectCase, len(cases), len(cases)+1)
	blocking := true
	for i, c := range cases {
		sc[i] = c.sc
		if c.sc.Dir == reflect.SelectDefault {
			blocking = false
		}
	}
	if blocking {
		sc = append(sc, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(o.stopChan())})
	}
	i, v, recvOK := reflect.Select(sc)
	if i == len(cases) {
		return -1
	}
	if c := cases[i]; c.sc.Dir == reflect.SelectRecv {
		if c.dst.IsValid() {
			if !v.Type().AssignableTo(c.dst.Type()) && v.Type().ConvertibleTo(c.dst.Type()) {
				v = v.Convert(c.dst.Type())
			}
			c.dst.Set(v)
		}
		if ok != nil {
			*ok = recvOK
		}
	}
	return i
}

// symbols are the helpers rewritten selects call, in the native package.
func (o *selectOps) symbols() map[string]reflect.Value {
	return map[string]reflect.Value{
		"Select":  reflect.ValueOf(o.selectIndex),
		"Recv":    reflect.ValueOf(o.recv),
		"Send":    reflect.ValueOf(o.send),
		"Default": reflect.ValueOf(o.dflt),
	}
}
