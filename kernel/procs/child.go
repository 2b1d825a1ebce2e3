package procs

import (
	"encoding/json"
	"errors"

	"github.com/gocurrent/gocurrent/kernel/procs/pool"
)

// The child side of a process pool.
//
// A child is the gocurrent binary started with Command. Its Loader makes
// an interpreter of its own, the same as the worker's (the same symbols,
// the same rewriting of cells), and evaluates the declarations the parent
// sent as one cell; the loop that then calls the function on each input
// is package pool's (RunChild).

// Loader loads the function of a pool in a child.
type Loader interface {
	// Load makes an interpreter for the child c, evaluates the
	// declarations of st in it and returns its function st.Fn. The
	// error's text says why that failed.
	Load(st *Setup, c *Child) (Func, error)
}

// The child side's types, as package pool has them.
type (
	// Func is the function of a pool, loaded in a child.
	Func = pool.Func
	// Result is the result of a task.
	Result = pool.Result
	// Child is a child process of a pool, as its function's interpreter
	// sees it.
	Child = pool.Child
	// Task is one input a child works on.
	Task = pool.Task
	// Event is a message from a child's interpreter that the pool acts
	// on.
	Event = pool.Event
)

// RunChild is the main function of a child process of procs.Map, which
// loads its function with l. It returns the process's exit status.
func RunChild(l Loader) int {
	return pool.RunChild(func(setup json.RawMessage, c *Child) (Func, error) {
		var st Setup
		if err := json.Unmarshal(setup, &st); err != nil {
			return nil, errors.New("bad setup: " + err.Error())
		}
		return l.Load(&st, c)
	})
}
