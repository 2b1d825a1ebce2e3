// Package interp is the kernel process's side of the interpreter: it
// implements engine.Engine by running cells in a worker child process
// (package worker, which holds the yaegi interpreter) and supervises it:
// the pump of its output and events, limits on output, interrupts, its
// status, and its deaths, after which a fresh worker is started and given
// the session's declarations again from the kernel's ledger (restore.go).
//
// The worker is the kernel's own binary started with a hidden command
// (wire.WorkerCommand). Its file descriptors are:
//
//	0  /dev/null
//	1  the cell's standard output (a pipe to the kernel)
//	2  the Go runtime's own output: crash reports of fatal errors
//	3  requests from the kernel, one JSON object a line (kernel/wire)
//	4  events to the kernel, one JSON object a line (kernel/wire)
//	5  the cell's standard error (a pipe to the kernel)
//
// Because the cell's output is a real pipe, fmt, os.Stdout writes and
// child processes started with os/exec all reach the notebook. Ordering of
// events (a display, the end of a cell) with the text on the output pipes
// comes from sync markers (wire.Markers): before the worker sends an event
// with sequence number n, it writes marker n to both output pipes, and the
// supervisor holds the event until it has read the marker from both, so
// every byte printed before the event is shown before it.
package interp
