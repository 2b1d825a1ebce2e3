package session

import (
	"fmt"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/snippets"
)

// snippetsUsage and loadUsage are what %snippets -h and %load -h print.
func snippetsUsage() string {
	return `%snippets [TOPIC]
  Lists the ready-made cells (name, title, purpose), by topic, or the
  snippets of one topic. Topics: ` + strings.Join(snippets.Topics(), ", ") + `.
  %load NAME puts one into the cell.`
}

const loadUsage = `%load NAME
  Replaces the cell's text with the snippet NAME (as IPython's %load does):
  run the cell again to run the snippet. %snippets lists the names.`

// snippetMagic runs %snippets and %load. It returns stop when the cell
// must end with res (an error, or %load's payload).
func (k *Kernel) snippetMagic(mg cell.Magic, out *output) (res engine.Result, stop bool) {
	args := strings.Fields(mg.Args)
	if hasHelpFlag(mg.Args) {
		if mg.Name == "load" {
			out.Stream("stdout", loadUsage+"\n", 0)
		} else {
			out.Stream("stdout", snippetsUsage()+"\n", 0)
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
