//go:build ignore

// Recovering panics: in goroutines with the values' types, comma-ok
// assertions of what recover returns (nil when nothing panicked),
// re-panics, runtime errors, and a deferred recover in main.
package main

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
)

func safeGo(id int, f func(), report chan<- string) {
	go func() {
		defer func() {
			r := recover()
			err, isErr := r.(error)
			s, isStr := r.(string)
			report <- fmt.Sprintf("worker %d: %v (%T) err=%v/%v str=%q/%v", id, r, r, err, isErr, s, isStr)
		}()
		f()
	}()
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
	safeGo(2, func() {}, report)
	safeGo(3, func() { panic(fmt.Errorf("wrapped: %w", errors.New("io"))) }, report)
	safeGo(4, func() {
		var m map[string]int
		m["x"] = 1
	}, report)
	safeGo(5, func() { panic(42) }, report)
	var lines []string
	for range 5 {
		lines = append(lines, <-report)
	}
	sort.Strings(lines)
	fmt.Println(strings.Join(lines, "\n"))
	fmt.Println(nested())
	fmt.Println(divide(7, 2))
	fmt.Println(divide(7, 0))
	var nothing any
	_, ok := nothing.(fmt.Stringer)
	var noErr error
	_, ok2 := noErr.(interface{ Timeout() bool })
	fmt.Println(ok, ok2)
	defer func() {
		r := recover()
		fmt.Println("main recovered:", r)
	}()
	defer fmt.Println("deferred before the recovery")
	var ch chan int
	close(ch)
	fmt.Println("not reached")
}
