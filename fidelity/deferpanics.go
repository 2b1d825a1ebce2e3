//go:build ignore

// Panics recovered in goroutines and reported on a channel, re-panics,
// defer order, recover values of several types, and runtime errors.
//
// Interpreted cells stop with an error: defer in a loop, of a function literal that uses variables declared in the loop.
package main

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
)

type fault struct {
	worker int
	reason string
}

func (f fault) String() string { return fmt.Sprintf("fault(%d,%s)", f.worker, f.reason) }

func safeGo(id int, f func(), report chan<- string) {
	go func() {
		defer func() {
			if r := recover(); r != nil {
				report <- fmt.Sprintf("worker %d recovered %v", id, r)
				return
			}
			report <- fmt.Sprintf("worker %d ok", id)
		}()
		f()
	}()
}

func deferOrder() (out []string) {
	for _, s := range []string{"a", "b", "c"} {
		defer func() { out = append(out, s) }()
	}
	return nil
}

func nested() (msg string) {
	defer func() {
		r := recover()
		msg = fmt.Sprint("outer got: ", r)
	}()
	func() {
		defer func() {
			r := recover()
			panic(fmt.Sprint("re-panic of ", r))
		}()
		panic("first")
	}()
	return "unreachable"
}

func divide(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			if re, ok := r.(runtime.Error); ok {
				err = errors.New("caught: " + re.Error())
			}
		}
	}()
	return a / b, nil
}

func main() {
	report := make(chan string)
	safeGo(1, func() { panic("boom") }, report)
	safeGo(2, func() { panic(fault{2, "disk"}) }, report)
	safeGo(3, func() {}, report)
	safeGo(4, func() { panic(fmt.Errorf("wrapped: %w", errors.New("io"))) }, report)
	safeGo(5, func() {
		var m map[string]int
		m["x"] = 1
	}, report)
	safeGo(6, func() { panic(42) }, report)
	var lines []string
	for range 6 {
		lines = append(lines, <-report)
	}
	sort.Strings(lines)
	fmt.Println(strings.Join(lines, "\n"))
	fmt.Println(deferOrder())
	fmt.Println(nested())
	fmt.Println(divide(7, 2))
	fmt.Println(divide(7, 0))
	func() {
		defer fmt.Println("deferred 1")
		defer fmt.Println("deferred 2")
		fmt.Println("body")
	}()
	var p *fault
	defer func() {
		r := recover()
		fmt.Println("main recovered:", r)
	}()
	fmt.Println(p.worker)
}
