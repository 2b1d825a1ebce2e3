package wire

import (
	"encoding/json"
	"fmt"

	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// The events, from the worker to the kernel, other than results
// (results.go). Those of a cell carry the ID of its request.

// Ready says that the worker has loaded the interpreter.
type Ready struct {
	// InputFunc is the function in which the worker's goroutine that
	// waits for the cell's input is, as tracebacks name it: crash
	// reports leave that goroutine out.
	InputFunc string `json:"input_func,omitempty"`
}

// Display shows, or updates, a MIME bundle in the output.
type Display struct {
	Data     map[string]any `json:"data,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	ID       string         `json:"display_id,omitempty"`
	Update   bool           `json:"update,omitempty"`
	// From is the cell whose goroutine displays, when that cell has
	// ended: the display is late output of that cell.
	From int `json:"from,omitempty"`
}

// Clear clears the cell's output (when the next output comes, if Wait).
type Clear struct {
	Wait bool `json:"wait,omitempty"`
}

// Prompt asks for a line of input; an Input request answers it.
type Prompt struct {
	Prompt   string `json:"prompt,omitempty"`
	Password bool   `json:"password,omitempty"`
}

// Mute drops the cell's text output until a Mute with On false (the
// repeated runs of a measured cell); displays still pass.
type Mute struct {
	On bool `json:"on,omitempty"`
}

// Exit says that os.Exit or log.Fatal, called from a goroutine, is about
// to end the worker.
type Exit struct {
	Code int    `json:"code,omitempty"`
	Call string `json:"call,omitempty"`
}

// Describe names the call: "os.Exit(3)", "log.Fatal (exit status 1)".
func (e Exit) Describe() string {
	if e.Call == "os.Exit" {
		return fmt.Sprintf("os.Exit(%d)", e.Code)
	}
	return fmt.Sprintf("%s (exit status %d)", e.Call, e.Code)
}

// Declared is what a cell declared, for the kernel's ledger.
type Declared struct {
	Delta ledger.Delta `json:"delta"`
}

func (Ready) Kind() Kind    { return "ready" }
func (Display) Kind() Kind  { return "display" }
func (Clear) Kind() Kind    { return "clear" }
func (Prompt) Kind() Kind   { return "prompt" }
func (Mute) Kind() Kind     { return "mute" }
func (Exit) Kind() Kind     { return "exit" }
func (Declared) Kind() Kind { return "declared" }

func (Ready) isEvent()    {}
func (Display) isEvent()  {}
func (Clear) isEvent()    {}
func (Prompt) isEvent()   {}
func (Mute) isEvent()     {}
func (Exit) isEvent()     {}
func (Declared) isEvent() {}

// decodeEvent decodes the body of an event of kind k.
func decodeEvent(k Kind, raw json.RawMessage) (Event, error) {
	switch k {
	case Ready{}.Kind():
		return decodeAs[Ready](raw)
	case Display{}.Kind():
		return decodeAs[Display](raw)
	case Clear{}.Kind():
		return decodeAs[Clear](raw)
	case Prompt{}.Kind():
		return decodeAs[Prompt](raw)
	case Mute{}.Kind():
		return decodeAs[Mute](raw)
	case Exit{}.Kind():
		return decodeAs[Exit](raw)
	case Declared{}.Kind():
		return decodeAs[Declared](raw)
	}
	return decodeResult(k, raw)
}
