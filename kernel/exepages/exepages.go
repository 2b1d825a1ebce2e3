// Package exepages gives back to Linux the pages of a process's own
// executable that it read while starting and does not need again.
//
// The interpreter's symbol tables (yaegi's stdlib package) are built at
// start-up by several megabytes of initialisation code, which run once and
// leave that code, and the read-only data it read, resident: about 10 MiB
// of RSS in every process of the executable (the kernel, its worker, the
// children of a process pool), for pages none of them uses again. Release
// tells Linux so. The pages stay in the page cache, shared by all the
// processes; a page the process does touch again is mapped back from there
// by a minor fault, with no disk read.
package exepages

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Span is a range of addresses [Start, End).
type Span struct{ Start, End uintptr }

// Release advises MADV_DONTNEED on every read-only mapping of the running
// executable (its code and read-only data) that holds only the file's
// pages, and returns how many bytes
// those mappings span. Writable mappings are left alone: a page written
// there would lose its contents. On systems without /proc it does nothing
// and returns an error.
func Release() (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &st); err != nil {
		return 0, fmt.Errorf("exepages: the executable: %w", err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, fmt.Errorf("exepages: %w", err)
	}
	defer f.Close()
	spans, err := ReadOnly(f, uint64(st.Dev), st.Ino)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, s := range spans {
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, s.Start, s.End-s.Start, syscall.MADV_DONTNEED); e != 0 {
			return n, fmt.Errorf("exepages: madvise %#x-%#x: %w", s.Start, s.End, e)
		}
		n += int64(s.End - s.Start)
	}
	return n, nil
}

// ReadOnly returns the mappings listed in smaps (the format of
// /proc/PID/smaps) that map the file of device dev and inode ino privately,
// without write permission, and hold no page of their own: a mapping made
// read-only after it was written to (the relocations of a dynamically
// linked executable) holds anonymous pages, whose contents the file does
// not have, and is left out.
func ReadOnly(smaps io.Reader, dev, ino uint64) ([]Span, error) {
	major, minor := (dev>>8)&0xfff|(dev>>32)&^0xfff, dev&0xff|(dev>>12)&^0xff
	wantDev, wantIno := fmt.Sprintf("%02x:%02x", major, minor), strconv.FormatUint(ino, 10)
	var out []Span
	var cur *Span // the mapping being read, if it is a candidate
	keep := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	sc := bufio.NewScanner(smaps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // address perms offset dev inode [path]
			keep()
			if len(f) < 5 || f[3] != wantDev || f[4] != wantIno {
				continue
			}
			if perms := f[1]; len(perms) != 4 || perms[1] == 'w' || perms[3] != 'p' {
				continue
			}
			from, to, ok := strings.Cut(f[0], "-")
			start, err1 := strconv.ParseUint(from, 16, 64)
			end, err2 := strconv.ParseUint(to, 16, 64)
			if !ok || err1 != nil || err2 != nil || end <= start {
				return nil, fmt.Errorf("exepages: bad mapping %q", sc.Text())
			}
			cur = &Span{uintptr(start), uintptr(end)}
			continue
		}
		if cur != nil && (f[0] == "Anonymous:" || f[0] == "Swap:") && (len(f) < 2 || f[1] != "0") {
			cur = nil
		}
	}
	keep()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("exepages: read smaps: %w", err)
	}
	return out, nil
}
