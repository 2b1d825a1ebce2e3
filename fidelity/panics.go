//go:build ignore

// Wrapped errors with errors.As, recovered runtime panics, panics in
// goroutines turned into errors, errors.Join.
//
// Interpreted cells stop with an error: recover() of an index out of range.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
)

type ParseError struct {
	Line int
	Err  error
}

func (e *ParseError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error() }
func (e *ParseError) Unwrap() error { return e.Err }

func parse(lines []string) (sum int, err error) {
	for i, l := range lines {
		n, err := strconv.Atoi(l)
		if err != nil {
			return 0, &ParseError{i + 1, err}
		}
		sum += n
	}
	return sum, nil
}

func protect(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint("recovered: ", r)
		}
	}()
	f()
	return "ok"
}

func main() {
	fmt.Println(parse([]string{"1", "2"}))
	_, err := parse([]string{"1", "x"})
	var pe *ParseError
	fmt.Println(err, errors.As(err, &pe), pe.Line)
	var ne *strconv.NumError
	fmt.Println(errors.As(err, &ne), ne.Func)
	fmt.Println(protect(func() { panic("bad") }))
	fmt.Println(protect(func() { var m map[string]int; m["x"] = 1 }))
	fmt.Println(protect(func() { var a []int; _ = a[3] }))
	fmt.Println(protect(func() {}))
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("worker %d: %v", i, r)
				}
			}()
			if i == 1 {
				panic("boom")
			}
		}()
	}
	wg.Wait()
	fmt.Println(errors.Join(errs...))
	joined := errors.Join(errors.New("a"), errors.New("b"))
	fmt.Printf("%q\n", joined.Error())
	fmt.Fprintln(os.Stderr, "warning: done")
}
