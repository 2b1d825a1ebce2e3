package wire

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// TestRequests: every request reads back as what was written, as a value
// of its own type, with its ID.
func TestRequests(t *testing.T) {
	reqs := []Request{
		Execute{Code: "x := 1", Count: 3},
		Measure{Spec: engine.MeasureSpec{Code: "f()", Count: 2, Loops: 5, Runs: 3}},
		Complete{Code: "fmt.Pr", Cursor: 6},
		Inspect{Code: "fmt.Println", Cursor: 4, Detail: 1},
		Evaluate{Exprs: map[string]string{"a": "1 + 1"}},
		Declarations{},
		Goroutines{},
		Live{},
		Replay{Decls: ledger.Replay{Imports: map[string]string{"str": "strings"}}},
		Interrupt{},
		Input{Text: "hi"},
		Input{Err: "no input", NoInput: true},
	}
	roundTrip(t, reqs, NewRequestReader)
}

// TestEvents: every event and result reads back as what was written, as a
// value of its own type, with its ID and sequence number.
func TestEvents(t *testing.T) {
	evs := []Event{
		Ready{},
		Display{Data: map[string]any{"text/plain": "x"}, Metadata: map[string]any{"a": "b"}, ID: "d1", Update: true, From: 2},
		Clear{Wait: true},
		Prompt{Prompt: "name? ", Password: true},
		Mute{On: true},
		Exit{Code: 3, Call: "os.Exit"},
		Declared{Delta: ledger.Delta{Imports: map[string]string{"fmt": "fmt"}}},
		ExecuteResult{Result: engine.Result{Data: map[string]any{"text/plain": "2"}}},
		MeasureResult{Measurement: engine.Measurement{Engine: "interp"}},
		CompleteResult{Completion: engine.Completion{Matches: []string{"Println"}, Start: 4, End: 6}},
		InspectResult{Inspection: engine.Inspection{Found: true}},
		EvaluateResult{Values: map[string]engine.ExprResult{"a": {Data: map[string]any{"text/plain": "2"}}}},
		DeclarationsResult{Declarations: engine.Declarations{Vars: []string{"x"}}},
		GoroutinesResult{Text: "1 goroutine"},
		LiveResult{Goroutines: 3},
		ReplayResult{Failures: []ledger.Failure{{Cell: 1, Line: 2, Names: []string{"x"}, Err: "undefined: y"}}},
	}
	roundTrip(t, evs, NewEventReader)
}

func roundTrip[B Message](t *testing.T, msgs []B, reader func(io.Reader) *Reader[B]) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter[B](&buf)
	kinds := map[Kind]string{}
	for i, m := range msgs {
		name := reflect.TypeOf(m).Name()
		if other, ok := kinds[m.Kind()]; ok && other != name {
			t.Errorf("%s and %s have the same kind %q", other, name, m.Kind())
		}
		kinds[m.Kind()] = name
		if err := w.Write(Envelope[B]{ID: int64(i + 1), Seq: int64(2 * i), Body: m}); err != nil {
			t.Fatal(err)
		}
	}
	r := reader(&buf)
	for i, want := range msgs {
		got, err := r.Read()
		if err != nil {
			t.Fatalf("%T: %v", want, err)
		}
		if got.ID != int64(i+1) || got.Seq != int64(2*i) || !reflect.DeepEqual(got.Body, want) {
			t.Errorf("read %d %d %#v, want %d %d %#v", got.ID, got.Seq, got.Body, i+1, 2*i, want)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
}

// TestMalformed: a line that is no message, or one of an unknown kind, is
// an error the reader goes on after.
func TestMalformed(t *testing.T) {
	in := "not json\n" + `{"id":1,"kind":"nonsense","body":{}}` + "\n" + `{"id":2,"kind":"execute","body":{"code":"x"}}` + "\n"
	r := NewRequestReader(strings.NewReader(in))
	for range 2 {
		if _, err := r.Read(); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
	}
	m, err := r.Read()
	if err != nil || m.ID != 2 || m.Body != (Execute{Code: "x"}) {
		t.Fatalf("read %+v, %v", m, err)
	}
	// An event is not a request.
	r = NewRequestReader(strings.NewReader(`{"id":3,"kind":"ready"}` + "\n"))
	if _, err := r.Read(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("an event read as a request: %v", err)
	}
}
