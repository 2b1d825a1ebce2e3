//go:build ignore

// Generics: functions with one and several type parameters, constraints,
// generic types with methods, and the generic standard library.
package main

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

type Number interface {
	~int | ~int64 | ~float64
}

func Sum[T Number](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func Filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func Reduce[T, A any](xs []T, init A, f func(A, T) A) A {
	acc := init
	for _, x := range xs {
		acc = f(acc, x)
	}
	return acc
}

func Keys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func MaxOf[T cmp.Ordered](first T, rest ...T) T {
	m := first
	for _, r := range rest {
		m = max(m, r)
	}
	return m
}

type Stack[T any] struct{ items []T }

func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }

func (s *Stack[T]) Pop() (T, error) {
	var zero T
	if len(s.items) == 0 {
		return zero, errors.New("empty stack")
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, nil
}

func (s *Stack[T]) Len() int { return len(s.items) }

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

func (p Pair[K, V]) String() string { return fmt.Sprintf("(%v, %v)", p.Key, p.Val) }

type Celsius float64

func main() {
	fmt.Println(Sum([]int{1, 2, 3}), Sum([]float64{1.5, 2.25}), Sum([]Celsius{20, 1.5}))
	strs := Map([]int{1, 2, 3}, strconv.Itoa)
	fmt.Println(strings.Join(strs, "+"))
	lengths := Map([]string{"a", "bb", "ccc"}, func(s string) int { return len(s) })
	fmt.Println(lengths)
	odd := Filter([]int{1, 2, 3, 4, 5}, func(n int) bool { return n%2 == 1 })
	fmt.Println(odd)
	joined := Reduce(odd, "", func(acc string, n int) string { return acc + strconv.Itoa(n) })
	fmt.Println(joined)
	fmt.Println(Keys(map[string]bool{"z": true, "a": false, "m": true}))
	fmt.Println(MaxOf(3, 9, 2), MaxOf("pear", "apple"), MaxOf[float64](1, 2.5))

	var st Stack[string]
	st.Push("a")
	st.Push("b")
	top, _ := st.Pop()
	fmt.Println(top, st.Len())
	st.Pop()
	_, err := st.Pop()
	fmt.Println(err)

	ints := &Stack[int]{}
	for i := range 3 {
		ints.Push(i * 10)
	}
	fmt.Println(ints.items)

	pairs := []Pair[string, int]{{"b", 2}, {"a", 1}, {"c", 0}}
	slices.SortFunc(pairs, func(x, y Pair[string, int]) int { return cmp.Compare(x.Key, y.Key) })
	for _, p := range pairs {
		fmt.Print(p, " ")
	}
	fmt.Println(pairs[0].Key)

	xs := []int{4, 1, 3}
	slices.Sort(xs)
	idx, found := slices.BinarySearch(xs, 3)
	fmt.Println(xs, idx, found, slices.Max(xs), slices.Min(xs), slices.Contains(xs, 2))
	fmt.Println(min(3, 1, 2), max(2.5, 1), min("b", "a"))
}
