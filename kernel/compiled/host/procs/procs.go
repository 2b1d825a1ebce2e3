// Package procs is the procs package of a compiled session's cells, the
// Go counterpart of Python's multiprocessing.Pool:
//
//	results, err := procs.Map(workers, fn, inputs)
//
// calls fn, a function declared in the session, on each input in child
// processes, at most workers at a time, and returns the results in input
// order; with one variable, results := procs.Map(...) panics with the
// *Error once every input is done. The kernel writes it into each
// session's module.
//
// Go cannot type Map for every form of fn, so the conversion of cells
// rewrites each call procs.Map(w, fn, in) into a call of the helper for
// fn's results and for the values the call's statement uses, a name of
// the same length so that the cell's columns stay where they are:
//
//	MV2, MV1  fn returns a value (two values: results and error; one: results)
//	ME2, ME1  fn returns a value and an error
//	MN2, MN1  fn returns nothing (results are struct{}s)
//
// and registers fn, in the initialiser of the calling cell's package, with
// RV, RE or RN, under a key by which a child process (the session's host
// binary, which opens that cell's plugin) finds it.
package procs

import (
	"github.com/gocurrent/gocurrent/kernel/compiled/host/procsrt"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
)

// Error is procs.Map's error when inputs failed: the failed inputs, in
// input order.
type Error = pool.Error

// Failure is one input whose call failed.
type Failure = pool.Failure

// Map is what a call the conversion could not type reaches: it panics
// saying why (fn must be a function declared in the session).
func Map(workers int, fn any, inputs any) (any, error) {
	panic("procs.Map: " + pool.Reject)
}

// MV2 is procs.Map for a fn that returns a value.
func MV2[In, Out any](workers int, fn func(In) Out, inputs []In) ([]Out, error) {
	return procsrt.Map[In, Out](workers, fn, inputs)
}

// MV1 is MV2 that panics with its error.
func MV1[In, Out any](workers int, fn func(In) Out, inputs []In) []Out {
	return procsrt.Must(MV2(workers, fn, inputs))
}

// ME2 is procs.Map for a fn that returns a value and an error.
func ME2[In, Out any](workers int, fn func(In) (Out, error), inputs []In) ([]Out, error) {
	return procsrt.Map[In, Out](workers, fn, inputs)
}

// ME1 is ME2 that panics with its error.
func ME1[In, Out any](workers int, fn func(In) (Out, error), inputs []In) []Out {
	return procsrt.Must(ME2(workers, fn, inputs))
}

// MN2 is procs.Map for a fn that returns nothing.
func MN2[In any](workers int, fn func(In), inputs []In) ([]struct{}, error) {
	return procsrt.Map[In, struct{}](workers, fn, inputs)
}

// MN1 is MN2 that panics with its error.
func MN1[In any](workers int, fn func(In), inputs []In) []struct{} {
	return procsrt.Must(MN2(workers, fn, inputs))
}

// RV registers fn (MV2's) under key.
func RV[In, Out any](key string, fn func(In) Out) {
	procsrt.Register(key, fn, func(x In) (Out, error) { return fn(x), nil })
}

// RE registers fn (ME2's) under key.
func RE[In, Out any](key string, fn func(In) (Out, error)) {
	procsrt.Register(key, fn, fn)
}

// RN registers fn (MN2's) under key.
func RN[In any](key string, fn func(In)) {
	procsrt.Register(key, fn, func(x In) (struct{}, error) { fn(x); return struct{}{}, nil })
}
