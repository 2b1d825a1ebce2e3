package magic

import (
	"strings"
	"testing"
)

func TestFormatStatusDeadWorker(t *testing.T) {
	out := formatStatus(map[string]any{
		"worker_pid": 7, "worker_alive": false, "worker_rss_bytes": int64(0), "worker_uptime_ns": int64(0),
		"worker_restarts":    1,
		"worker_extra_thing": "x",
	})
	for _, want := range []string{"worker pid          7 (exited", "worker RSS          -\n", "worker uptime       -\n",
		"worker restarts     1\n", "worker extra thing  x\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestHelpSections(t *testing.T) {
	help := parseHelp(helpText)
	for _, name := range []string{"help", "time", "timeit", "compare", "scale", "trace", "snippets", "load"} {
		text := help[name]
		if text == "" {
			t.Errorf("help.txt has no section %q", name)
			continue
		}
		if strings.HasSuffix(text, "\n") || strings.Contains(text, "\n== ") || strings.Contains(text, "{topics}") {
			t.Errorf("section %q is not cut cleanly: %q", name, text)
		}
	}
	if !strings.HasPrefix(help["help"], "gocurrent: Go cells for Jupyter") || !strings.HasPrefix(help["timeit"], "%%timeit [-n LOOPS]") {
		t.Errorf("sections start wrongly: %q, %q", help["help"][:20], help["timeit"][:20])
	}
	if !strings.Contains(help["snippets"], "Topics: threading") {
		t.Errorf("snippet topics not filled in: %q", help["snippets"])
	}
}
