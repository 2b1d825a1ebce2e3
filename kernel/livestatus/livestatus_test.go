package livestatus

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	cases := []struct {
		s    Status
		want string
	}{
		{Status{Elapsed: 2500 * time.Millisecond, Goroutines: 12, CoresBusy: 1.934, Children: 3},
			"running 2.5 s · 12 goroutines · 1.93 cores busy · 3 child processes"},
		{Status{Elapsed: 600 * time.Millisecond, Goroutines: 1, CoresBusy: 0, Children: 1},
			"running 0.6 s · 1 goroutine · 0.00 cores busy · 1 child process"},
		{Status{Elapsed: 61 * time.Second, Goroutines: -1, CoresBusy: -1, Children: -1},
			"running 1 min 01 s"},
		{Status{Elapsed: 2*time.Hour + 3*time.Minute, Goroutines: 0, CoresBusy: -1, Children: 0},
			"running 2 h 03 min · 0 goroutines · 0 child processes"},
	}
	for _, c := range cases {
		if got := c.s.Line(); got != c.want {
			t.Errorf("Line() = %q, want %q", got, c.want)
		}
	}
}

func TestTreeFindsAChildAndItsChild(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 5 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var tree []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var ok bool
		tree, ok = Tree(os.Getpid())
		if !ok {
			t.Fatal("Tree: the children lists of /proc cannot be read")
		}
		if len(tree) >= 2 {
			break
		}
	}
	if !slices.Contains(tree, cmd.Process.Pid) || len(tree) < 2 {
		t.Fatalf("Tree = %v, want the shell %d and its sleep", tree, cmd.Process.Pid)
	}
	if tree[0] != cmd.Process.Pid {
		t.Errorf("Tree = %v: children come first", tree)
	}
}

func TestSamplerCountsChildrenButNotExcludedAndCPU(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	start := time.Now()
	s := NewSampler(os.Getpid(), start)
	first := s.Sample(time.Now(), 4, nil)
	if first.CoresBusy != -1 {
		t.Errorf("first sample: cores busy %v, want unknown (-1)", first.CoresBusy)
	}
	if first.Children < 1 || first.Goroutines != 4 {
		t.Errorf("first sample = %+v, want the sleep counted and 4 goroutines", first)
	}
	// Spin for a while: the CPU time must show.
	spinUntil := time.Now().Add(300 * time.Millisecond)
	n := 0
	for time.Now().Before(spinUntil) {
		n++
	}
	second := s.Sample(time.Now(), -1, []int{cmd.Process.Pid})
	if second.CoresBusy <= 0.2 {
		t.Errorf("after spinning 0.3 s: cores busy %.2f, want clearly above 0 (%d turns)", second.CoresBusy, n)
	}
	if second.Children != first.Children-1 {
		t.Errorf("excluding the sleep: %d children, want %d", second.Children, first.Children-1)
	}
	if second.Elapsed < 300*time.Millisecond {
		t.Errorf("elapsed %v, want at least the spin", second.Elapsed)
	}
}

func TestCPUOfAnEndedProcessIsLeftOut(t *testing.T) {
	if _, ok := CPU([]int{1 << 30}); ok {
		t.Error("CPU of a pid that does not exist: ok")
	}
	if c, ok := CPU([]int{os.Getpid()}); !ok || c < 0 {
		t.Errorf("CPU of this process = %v, %v", c, ok)
	}
}

func BenchmarkSample(b *testing.B) {
	s := NewSampler(os.Getpid(), time.Now())
	for b.Loop() {
		s.Sample(time.Now(), 1, nil)
	}
}
