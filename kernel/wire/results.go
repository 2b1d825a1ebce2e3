package wire

import (
	"encoding/json"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// The results, one for each request the worker answers, with the ID of
// that request.

// ExecuteResult is the result of an Execute.
type ExecuteResult struct {
	Result engine.Result `json:"result"`
}

// MeasureResult is the result of a Measure.
type MeasureResult struct {
	Measurement engine.Measurement `json:"measurement"`
}

// CompleteResult is the result of a Complete.
type CompleteResult struct {
	Completion engine.Completion `json:"completion"`
}

// InspectResult is the result of an Inspect.
type InspectResult struct {
	Inspection engine.Inspection `json:"inspection"`
}

// EvaluateResult is the result of an Evaluate: each expression's value
// or error, by name.
type EvaluateResult struct {
	Values map[string]engine.ExprResult `json:"values,omitempty"`
}

// DeclarationsResult is the result of a Declarations.
type DeclarationsResult struct {
	Declarations engine.Declarations `json:"declarations"`
}

// GoroutinesResult is the result of a Goroutines: the description, as
// text.
type GoroutinesResult struct {
	Text string `json:"text"`
}

// LiveResult is the result of a Live: the running cell's goroutines now,
// or -1 when no cell runs in the worker.
type LiveResult struct {
	Goroutines int64 `json:"goroutines"`
}

// ReplayResult is the result of a Replay: the declarations that could not
// be declared again.
type ReplayResult struct {
	Failures []ledger.Failure `json:"failures,omitempty"`
}

func (ExecuteResult) Kind() Kind      { return "execute-result" }
func (MeasureResult) Kind() Kind      { return "measure-result" }
func (CompleteResult) Kind() Kind     { return "complete-result" }
func (InspectResult) Kind() Kind      { return "inspect-result" }
func (EvaluateResult) Kind() Kind     { return "evaluate-result" }
func (DeclarationsResult) Kind() Kind { return "declarations-result" }
func (GoroutinesResult) Kind() Kind   { return "goroutines-result" }
func (LiveResult) Kind() Kind         { return "live-result" }
func (ReplayResult) Kind() Kind       { return "replay-result" }

func (ExecuteResult) isEvent()      {}
func (MeasureResult) isEvent()      {}
func (CompleteResult) isEvent()     {}
func (InspectResult) isEvent()      {}
func (EvaluateResult) isEvent()     {}
func (DeclarationsResult) isEvent() {}
func (GoroutinesResult) isEvent()   {}
func (LiveResult) isEvent()         {}
func (ReplayResult) isEvent()       {}

func (ExecuteResult) isResult()      {}
func (MeasureResult) isResult()      {}
func (CompleteResult) isResult()     {}
func (InspectResult) isResult()      {}
func (EvaluateResult) isResult()     {}
func (DeclarationsResult) isResult() {}
func (GoroutinesResult) isResult()   {}
func (LiveResult) isResult()         {}
func (ReplayResult) isResult()       {}

// decodeResult decodes the body of a result of kind k.
func decodeResult(k Kind, raw json.RawMessage) (Event, error) {
	switch k {
	case ExecuteResult{}.Kind():
		return decodeAs[ExecuteResult](raw)
	case MeasureResult{}.Kind():
		return decodeAs[MeasureResult](raw)
	case CompleteResult{}.Kind():
		return decodeAs[CompleteResult](raw)
	case InspectResult{}.Kind():
		return decodeAs[InspectResult](raw)
	case EvaluateResult{}.Kind():
		return decodeAs[EvaluateResult](raw)
	case DeclarationsResult{}.Kind():
		return decodeAs[DeclarationsResult](raw)
	case GoroutinesResult{}.Kind():
		return decodeAs[GoroutinesResult](raw)
	case LiveResult{}.Kind():
		return decodeAs[LiveResult](raw)
	case ReplayResult{}.Kind():
		return decodeAs[ReplayResult](raw)
	}
	return nil, errUnknownKind
}
