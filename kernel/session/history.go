package session

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

// Entry is one executed cell in the history.
type Entry struct {
	Session int    `json:"session"`
	Line    int    `json:"line"`
	Input   string `json:"input"`
	Output  string `json:"output,omitempty"`
}

// maxHistory bounds the entries kept in memory (the file keeps them all:
// kernels that share it append to it, and none trims it).
const maxHistory = 10000

// History is the input history of this and earlier sessions, kept in a
// JSON-lines file so that it survives restarts, like IPython's.
type History struct {
	mu      sync.Mutex
	path    string   // "" for memory only
	file    *os.File // path opened for appending, after the first Add
	session int
	entries []Entry
}

// NewMemoryHistory returns a history that is not saved.
func NewMemoryHistory() *History { return &History{session: 1} }

// OpenHistory loads the history file at path (creating its directory) and
// starts a new session numbered after the last one in it.
func OpenHistory(path string) (*History, error) {
	h := &History{path: path, session: 1}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // a torn line from a crash: skip it
		}
		h.entries = append(h.entries, e)
		if e.Session >= h.session {
			h.session = e.Session + 1
		}
	}
	if len(h.entries) > maxHistory {
		h.entries = h.entries[len(h.entries)-maxHistory:]
	}
	return h, nil
}

// Session is the number of the current session.
func (h *History) Session() int { return h.session }

// Add records a cell.
func (h *History) Add(line int, input, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := Entry{Session: h.session, Line: line, Input: input, Output: output}
	h.entries = append(h.entries, e)
	if len(h.entries) > maxHistory {
		h.entries = h.entries[len(h.entries)-maxHistory:]
	}
	if h.path == "" {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	// The file stays open: opening it for every cell cost a tenth of a
	// trivial cell's round trip. Each entry is one write in append
	// mode, so kernels sharing the file do not tear each other's lines.
	if h.file == nil {
		f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return
		}
		h.file = f
	}
	if _, err := h.file.Write(append(b, '\n')); err != nil {
		_ = h.file.Close()
		h.file = nil // opened again by the next Add
	}
}

// Close closes the history file; a later Add opens it again.
func (h *History) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.file == nil {
		return nil
	}
	err := h.file.Close()
	h.file = nil
	return err
}

// Tail returns the last n entries.
func (h *History) Tail(n int) []Entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n <= 0 || n > len(h.entries) {
		n = len(h.entries)
	}
	return append([]Entry(nil), h.entries[len(h.entries)-n:]...)
}

// Range returns the entries of a session with start <= line < stop (stop
// 0: to the end). A session of 0 or less counts back from the current one
// (0 is the current session, -1 the one before).
func (h *History) Range(session, start, stop int) []Entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	if session <= 0 {
		session += h.session
	}
	var out []Entry
	for _, e := range h.entries {
		if e.Session == session && e.Line >= start && (stop <= 0 || e.Line < stop) {
			out = append(out, e)
		}
	}
	return out
}

// Search returns the last n (0: all) entries whose input matches the glob
// pattern (* and ? and [classes], as IPython's history search); with
// unique, each input once.
func (h *History) Search(pattern string, n int, unique bool) []Entry {
	re, err := globRegexp(pattern)
	if err != nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Entry
	seen := map[string]bool{}
	for i := len(h.entries) - 1; i >= 0; i-- {
		e := h.entries[i]
		if !re.MatchString(e.Input) || (unique && seen[e.Input]) {
			continue
		}
		seen[e.Input] = true
		out = append(out, e)
		if n > 0 && len(out) == n {
			break
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func globRegexp(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		pattern = "*"
	}
	var b strings.Builder
	b.WriteString("(?s)^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := strings.IndexByte(pattern[i:], ']')
			if j < 0 {
				b.WriteString(regexp.QuoteMeta("["))
				continue
			}
			class := pattern[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("history pattern %q: %w", pattern, err)
	}
	return re, nil
}

func (k *Kernel) historyRequest(m *jupyter.Message) {
	var req struct {
		Output  bool   `json:"output"`
		Access  string `json:"hist_access_type"`
		Session int    `json:"session"`
		Start   int    `json:"start"`
		Stop    int    `json:"stop"`
		N       int    `json:"n"`
		Pattern string `json:"pattern"`
		Unique  bool   `json:"unique"`
	}
	_ = json.Unmarshal(m.Content, &req)
	var entries []Entry
	switch req.Access {
	case "tail":
		entries = k.history.Tail(req.N)
	case "range":
		entries = k.history.Range(req.Session, req.Start, req.Stop)
	case "search":
		entries = k.history.Search(req.Pattern, req.N, req.Unique)
	}
	items := make([]any, 0, len(entries))
	for _, e := range entries {
		if req.Output {
			items = append(items, []any{e.Session, e.Line, []any{e.Input, e.Output}})
		} else {
			items = append(items, []any{e.Session, e.Line, e.Input})
		}
	}
	k.reply(m, "history_reply", map[string]any{"status": "ok", "history": items}, nil)
}
