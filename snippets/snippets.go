// Package snippets holds gocurrent's ready-made cells: short examples of
// goroutines as threads, locking, processes, concurrency patterns and the
// measuring magics, each one cell's text with a title and a one-line
// purpose. The kernel lists them with %snippets and puts one into the
// cell with %load NAME.
//
// Each snippet is a file TOPIC/NAME.gocell (not a .go file: a cell is not a
// Go source file) that starts with two header lines,
//
//	// Title: ...
//	// Purpose: ...
//
// followed by the cell's text, which may start with a magic line.
package snippets

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Snippet is one ready-made cell.
type Snippet struct {
	Name    string // short kebab-case name, unique across topics
	Topic   string // one of Topics()
	Title   string
	Purpose string // one line
	Code    string // the cell's text, ending with a newline
}

//go:embed */*.gocell
var files embed.FS

// topics are the topics in teaching order.
var topics = []string{"threading", "locking", "processes", "patterns", "timing"}

var load = sync.OnceValues(func() ([]Snippet, error) {
	var all []Snippet
	seen := map[string]string{}
	for _, topic := range topics {
		entries, err := fs.ReadDir(files, topic)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".gocell")
			if !ok {
				continue
			}
			data, err := files.ReadFile(path.Join(topic, e.Name()))
			if err != nil {
				return nil, err
			}
			s, err := parse(topic, name, string(data))
			if err != nil {
				return nil, err
			}
			if other, dup := seen[name]; dup {
				return nil, fmt.Errorf("snippet %s is in both %s and %s", name, other, topic)
			}
			seen[name] = topic
			all = append(all, s)
		}
	}
	return all, nil
})

func parse(topic, name, text string) (Snippet, error) {
	s := Snippet{Name: name, Topic: topic}
	rest := text
	for _, field := range []struct {
		prefix string
		to     *string
	}{{"// Title: ", &s.Title}, {"// Purpose: ", &s.Purpose}} {
		line, after, _ := strings.Cut(rest, "\n")
		v, ok := strings.CutPrefix(line, field.prefix)
		if !ok || strings.TrimSpace(v) == "" {
			return s, fmt.Errorf("snippet %s/%s: line %q should start with %q", topic, name, line, field.prefix)
		}
		*field.to = strings.TrimSpace(v)
		rest = after
	}
	s.Code = strings.TrimLeft(rest, "\n")
	if strings.TrimSpace(s.Code) == "" {
		return s, fmt.Errorf("snippet %s/%s has no code", topic, name)
	}
	if !strings.HasSuffix(s.Code, "\n") {
		s.Code += "\n"
	}
	return s, nil
}

// All returns every snippet, by topic (in the order of Topics) and by name.
// It panics if an embedded file is malformed (a test checks they are not).
func All() []Snippet {
	all, err := load()
	if err != nil {
		panic(err)
	}
	return slices.Clone(all)
}

// Topics returns the topics in teaching order.
func Topics() []string { return slices.Clone(topics) }

// Find returns the snippet called name.
func Find(name string) (Snippet, bool) {
	for _, s := range All() {
		if s.Name == name {
			return s, true
		}
	}
	return Snippet{}, false
}

// ByTopic returns the snippets of one topic, and false for an unknown
// topic.
func ByTopic(topic string) ([]Snippet, bool) {
	if !slices.Contains(topics, topic) {
		return nil, false
	}
	var out []Snippet
	for _, s := range All() {
		if s.Topic == topic {
			out = append(out, s)
		}
	}
	return out, true
}

// Similar returns the names of the snippets closest to name (by edit
// distance to the name or one of its dash-separated words, or containing
// it), best first, at most n of them.
func Similar(name string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, s := range All() {
		d := distance(name, s.Name)
		for _, part := range strings.Split(s.Name, "-") { // "mutx" is near mutex-counter
			d = min(d, distance(name, part)+1)
		}
		if name != "" && (strings.Contains(s.Name, name) || strings.Contains(name, s.Name)) {
			d = min(d, 1)
		}
		if d <= max(3, len(name)/3) {
			cs = append(cs, cand{s.Name, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for _, c := range cs {
		if len(out) == n {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
