package magic

import (
	"fmt"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/snippets"
)

// snippetMagic runs %snippets and %load. It returns stop when the cell
// must end with res (an error, or %load's payload).
func (m *Magics) snippetMagic(mg cell.Magic, out Output) (res engine.Result, stop bool) {
	args := strings.Fields(mg.Args)
	if hasHelpFlag(mg.Args) {
		if mg.Name == "load" {
			out.Stream("stdout", m.help["load"]+"\n", 0)
		} else {
			out.Stream("stdout", m.help["snippets"]+"\n", 0)
		}
		return engine.Result{}, false
	}
	switch mg.Name {
	case "snippets":
		if len(args) > 1 {
			return magicError(mg, "usage: %snippets [TOPIC]"), true
		}
		text, err := listSnippets(args)
		if err != nil {
			return magicError(mg, err.Error()), true
		}
		out.Stream("stdout", text, 0)
		return engine.Result{}, false
	case "load":
		if len(args) != 1 {
			return magicError(mg, "usage: %load NAME (%snippets lists the names)"), true
		}
		s, ok := snippets.Find(args[0])
		if !ok {
			msg := fmt.Sprintf("no snippet named %q", args[0])
			if near := snippets.Similar(args[0], 3); len(near) > 0 {
				msg += "; did you mean " + strings.Join(near, ", ") + "?"
			}
			return magicError(mg, msg+" (%snippets lists them all)"), true
		}
		return engine.Result{Payload: []map[string]any{{"source": "set_next_input", "text": s.Code, "replace": true}}}, true
	}
	return engine.Result{}, false
}

// listSnippets is the text of %snippets [TOPIC].
func listSnippets(args []string) (string, error) {
	topics := snippets.Topics()
	if len(args) == 1 {
		if _, ok := snippets.ByTopic(args[0]); !ok {
			return "", fmt.Errorf("unknown topic %q; the topics are %s", args[0], strings.Join(topics, ", "))
		}
		topics = []string{args[0]}
	}
	var b strings.Builder
	total := 0
	for i, topic := range topics {
		list, _ := snippets.ByTopic(topic)
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s (%d)\n", topic, len(list))
		width := 0
		for _, s := range list {
			width = max(width, len(s.Name))
		}
		for _, s := range list {
			fmt.Fprintf(&b, "  %-*s  %s\n  %-*s  %s\n", width, s.Name, s.Title, width, "", s.Purpose)
		}
		total += len(list)
	}
	fmt.Fprintf(&b, "\n%d snippets. %%load NAME puts one into the cell.\n", total)
	return b.String(), nil
}
