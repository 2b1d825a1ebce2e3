//go:build ignore

// Range over integers and functions (Go 1.22, 1.23), iter.Seq and Seq2,
// iter.Pull, the iterator functions of slices, maps and strings.
package main

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
)

func countdown(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := n; i > 0; i-- {
			if !yield(i) {
				return
			}
		}
	}
}

func enumerate[T any](xs []T) iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		for i, x := range xs {
			if !yield(i, x) {
				return
			}
		}
	}
}

func fib() func(func(int) bool) {
	return func(yield func(int) bool) {
		a, b := 0, 1
		for {
			if !yield(a) {
				return
			}
			a, b = b, a+b
		}
	}
}

func firstOver(seq iter.Seq[int], limit int) (int, bool) {
	for v := range seq {
		if v > limit {
			return v, true
		}
	}
	return 0, false
}

func main() {
	for i := range 3 {
		fmt.Print(i, " ")
	}
	fmt.Println()
	for range 2 {
		fmt.Print("tick ")
	}
	fmt.Println()

	for v := range countdown(5) {
		if v == 4 {
			continue
		}
		if v == 1 {
			break
		}
		fmt.Print(v, " ")
	}
	fmt.Println()

	for i, s := range enumerate([]string{"x", "y", "z"}) {
		fmt.Print(i, "=", s, " ")
	}
	fmt.Println()

	var fibs []int
	for f := range fib() {
		if f > 50 {
			break
		}
		fibs = append(fibs, f)
	}
	fmt.Println(fibs)
	fmt.Println(firstOver(fib(), 1000))
	fmt.Println(firstOver(countdown(3), 10))

outer:
	for i := range 3 {
		for v := range countdown(3) {
			if v == 2 {
				continue outer
			}
			if i == 2 {
				break outer
			}
			fmt.Print(i, ":", v, " ")
		}
	}
	fmt.Println()

	m := map[string]int{"go": 2009, "rust": 2015, "c": 1972}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Print(k, " ", m[k], "; ")
	}
	fmt.Println()
	years := slices.Collect(maps.Values(m))
	slices.Sort(years)
	fmt.Println(years)
	for i, v := range slices.Backward([]string{"a", "b"}) {
		fmt.Print(i, v, " ")
	}
	fmt.Println()
	fmt.Println(slices.Collect(countdown(4)))

	next, stop := iter.Pull(countdown(3))
	a, ok1 := next()
	b, ok2 := next()
	stop()
	c, ok3 := next()
	fmt.Println(a, ok1, b, ok2, c, ok3)

	for w := range strings.FieldsSeq("  split   these words ") {
		fmt.Printf("[%s]", w)
	}
	fmt.Println()
}
