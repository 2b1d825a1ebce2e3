//go:build ignore

// Generic pipeline stages, fan-in, a constraint with ~ types, a nil channel
// in select and a semaphore channel.
package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

func gen[T any](vals ...T) <-chan T {
	out := make(chan T)
	go func() {
		defer close(out)
		for _, v := range vals {
			out <- v
		}
	}()
	return out
}

func mapc[T, U any](in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out)
		for v := range in {
			out <- f(v)
		}
	}()
	return out
}

func merge[T any](cs ...<-chan T) <-chan T {
	var wg sync.WaitGroup
	out := make(chan T)
	for _, c := range cs {
		wg.Add(1)
		go func(c <-chan T) {
			defer wg.Done()
			for v := range c {
				out <- v
			}
		}(c)
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

type Temperature interface{ ~float64 }

// Warmest is the highest of ts.
func Warmest[T Temperature](ts ...T) T { return slices.Max(ts) }

// Reduce folds xs into an accumulator.
func Reduce[T, A any](xs []T, acc A, f func(A, T) A) A {
	for _, x := range xs {
		acc = f(acc, x)
	}
	return acc
}

type Celsius float64

func main() {
	words := gen("go", "chan", "select")
	upper := mapc(words, strings.ToUpper)
	lengths := mapc(upper, func(s string) int { return len(s) })
	total := 0
	for n := range lengths {
		total += n
	}
	fmt.Println("total", total)
	a := gen(1, 2, 3)
	b := gen(10, 20)
	sum := 0
	for v := range merge(a, b) {
		sum += v
	}
	fmt.Println("merged", sum)
	fmt.Println(Warmest[Celsius](1.5, 2.5), Reduce([]int{1, 2, 3}, "", func(a string, n int) string { return a + fmt.Sprint(n) }))
	fmt.Println(Reduce([]Celsius{1, 2}, Celsius(0.5), func(a, c Celsius) Celsius { return a + c }))
	var nilc chan int
	select {
	case v := <-nilc:
		fmt.Println("never", v)
	default:
		fmt.Println("nil channel blocks")
	}
	sem := make(chan struct{}, 2)
	var mu sync.Mutex
	active, peak := 0, 0
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			mu.Lock()
			active++
			peak = max(peak, active)
			mu.Unlock()
			mu.Lock()
			active--
			mu.Unlock()
			<-sem
		}()
	}
	wg.Wait()
	fmt.Println("peak <= 2:", peak <= 2)
}
