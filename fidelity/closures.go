//go:build ignore

// A registry of function values, closures with state, a generic stack
// with pointer methods, labelled continue and break.
package main

import (
	"errors"
	"fmt"
	"sort"
)

var handlers = map[string]func(int) int{}

func register(name string, f func(int) int) { handlers[name] = f }

func counterGen() func() int {
	n := 0
	return func() int { n++; return n }
}

var errEmpty = errors.New("empty stack")

type stack[T any] struct{ items []T }

func (s *stack[T]) push(v T) { s.items = append(s.items, v) }
func (s *stack[T]) pop() (T, error) {
	var zero T
	if len(s.items) == 0 {
		return zero, errEmpty
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, nil
}

func main() {
	register("double", func(x int) int { return 2 * x })
	register("square", func(x int) int { return x * x })
	var keys []string
	for k := range handlers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Println(k, handlers[k](7))
	}
	next := counterGen()
	next()
	next()
	fmt.Println(next())
	var s stack[string]
	s.push("a")
	s.push("b")
	v, _ := s.pop()
	fmt.Println(v)
	s.pop()
	_, err := s.pop()
	fmt.Println(err, errors.Is(err, errEmpty))
outer:
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if j == 2 {
				continue outer
			}
			if i == 2 {
				break outer
			}
			fmt.Print(i, j, " ")
		}
	}
	fmt.Println()
}
