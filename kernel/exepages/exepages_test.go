package exepages

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestReadOnlyKeepsOnlyTheExecutablesUnwrittenReadOnlyMappings(t *testing.T) {
	f, err := os.Open("testdata/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadOnly(f, 0xfe01, 1234)
	if err != nil {
		t.Fatal(err)
	}
	want := []Span{
		{0x400000, 0xc77000},             // code
		{0xc77000, 0x1514000},            // read-only data
		{0x7f0000300000, 0x7f0000400000}, // the executable, since deleted
	}
	// Left out: read-only but with anonymous pages (relocations), writable,
	// swapped out, shared, another device's inode 1234, another file.
	if !slices.Equal(got, want) {
		t.Errorf("ReadOnly = %x, want %x", got, want)
	}
}

func TestReadOnlyRefusesABadMapping(t *testing.T) {
	_, err := ReadOnly(strings.NewReader("zz-00c77000 r-xp 00000000 fe:01 1234 /opt/gocurrent\n"), 0xfe01, 1234)
	if err == nil {
		t.Fatal("no error for a bad address")
	}
}

// rssFile is the process's resident pages mapped from files, in kB.
func rssFile(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

func TestReleaseLowersTheResidentPagesAndTheProcessGoesOn(t *testing.T) {
	before := rssFile(t)
	n, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	after := rssFile(t)
	t.Logf("released mappings of %d KiB; RssFile %d -> %d kB", n>>10, before, after)
	if n == 0 || after >= before {
		t.Errorf("Release spanned %d bytes; RssFile %d -> %d kB, want lower", n, before, after)
	}
	// The code and data released are mapped back as they are used.
	if got := strings.Repeat(strconv.Itoa(42), 2); got != "4242" {
		t.Errorf("after Release: %q", got)
	}
}
