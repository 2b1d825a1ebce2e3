package proctree

import (
	"os/exec"
	"slices"
	"testing"
)

func TestStatFileReadsTheProcessUntilItIsGone(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	sf := OpenStat(pid)
	if sf == nil {
		t.Fatal("OpenStat of a running process: nil")
	}
	defer sf.Close()
	for range 3 { // read again and again from the start
		got, want := sf.Fields(), Stat(pid)
		if len(got) < 13 || !slices.Equal(got[:5], want[:5]) {
			t.Fatalf("Fields %q, Stat %q", got, want)
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if got := sf.Fields(); got != nil {
		t.Errorf("Fields after the process was reaped: %q, want nil", got)
	}
	var none *StatFile
	if none.Fields() != nil || none.Close() != nil {
		t.Error("a nil StatFile reads something")
	}
	if OpenStat(-1) != nil {
		t.Error("OpenStat(-1) is not nil")
	}
}
