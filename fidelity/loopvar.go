//go:build ignore

// Go 1.22 loop variables: each iteration has its own.
package main

import (
	"fmt"
	"sort"
	"sync"
)

func main() {
	var prints []func()
	for i := 0; i < 3; i++ {
		prints = append(prints, func() { fmt.Print(i, " ") })
	}
	for _, p := range prints {
		p()
	}
	fmt.Println()

	var ptrs []*string
	for _, s := range []string{"a", "b", "c"} {
		ptrs = append(ptrs, &s)
	}
	for _, p := range ptrs {
		fmt.Print(*p)
	}
	fmt.Println()

	var mu sync.Mutex
	var seen []int
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			seen = append(seen, i)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Ints(seen)
	fmt.Println(seen)

	// The body changes the variable: the next iteration starts from it.
	var got []func() int
	for i := 0; i < 10; i++ {
		if i%4 == 0 {
			i++
			continue
		}
		got = append(got, func() int { return i })
		i += 2
	}
	for _, g := range got {
		fmt.Print(g(), " ")
	}
	fmt.Println()

	funcs := map[string]func() string{}
	for _, name := range []string{"x", "y"} {
		funcs[name] = func() string { return "I am " + name }
	}
	fmt.Println(funcs["x"](), funcs["y"]())

	var later []func() int
	for i := range 3 {
		later = append(later, func() int { return i * 100 })
	}
	for _, f := range later {
		fmt.Print(f(), " ")
	}
	fmt.Println()
}
