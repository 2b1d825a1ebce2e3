//go:build ignore

// Goroutines and WaitGroup: results gathered by index, so the output does
// not depend on scheduling.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func square(n int) int { return n * n }

func main() {
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := 0; i < len(results); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = square(i)
		}()
	}
	wg.Wait()
	fmt.Println("squares:", results)

	// Arguments are evaluated when the go statement runs.
	var wg2 sync.WaitGroup
	words := make([]string, 3)
	for i, w := range []string{"go", "run", "fast"} {
		wg2.Add(1)
		go func(idx int, s string) {
			defer wg2.Done()
			words[idx] = fmt.Sprintf("%d:%s", idx, s)
		}(i, w)
	}
	wg2.Wait()
	fmt.Println("words:", words)

	// Goroutines started by goroutines.
	var wg3 sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := 1; i <= 4; i++ {
		wg3.Add(1)
		go func() {
			defer wg3.Done()
			var inner sync.WaitGroup
			for j := 1; j <= i; j++ {
				inner.Add(1)
				go func() {
					defer inner.Done()
					mu.Lock()
					total += j
					mu.Unlock()
				}()
			}
			inner.Wait()
		}()
	}
	wg3.Wait()
	fmt.Println("nested total:", total)

	// Go 1.25: WaitGroup.Go.
	var wg4 sync.WaitGroup
	sums := make([]int, 4)
	for i := range sums {
		wg4.Go(func() {
			for k := 0; k <= i*10; k++ {
				sums[i] += k
			}
		})
	}
	wg4.Wait()
	fmt.Println("wg.Go sums:", sums)
	runtime.Gosched()
	fmt.Println("done")
}
