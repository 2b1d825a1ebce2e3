package snippets

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestAll(t *testing.T) {
	all := All()
	if len(all) < 40 {
		t.Fatalf("%d snippets, want at least 40", len(all))
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	names := map[string]bool{}
	for _, s := range all {
		if !kebab.MatchString(s.Name) || names[s.Name] {
			t.Errorf("name %q is not kebab-case or repeats", s.Name)
		}
		names[s.Name] = true
		if !slices.Contains(Topics(), s.Topic) || s.Title == "" || s.Purpose == "" || strings.Contains(s.Purpose, "\n") {
			t.Errorf("%s: topic %q, title %q, purpose %q", s.Name, s.Topic, s.Title, s.Purpose)
		}
		if strings.HasPrefix(s.Code, "//") && strings.Contains(strings.SplitN(s.Code, "\n", 2)[0], "Purpose:") {
			t.Errorf("%s: header left in the code", s.Name)
		}
		if got, ok := Find(s.Name); !ok || got != s {
			t.Errorf("Find(%q) = %v, %v", s.Name, got, ok)
		}
	}
	for _, topic := range Topics() {
		if list, ok := ByTopic(topic); !ok || len(list) < 5 {
			t.Errorf("topic %s has %d snippets", topic, len(list))
		}
	}
	if _, ok := ByTopic("nope"); ok {
		t.Error("ByTopic(nope) is ok")
	}
}

func TestSimilar(t *testing.T) {
	if got := Similar("worker-pol", 3); len(got) == 0 || got[0] != "worker-pool" {
		t.Errorf("Similar(worker-pol) = %v", got)
	}
	if got := Similar("mutex", 3); !slices.Contains(got, "mutex-counter") {
		t.Errorf("Similar(mutex) = %v", got)
	}
	if got := Similar("mutx", 3); !slices.Contains(got, "mutex-counter") {
		t.Errorf("Similar(mutx) = %v", got)
	}
	if got := Similar("zzzzzzzzzzzzzzzzzzzzzzzzzzz", 3); len(got) != 0 {
		t.Errorf("Similar(zzz) = %v", got)
	}
}
