package compiled

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAbandonedSessionDirs(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	live, liveLock, err := newSessionDir()
	if err != nil {
		t.Fatal(err)
	}
	defer liveLock.Close()
	dead, deadLock, err := newSessionDir()
	if err != nil {
		t.Fatal(err)
	}
	deadLock.Close() // as when the kernel was killed
	fresh := filepath.Join(os.TempDir(), "gocurrent-session-1")
	old := filepath.Join(os.TempDir(), "gocurrent-session-2")
	for _, d := range []string{fresh, old} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * unlockedAge)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if n := removeAbandoned(os.TempDir()); n != 2 {
		t.Errorf("removed %d directories, want 2 (the unlocked one and the old one without a lock)", n)
	}
	for dir, want := range map[string]bool{live: true, dead: false, fresh: true, old: false} {
		_, err := os.Stat(dir)
		if got := err == nil; got != want {
			t.Errorf("%s exists: %v, want %v", filepath.Base(dir), got, want)
		}
	}
}
