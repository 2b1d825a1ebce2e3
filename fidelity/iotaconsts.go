//go:build ignore

// Constants with iota: typed enums with String methods, bit flags,
// skipped values, several names per line, and enums sent over channels.
package main

import (
	"fmt"
	"strings"
)

type State int

const (
	Idle State = iota
	Running
	Blocked
	Done
)

var stateNames = [...]string{"Idle", "Running", "Blocked", "Done"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

type Perm uint8

const (
	Read Perm = 1 << iota
	Write
	Exec
)

func (p Perm) String() string {
	var parts []string
	for _, f := range []struct {
		bit  Perm
		name string
	}{{Read, "r"}, {Write, "w"}, {Exec, "x"}} {
		if p&f.bit != 0 {
			parts = append(parts, f.name)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "")
}

type Size int64

const (
	_       = iota
	KB Size = 1 << (10 * iota)
	MB
	GB
)

const (
	a, b = iota, iota * 10
	c, d
	e, f Size = iota, 'x' + iota
	g, h
	half = 2.5 * iota
)

type Event struct {
	ID    int
	State State
}

func main() {
	fmt.Println(Idle, Running, Done, State(9))
	fmt.Printf("%v %d %s %q %x\n", Blocked, Blocked, Blocked, Blocked, Blocked)
	fmt.Println(Read|Exec, Perm(0), Read|Write|Exec, Perm(7) == Read|Write|Exec)
	fmt.Println(KB, MB, GB, a, b, c, d, e, f, g, h, half)
	fmt.Printf("%T %v %v\n", half, half/2, f/2)

	events := make(chan Event)
	go func() {
		defer close(events)
		for i, s := range []State{Running, Blocked, Running, Done} {
			events <- Event{i, s}
		}
	}()
	counts := map[State]int{}
	for e := range events {
		fmt.Printf("%d:%v ", e.ID, e.State)
		counts[e.State]++
	}
	fmt.Println()
	for s := Idle; s <= Done; s++ {
		fmt.Print(s, "=", counts[s], " ")
	}
	fmt.Println()
	fmt.Printf("%v %+v\n", Event{1, Done}.State, Event{2, Idle}.ID)
	var s fmt.Stringer = Running
	fmt.Println(s.String(), s)
}
