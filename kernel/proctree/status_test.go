package proctree

import (
	"os"
	"testing"
	"time"
)

func TestStatusReaders(t *testing.T) {
	if rss := RSS(os.Getpid()); rss < 1<<20 {
		t.Errorf("RSS(self) = %d", rss)
	}
	if up := Uptime(os.Getpid()); up < 0 || up > 24*time.Hour {
		t.Errorf("Uptime(self) = %v", up)
	}
	if RSS(-1) != 0 || Uptime(-1) != 0 {
		t.Error("readers of a missing process are not 0")
	}
}
