package gotrace

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// This file reads the text that `go tool trace -d=parsed` prints: one
// header line per event,
//
//	M=4068 P=0 G=19 StateTransition Time=18908255082816 GoID=19 Running->Syscall Reason=""
//
// optionally followed by a "TransitionStack=" block (for a goroutine being
// created: its start function) and a "Stack=" block (the stack of the
// goroutine G running the event; for a creation, the go statement), each a
// list of indented "func @ 0xPC" / "file:line" pairs, and a blank line.
// Fields are found by key, unknown keys and event kinds are ignored.

func parseGState(b []byte) gstate {
	switch string(b) {
	case "Undetermined":
		return gsUndetermined
	case "NotExist":
		return gsNotExist
	case "Runnable":
		return gsRunnable
	case "Running":
		return gsRunning
	case "Waiting":
		return gsWaiting
	case "Syscall":
		return gsSyscall
	}
	return gsUnknown
}

func parseKind(b []byte) evKind {
	switch string(b) {
	case "StateTransition":
		return evTransition
	case "Metric":
		return evMetric
	case "Label":
		return evLabel
	case "RangeBegin":
		return evRangeBegin
	case "RangeActive":
		return evRangeActive
	case "RangeEnd":
		return evRangeEnd
	}
	return evOther
}

// dumpParser reads the dump line by line into its builder.
type dumpParser struct {
	builder
	have  bool // an event header was read and is not applied yet
	block int  // 0 none, 1 transition stack, 2 stack
	junk  int  // lines that are not part of an event
}

// ParseDump reads the output of `go tool trace -d=parsed` (for tests and
// the kernel).
func ParseDump(r io.Reader, opt Options) (*Trace, error) {
	p := &dumpParser{builder: newBuilder(opt)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256<<10), 4<<20)
	for sc.Scan() {
		p.line(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errors.New("gotrace: not a `go tool trace -d=parsed` dump (a line is longer than 4 MB)")
		}
		return nil, fmt.Errorf("gotrace: reading the trace dump: %w", err)
	}
	p.flush()
	if p.events == 0 {
		if p.junk == 0 {
			return nil, errors.New("gotrace: the trace dump is empty")
		}
		return nil, errors.New("gotrace: not a `go tool trace -d=parsed` dump: no event lines found")
	}
	return p.finish(), nil
}

// flush applies the pending event.
func (p *dumpParser) flush() {
	if p.have {
		p.have = false
		p.apply()
	}
}

func (p *dumpParser) line(b []byte) {
	if len(b) == 0 {
		p.block = 0
		return
	}
	if b[0] == ' ' || b[0] == '\t' {
		p.stackLine(bytes.TrimLeft(b, " \t"))
		return
	}
	if bytes.HasSuffix(b, []byte("Stack=")) && bytes.IndexByte(b, ' ') < 0 {
		if !p.have {
			p.junk++
			return
		}
		if bytes.HasPrefix(b, []byte("Transition")) {
			p.block = 1
		} else {
			p.block = 2
		}
		return
	}
	p.flush()
	if !p.header(b) {
		p.junk++
	}
}

func (p *dumpParser) stackLine(s []byte) {
	var st *[]frame
	switch p.block {
	case 1:
		if !p.wantT {
			return
		}
		st = &p.tstack
	case 2:
		if !p.wantS {
			return
		}
		st = &p.stack
	default:
		p.junk++
		return
	}
	if i := bytes.LastIndex(s, []byte(" @ 0x")); i >= 0 {
		*st = append(*st, frame{fn: p.keep(s[:i])})
		return
	}
	if n := len(*st); n > 0 && (*st)[n-1].file == nil {
		(*st)[n-1].file = p.keep(s)
	}
}

// header parses an event header line into p.ev.
func (p *dumpParser) header(line []byte) bool {
	ev := event{p: -1, g: -1, goid: -1, procID: -1, resG: -1}
	kindSeen, timeSeen := false, false
	for {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		if len(line) == 0 {
			break
		}
		j := tokenEnd(line)
		tok := line[:j]
		line = line[j:]
		eq := bytes.IndexByte(tok, '=')
		if eq < 0 {
			if k := bytes.Index(tok, []byte("->")); k >= 0 {
				ev.hasTrans = true
				ev.from = parseGState(tok[:k])
				ev.to = parseGState(tok[k+2:])
			} else if !kindSeen {
				kindSeen = true
				ev.kind = parseKind(tok)
			}
			continue
		}
		key, val := tok[:eq], tok[eq+1:]
		switch string(key) {
		case "P":
			ev.p = id(val)
		case "G":
			ev.g = id(val)
		case "Time":
			ev.t, timeSeen = atoi(val)
		case "GoID":
			ev.goid = id(val)
		case "ProcID":
			ev.procID = id(val)
		case "Reason":
			ev.reason = p.intern(unquote(val))
		case "Name", "Label":
			ev.name = p.intern(unquote(val))
		case "Value":
			// "Value{Uint64(8)}": the number in the innermost parentheses.
			if i := bytes.LastIndexByte(val, '('); i >= 0 {
				val = val[i:]
			}
			ev.value, ev.hasValue = firstUint(val)
		case "Resource":
			if bytes.HasPrefix(val, []byte("Goroutine(")) {
				if n, ok := firstUint(val); ok {
					ev.resG = int64(n)
				}
			}
		case "Scope":
			ev.scope = p.intern(val)
		}
	}
	if !kindSeen || !timeSeen || ev.t < 0 {
		return false
	}
	p.begin(ev)
	p.have = true
	p.block = 0
	return true
}

// tokenEnd is the index of the space that ends the token at the start of
// b, skipping spaces inside double quotes.
func tokenEnd(b []byte) int {
	inq := false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if inq {
				i++
			}
		case '"':
			inq = !inq
		case ' ':
			if !inq {
				return i
			}
		}
	}
	return len(b)
}

func unquote(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		if bytes.IndexByte(b, '\\') < 0 {
			return b[1 : len(b)-1]
		}
		if s, err := strconv.Unquote(string(b)); err == nil {
			return []byte(s)
		}
	}
	return b
}

// id parses a P, G, goroutine or proc id; -1 stands for none.
func id(b []byte) int64 {
	n, ok := atoi(b)
	if !ok {
		return -1
	}
	return n
}

// atoi parses a decimal integer without allocating.
func atoi(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n < 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// firstUint is the first run of digits in b ("(8)}" → 8).
func firstUint(b []byte) (uint64, bool) {
	i := 0
	for i < len(b) && (b[i] < '0' || b[i] > '9') {
		i++
	}
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if i == j {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:j]), 10, 64)
	return n, err == nil
}
