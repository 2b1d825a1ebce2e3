package worker

import (
	"bytes"
	"context"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// Whose goroutines are.
//
// The worker tells its own goroutines from those of cells by profiler
// labels, not by the names of their functions. Run labels its
// goroutine labelRole=roleWorker before it starts any other, so that every
// goroutine the worker starts inherits the label; the goroutines of a cell
// carry the cell's labels instead (asCell and supervised go statements set
// them from scratch), and so do those they start. The main goroutine,
// which carries the running cell's labels while the interpreter starts the
// cell's flow, and the goroutines there before the session, are the
// worker's by their ids (origins.baseline); so is the goroutine that
// looks. Tracebacks do not show labels: the goroutine profile does, and
// the stacks of both match them up.

// labelRole is the profiler label of the worker's own goroutines.
const (
	labelRole  = "gocurrent"
	roleWorker = "worker"
)

// workerLabels is the context of the worker's labels.
func workerLabels() context.Context {
	return pprof.WithLabels(context.Background(), pprof.Labels(labelRole, roleWorker))
}

// labelWorker gives the calling goroutine, and the goroutines it starts
// from now on, the worker's label.
func labelWorker() { pprof.SetGoroutineLabels(workerLabels()) }

// tracebackName is the name of function f as tracebacks show it.
func tracebackName(f any) string {
	return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
}

// mainFunc and inputFunc name the functions in which the worker's
// goroutines are known by their stacks where no id is at hand (in the
// goroutine profile): the main goroutine's, and that in which a goroutine
// of a cell waits for input. The names come from the functions, wherever
// these are.
func mainFunc() string  { return tracebackName(Run) }
func inputFunc() string { return tracebackName((*worker).input) }

// workerCreators name the functions whose go statements start only
// goroutines of the worker's (the request reader, each cell's watchdog),
// which are known by their tracebacks without labels.
func workerCreators() [2]string {
	return [2]string{tracebackName(Run), tracebackName((*worker).asCell)}
}

// goroutine is one goroutine of a traceback of all goroutines.
type goroutine struct {
	id      int64
	state   string
	funcs   []string          // innermost first
	creator string            // function of the "created by" line
	labels  map[string]string // from the goroutine profile; nil where unknown
	self    bool              // the goroutine that listed them
}

// allGoroutines lists the goroutines of the worker, with their labels.
func allGoroutines() []goroutine {
	return listGoroutines(true, nil)
}

// listGoroutines lists the goroutines of the worker, with their labels
// when labels is set (reading the goroutine profile costs more than the
// traceback).
func listGoroutines(labels bool, buf *[]byte) []goroutine {
	var dump []byte
	if buf != nil {
		dump = stacks.AllInto(*buf)
		*buf = dump
	} else {
		dump = stacks.All()
	}
	self, _ := stacks.ID(dump) // runtime.Stack shows the caller first
	labelled := stackLabels{}
	if labels {
		for _, r := range profile() {
			sig := signature(r.Funcs())
			for range r.Count {
				labelled[sig] = append(labelled[sig], r.Labels)
			}
		}
	}
	var out []goroutine
	for _, sg := range stacks.Parse(dump) {
		g := goroutine{id: sg.ID, state: sg.State, funcs: sg.Funcs(), creator: sg.CreatedBy, self: sg.ID == self}
		if labels {
			g.labels, _ = labelled.take(signature(g.funcs))
		}
		out = append(out, g)
	}
	return out
}

// classify tells whether g belongs to the worker, waits for input, is
// blocked, or is busy in some other way; baseline holds the ids of
// goroutines that are the worker's, input is the function in which a
// goroutine waits for input.
func classify(g goroutine, baseline map[int64]bool, input string) string {
	if slices.Contains(g.funcs, input) {
		return "input"
	}
	if g.self || baseline[g.id] || g.labels[labelRole] == roleWorker || strings.HasPrefix(g.creator, "os/signal.") {
		return "worker"
	}
	for _, s := range blockedStates {
		if strings.HasPrefix(g.state, s) {
			return "blocked"
		}
	}
	return "busy"
}

// kind tells whether g belongs to the worker, waits for input, is blocked,
// or is busy in some other way.
func (w *worker) kind(g goroutine) string {
	return classify(g, w.sess.late.baseline, inputFunc())
}

// cellRecord reports whether record r of the goroutine profile is of
// goroutines of cells: labelled, and not with the worker's label nor in
// the worker's main function or its wait for input.
func cellRecord(r stacks.Record, main, input string) bool {
	if len(r.Labels) == 0 || r.Labels[labelRole] != "" {
		return false
	}
	return !slices.ContainsFunc(r.Frames, func(f stacks.Frame) bool { return f.Func == main || f.Func == input })
}

// signature is a stack as the goroutine profile and tracebacks both show
// it: the innermost functions from the first one outside the runtime (both
// cut deep stacks, differently).
func signature(funcs []string) string {
	i := 0
	for i < len(funcs) && (strings.HasPrefix(funcs[i], "runtime.") || strings.HasPrefix(funcs[i], "internal/runtime/")) {
		i++
	}
	var b strings.Builder
	for k, f := range funcs[i:] {
		if f == "runtime.goexit" || k >= 16 {
			break
		}
		b.WriteString(f)
		b.WriteByte('\n')
	}
	return b.String()
}

// stackLabels hands out, for each stack, the labels of the goroutines
// with that stack.
type stackLabels map[string][]map[string]string

func (s stackLabels) take(sig string) (map[string]string, bool) {
	ls := s[sig]
	if len(ls) == 0 {
		return nil, false
	}
	l := ls[0]
	s[sig] = ls[1:]
	return l, true
}

// profile reads the goroutine profile.
func profile() []stacks.Record {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	return stacks.ParseProfile(buf.String())
}
