// Package worker is the worker process that runs a session's cells in the
// yaegi interpreter (github.com/traefik/yaegi): the session and its cells
// (each rewritten first by package rewrite), the supervision of the
// goroutines cells start, the deadlock watchdog, measuring, completion and
// inspection, and the packages cells use without import (display, procs).
//
// The kernel process starts it (package interp) and exchanges the messages
// of package wire with it; see package interp for its file descriptors.
// Nothing here imports the kernel's side.
package worker
