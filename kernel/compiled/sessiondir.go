package compiled

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A session's module lives in a temporary directory that the session
// removes when it ends. A kernel that is killed cannot remove it, so each
// session holds a lock on a file in its directory for as long as its
// process lives, and a new session removes the directories whose lock no
// process holds.

const (
	sessionDirPattern = "gocurrent-session-*"
	lockName          = ".lock"
	// unlockedAge is how old a directory without a lock file must be to
	// be taken as abandoned (its session made it and has not locked it
	// yet, or made it before sessions locked theirs).
	unlockedAge = 24 * time.Hour
)

// newSessionDir makes a session's directory and locks it; the lock lasts
// until the file is closed or the process ends.
func newSessionDir() (string, *os.File, error) {
	dir, err := os.MkdirTemp("", sessionDirPattern)
	if err != nil {
		return "", nil, fmt.Errorf("make the session's module: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("lock the session's module: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("lock the session's module: %w", err)
	}
	return dir, f, nil
}

// removeAbandoned removes the session directories under parent that no
// live session holds, and returns how many it removed.
func removeAbandoned(parent string) int {
	dirs, err := filepath.Glob(filepath.Join(parent, sessionDirPattern))
	if err != nil {
		return 0
	}
	removed := 0
	for _, dir := range dirs {
		if abandoned(dir) && os.RemoveAll(dir) == nil {
			removed++
		}
	}
	return removed
}

// abandoned reports whether no live session holds dir.
func abandoned(dir string) bool {
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() || !strings.HasPrefix(info.Name(), "gocurrent-session-") {
		return false
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return false
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
	if err != nil {
		return os.IsNotExist(err) && time.Since(info.ModTime()) > unlockedAge
	}
	defer f.Close()
	// The lock is taken only to be given back with the file: the
	// directory is removed while it is held, so no new session can take
	// a directory that is being removed (they make new ones).
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
