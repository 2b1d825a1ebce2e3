package wire

import (
	"encoding/json"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// The requests, from the kernel to the worker. Each that the worker
// answers has a result of its own (results.go); Interrupt and Input have
// none.

// Execute runs a cell. Its result is an ExecuteResult.
type Execute struct {
	Code  string `json:"code"`
	Count int    `json:"count"` // the execution count
}

// Measure runs a cell's statements again and again and times them. Its
// result is a MeasureResult.
type Measure struct {
	Spec engine.MeasureSpec `json:"spec"`
}

// Complete asks for the completions at a cursor position. Its result is a
// CompleteResult.
type Complete struct {
	Code   string `json:"code"`
	Cursor int    `json:"cursor"`
}

// Inspect asks for the documentation at a cursor position. Its result is
// an InspectResult.
type Inspect struct {
	Code   string `json:"code"`
	Cursor int    `json:"cursor"`
	Detail int    `json:"detail"`
}

// Evaluate evaluates expressions in the session (the user_expressions of
// an execute_request), by name. Its result is an EvaluateResult.
type Evaluate struct {
	Exprs map[string]string `json:"exprs"`
}

// Declarations asks for the session's declarations. Its result is a
// DeclarationsResult.
type Declarations struct{}

// Goroutines asks for a description of the goroutines cells started. Its
// result is a GoroutinesResult.
type Goroutines struct{}

// Live asks how many goroutines the running cell has now: its own and
// those it started that still run. It is answered at once, while the cell
// runs, with a LiveResult.
type Live struct{}

// Replay declares again, in a fresh worker, what the session declared in
// the worker it replaces. Its result is a ReplayResult.
type Replay struct {
	Decls ledger.Replay `json:"decls"`
}

// Interrupt stops the cell of the request with the envelope's ID, if it
// runs now or has not started yet.
type Interrupt struct{}

// Input answers a Prompt of the running cell: the line the user typed, or
// why there is none.
type Input struct {
	Text string `json:"text,omitempty"`
	// Err is set when the input could not be had (no frontend allows
	// stdin, or the cell was interrupted).
	Err string `json:"err,omitempty"`
	// NoInput is set with Err when the frontend gives no input at all
	// (engine.ErrNoInput), which the cell is told.
	NoInput bool `json:"no_input,omitempty"`
}

func (Execute) Kind() Kind      { return "execute" }
func (Measure) Kind() Kind      { return "measure" }
func (Complete) Kind() Kind     { return "complete" }
func (Inspect) Kind() Kind      { return "inspect" }
func (Evaluate) Kind() Kind     { return "evaluate" }
func (Declarations) Kind() Kind { return "declarations" }
func (Goroutines) Kind() Kind   { return "goroutines" }
func (Live) Kind() Kind         { return "live" }
func (Replay) Kind() Kind       { return "replay" }
func (Interrupt) Kind() Kind    { return "interrupt" }
func (Input) Kind() Kind        { return "input" }

func (Execute) isRequest()      {}
func (Measure) isRequest()      {}
func (Complete) isRequest()     {}
func (Inspect) isRequest()      {}
func (Evaluate) isRequest()     {}
func (Declarations) isRequest() {}
func (Goroutines) isRequest()   {}
func (Live) isRequest()         {}
func (Replay) isRequest()       {}
func (Interrupt) isRequest()    {}
func (Input) isRequest()        {}

// decodeRequest decodes the body of a request of kind k.
func decodeRequest(k Kind, raw json.RawMessage) (Request, error) {
	switch k {
	case Execute{}.Kind():
		return decodeAs[Execute](raw)
	case Measure{}.Kind():
		return decodeAs[Measure](raw)
	case Complete{}.Kind():
		return decodeAs[Complete](raw)
	case Inspect{}.Kind():
		return decodeAs[Inspect](raw)
	case Evaluate{}.Kind():
		return decodeAs[Evaluate](raw)
	case Declarations{}.Kind():
		return decodeAs[Declarations](raw)
	case Goroutines{}.Kind():
		return decodeAs[Goroutines](raw)
	case Live{}.Kind():
		return decodeAs[Live](raw)
	case Replay{}.Kind():
		return decodeAs[Replay](raw)
	case Interrupt{}.Kind():
		return decodeAs[Interrupt](raw)
	case Input{}.Kind():
		return decodeAs[Input](raw)
	}
	return nil, errUnknownKind
}
