// Package notebook executes a Jupyter notebook headless, with the same
// request handlers a frontend talks to, and without ZeroMQ or a Jupyter
// installation: it is what `gocurrent run` does. Each code cell becomes an
// execute_request; what the kernel publishes becomes the cell's outputs,
// printed to a terminal and written back into the notebook.
package notebook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

// Notebook is an nbformat 4 document.
type Notebook struct {
	Cells    []*Cell        `json:"cells"`
	Metadata map[string]any `json:"metadata"`
	Format   int            `json:"nbformat"`
	Minor    int            `json:"nbformat_minor"`
}

// Cell is one notebook cell.
type Cell struct {
	Type           string
	ID             string
	Metadata       map[string]any
	Source         Source
	Outputs        []Output
	ExecutionCount *int
	Attachments    json.RawMessage
}

type cellJSON struct {
	Type        string          `json:"cell_type"`
	ID          string          `json:"id,omitempty"`
	Metadata    map[string]any  `json:"metadata"`
	Source      Source          `json:"source"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
}

// codeCellJSON has the fields only code cells have, which nbformat
// requires even when empty.
type codeCellJSON struct {
	cellJSON
	Outputs        []Output `json:"outputs"`
	ExecutionCount *int     `json:"execution_count"`
}

// UnmarshalJSON reads a cell.
func (c *Cell) UnmarshalJSON(b []byte) error {
	var j codeCellJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Cell{Type: j.Type, ID: j.ID, Metadata: j.Metadata, Source: j.Source, Outputs: j.Outputs, ExecutionCount: j.ExecutionCount, Attachments: j.Attachments}
	return nil
}

// MarshalJSON writes a cell as nbformat 4 wants it.
func (c Cell) MarshalJSON() ([]byte, error) {
	base := cellJSON{Type: c.Type, ID: c.ID, Metadata: c.Metadata, Source: c.Source, Attachments: c.Attachments}
	if base.Metadata == nil {
		base.Metadata = map[string]any{}
	}
	if c.Type != "code" {
		return json.Marshal(base)
	}
	outs := c.Outputs
	if outs == nil {
		outs = []Output{}
	}
	return json.Marshal(codeCellJSON{cellJSON: base, Outputs: outs, ExecutionCount: c.ExecutionCount})
}

// Source is a cell's text, stored as a string or a list of lines.
type Source string

// UnmarshalJSON accepts a string or a list of strings.
func (s *Source) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = Source(str)
		return nil
	}
	var lines []string
	if err := json.Unmarshal(b, &lines); err != nil {
		return fmt.Errorf("cell source: %w", err)
	}
	*s = Source(strings.Join(lines, ""))
	return nil
}

// MarshalJSON writes the list-of-lines form Jupyter writes.
func (s Source) MarshalJSON() ([]byte, error) {
	return json.Marshal(splitLines(string(s)))
}

func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if lines == nil {
		lines = []string{}
	}
	return lines
}

// Output is one cell output in nbformat.
type Output map[string]any

// Read reads a notebook file.
func Read(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	var nb Notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("read notebook %s: %w", path, err)
	}
	if nb.Format != 4 {
		return nil, fmt.Errorf("read notebook %s: nbformat %d, want 4", path, nb.Format)
	}
	return &nb, nil
}

// Write writes nb to path, indented as Jupyter writes notebooks.
func Write(path string, nb *Notebook) error {
	b, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		return fmt.Errorf("write notebook %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write notebook: %w", err)
	}
	return nil
}

// Conn is the in-process protocol edge: it collects what the kernel sends
// for the cell being run. It implements session.Conn.
type Conn struct {
	mu      sync.Mutex
	cur     *run
	session string
	term    io.Writer
	live    bool // term is a terminal: show the live status of long cells
}

// run is the state of one executing cell.
type run struct {
	id      string
	outputs []Output
	reply   chan map[string]any
	ids     map[string][]int // display id -> output indexes
	term    io.Writer

	live     bool   // show the live status on the terminal
	liveText string // the live status line drawn now, if any
	midLine  bool   // the terminal's last output did not end a line
}

// NewConn returns a Conn that prints outputs to term. A headless run has
// no one to type input: cells that read standard input get end of file.
// When term is a terminal, a long cell's live status is one line
// rewritten in place under its output; otherwise it is not shown.
func NewConn(term io.Writer) *Conn {
	return &Conn{session: fmt.Sprintf("gocurrent-run-%d", os.Getpid()), term: term, live: isTerminal(term)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (c *Conn) current(parent *jupyter.Message) *run {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil || parent == nil || parent.Header.MsgID != c.cur.id {
		return nil
	}
	return c.cur
}

func toMap(content any) map[string]any {
	b, err := json.Marshal(content)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// Reply receives replies to requests.
func (c *Conn) Reply(parent *jupyter.Message, msgType string, content any, metadata map[string]any) error {
	r := c.current(parent)
	if r == nil || msgType != "execute_reply" {
		return nil
	}
	m := toMap(content)
	m["metadata"] = toMap(metadata)
	r.reply <- m
	return nil
}

// Publish turns iopub messages into outputs.
func (c *Conn) Publish(parent *jupyter.Message, msgType string, content any, metadata map[string]any) error {
	m := toMap(content)
	r := c.current(parent)
	if r == nil {
		// Output of a goroutine whose cell ended: show it on the terminal.
		if msgType == "stream" {
			fmt.Fprint(c.term, m["text"])
		}
		return nil
	}
	r.add(msgType, m)
	return nil
}

// SendStdin refuses input requests: the run has no one to answer them.
func (c *Conn) SendStdin(parent *jupyter.Message, msgType string, content any) (jupyter.Header, error) {
	return jupyter.Header{}, fmt.Errorf("input is not available when running a notebook headless")
}

// isLive reports whether m shows or updates the live status of a long
// cell (metadata gocurrent.live), which is transient: a run shows it on a
// terminal and never keeps it as an output.
func isLive(m map[string]any) bool {
	md, _ := m["metadata"].(map[string]any)
	g, _ := md["gocurrent"].(map[string]any)
	_, ok := g["live"]
	return ok
}

// endedWith returns the text a live status ends with ("" when it is
// emptied, or still running).
func endedWith(m map[string]any) string {
	md, _ := m["metadata"].(map[string]any)
	g, _ := md["gocurrent"].(map[string]any)
	if g["live"] != "ended" {
		return ""
	}
	data, _ := m["data"].(map[string]any)
	text, _ := data["text/plain"].(string)
	return text
}

// showLive draws the live status line in place of the last one, or
// clears it when the status is empty (the cell ended).
func (r *run) showLive(m map[string]any) {
	if !r.live {
		return
	}
	data, _ := m["data"].(map[string]any)
	text, _ := data["text/plain"].(string)
	if r.liveText != "" {
		fmt.Fprint(r.term, "\r\x1b[K")
	}
	r.liveText = text
	if text != "" && !r.midLine {
		fmt.Fprint(r.term, "\x1b[2m"+text+"\x1b[0m")
	}
}

// aside takes the live status line off the terminal before other output,
// and after it puts it back under that output.
func (r *run) aside(print func()) {
	if r.liveText != "" {
		fmt.Fprint(r.term, "\r\x1b[K")
	}
	print()
	if r.liveText != "" && !r.midLine {
		fmt.Fprint(r.term, "\x1b[2m"+r.liveText+"\x1b[0m")
	}
}

// endLine ends the terminal's line if the last output left it open, so
// that what follows starts on a line of its own.
func (r *run) endLine() {
	if r.midLine {
		fmt.Fprintln(r.term)
		r.midLine = false
	}
}

func (r *run) add(msgType string, m map[string]any) {
	if (msgType == "display_data" || msgType == "update_display_data") && isLive(m) {
		if text := endedWith(m); text != "" {
			// A failed cell's live status ends as its timing line,
			// which a frontend keeps in the status's place: kept as
			// a display of its own, above the error.
			r.showLive(map[string]any{})
			r.add("display_data", map[string]any{"data": map[string]any{"text/plain": text}, "metadata": map[string]any{}})
			return
		}
		r.showLive(m)
		return
	}
	switch msgType {
	case "stream":
		name, _ := m["name"].(string)
		text, _ := m["text"].(string)
		r.aside(func() {
			fmt.Fprint(r.term, text)
			if text != "" {
				r.midLine = !strings.HasSuffix(text, "\n")
			}
		})
		if n := len(r.outputs); n > 0 && r.outputs[n-1]["output_type"] == "stream" && r.outputs[n-1]["name"] == name {
			r.outputs[n-1]["text"] = r.outputs[n-1]["text"].(string) + text
			return
		}
		r.outputs = append(r.outputs, Output{"output_type": "stream", "name": name, "text": text})
	case "display_data", "execute_result":
		data, _ := m["data"].(map[string]any)
		r.aside(func() {
			r.endLine()
			printData(r.term, data)
		})
		o := Output{"output_type": msgType, "data": data, "metadata": orEmpty(m["metadata"])}
		if msgType == "execute_result" {
			o["execution_count"] = m["execution_count"]
		}
		if tr, ok := m["transient"].(map[string]any); ok {
			if id, ok := tr["display_id"].(string); ok && id != "" {
				r.ids[id] = append(r.ids[id], len(r.outputs))
			}
		}
		r.outputs = append(r.outputs, o)
	case "update_display_data":
		data, _ := m["data"].(map[string]any)
		tr, _ := m["transient"].(map[string]any)
		id, _ := tr["display_id"].(string)
		for _, i := range r.ids[id] {
			r.outputs[i]["data"] = data
			r.outputs[i]["metadata"] = orEmpty(m["metadata"])
		}
	case "clear_output":
		r.outputs = nil
		r.ids = map[string][]int{}
	case "error":
		tb, _ := m["traceback"].([]any)
		r.aside(func() {
			r.endLine()
			for _, l := range tb {
				fmt.Fprintln(r.term, l)
			}
		})
		r.outputs = append(r.outputs, Output{"output_type": "error", "ename": m["ename"], "evalue": m["evalue"], "traceback": orList(tb)})
	}
}

func orEmpty(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}

func orList(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func printData(w io.Writer, data map[string]any) {
	if t, ok := data["text/plain"].(string); ok {
		fmt.Fprintln(w, t)
		return
	}
	for mime := range data {
		fmt.Fprintf(w, "<%s>\n", mime)
		return
	}
}

// Result summarises a run.
type Result struct {
	Cells  int // code cells run
	Errors int // cells that ended with an error
}

// Run executes every code cell of nb in order with h, filling in outputs
// and execution counts, and printing them to the Conn's terminal. Cells
// tagged "raises-exception" may fail; other failures are counted.
func Run(ctx context.Context, nb *Notebook, send func(*jupyter.Message), c *Conn) (Result, error) {
	var res Result
	for i, cl := range nb.Cells {
		if cl.Type != "code" {
			continue
		}
		res.Cells++
		fmt.Fprintf(c.term, "\x1b[1m[%d] ──────────────────────────────────────────\x1b[0m\n%s\n\x1b[2m──\x1b[0m\n", i+1, strings.TrimRight(string(cl.Source), "\n"))
		header := jupyter.NewHeader("execute_request", c.session, "gocurrent-run")
		rawHeader, err := json.Marshal(header)
		if err != nil {
			return res, fmt.Errorf("cell %d: %w", i+1, err)
		}
		content, err := json.Marshal(map[string]any{"code": string(cl.Source), "silent": false, "store_history": true, "allow_stdin": false, "stop_on_error": true})
		if err != nil {
			return res, fmt.Errorf("cell %d: %w", i+1, err)
		}
		r := &run{id: header.MsgID, reply: make(chan map[string]any, 1), ids: map[string][]int{}, term: c.term, live: c.live}
		c.mu.Lock()
		c.cur = r
		c.mu.Unlock()
		send(&jupyter.Message{Channel: jupyter.Shell, Header: header, RawHeader: rawHeader, Content: content})
		var reply map[string]any
		select {
		case reply = <-r.reply:
		case <-ctx.Done():
			return res, fmt.Errorf("cell %d: %w", i+1, ctx.Err())
		}
		// The idle status follows the reply; give the handler a moment
		// to publish it before the next cell is attributed.
		time.Sleep(time.Millisecond)
		c.mu.Lock()
		c.cur = nil
		c.mu.Unlock()
		if n, ok := reply["execution_count"].(float64); ok {
			count := int(n)
			cl.ExecutionCount = &count
		}
		cl.Outputs = r.outputs
		if cl.Outputs == nil {
			cl.Outputs = []Output{}
		}
		switch {
		case reply["status"] == "aborted":
			fmt.Fprintln(c.term, "(not run: aborted after an earlier error)")
			res.Errors++
		case reply["status"] == "error" && !hasTag(cl, "raises-exception"):
			res.Errors++
		}
	}
	return res, nil
}

func hasTag(c *Cell, tag string) bool {
	tags, _ := c.Metadata["tags"].([]any)
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}
