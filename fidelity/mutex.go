//go:build ignore

// Mutex and RWMutex guarding shared state.
package main

import (
	"fmt"
	"sort"
	"sync"
)

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) inc(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[key]++
}

type cache struct {
	mu   sync.RWMutex
	data map[int]string
	hits int
}

func (c *cache) get(k int) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.data[k]
	return v, ok
}

func (c *cache) put(k int, v string) {
	c.mu.Lock()
	c.data[k] = v
	c.mu.Unlock()
}

func main() {
	c := &counter{n: map[string]int{}}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.inc([]string{"a", "b", "c"}[i%3])
		}()
	}
	wg.Wait()
	keys := make([]string, 0, len(c.n))
	for k := range c.n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s=%d ", k, c.n[k])
	}
	fmt.Println()

	ca := &cache{data: map[int]string{}}
	for i := 0; i < 5; i++ {
		ca.put(i, fmt.Sprint("v", i))
	}
	var hits, misses int
	var mu sync.Mutex
	var wg2 sync.WaitGroup
	for r := 0; r < 10; r++ {
		wg2.Add(1)
		go func(k int) {
			defer wg2.Done()
			_, ok := ca.get(k)
			mu.Lock()
			if ok {
				hits++
			} else {
				misses++
			}
			mu.Unlock()
		}(r)
	}
	wg2.Wait()
	fmt.Println("hits", hits, "misses", misses)

	// TryLock.
	var m sync.Mutex
	m.Lock()
	fmt.Println("trylock while held:", m.TryLock())
	m.Unlock()
	fmt.Println("trylock when free:", m.TryLock())
	m.Unlock()
}
